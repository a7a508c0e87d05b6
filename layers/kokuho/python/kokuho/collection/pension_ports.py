"""The port of the pensions the insurers notify (特別徴収対象者情報, kokuho.intake.pension): what the pension
run reads and the intake writes. Pure: the DynamoDB adapter is `kokuho.records.pension_targets.
DynamoPensionStore` (the person's record in the qualification table), the in-memory fake of the unit tests
`tests/fakes/pension_store.py`.

The 基礎年金番号 is personal data: held as a field of the record, never in a key, a repr, a log or an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class PensionRecord:
    """A person's pension of a fiscal year, as the insurer notified it."""

    person_id: str
    fiscal_year: int
    insurer_code: str  # 特別徴収義務者 (年金保険者) code
    pension_code: str  # 年金コード
    basic_pension_number: str = field(repr=False)  # 基礎年金番号: never in a repr
    annual: int  # 年額 (yen)
    source: str  # the file and line it came from
    # the insurer's 中止通知: no deduction from this month (YYYY-MM) on, and why (kokuho.intake.pension)
    stop_from: str | None = None
    stop_reason: str | None = None


@dataclass(frozen=True)
class PensionMark:
    """A line of an intake file applied: its marker commits with its record (applied once, resumable)."""

    kind: str
    digest: str
    line: int


class PensionStore(Protocol):
    def put_pensions(self, records: Sequence[PensionRecord], marks: Sequence[PensionMark], *, actor: Any) -> None:
        """All or nothing: the records (replacing the person's earlier one of the year), each line's marker
        put once (a conflict if one is already there), and the access record of the persons written."""
    def pensions(self, person_ids: Iterable[str], fiscal_year: int, *, actor: Any) -> dict[str, PensionRecord]:
        """The persons' pensions of the year (a person the insurer sent nothing for is absent); recorded."""
