"""Intake of a 賦課用世帯情報 file (household cases and their persons' My Numbers).

File: JSON Lines in the exchange bucket, one household a line:
    {"household_id": "H0000001", "case": {<interfaces.md premium case>},
     "persons": [{"person_id": "H0000001-P1", "my_number": "<12 digits>"}]}

The whole file is validated first. Any error rejects the whole file — nothing is written — and the
answer names the line and the field (never a value: a My Number is never echoed). A valid file is
applied: cases through `put_household_cases`, My Numbers only through the vault (encrypted; the vault
writes its own access records), plus an access record per chunk of households written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kokuho.assessment.household_cases import put_household_cases
from kokuho.identity.mynumber import validation_error

HOUSEHOLD_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_ERRORS = 100
FIELDS = {"household_id", "case", "persons"}


@dataclass(frozen=True)
class IntakeError:
    line: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class Parsed:
    household_id: str
    case: dict[str, Any]
    persons: list[tuple[str, str]]


def _validate_line(n: int, raw: str, seen: set[str]) -> tuple[Parsed | None, list[IntakeError]]:
    from kokuho.premium.case import CaseError, normalized, validate_case

    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        return None, [IntakeError(n, "", f"not valid JSON (column {exc.colno})")]
    if not isinstance(obj, dict):
        return None, [IntakeError(n, "", "a line must be a JSON object")]
    errors = [IntakeError(n, k, "unknown field") for k in sorted(set(obj) - FIELDS)]
    errors += [IntakeError(n, k, "is required") for k in sorted(FIELDS - set(obj))]
    if errors:
        return None, errors
    hid = obj["household_id"]
    if not isinstance(hid, str) or not HOUSEHOLD_ID.match(hid):
        errors.append(IntakeError(n, "household_id", "must be 1–64 letters, digits, '-' or '_'"))
    elif hid in seen:
        errors.append(IntakeError(n, "household_id", "duplicate household in the file"))
    case_model = None
    try:
        case_model = validate_case(obj["case"])
    except CaseError as exc:
        errors.append(IntakeError(n, f"case.{exc.field}" if exc.field else "case", exc.reason))
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
            persons.append((str(p["person_id"]), str(p["my_number"])))
    if errors or case_model is None:
        return None, errors
    seen.add(hid)
    return Parsed(hid, normalized(case_model), persons), []


def validate_file(text: str) -> tuple[list[Parsed], list[IntakeError]]:
    """Every line checked (errors capped at MAX_ERRORS); parsed lines only when there is no error."""
    parsed: list[Parsed] = []
    errors: list[IntakeError] = []
    seen: set[str] = set()
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        item, errs = _validate_line(n, raw, seen)
        errors += errs
        if item is not None:
            parsed.append(item)
        if len(errors) >= MAX_ERRORS:
            break
    if not parsed and not errors:
        errors.append(IntakeError(0, "", "the file holds no household"))
    return ([] if errors else parsed), errors[:MAX_ERRORS]


def apply_file(parsed: list[Parsed], *, actor: Any, store_my_number: Callable[[str, str, Any], Any] | None,
               changed_at: datetime | None = None,
               progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Write the cases and (through the vault) the My Numbers; returns counts."""
    from kokuho.access.records import record_access

    at = changed_at or datetime.now(UTC)
    chunk = 100
    stored: dict[str, int] = {}
    for first in range(0, len(parsed), chunk):
        part = parsed[first:first + chunk]
        put_household_cases(((p.household_id, p.case) for p in part), changed_at=at)
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
