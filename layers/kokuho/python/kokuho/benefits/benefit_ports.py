"""The port of the monthly benefit run (高額療養費, docs/benefit_run.md): what its steps need from storage. Pure: the
DynamoDB adapter is `kokuho.records.benefits.DynamoBenefitStore`, the in-memory fake `tests/fakes/benefit_store.py`.

`actor` arguments are opaque here: the adapter writes each access record (kokuho.access.records), the writes' in
the transaction that writes the household's benefit months.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from kokuho.benefits.receipt_file import Month
from kokuho.benefits.receipt_ports import InsuredPeriod, StoredReceipt


class WriteConflict(Exception):
    """A conditional write failed (a concurrent writer moved a month's latest version): read again, decide again."""


@dataclass(frozen=True)
class MemberSpan:
    """A person's membership of the household (joined_on … left_on, exclusive) and their insured periods."""

    person_id: str
    birth_date: date
    joined_on: date
    left_on: date | None
    periods: tuple[InsuredPeriod, ...]

    def member_in(self, month: Month) -> bool:
        first = date(month[0], month[1], 1)
        nxt = date(month[0] + month[1] // 12, month[1] % 12 + 1, 1)
        return self.joined_on < nxt and (self.left_on is None or self.left_on > first)

    def insured_in(self, month: Month) -> bool:
        return any(p.covers(month) for p in self.periods)


@dataclass(frozen=True)
class Pointer:
    """The latest stored version of a household-month: what a decision and the 多数回 count need."""

    version: int
    input_hash: str
    run_id: str
    benefit: int
    difference: int
    counts: bool  # a household ceiling paid: the month counts towards 多数回 (not the 外来特例 alone)


@dataclass(frozen=True)
class HouseholdFacts:
    """Everything the run reads of one household: members, incomes per fiscal year, each member's receipts per
    month, the federation's carried-over benefit months and move months, and the latest stored versions."""

    household_id: str
    householder_id: str
    members: tuple[MemberSpan, ...]
    incomes: dict[int, dict[str, dict[str, Any]]]  # fiscal year → person → income record
    receipts: dict[str, dict[Month, tuple[StoredReceipt, ...]]]  # person → service month → receipts
    # 'YYYY-MM': 多数回 months brought from another municipality (the federation's 高額該当 row)
    carried_over: frozenset[str] = frozenset()
    # 'YYYY-MM': months of an in-prefecture move, into the city or out of it (half ceilings either side)
    moved_in: frozenset[str] = frozenset()
    latest: dict[str, Pointer] = field(default_factory=dict)  # 'YYYY-MM' → latest version

    @property
    def person_ids(self) -> list[str]:
        return sorted({m.person_id for m in self.members} | {self.householder_id})


@dataclass(frozen=True)
class NewVersion:
    household_id: str
    service_month: str  # 'YYYY-MM'
    version: int
    input_hash: str
    benefit: int
    difference: int  # benefit − the previous version's benefit: paid (> 0) or recovered (< 0)
    doc: dict[str, Any]  # the whole version: case, brackets with their basis, result, kind
    # a household ceiling paid (a 多数回 month); None: judged from the doc (`counts_of_version`)
    counts: bool | None = None


@dataclass
class RunRecord:
    run_id: str
    run_month: str
    passes: int = 0
    batches: list[str] = field(default_factory=list)  # batch ids of the latest pass
    status: str = "started"
    summary: dict[str, Any] | None = None


class BenefitStore(Protocol):
    # runs and their batches
    def start_pass(self, run_id: str, *, run_month: str, execution_name: str) -> int: ...
    def put_batches(self, run_id: str, batches: Sequence[tuple[str, list[str]]]) -> None:
        """The latest pass's batches: (batch id, household ids)."""
    def batch_households(self, run_id: str, batch_id: str) -> list[str]: ...
    def save_outcome(self, run_id: str, batch_id: str, outcome: dict[str, Any]) -> None: ...
    def outcomes(self, run_id: str) -> dict[str, dict[str, Any]]:
        """batch id → its stored outcome (every pass's)."""
    def get_run(self, run_id: str) -> RunRecord: ...
    def finish_run(self, run_id: str, *, status: str, summary: dict[str, Any]) -> None: ...

    # what the run reads
    def households_with_receipts(self, first: Month, last: Month, *, actor: Any, chain: str) -> list[str]:
        """Households (of the persons, as they are now) having a receipt for a service month in first..last; the
        read of those persons' data recorded."""
    def household_facts(self, household_ids: Sequence[str], first: Month, last: Month
                        ) -> dict[str, HouseholdFacts]: ...
    def record_reads(self, person_ids: Sequence[str], *, actor: Any, chain: str) -> None: ...

    # what it writes
    def commit(self, versions: Sequence[NewVersion], *, persons: Sequence[str], actor: Any, chain: str) -> None:
        """All or nothing: each version (of one or more households) only over the version it replaces (else
        WriteConflict), with its latest pointer, and the access record of `persons` (the households' persons)."""
    def version_docs(self, household_id: str, month: str) -> list[dict[str, Any]]:
        """Every stored version of a household-month, oldest first."""
    def benefit_months(self, household_id: str) -> list[str]:
        """The household's months whose latest version a household ceiling paid (for the 多数回 count and the
        outgoing 高額該当 file): not those of the 70–74 outpatient limit alone (外来特例)."""


def months_between(first: Month, last: Month) -> Iterable[Month]:
    y, m = first
    while (y, m) <= last:
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def add_months(month: Month, n: int) -> Month:
    k = month[0] * 12 + month[1] - 1 + n
    return k // 12, k % 12 + 1


def label(month: Month) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


def parse_month(text: str) -> Month:
    return int(text[:4]), int(text[5:7])
