"""The port of the health programmes (保健事業): what the 医療費通知 run, the voucher runs and the routes need from
storage — the persons' opt-outs of the notice, the vouchers (受診券) and the attendance files taken. Pure: the
DynamoDB adapter is `kokuho.records.health.DynamoHealthStore` (table `health`), the in-memory fake of the unit
tests `tests/fakes/health_store.py`.

`actor` arguments are opaque here: the adapter writes the access record of each person's data in the
transaction that writes it (kokuho.access.records)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

CATEGORY = "保健事業"  # the access records' category: opt-outs, vouchers and their use


class WriteConflict(Exception):
    """A conditional write failed (a concurrent writer, or the item exists): read again and decide again."""


@dataclass(frozen=True)
class OptOut:
    """The person's wish about the 医療費通知, as last recorded (received at the counter or by post)."""

    person_id: str
    opted_out: bool
    received_on: date
    recorded_by: str


@dataclass(frozen=True)
class Voucher:
    """特定健康診査受診券 of one person for one fiscal year."""

    person_id: str
    fiscal_year: int
    number: str  # 整理番号: FY + 7 digits, unique in the year, never derived from the person
    issued_on: date
    valid_from: date
    valid_until: date
    copay: int
    source: str  # "april" (the year's run) or "acquisition" (a mid-year joiner)
    used_on: date | None = None
    used_file: str | None = None  # the attendance file (digest) that marked it used


class HealthStore(Protocol):
    def opt_outs(self, person_ids: Iterable[str]) -> dict[str, OptOut]: ...

    def put_opt_out(self, opt_out: OptOut, *, actor: Any, chain: str) -> None:
        """The wish recorded (replacing the one before), with its access record in the same transaction."""
        ...

    def vouchers(self, fiscal_year: int, person_ids: Iterable[str]) -> dict[str, Voucher]: ...

    def vouchers_of_year(self, fiscal_year: int) -> list[Voucher]: ...

    def issue(self, fiscal_year: int, drafts: Sequence[Voucher], *, actor: Any, chain: str) -> list[Voucher]:
        """All or nothing: each draft numbered from the year's counter and put only if the person has no voucher
        of the year (else WriteConflict), with the access record of every person; returns them numbered."""
        ...

    def mark_used(self, used: Sequence[tuple[Voucher, date]], digest: str, *, actor: Any, chain: str) -> None:
        """All or nothing: each voucher marked used on its day, only if still unused (else WriteConflict)."""
        ...

    def attendance_file(self, digest: str) -> dict[str, Any] | None: ...

    def mark_attendance_file(self, digest: str, outcome: dict[str, Any]) -> None: ...

    def put_rates(self, fiscal_year: int, doc: dict[str, Any]) -> None:
        """The year's 受診率 (figures only, no person's data), replacing the one before."""
        ...

    def rates(self, fiscal_year: int) -> dict[str, Any] | None: ...

    def record_reads(self, person_ids: Sequence[str], *, actor: Any, chain: str) -> None: ...
