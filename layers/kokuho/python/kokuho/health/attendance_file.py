"""The attendance file (特定健診の受診データ) from the 国保連合会 (docs/health_programmes.md): one line per check-up
taken with a voucher — the voucher's 整理番号, the person, the day of the check-up and the institution — framed as
every intake file (kokuho.intake.framing: UTF-8 JSON Lines, the trailer's count and SHA-256). Pure: the checks a
line can make alone; the voucher each line names is checked against the store by kokuho.health.attendance.
Errors name the line and the field, never a value."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from kokuho.identity.mynumber import identifier_holds_my_number
from kokuho.intake.framing import IntakeError, LineError, check_fields, iso_date, validate_lines

FIELDS = frozenset({"voucher_number", "person_id", "checked_on", "institution_code"})
_NUMBER = re.compile(r"^\d{11}$", re.ASCII)
_PERSON = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_INSTITUTION = re.compile(r"^\d{10}$", re.ASCII)


@dataclass(frozen=True)
class Attendance:
    line: int
    voucher_number: str
    person_id: str
    checked_on: date
    institution_code: str


def _line(n: int, obj: dict[str, Any], received_on: date | None = None) -> tuple[Attendance | None, list[IntakeError]]:
    try:
        check_fields(obj, FIELDS)
        number, person, on, inst = (obj["voucher_number"], obj["person_id"], obj["checked_on"],
                                    obj["institution_code"])
        if not isinstance(number, str) or not _NUMBER.fullmatch(number):
            raise LineError("voucher_number", "must be a 整理番号 of 11 digits")
        if not isinstance(person, str) or not _PERSON.fullmatch(person) or identifier_holds_my_number(person):
            raise LineError("person_id", "must be the person's surrogate id (never a My Number)")
        if not isinstance(on, str):
            raise LineError("checked_on", "must be a real date YYYY-MM-DD")
        try:
            day = iso_date(on)
        except ValueError as exc:
            raise LineError("checked_on", str(exc)) from None
        if received_on is not None and day > received_on:
            # a check-up still to come cannot have been attended: the voucher is not marked used before it
            raise LineError("checked_on", "is after the day the file was received")
        if not isinstance(inst, str) or not _INSTITUTION.fullmatch(inst):
            raise LineError("institution_code", "must be a 健診機関コード of 10 digits")
    except LineError as e:
        return None, [IntakeError(n, e.field, e.message)]
    return Attendance(n, number, person, day, inst), []


def validate_attendance_file(data: bytes | str,
                             received_on: date | None = None) -> tuple[list[Attendance], list[IntakeError]]:
    """The file's lines, or [] and the errors (the same voucher twice is refused naming the first line; a check-up
    after `received_on`, the day the file was received, refused)."""
    lines, errors = validate_lines(data, "attendance", partial(_line, received_on=received_on),
                                   lambda a: a.voucher_number,
                                   "the same voucher as line {line}")
    # validate_lines names its key field as the city files' atena_no: this file's key is the voucher
    errors = [IntakeError(e.line, "voucher_number", e.message) if e.field == "atena_no" else e for e in errors]
    return lines, errors
