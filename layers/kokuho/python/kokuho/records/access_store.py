"""The pynamodb adapters of the access area's ports (kokuho.access.ports): staff and grants ("staff"
table), the login broker's sessions ("staff_sessions"), the volume-limit counters ("api_usage") and the
security team's reads of the access log ("access_log": the subject index and the records' staff index).

Layouts:
- staff profile: pk STAFF#<staff_id>, sk PROFILE — name, department (所属), active_from/active_until
  (着任日/異動・退職日), kind ("individual"; shared ids are never issued, seed III-3 リスク2).
- grant: pk STAFF#<staff_id>, sk GRANT#<grant_id> — function, purpose, legal basis, department it was
  granted for, valid_from/valid_until, granted_by/granted_at; gsi1 GRANTS / <staff_id>#<grant_id> so the
  permission review list (権限設定状況の一覧表) pages over every grant. A profile and its grants share
  one partition: authorizing a request costs one query.
- session: pk SESSION#<temporary access key id>, sk SESSION — staff id, terminal id, role, expiry
  (DynamoDB TTL on `expires_at`); written by the login broker alone.
- usage counter: pk USAGE#<staff>, sk <function>#persons#<window start> or
  <function>#pages#<query>#<window start>; moved only by atomic conditional updates.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from kokuho.access.actor import Actor
from kokuho.access.chain import Anchor, ChainBreak
from kokuho.access.ports import SessionExists, StaffSession, Take
from kokuho.access.records import CHAIN_PREFIX, record_access, scan_cuts, scan_heads, verify_all
from kokuho.access.staff import Grant, StaffMember
from kokuho.records.access_log import AccessRecordModel, entries_naming
from kokuho.records.base import Gsi1, TableModel, connection, table_meta

GRANTS_PARTITION = "GRANTS"


class StaffModel(TableModel):
    Meta = table_meta("staff")

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


class GrantModel(TableModel):
    Meta = table_meta("staff")

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
    all_grants = Gsi1["GrantModel"]()

    def to_grant(self) -> Grant:
        return Grant(
            staff_id=self.staff_id, grant_id=self.grant_id, function=self.function, purpose=self.purpose,
            legal_basis=self.legal_basis, department=self.department,
            valid_from=date.fromisoformat(self.valid_from), valid_until=date.fromisoformat(self.valid_until),
            granted_by=self.granted_by, granted_at=self.granted_at,
        )


def staff_pk(staff_id: str) -> str:
    return f"STAFF#{staff_id}"


class PynamoStaffStore:
    def load_staff(self, staff_id: str, function: str | None = None) -> tuple[StaffMember | None, list[Grant]]:
        member: StaffMember | None = None
        grants: list[Grant] = []
        start: dict[str, Any] | None = None
        # A grant check needs the profile and that function's grants: the others stay in the table.
        only = (StaffModel.sk == "PROFILE") | (GrantModel.function == function) if function is not None else None
        while True:
            page = StaffModel._get_connection().query(staff_pk(staff_id), consistent_read=True,
                                                      exclusive_start_key=start, filter_condition=only)
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

    def put_staff(self, member: StaffMember) -> None:
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

    def put_grant(self, grant: Grant) -> None:
        GrantModel(
            staff_pk(grant.staff_id), f"GRANT#{grant.grant_id}", staff_id=grant.staff_id,
            grant_id=grant.grant_id, function=grant.function, purpose=grant.purpose,
            legal_basis=grant.legal_basis, department=grant.department,
            valid_from=grant.valid_from.isoformat(), valid_until=grant.valid_until.isoformat(),
            granted_by=grant.granted_by, granted_at=grant.granted_at,
            gsi1pk=GRANTS_PARTITION, gsi1sk=f"{grant.staff_id}#{grant.grant_id}",
        ).save()

    def page_grants(self, limit: int, start: str | None) -> tuple[list[Grant], str | None]:
        last_key = {"gsi1pk": {"S": GRANTS_PARTITION}, "gsi1sk": {"S": start},
                    "pk": {"S": staff_pk(start.split("#", 1)[0])},
                    "sk": {"S": f"GRANT#{start.split('#', 1)[1]}"}} if start and "#" in start else None
        result = GrantModel.all_grants.query(GRANTS_PARTITION, limit=limit, last_evaluated_key=last_key)
        grants = [g.to_grant() for g in result]
        lek = result.last_evaluated_key
        return grants, lek["gsi1sk"]["S"] if lek else None

    def staff_profiles(self, staff_ids: set[str]) -> dict[str, StaffMember]:
        # every profile of a review page in one BatchGetItem (100 keys a request), not a read a member
        keys = [(staff_pk(sid), "PROFILE") for sid in sorted(staff_ids)]
        return {m.staff_id: m.to_member() for m in StaffModel.batch_get(keys)} if keys else {}


class StaffSessionModel(TableModel):
    Meta = table_meta("staff_sessions")

    staff_id = UnicodeAttribute()
    terminal_id = UnicodeAttribute()
    role_arn = UnicodeAttribute()
    registered_at = UnicodeAttribute()
    expires_at = NumberAttribute()  # epoch seconds: the STS credentials' expiry (TTL)


def _session_pk(access_key_id: str) -> str:
    return f"SESSION#{access_key_id}"


class PynamoSessionStore:
    def put_session(self, session: StaffSession) -> None:
        try:
            StaffSessionModel(
                _session_pk(session.access_key_id), "SESSION", staff_id=session.staff_id,
                terminal_id=session.terminal_id, role_arn=session.role_arn, registered_at=session.registered_at,
                expires_at=session.expires_at,
            ).save(condition=StaffSessionModel.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise SessionExists("a session is registered under that key") from exc
            raise

    def get_session(self, access_key_id: str) -> StaffSession | None:
        try:
            item = StaffSessionModel.get(_session_pk(access_key_id), "SESSION", consistent_read=True)
        except StaffSessionModel.DoesNotExist:
            return None
        return StaffSession(access_key_id, item.staff_id, item.terminal_id, item.role_arn, item.registered_at,
                            int(item.expires_at))


class UsageModel(TableModel):
    """pk USAGE#<staff>, sk <function>#persons#<window start> or <function>#pages#<query>#<window start>."""

    Meta = table_meta("api_usage")

    units = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # epoch seconds: DynamoDB TTL, one window after the window


def _within(take: Take) -> Any:
    return UsageModel.units.does_not_exist() | (UsageModel.units <= take.limit - take.units)


def add_takes(tx: TransactWrite, takes: Sequence[Take], expires_at: int) -> None:
    """The takes as conditional updates of a caller's transaction (kokuho.access.volume_ports): refused with
    it when a counter would pass its limit."""
    for take in takes:
        tx.update(UsageModel(*take.key),
                  actions=[UsageModel.units.add(take.units), UsageModel.expires_at.set(expires_at)],
                  condition=_within(take))


class PynamoUsageStore:
    def take(self, take: Take, expires_at: int) -> bool:
        try:
            UsageModel(*take.key).update(
                actions=[UsageModel.units.add(take.units), UsageModel.expires_at.set(expires_at)],
                condition=_within(take))
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def take_all(self, takes: Sequence[Take], expires_at: int) -> int | None:
        try:
            with TransactWrite(connection=connection()) as tx:
                for take in takes:
                    tx.update(UsageModel(*take.key),
                              actions=[UsageModel.units.add(take.units), UsageModel.expires_at.set(expires_at)],
                              condition=_within(take))
        except TransactWriteError as exc:
            refused = [r is not None and r.code == "ConditionalCheckFailed" for r in exc.cancellation_reasons]
            if True in refused:
                return refused.index(True)
            raise
        return None

    def add(self, key: tuple[str, str], delta: int) -> None:
        UsageModel(*key).update(actions=[UsageModel.units.add(delta)])

    def usage(self, staff_id: str) -> dict[str, int]:
        return {item.sk: int(item.units or 0)
                for item in UsageModel.query(f"USAGE#{staff_id}", consistent_read=True)}


CURSOR_SEPARATOR = "\x1f"  # between a record's index sort key, pk and sk in a staff page's cursor (none holds it)
STAFF_RECORD_FIELDS = ("at", "staff_id", "terminal_id", "purpose", "subject_ids", "category", "operation",
                       "result", "chain", "seq")


class PynamoAccessLog:
    def record(self, actor: Actor, subject_ids: Sequence[str], category: str, operation: str) -> None:
        record_access(actor, subject_ids, category, operation)

    def subject_entries(self, subject: str, low: str, high: str, limit: int | None,
                        start_after: str | None) -> Iterator[tuple[list[tuple[str, str, str]], str | None]]:
        # raw (pk, sk, row): nothing to build per entry but its row. Its own entries and its bucket's shared
        # ones naming it (kokuho.records.access_log.entries_naming), merged in order; one more than the page
        # is read to know whether more follow.
        entries = entries_naming(subject, low, high, start_after, page=None if limit is None else limit + 1,
                                 consistent=False)
        items = [(i["pk"]["S"], i["sk"]["S"], i.get("row", {}).get("S", ""))
                 for i in (entries if limit is None else itertools.islice(entries, limit + 1))]
        if limit is None or len(items) <= limit:
            yield items, None
        else:
            yield items[:limit], items[limit - 1][1]

    def staff_records(self, staff_id: str, low: str, high: str) -> list[dict[str, Any]]:
        rows = []
        for r in AccessRecordModel.by_staff.query(f"STAFF#{staff_id}", AccessRecordModel.gsi1sk.between(low, high)):
            row = {f: getattr(r, f) for f in STAFF_RECORD_FIELDS}
            row["subject_ids"], row["seq"] = list(r.subject_ids), int(r.seq)
            rows.append(row)
        return rows

    def staff_records_page(self, staff_id: str, low: str, high: str, limit: int,
                           start_after: str | None) -> tuple[list[dict[str, Any]], str | None]:
        last = None
        if start_after is not None:
            gsi1sk, pk, sk = start_after.split(CURSOR_SEPARATOR)
            last = {"gsi1pk": {"S": f"STAFF#{staff_id}"}, "gsi1sk": {"S": gsi1sk}, "pk": {"S": pk}, "sk": {"S": sk}}
        rows, cursors = [], []
        # one more than the page: whether more follow
        for r in AccessRecordModel.by_staff.query(f"STAFF#{staff_id}", AccessRecordModel.gsi1sk.between(low, high),
                                                  limit=limit + 1, last_evaluated_key=last):
            row = {f: getattr(r, f) for f in STAFF_RECORD_FIELDS}
            row["subject_ids"], row["seq"] = list(r.subject_ids), int(r.seq)
            rows.append(row)
            cursors.append(CURSOR_SEPARATOR.join((r.gsi1sk, r.pk, r.sk)))
            if len(rows) > limit:
                break
        if len(rows) <= limit:
            return rows, None
        return rows[:limit], cursors[limit - 1]

    def day_records(self, day: str) -> list[dict[str, Any]]:
        rows = []
        on_day = AccessRecordModel.pk.startswith(CHAIN_PREFIX) & AccessRecordModel.at.startswith(day)
        for r in AccessRecordModel.scan(on_day):  # a full scan: daily, audit use
            row = dict(r.attribute_values)
            row["subject_ids"], row["seq"] = list(r.subject_ids), int(r.seq)
            rows.append(row)
        return rows

    def heads(self, anchored: Mapping[str, int]) -> tuple[dict[str, tuple[int, str]], dict[str, str]]:
        return scan_heads(anchored)

    def verify(self, anchors: Mapping[str, Anchor]) -> tuple[int, int, list[ChainBreak]]:
        return verify_all(anchors)

    def cuts(self) -> dict[str, tuple[int, str, bool, str | None]]:
        return scan_cuts()
