"""所得情報 (地方税関係情報) intake: the June file of 当初課税 and the monthly files of 更正
(docs/city_intake_files.md).

One line per person and income year, keyed by the city's resident reference (宛名番号), never My Number:

    {"atena_no": "0001234567", "income_year": 2023, "assessment": "initial",
     "income": {"total": 2500000, "salary": 2500000, "pension": 0, "declared": true},
     "salary_or_pension_earner": true}

The premium of fiscal year FY uses the income of the calendar year before it (domain.md §1), so a line
for income year Y is stored as the person's income of fiscal year Y + 1, and that household's case for
the year is re-projected in the same transaction (kokuho.qualification.application.register_incomes):
the next monthly run reassesses it, earlier open years included.

The file is validated whole first (framing, every field, the same person and year twice); any error
refuses it whole. A 宛名番号 that is not in the NHI file is not an error — the tax office sends every
resident's — but the line is kept for review, not applied. Re-delivered, the same file is applied once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from kokuho.intake.framing import IntakeError, field_errors, validate_lines
from kokuho.intake.residents import RESIDENT_REF
from kokuho.premium.case import MAX_YEN, Income, income_error

KIND = "tax"
ASSESSMENTS = {"initial": "当初課税", "correction": "更正"}
BRACKET_FIELDS = ("resident_tax_exempt", "taxable_income", "pension_revenue")


class TaxRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    atena_no: Annotated[str, Field(pattern=RESIDENT_REF)]
    income_year: Annotated[StrictInt, Field(ge=1999, le=2099)]  # 所得年 (calendar year of the income)
    assessment: Literal["initial", "correction"]  # 当初課税 / 更正
    income: Income  # 総所得金額等 with its 給与所得 / 公的年金等所得 parts, declared (申告) or not
    salary_or_pension_earner: StrictBool  # 給与所得者等 (the reduction test's n)
    # what the 高額療養費 brackets read (kokuho.benefits.brackets); optional, stored only when given
    resident_tax_exempt: StrictBool | None = None  # 住民税非課税 (no 均等割, no 所得割)
    taxable_income: Annotated[StrictInt, Field(ge=0, le=MAX_YEN)] | None = None  # 住民税の課税標準額
    pension_revenue: Annotated[StrictInt, Field(ge=0, le=MAX_YEN)] | None = None  # 公的年金等の収入金額


@dataclass(frozen=True)
class TaxLine:
    line: int
    atena_no: str
    fiscal_year: int
    assessment: str
    income: dict[str, Any]  # as stored: total, salary, pension, declared, salary_or_pension_earner


def fiscal_year_of_income(income_year: int) -> int:
    """The premium of fiscal year FY is assessed on the income of calendar year FY − 1 (domain.md §1)."""
    return income_year + 1


def _line(n: int, obj: Mapping[str, Any], today: date | None = None) -> tuple[TaxLine | None, list[IntakeError]]:
    try:
        rec = TaxRecord.model_validate(obj)
    except ValidationError as exc:
        return None, field_errors(n, exc)
    if today is not None and rec.income_year >= today.year:
        # a calendar year not yet ended has no 所得 assessed: a year to come is a typo (stored for its next fiscal year)
        return None, [IntakeError(n, "income_year", "must be a calendar year already ended")]
    reason = income_error(rec.income)
    if reason is not None:
        return None, [IntakeError(n, "income", reason)]
    income = rec.income.model_dump() | {"salary_or_pension_earner": rec.salary_or_pension_earner}
    income |= {k: v for k in BRACKET_FIELDS if (v := getattr(rec, k)) is not None}
    return TaxLine(n, rec.atena_no, fiscal_year_of_income(rec.income_year), rec.assessment, income), []


def validate_file(data: bytes | str, today: date | None = None) -> tuple[list[TaxLine], list[IntakeError]]:
    """Every line checked (with `today`, the day the file is taken: no income of a year not yet ended); the lines
    only when the whole file is valid."""
    return validate_lines(data, "income", partial(_line, today=today), lambda item: (item.atena_no, item.fiscal_year),
                          "the same person and income year as line {line}")
