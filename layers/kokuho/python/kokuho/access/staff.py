"""Staff (職員) and their grants (アクセス権限) as stored in the "staff" table.

Layout (generic keys):
- staff profile: pk STAFF#<staff_id>, sk PROFILE — name, department (所属), active_from/active_until
  (着任日/異動・退職日), kind ("individual"; shared ids are never issued, seed III-3 リスク2).
- grant: pk STAFF#<staff_id>, sk GRANT#<grant_id> — function, purpose, legal basis, department it was
  granted for, valid_from/valid_until, granted_by/granted_at; gsi1 GRANTS / <staff_id>#<grant_id> so the
  permission review list (権限設定状況の一覧表) pages over every grant.

A staff profile and its grants live in one partition: authorizing a request costs one query,
and no job ever has to revoke anything (grants.py evaluates them on the day of the request).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pynamodb.attributes import UnicodeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from kokuho.records.base import table_meta

GRANTS_PARTITION = "GRANTS"


@dataclass(frozen=True)
class StaffMember:
    """A member of staff as authorization sees them (pure value, no AWS)."""

    staff_id: str
    name: str
    department: str
    active_from: date
    active_until: date | None  # last day in post (異動・退職); None while in post
    kind: str = "individual"


@dataclass(frozen=True)
class Grant:
    """One grant of one function to one member of staff, for one purpose (利用目的) and legal basis."""

    staff_id: str
    grant_id: str
    function: str
    purpose: str
    legal_basis: str
    department: str  # the department the grant was requested for: a move elsewhere ends it
    valid_from: date
    valid_until: date  # inclusive: the last day of the needed period (必要な期間の満了日)
    granted_by: str
    granted_at: str


class _GrantsIndex(GlobalSecondaryIndex["GrantModel"]):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class StaffModel(Model):
    Meta = table_meta("staff")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    staff_id = UnicodeAttribute()
    name = UnicodeAttribute()
    department = UnicodeAttribute()
    kind = UnicodeAttribute(default="individual")
    active_from = UnicodeAttribute()
    active_until = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()
    version = VersionAttribute()

    def to_member(self) -> StaffMember:
        return StaffMember(
            staff_id=self.staff_id, name=self.name, department=self.department,
            active_from=date.fromisoformat(self.active_from),
            active_until=date.fromisoformat(self.active_until) if self.active_until else None,
            kind=self.kind,
        )


class GrantModel(Model):
    Meta = table_meta("staff")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    staff_id = UnicodeAttribute()
    grant_id = UnicodeAttribute()
    function = UnicodeAttribute()
    purpose = UnicodeAttribute()
    legal_basis = UnicodeAttribute()
    department = UnicodeAttribute()
    valid_from = UnicodeAttribute()
    valid_until = UnicodeAttribute()
    granted_by = UnicodeAttribute()
    granted_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    all_grants = _GrantsIndex()

    def to_grant(self) -> Grant:
        return Grant(
            staff_id=self.staff_id, grant_id=self.grant_id, function=self.function, purpose=self.purpose,
            legal_basis=self.legal_basis, department=self.department,
            valid_from=date.fromisoformat(self.valid_from), valid_until=date.fromisoformat(self.valid_until),
            granted_by=self.granted_by, granted_at=self.granted_at,
        )


def staff_pk(staff_id: str) -> str:
    return f"STAFF#{staff_id}"


def put_staff(member: StaffMember) -> None:
    """Create or update a staff profile (異動・退職 set `active_until` / change `department`)."""
    try:
        current = StaffModel.get(staff_pk(member.staff_id), "PROFILE", consistent_read=True)
    except StaffModel.DoesNotExist:
        current = StaffModel(staff_pk(member.staff_id), "PROFILE")
    current.staff_id = member.staff_id
    current.name = member.name
    current.department = member.department
    current.kind = member.kind
    current.active_from = member.active_from.isoformat()
    current.active_until = member.active_until.isoformat() if member.active_until else None
    current.updated_at = datetime.now(UTC).isoformat()
    current.save()


def put_grant(grant: Grant) -> None:
    """Record a grant (set by the head of the department owning the system, seed III-3 リスク2)."""
    GrantModel(
        staff_pk(grant.staff_id), f"GRANT#{grant.grant_id}", staff_id=grant.staff_id,
        grant_id=grant.grant_id, function=grant.function, purpose=grant.purpose,
        legal_basis=grant.legal_basis, department=grant.department,
        valid_from=grant.valid_from.isoformat(), valid_until=grant.valid_until.isoformat(),
        granted_by=grant.granted_by, granted_at=grant.granted_at,
        gsi1pk=GRANTS_PARTITION, gsi1sk=f"{grant.staff_id}#{grant.grant_id}",
    ).save()


def load_staff(staff_id: str) -> tuple[StaffMember | None, list[Grant]]:
    """The staff profile (None if unknown) and every grant ever given to them: ONE query on the
    staff partition (authorization runs on every request)."""
    member: StaffMember | None = None
    grants: list[Grant] = []
    start: dict[str, Any] | None = None
    while True:
        page = StaffModel._get_connection().query(staff_pk(staff_id), consistent_read=True,
                                                  exclusive_start_key=start)
        for raw in page.get("Items", []):
            sk = raw["sk"]["S"]
            if sk == "PROFILE":
                member = StaffModel.from_raw_data(raw).to_member()
            elif sk.startswith("GRANT#"):
                grants.append(GrantModel.from_raw_data(raw).to_grant())
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    return member, grants


def page_grants(limit: int, start: str | None) -> tuple[list[Grant], str | None]:
    """One page of every grant (the review list), with the key to the next page."""
    last_key = {"gsi1pk": {"S": GRANTS_PARTITION}, "gsi1sk": {"S": start},
                "pk": {"S": staff_pk(start.split("#", 1)[0])},
                "sk": {"S": f"GRANT#{start.split('#', 1)[1]}"}} if start and "#" in start else None
    result = GrantModel.all_grants.query(GRANTS_PARTITION, limit=limit, last_evaluated_key=last_key)
    grants = [g.to_grant() for g in result]
    lek = result.last_evaluated_key
    token = lek["gsi1sk"]["S"] if lek else None
    return grants, token


def staff_profiles(staff_ids: set[str]) -> dict[str, StaffMember]:
    out: dict[str, StaffMember] = {}
    for sid in staff_ids:
        try:
            out[sid] = StaffModel.get(staff_pk(sid), "PROFILE").to_member()
        except StaffModel.DoesNotExist:
            continue
    return out
