"""What the city-file intakes keep in the "qualification" table (pynamodb models and key layout).

- INTAKE#<kind>#<sha256 of the file> / FILE        the file was applied whole: when, counts (applied once)
- INTAKE#<kind>#<sha256 of the file> / LINE#<n>    line n was applied — written in the transaction that
                                                   applied it, so a run cut short resumes exactly; `lines`:
                                                   the lines that transaction applied with it ("3-7,9": one
                                                   marker a transaction, not one a line)
- INTAKE#<kind>#<sha256 of the file> / HELD#<n>    line n is kept for review, not applied (e.g. an income
                                                   of a 宛名番号 not in the NHI file); gsi1 HELD#<kind>
- INTAKE#<kind>#<sha256 of the file> / LEASE       the run that holds the file now (`owner`, a random token
                                                   each invocation takes over, unconditionally): every
                                                   transaction that applies or holds a line, and the file's
                                                   FILE mark (which deletes it), commits only while its run
                                                   is the owner — two runs of one file never both write
- PERSON#<id> / PENDING#ACQUISITION                an acquisition the resident register implies (転入 of a
                                                   person without other insurance), until staff confirm
                                                   it through the API (国保法 第9条: membership follows a 届出)
- PERSON#<id> / CARE#<fiscal year>                 介護保険 information of the year (2号 適用除外, 介護保険料)
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.transactions import TransactWrite

from kokuho.access.actor import Actor
from kokuho.access.records import record_access
from kokuho.records.base import Gsi1, TableModel, connection, table_meta
from kokuho.records.qualification import person_pk

FILE = "FILE"
LEASE = "LEASE"
PENDING_ACQUISITION = "PENDING#ACQUISITION"


def file_pk(kind: str, digest: str) -> str:
    return f"INTAKE#{kind}#{digest}"


def line_sk(line: int) -> str:
    return f"LINE#{line:07d}"


class AppliedFileModel(TableModel):
    Meta = table_meta("qualification")
    kind = UnicodeAttribute()
    source_key = UnicodeAttribute()
    applied_at = UnicodeAttribute()
    counts = JSONAttribute(default=dict)


class LeaseModel(TableModel):
    """The run that holds a file now: its token (letters only: no run of digits reads as a My Number)."""

    Meta = table_meta("qualification")
    owner = UnicodeAttribute()
    taken_at = UnicodeAttribute()


def take_lease(kind: str, digest: str) -> str:
    """This invocation holds the file from now on: any run that held it before is fenced off (its next
    transaction does not commit). Taken over unconditionally — no expiry to wait for after a crash, no clock —
    and before the run reads which lines are done, so it sees every line the run before it committed."""
    owner = "".join(secrets.choice(string.ascii_lowercase) for _ in range(20))
    LeaseModel(file_pk(kind, digest), LEASE, owner=owner, taken_at=datetime.now(UTC).isoformat()).save()
    return owner


def check_lease(tx: TransactWrite, kind: str, digest: str, owner: str) -> None:
    """In the transaction: it commits only while `owner` holds the file."""
    tx.condition_check(LeaseModel, file_pk(kind, digest), LEASE, condition=LeaseModel.owner == owner)


def holds_lease(kind: str, digest: str, owner: str) -> bool:
    try:
        return bool(LeaseModel.get(file_pk(kind, digest), LEASE, consistent_read=True).owner == owner)
    except LeaseModel.DoesNotExist:
        return False


def mark_applied(kind: str, digest: str, *, source_key: str, counts: dict[str, Any], lease: str = "") -> None:
    """The file applied whole; with `lease`, only while that run holds it, and the lease is let go with it."""
    done = AppliedFileModel(file_pk(kind, digest), FILE, kind=kind, source_key=source_key,
                            applied_at=datetime.now(UTC).isoformat(), counts=counts)
    if not lease:
        done.save()
        return
    with TransactWrite(connection=connection()) as tx:
        tx.save(done)
        tx.delete(LeaseModel(file_pk(kind, digest), LEASE), condition=LeaseModel.owner == lease)


class AppliedLineModel(TableModel):
    """A marker only: the line's change committed (saved with attribute_not_exists in its transaction); with
    `lines`, the lines of its transaction (its key names the first of them)."""

    Meta = table_meta("qualification")
    lines = UnicodeAttribute(null=True)


def _ranges(lines: list[int]) -> str:
    """Sorted distinct line numbers as ranges: [3, 4, 5, 7] → "3-5,7"."""
    out: list[str] = []
    start = prev = lines[0]
    for n in [*lines[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ",".join(out)


def _expand(ranges: str) -> set[int]:
    out: set[int] = set()
    for part in ranges.split(","):
        first, _, last = part.partition("-")
        out.update(range(int(first), int(last or first) + 1))
    return out


class HeldLineModel(TableModel):
    """A line kept for review: its record as delivered (identifiers are 宛名番号, never My Number)."""

    Meta = table_meta("qualification")
    kind = UnicodeAttribute()
    line = NumberAttribute()
    reason = UnicodeAttribute()
    record = JSONAttribute()
    held_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_kind = Gsi1["HeldLineModel"]()


class PendingAcquisitionModel(TableModel):
    Meta = table_meta("qualification")
    person_id = UnicodeAttribute()
    reason = UnicodeAttribute()
    cause_on = UnicodeAttribute()
    source = UnicodeAttribute()  # the file and line that implied it
    gsi1pk = UnicodeAttribute()  # PENDING#ACQUISITION: the staff's work list
    gsi1sk = UnicodeAttribute()  # <cause_on>#<person>
    by_list = Gsi1["PendingAcquisitionModel"]()


class CareModel(TableModel):
    Meta = table_meta("qualification")
    care = JSONAttribute()


def applied_file(kind: str, digest: str) -> AppliedFileModel | None:
    try:
        return AppliedFileModel.get(file_pk(kind, digest), FILE, consistent_read=True)
    except AppliedFileModel.DoesNotExist:
        return None


def applied_lines(kind: str, digest: str) -> set[int]:
    done: set[int] = set()
    for m in AppliedLineModel.query(file_pk(kind, digest), AppliedLineModel.sk.startswith("LINE#"),
                                    consistent_read=True, attributes_to_get=["sk", "lines"]):
        done.add(int(m.sk.removeprefix("LINE#")))
        if m.lines:
            done |= _expand(m.lines)
    return done


def line_marker(kind: str, digest: str, line: int) -> AppliedLineModel:
    return AppliedLineModel(file_pk(kind, digest), line_sk(line))


def lines_marker(kind: str, digest: str, lines: Iterable[int]) -> AppliedLineModel:
    """The one marker of the lines of a file one transaction applies: keyed by the first (written once, with
    attribute_not_exists, as a line's own marker), naming them all. A file's lines are applied in order, a
    transaction's from where the last one ended, so a run resumed or redelivered groups the lines left as it
    did and meets the marker of any it would apply again. Two runs at once need not group alike (a line one
    holds the other may apply, and the marker of a line inside another's range has no key of its own): each
    transaction also checks its run still holds the file (`take_lease`), so only one of them writes."""
    ordered = sorted(set(lines))
    marker = AppliedLineModel(file_pk(kind, digest), line_sk(ordered[0]))
    if len(ordered) > 1:
        marker.lines = _ranges(ordered)
    return marker


def hold_line(actor: Actor, kind: str, digest: str, line: int, reason: str, record: dict[str, Any], *,
              lease: str = "") -> None:
    """Kept for review, not applied: the line as delivered, with why, its marker (the line is done) and the
    access record, in one transaction — with `lease`, only while that run holds the file (another run may
    have applied the line meanwhile, under a marker keyed by another line: see `lines_marker`)."""
    with TransactWrite(connection=connection()) as tx:
        if lease:
            check_lease(tx, kind, digest, lease)
        tx.save(HeldLineModel(file_pk(kind, digest), f"HELD#{line:07d}", kind=kind, line=line, reason=reason,
                              record=record, held_at=datetime.now(UTC).isoformat(), gsi1pk=f"HELD#{kind}",
                              gsi1sk=f"{digest}#{line:07d}"))
        tx.save(line_marker(kind, digest, line), condition=AppliedLineModel.pk.does_not_exist())
        record_access(actor, [f"ATENA:{record['atena_no']}"], f"intake:{kind}", "hold", transaction=tx)


def held_lines(kind: str) -> list[dict[str, Any]]:
    return [{"line": int(m.line), "reason": m.reason, "record": dict(m.record), "held_at": m.held_at,
             "file": m.pk.rsplit("#", 1)[-1]}
            for m in HeldLineModel.by_kind.query(f"HELD#{kind}")]


def pending_acquisition(person_id: str) -> PendingAcquisitionModel | None:
    try:
        return PendingAcquisitionModel.get(person_pk(person_id), PENDING_ACQUISITION, consistent_read=True)
    except PendingAcquisitionModel.DoesNotExist:
        return None


def pending_acquisitions() -> list[dict[str, str]]:
    """The staff's work list: every acquisition waiting for its 届出, oldest cause first."""
    return [{"person_id": m.person_id, "reason": m.reason, "cause_on": m.cause_on, "source": m.source}
            for m in PendingAcquisitionModel.by_list.query(PENDING_ACQUISITION)]


def care_of(person_ids: Iterable[str], fiscal_year: int) -> dict[str, dict[str, Any]]:
    keys = [(person_pk(i), f"CARE#{fiscal_year}") for i in dict.fromkeys(person_ids)]
    if not keys:
        return {}
    return {m.pk.removeprefix("PERSON#"): dict(m.care) for m in CareModel.batch_get(keys)}


class PynamoIntakeFiles:
    """`kokuho.intake.ports.IntakeFiles` on the qualification table (and its search index)."""

    def applied_file(self, kind: str, digest: str) -> bool:
        return applied_file(kind, digest) is not None

    def applied_lines(self, kind: str, digest: str) -> set[int]:
        return applied_lines(kind, digest)

    def mark_applied(self, kind: str, digest: str, *, source_key: str, counts: dict[str, Any],
                     lease: str = "") -> None:
        mark_applied(kind, digest, source_key=source_key, counts=counts, lease=lease)

    def take_lease(self, kind: str, digest: str) -> str:
        return take_lease(kind, digest)

    def holds_lease(self, kind: str, digest: str, lease: str) -> bool:
        return holds_lease(kind, digest, lease)

    def hold_line(self, actor: Any, kind: str, digest: str, line: int, reason: str, record: dict[str, Any], *,
                  lease: str = "") -> None:
        hold_line(actor, kind, digest, line, reason, record, lease=lease)

    def pending_acquisition(self, person_id: str) -> bool:
        return pending_acquisition(person_id) is not None

    def pending_acquisitions_of(self, person_ids: list[str]) -> set[str]:
        keys = [(person_pk(p), PENDING_ACQUISITION) for p in dict.fromkeys(person_ids)]
        if not keys:
            return set()
        return {str(m.person_id) for m in PendingAcquisitionModel.batch_get(keys, consistent_read=True)}

    def persons_of_resident_code(self, code: str) -> set[str]:
        from kokuho.records.search_index import find_by_resident_code

        return find_by_resident_code(code)
