"""介護保険 intake: the care-insurance system's monthly file (docs/city_intake_files.md). Keyed by 宛名番号,
one line per person and fiscal year:

    {"atena_no": "0001234567", "fiscal_year": 2024,
     "second_insured_exempt": [{"from": "2024-04-01", "until": null}], "care_premium": 61200}

- `second_insured_exempt`: periods in which a person aged 40–64 is NOT a 介護保険第2号被保険者 although
  their age says so (適用除外: residents of facilities such as 障害者支援施設) — where the status differs
  from age alone. Empty when it does not.
- `care_premium`: the year's 介護保険料 (yen), for the pension-deduction (特別徴収) test (domain.md §6).

Stored as the person's care information of the fiscal year (kokuho.records.intake_files.care_of).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from kokuho.intake.framing import IntakeError, field_errors, validate_lines
from kokuho.intake.residents import RESIDENT_REF
from kokuho.premium.case import MAX_YEN, InsuredPeriod

KIND = "care"


class CareRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    atena_no: Annotated[str, Field(pattern=RESIDENT_REF)]
    fiscal_year: Annotated[StrictInt, Field(ge=2000, le=2100)]
    second_insured_exempt: Annotated[list[InsuredPeriod], Field(max_length=12)]  # 適用除外 periods
    care_premium: Annotated[StrictInt, Field(ge=0, le=MAX_YEN)]  # 介護保険料 of the year


@dataclass(frozen=True)
class CareLine:
    line: int
    atena_no: str
    fiscal_year: int
    care: dict[str, Any]


def _line(n: int, obj: Mapping[str, Any]) -> tuple[CareLine | None, list[IntakeError]]:
    try:
        rec = CareRecord.model_validate(obj)
    except ValidationError as exc:
        return None, field_errors(n, exc)
    for i, p in enumerate(rec.second_insured_exempt):
        if p.until is not None and p.until < p.from_:
            return None, [IntakeError(n, f"second_insured_exempt[{i}].until", "must not be before from")]
    care = {"second_insured_exempt": [p.model_dump(mode="json", by_alias=True) for p in rec.second_insured_exempt],
            "care_premium": rec.care_premium}
    return CareLine(n, rec.atena_no, rec.fiscal_year, care), []


def validate_file(data: bytes | str) -> tuple[list[CareLine], list[IntakeError]]:
    return validate_lines(data, "care record", _line, lambda item: (item.atena_no, item.fiscal_year),
                          "the same person and fiscal year as line {line}")
