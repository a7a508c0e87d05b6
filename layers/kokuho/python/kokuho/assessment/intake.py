"""Intake of a 賦課用世帯情報 file (household cases and their persons' My Numbers).

File (docs/intake_files.md): UTF-8 JSON Lines in the exchange bucket, one household a line, then a
trailer line with the number of household lines and the SHA-256 of the bytes before the trailer:
    {"household_id": "H0000001", "case": {<interfaces.md premium case>},
     "persons": [{"person_id": "H0000001-P1", "my_number": "<12 digits>"}]}
    {"trailer": {"record_count": 1, "sha256": "<64 lowercase hex>"}}
A file cut short (no trailer, or one that disagrees), bytes that are not UTF-8, and the same person in
two households (same person id, member id or My Number) reject the file.

The whole file is validated first. Any error rejects the whole file — nothing is written — and the
answer names the line and the field (never a value: a My Number is never echoed). A valid file is
applied: cases through `put_household_cases`, My Numbers only through the vault (encrypted; the vault
writes its own access records), plus an access record per chunk of households written.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kokuho.assessment.household_cases import put_household_cases
from kokuho.identity.mynumber import contains_my_number, normalize, validation_error
from kokuho.intake.framing import MAX_ERRORS, IntakeError, encoding_error, read_records, safe_field
from kokuho.intake.framing import build_file as framed

__all__ = ["IntakeError", "Parsed", "apply_file", "build_file", "encoding_error", "validate_file"]

HOUSEHOLD_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
FIELDS = {"household_id", "case", "persons"}


@dataclass(frozen=True)
class Parsed:
    household_id: str
    case: dict[str, Any]
    persons: list[tuple[str, str]]


def _validate_line(n: int, obj: dict[str, Any], seen: set[str]) -> tuple[Parsed | None, list[IntakeError]]:
    from kokuho.premium.case import CaseError, normalized, validate_case

    errors = [IntakeError(n, safe_field(k), "unknown field") for k in sorted(set(obj) - FIELDS)]
    errors += [IntakeError(n, k, "is required") for k in sorted(FIELDS - set(obj))]
    if errors:
        return None, errors
    hid = obj["household_id"]
    if not isinstance(hid, str) or not HOUSEHOLD_ID.fullmatch(hid):
        errors.append(IntakeError(n, "household_id", "must be 1–64 letters, digits, '-' or '_'"))
    elif contains_my_number(hid):
        errors.append(IntakeError(n, "household_id", "must not contain a My Number"))
    elif hid in seen:
        errors.append(IntakeError(n, "household_id", "duplicate household in the file"))
    case_model = None
    try:
        case_model = validate_case(obj["case"])
    except CaseError as exc:
        # The field path comes from the file's own keys: never echo one holding a My Number.
        errors.append(IntakeError(n, safe_field(f"case.{exc.field}") if exc.field else "case", exc.reason))
    member_ids = {m.id for m in case_model.household.members} if case_model else set()
    persons: list[tuple[str, str]] = []
    if not isinstance(obj["persons"], list):
        errors.append(IntakeError(n, "persons", "must be a list"))
    else:
        for i, p in enumerate(obj["persons"]):
            base = f"persons[{i}]"
            if not isinstance(p, dict) or set(p) != {"person_id", "my_number"}:
                errors.append(IntakeError(n, base, "must have exactly person_id and my_number"))
                continue
            if case_model is not None and p["person_id"] not in member_ids:
                errors.append(IntakeError(n, f"{base}.person_id", "is not a member of the case"))
            reason = validation_error(p["my_number"]) if isinstance(p["my_number"], str) else "must be a string"
            if reason is not None:
                errors.append(IntakeError(n, f"{base}.my_number", f"invalid My Number: {reason}"))
            # One stored form, so the same number typed full-width or 4-4-4 is still the same number.
            persons.append((str(p["person_id"]), normalize(str(p["my_number"]))))
    if errors or case_model is None:
        return None, errors
    seen.add(hid)
    return Parsed(hid, normalized(case_model), persons), []


def build_file(rows: Iterable[tuple[str, dict[str, Any], Iterable[tuple[str, str]]]]) -> bytes:
    """An intake file's bytes: one line a household (id, case, (person id, My Number) pairs), then the
    trailer. What the synthetic city, the demo and the tests send."""
    return framed({"household_id": hid, "case": case, "persons": [{"person_id": p, "my_number": n} for p, n in persons]}
                  for hid, case, persons in rows)


def _same_person_errors(n: int, item: Parsed, members: dict[str, int],
                        numbers: dict[str, int]) -> list[IntakeError]:
    """One person in two households (by member id — a person id — or by My Number): this line names
    the first one's."""
    errors = []
    for i, member in enumerate(item.case["household"]["members"]):
        first = members.setdefault(str(member["id"]), n)
        if first != n:
            errors.append(IntakeError(n, f"case.household.members[{i}].id",
                                      f"the same person is in the household on line {first}"))
    for i, (_, number) in enumerate(item.persons):  # person ids are member ids (checked per line)
        first = numbers.setdefault(number, n)
        if first != n:
            errors.append(IntakeError(n, f"persons[{i}].my_number",
                                      f"the same My Number as a person on line {first}"))
    return errors


def validate_file(data: bytes | str) -> tuple[list[Parsed], list[IntakeError]]:
    """Every line checked (the first MAX_ERRORS errors, in line order); parsed lines only when there is no
    error. The framing (encoding, JSON lines, trailer) is the intakes' one (kokuho.intake.framing)."""
    records, framing = read_records(data, "household", empty_holds_no_records=True)
    framing_lines = [e.line for e in framing]  # in line order
    parsed: list[Parsed] = []
    errors: list[IntakeError] = []
    seen: set[str] = set()
    members: dict[str, int] = {}
    numbers: dict[str, int] = {}
    for n, obj in records:
        item, errs = _validate_line(n, obj, seen)
        errors += errs
        if item is not None:
            errs = _same_person_errors(n, item, members, numbers)
            errors += errs
            if not errs:
                parsed.append(item)
        # the first MAX_ERRORS errors of the file are known: a later line cannot be among them
        if len(errors) + bisect_right(framing_lines, n) >= MAX_ERRORS:
            break
    errors = sorted(framing + errors, key=lambda e: e.line)[:MAX_ERRORS]
    return ([] if errors else parsed), errors


def apply_file(parsed: list[Parsed], *, actor: Any, store_my_number: Callable[[str, str, Any], Any] | None,
               changed_at: datetime | None = None, progress: Callable[[int, int], None] | None = None,
               chunk: int = 100) -> dict[str, Any]:
    """Write the cases and (through the vault) the My Numbers; returns counts.

    Every case written is pending assessment until a run assesses it (household_cases): a monthly
    run going on meanwhile takes each chunk exactly once, whenever it lands. `changed_at` is
    informational (default: when each chunk is written).
    """
    from kokuho.access.records import record_access

    stored: dict[str, int] = {}
    for first in range(0, len(parsed), chunk):
        part = parsed[first:first + chunk]
        put_household_cases(((p.household_id, p.case) for p in part), changed_at=changed_at or datetime.now(UTC))
        record_access(actor, [p.household_id for p in part], "賦課用世帯情報", "write",
                      chain=f"intake#{actor.terminal_id}")
        if store_my_number is not None:
            for p in part:
                for person_id, number in p.persons:
                    result = str(store_my_number(person_id, number, actor))
                    stored[result] = stored.get(result, 0) + 1
        if progress:
            progress(min(first + chunk, len(parsed)), len(parsed))
    return {"households": len(parsed), "persons": sum(len(p.persons) for p in parsed),
            "my_numbers": stored}
