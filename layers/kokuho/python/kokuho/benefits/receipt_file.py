"""The monthly receipt file (レセプトデータ) from the 国保連合会 (docs/receipt_files.md, issue 13 item 1).

One line per receipt: the insured person by surrogate id (never a My Number), the service month, the provider,
the setting (inpatient, outpatient, dental — counted separately by the 高額療養費 rules, domain.md §2), the
points, the total cost (点数 × 10) and the copay. Framed like every intake file (kokuho.intake.framing). Every
line is checked before anything is applied; an error names the line and the field and never echoes a value.
Only the file itself is judged here; whether the person is known and insured in the month needs the store
(kokuho.benefits.receipt_intake). Pure: no AWS.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from kokuho.identity.mynumber import contains_my_number
from kokuho.intake.framing import MAX_ERRORS, IntakeError, LineError, check_fields, read_records

SETTINGS = ("inpatient", "outpatient", "dental")
FIELDS = frozenset({"person_id", "service_month", "provider_code", "setting", "points", "total_cost", "copay"})
MAX_POINTS = 100_000_000  # one receipt; far above any real bill (10億 yen)
YEN_PER_POINT = 10
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
# 医療機関コード as the 国保連合会 writes it: prefecture (2), point table (1), institution (7)
_PROVIDER = re.compile(r"^[0-9]{10}$")

FIRST_YEAR = 2000  # no receipt of an earlier month is still owed anything (2-year right, 国保法第110条)

Month = tuple[int, int]


@dataclass(frozen=True)
class Receipt:
    line: int
    person_id: str
    service_month: Month
    provider_code: str
    setting: str
    points: int
    total_cost: int  # yen: points × 10
    copay: int  # yen

    @property
    def key(self) -> tuple[str, Month, str, str]:
        """A receipt's identity: one per person, month, provider and setting."""
        return self.person_id, self.service_month, self.provider_code, self.setting


@dataclass(frozen=True)
class ReceiptFile:
    receipts: list[Receipt]
    lines: int


def _int(obj: Mapping[str, Any], name: str, high: int) -> int:
    v = obj[name]
    if type(v) is not int or v < 0:
        raise LineError(name, "must be an integer ≥ 0 (a JSON integer)")
    if v > high:
        raise LineError(name, f"must be at most {high:,}")
    return v


def _receipt(n: int, obj: Mapping[str, Any], latest: Month | None) -> Receipt:
    check_fields(obj, FIELDS)
    person = obj["person_id"]
    if not isinstance(person, str) or not _ID.fullmatch(person) or contains_my_number(person):
        raise LineError("person_id", "must be the insured person's id (1–64 letters, digits, '-' or '_'), "
                                      "never a My Number")
    m = _MONTH.fullmatch(obj["service_month"]) if isinstance(obj["service_month"], str) else None
    if m is None or not 1 <= int(m.group(2)) <= 12:
        raise LineError("service_month", "must be a month YYYY-MM")
    month = int(m.group(1)), int(m.group(2))
    if month[0] < FIRST_YEAR or (latest is not None and month > latest):
        # care not yet given cannot be claimed: no later than the month the file was received
        raise LineError("service_month", f"must be a month from {FIRST_YEAR}-01 to the month the file was received")
    provider = obj["provider_code"]
    if not isinstance(provider, str) or not _PROVIDER.fullmatch(provider):
        raise LineError("provider_code", "must be a 医療機関コード of 10 digits")
    setting = obj["setting"]
    if not isinstance(setting, str) or setting not in SETTINGS:
        raise LineError("setting", f"must be one of {', '.join(SETTINGS)}")
    points = _int(obj, "points", MAX_POINTS)
    total = _int(obj, "total_cost", MAX_POINTS * YEN_PER_POINT)
    if total != points * YEN_PER_POINT:
        raise LineError("total_cost", "must be points × 10")
    copay = _int(obj, "copay", MAX_POINTS * YEN_PER_POINT)
    if copay > total:
        raise LineError("copay", "must not exceed total_cost")
    return Receipt(n, person, month, provider, setting, points, total, copay)


def validate_receipt_file(data: bytes | str,
                          received_on: date | None = None) -> tuple[ReceiptFile | None, list[IntakeError]]:
    """The file's receipts, or None and the errors (at most MAX_ERRORS) if any line is wrong (a service month after
    the month of `received_on` among them)."""
    latest = (received_on.year, received_on.month) if received_on is not None else None
    records, errors = read_records(data, "receipt")
    receipts: list[Receipt] = []
    first: dict[tuple[str, Month, str, str], int] = {}
    for n, obj in records:
        try:
            r = _receipt(n, obj, latest)
        except LineError as e:
            errors.append(IntakeError(n, e.field, e.message))
            continue
        if r.key in first:
            errors.append(IntakeError(n, "provider_code", f"duplicate of line {first[r.key]}: the same person, "
                                                          "service month, provider and setting"))
            continue
        first[r.key] = n
        receipts.append(r)
    if errors:
        return None, sorted(errors, key=lambda e: e.line)[:MAX_ERRORS]
    return ReceiptFile(receipts, len(records)), []
