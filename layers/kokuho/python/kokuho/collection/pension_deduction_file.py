"""The file to the pension insurer (特別徴収依頼, docs/pension_deduction.md): the deductions the city asks for
and the stops (中止). Framed like every file the city exchanges (kokuho.intake.framing: JSON Lines, a trailer
with the count and the SHA-256). Pure: no AWS.

A person is named by the city's person id (`payer_id`, echoed back in the insurer's result file, payment file
`pension`) and by the pension the insurer knows: the 基礎年金番号 and the 年金コード, as the insurer's 特別徴収
対象者通知 gives them. Never a My Number: a row holding one anywhere is refused before the file is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kokuho.collection.pension_deduction import Deduction, PensionDeductionError
from kokuho.dates.months import is_month
from kokuho.identity.mynumber import contains_my_number
from kokuho.intake.framing import build_file

STOP = "中止"
KINDS = ("仮徴収", "本徴収", STOP)
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_BASIC_PENSION_NUMBER = re.compile(r"^[0-9]{10}$")  # 4-digit 記号 + 6-digit 番号
_PENSION_CODE = re.compile(r"^[0-9]{4}$")


@dataclass(frozen=True)
class PensionRef:
    """The pension deducted from, as the insurer names it."""

    basic_pension_number: str  # 基礎年金番号 (10 digits)
    pension_code: str  # 年金コード (4 digits)


def request_rows(payer_id: str, fiscal_year: int, pension: PensionRef,
                 deductions: Iterable[Deduction]) -> list[dict[str, Any]]:
    """One row per deduction asked for."""
    return [{"payer_id": payer_id, "basic_pension_number": pension.basic_pension_number,
             "pension_code": pension.pension_code, "fiscal_year": fiscal_year, "month": d.month, "kind": d.kind,
             "amount": d.amount} for d in deductions]


def stop_row(payer_id: str, fiscal_year: int, pension: PensionRef, *, from_month: str,
             reason: str) -> dict[str, Any]:
    """A stop: no deduction from `from_month` on (the rest is collected by the city)."""
    return {"payer_id": payer_id, "basic_pension_number": pension.basic_pension_number,
            "pension_code": pension.pension_code, "fiscal_year": fiscal_year, "month": from_month, "kind": STOP,
            "amount": 0, "reason": reason}


def _check(i: int, row: dict[str, Any]) -> None:
    def bad(field: str, message: str) -> PensionDeductionError:
        return PensionDeductionError(f"rows[{i}].{field}", message)

    allowed = {"payer_id", "basic_pension_number", "pension_code", "fiscal_year", "month", "kind", "amount",
               "reason"}
    if set(row) - allowed:
        raise bad("(unknown)", "a field the layout does not have")
    if not isinstance(row.get("payer_id"), str) or not _ID.fullmatch(row["payer_id"]):
        raise bad("payer_id", "must be an id of 1–64 letters, digits, '-' or '_'")
    if not isinstance(row.get("basic_pension_number"), str) or not _BASIC_PENSION_NUMBER.fullmatch(
            row["basic_pension_number"]):
        raise bad("basic_pension_number", "must be the 10 digits of a 基礎年金番号")
    if not isinstance(row.get("pension_code"), str) or not _PENSION_CODE.fullmatch(row["pension_code"]):
        raise bad("pension_code", "must be the 4 digits of a 年金コード")
    if type(row.get("fiscal_year")) is not int or not 2000 <= row["fiscal_year"] <= 2100:
        raise bad("fiscal_year", "must be a year 2000–2100")
    if not is_month(row.get("month")):
        raise bad("month", "must be a month YYYY-MM")
    if row.get("kind") not in KINDS:
        raise bad("kind", f"must be one of {', '.join(KINDS)}")
    if type(row.get("amount")) is not int or row["amount"] < 0:
        raise bad("amount", "must be an integer number of yen ≥ 0")
    reason = row.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 200):
        raise bad("reason", "must be a text of at most 200 characters")
    for field, value in row.items():
        if isinstance(value, str) and contains_my_number(value):
            raise bad(field, "must not hold a My Number")


def request_file(rows: Sequence[dict[str, Any]]) -> bytes:
    """The 依頼 file's bytes; every row checked first (an error names the row and field, never the value)."""
    for i, row in enumerate(rows):
        _check(i, row)
    return build_file(rows)
