"""Taking in the attendance file (特定健診の受診データ) against the port (kokuho.health.ports.HealthStore): every line
checked — the line alone (kokuho.health.attendance_file), then the voucher it names: issued for that person, the
check-up within its validity, not already used — before anything is written; a refused file changes nothing and
names each line and field. Applied once: the same bytes again are answered `duplicate` and change nothing; the
vouchers are marked used in transactions of at most BATCH, each only if still unused, with the access record of
its persons (a run cut short resumes: a voucher this very file marked is not an error)."""

from __future__ import annotations

from datetime import date
from typing import Any

from kokuho.dates.fiscal_year import fiscal_year_of
from kokuho.health.attendance_file import validate_attendance_file
from kokuho.health.ports import HealthStore
from kokuho.intake.framing import MAX_ERRORS, IntakeError, file_digest, former_file_digest

BATCH = 40  # vouchers marked a transaction: each update and its person in the access record (≤ 100 items)


def take_attendance_file(store: HealthStore, data: bytes, *, key: str, actor: Any, chain: str,
                         received_on: date | None = None) -> dict[str, Any]:
    digest = file_digest(data)
    done = store.attendance_file(digest) or store.attendance_file(former_file_digest(data))  # or as marked before
    if done is not None and done.get("accepted"):
        return {**done, "key": key, "duplicate": True}
    lines, errors = validate_attendance_file(data, received_on)
    if errors:
        return {"accepted": False, "key": key, "errors": [e.as_dict() for e in errors]}
    by_year: dict[int, list[Any]] = {}
    for a in lines:
        by_year.setdefault(fiscal_year_of(a.checked_on), []).append(a)
    vouchers = {(fy, p): v for fy, group in by_year.items()
                for p, v in store.vouchers(fy, sorted({a.person_id for a in group})).items()}
    store.record_reads(sorted({p for _, p in vouchers}), actor=actor, chain=chain)
    todo, already = [], 0
    for a in lines:
        v = vouchers.get((fiscal_year_of(a.checked_on), a.person_id))
        if v is None or v.number != a.voucher_number:
            errors.append(IntakeError(a.line, "voucher_number", "no such voucher of this person for the year "
                                                                "of the check-up"))
        elif not v.valid_from <= a.checked_on <= v.valid_until:
            errors.append(IntakeError(a.line, "checked_on", "outside the voucher's validity"))
        elif v.used_on is not None and v.used_file == digest:
            already += 1  # this file marked it before a run cut short
        elif v.used_on is not None:
            errors.append(IntakeError(a.line, "voucher_number", "already used (an earlier file marked it)"))
        else:
            todo.append((v, a.checked_on))
    if errors:
        return {"accepted": False, "key": key, "errors": [e.as_dict() for e in errors[:MAX_ERRORS]]}
    for first in range(0, len(todo), BATCH):
        store.mark_used(todo[first:first + BATCH], digest, actor=actor, chain=chain)
    outcome = {"accepted": True, "duplicate": False, "key": key, "lines": len(lines), "marked": len(todo),
               "already_marked": already, "fiscal_years": sorted(by_year)}
    store.mark_attendance_file(digest, outcome)
    return outcome
