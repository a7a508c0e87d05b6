"""The port of the receipt intake: what it needs from storage (the insured persons' periods, the receipts stored
per person-month, receipts held for review, files taken). Pure: the DynamoDB adapter is
`kokuho.records.receipts.DynamoReceiptStore`, the in-memory fake of the unit tests `tests/fakes/receipt_store.py`.

`actor` arguments are opaque here: the adapter writes the access record of each person's data in the
transaction that writes it (kokuho.access.records).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from kokuho.benefits.receipt_file import Month

RECEIPT_CATEGORY = "レセプト情報"  # the access records' category of the receipts


class WriteConflict(Exception):
    """A conditional write failed (a concurrent writer): read again and decide again."""


@dataclass(frozen=True)
class InsuredPeriod:
    """As kokuho.qualification.history.Period: insured from `start`, until the loss date `until` (exclusive)."""

    start: date
    until: date | None = None  # None while insured

    def covers(self, month: Month) -> bool:
        """Insured on at least one day of the month (a month of acquisition or loss counts)."""
        first = date(month[0], month[1], 1)
        last = date(month[0] + month[1] // 12, month[1] % 12 + 1, 1)  # the next month's first day
        return self.start < last and (self.until is None or self.until > first)


@dataclass(frozen=True)
class StoredReceipt:
    provider_code: str
    setting: str
    points: int
    total_cost: int
    copay: int
    file_digest: str  # the file that brought it (kokuho.intake.framing.file_digest) and its line
    line: int


@dataclass(frozen=True)
class PersonMonth:
    """A person's receipts of one service month: what the benefit run reads."""

    person_id: str
    service_month: Month
    receipts: tuple[StoredReceipt, ...] = ()

    @property
    def total_cost(self) -> int:
        return sum(r.total_cost for r in self.receipts)

    @property
    def copay(self) -> int:
        return sum(r.copay for r in self.receipts)


@dataclass
class MonthWrite:
    """Receipts added to a person-month; `stored` is how many it held when read (the write's condition)."""

    person_id: str
    service_month: Month
    receipts: list[StoredReceipt] = field(default_factory=list)
    stored: int = 0


@dataclass(frozen=True)
class HeldReceipt:
    """A receipt for a month outside the person's insured periods: kept for staff to review, never applied."""

    review_id: str  # <file digest>-<line>: held once
    person_id: str
    service_month: Month
    receipt: StoredReceipt
    reason: str


class ReceiptStore(Protocol):
    def insured_periods(self, person_ids: Iterable[str]) -> dict[str, tuple[InsuredPeriod, ...]]:
        """The insured periods of each known person (an unknown id is absent)."""
        ...

    def person_months(self, keys: Iterable[tuple[str, Month]]) -> dict[tuple[str, Month], PersonMonth]: ...

    def held_ids(self, review_ids: Iterable[str]) -> set[str]: ...

    def record_reads(self, person_ids: Sequence[str], *, actor: Any, chain: str) -> None: ...

    def apply(self, months: Sequence[MonthWrite], held: Sequence[HeldReceipt], *, actor: Any, chain: str,
              lease: str = "") -> None:
        """All or nothing: each month only if it still holds `stored` receipts, each held receipt put once
        (else WriteConflict), with the access record of every person written — with `lease`, only while that
        run holds the file (else WriteConflict)."""
        ...

    def take_lease(self, digest: str) -> str:
        """This run holds the file from now on, taken over unconditionally (the run before is fenced off)."""
        ...

    def holds_lease(self, digest: str, lease: str) -> bool: ...

    def receipt_file(self, digest: str) -> dict[str, Any] | None: ...

    def mark_file(self, digest: str, outcome: dict[str, Any], *, lease: str = "") -> None:
        """The file taken; with `lease`, only while that run holds it (else WriteConflict), letting it go."""
        ...

    def held_receipts(self) -> list[HeldReceipt]: ...
