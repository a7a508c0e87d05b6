"""特別徴収対象者情報 intake: the pension insurers' notice of who may have premiums deducted from a pension
(docs/city_intake_files.md). The insurer (年金保険者: 日本年金機構, the 共済組合) sends it through the
経由機関 each May with monthly updates; the city's 介護保険 system, which receives the same notice for its own
特別徴収, matches each line to the person's 宛名番号 and passes the file on. One line per person and fiscal
year:

    {"atena_no": "0001234567", "fiscal_year": 2024, "insurer_code": "001", "pension_code": "1150",
     "basic_pension_number": "0000000001", "pension_annual": 1200000}

- `insurer_code`: the 特別徴収義務者 (年金保険者) code, 3 digits; `pension_code`: the 年金コード, 4 digits;
- `basic_pension_number`: the 基礎年金番号 (4-digit 記号 + 6-digit 番号) — personal data: stored as an
  attribute of the person's record (never in a key, never logged, never in an error);
- `pension_annual`: the pension's 年額 (yen) the 180,000-yen and half-of-pension tests read (domain.md §6).

Stored as the person's pension of the fiscal year (kokuho.collection.pension_ports), read by the pension run.

The insurer's 中止通知 (特別徴収の中止: the deduction stops ahead, e.g. 死亡, the pension lost, 転出) comes in the
same file, as a line naming the pension and the first month not deducted:

    {"atena_no": "0001234567", "fiscal_year": 2024, "insurer_code": "001", "pension_code": "1150",
     "notice": "中止", "stop_from": "2024-12", "reason": "死亡"}

It stops the deduction of that pension from `stop_from` (kokuho.collection.pension_run: the deductions before
stay, the rest is collected normally); the pension must be the one notified for the person and year.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from kokuho.intake.framing import IntakeError, field_errors, validate_lines
from kokuho.intake.residents import RESIDENT_REF
from kokuho.premium.case import MAX_YEN

KIND = "pension"
STOP_NOTICE = "中止"
#: Why the insurer stops a deduction (特別徴収中止事由): death, the pension lost (受給権の消滅・支給停止), a move
#: out of the city (the insurer is told by the 経由機関), the pension's amount changed (年金額の変更), other.
StopReason = Literal["死亡", "年金受給権喪失", "転出", "年金額変更", "その他"]
STOP_REASONS: tuple[str, ...] = get_args(StopReason)


class _PensionLine(BaseModel):
    """Whose pension, of which year, paid by which insurer: what every line of the pension file names first."""

    model_config = ConfigDict(extra="forbid")

    atena_no: Annotated[str, Field(pattern=RESIDENT_REF)]
    fiscal_year: Annotated[StrictInt, Field(ge=2000, le=2100)]
    insurer_code: Annotated[str, Field(pattern=r"^[0-9]{3}$")]
    pension_code: Annotated[str, Field(pattern=r"^[0-9]{4}$")]


class PensionTargetRecord(_PensionLine):
    basic_pension_number: Annotated[str, Field(pattern=r"^[0-9]{10}$")]
    pension_annual: Annotated[StrictInt, Field(ge=0, le=MAX_YEN)]


class PensionStopRecord(_PensionLine):
    """中止通知: the insurer stops deducting this pension from `stop_from` (YYYY-MM)."""

    notice: Literal["中止"]
    stop_from: Annotated[str, Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    reason: StopReason


@dataclass(frozen=True)
class PensionLine:
    line: int
    atena_no: str
    fiscal_year: int
    insurer_code: str
    pension_code: str
    basic_pension_number: str = field(repr=False)  # never in a repr (a log line, a traceback's locals)
    pension_annual: int


@dataclass(frozen=True)
class PensionStopLine:
    line: int
    atena_no: str
    fiscal_year: int
    insurer_code: str
    pension_code: str
    stop_from: str  # YYYY-MM: the first month the insurer does not deduct
    reason: str


def _months_of(fiscal_year: int) -> tuple[str, str]:
    return f"{fiscal_year:04d}-04", f"{fiscal_year + 1:04d}-03"


def _line(n: int, obj: Mapping[str, Any]) -> tuple[PensionLine | PensionStopLine | None, list[IntakeError]]:
    if "notice" in obj:
        try:
            stop = PensionStopRecord.model_validate(obj)
        except ValidationError as exc:
            return None, field_errors(n, exc)
        first, last = _months_of(stop.fiscal_year)
        if not first <= stop.stop_from <= last:
            return None, [IntakeError(n, "stop_from", "must be a month of the fiscal year (April … March)")]
        return PensionStopLine(n, stop.atena_no, stop.fiscal_year, stop.insurer_code, stop.pension_code,
                               stop.stop_from, stop.reason), []
    try:
        rec = PensionTargetRecord.model_validate(obj)
    except ValidationError as exc:
        return None, field_errors(n, exc)
    return PensionLine(n, rec.atena_no, rec.fiscal_year, rec.insurer_code, rec.pension_code,
                       rec.basic_pension_number, rec.pension_annual), []


def validate_file(data: bytes | str) -> tuple[list[PensionLine | PensionStopLine], list[IntakeError]]:
    return validate_lines(data, "pension record", _line, lambda item: (item.atena_no, item.fiscal_year),
                          "the same person and fiscal year as line {line}")
