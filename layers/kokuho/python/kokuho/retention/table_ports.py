"""The port of the retention classes kept in tables (kokuho.retention.tables): what the run reads of each
record — its keys (to delete it), the persons it names (for a legal hold) and the facts its day is
counted from — and the access log as the access-record purge sees it (kokuho.retention.access_records).
Adapter: kokuho.records.retention_tables."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

Key = tuple[str, str, str]  # (table logical, pk, sk): never in a report


@dataclass(frozen=True)
class PersonFacts:
    """A person as the past-insured-persons class sees them: their insured periods, the periods of the insured
    members of every household they head (a 擬制世帯主 has none of their own), and whether a record that may
    still be claimed names them (receipts, a ledger they pay, a 返還金 claim)."""

    periods: tuple[tuple[date, date | None], ...]
    headed: tuple[tuple[date, date | None], ...]
    referenced: bool


@dataclass(frozen=True)
class HouseholdMonth:
    """A household-month's benefit item as the benefit-rights class sees it: its service month, and whether what its
    latest version decides is still owed on a claim made in time (read only for a month past its 2 years)."""

    month: str  # YYYY-MM
    still_owed: Callable[[], bool]


@dataclass(frozen=True)
class ContinuityFacts:
    """A 資格継続 period the 国保連合会 reported (federation table) as the federation-continuity class sees it."""

    lost_on: date | None  # the period's loss, None while open at the federation
    applied_on: date | None  # the day the file that brought it was applied (in Japan); None when unknown
    in_file: bool  # the person is still in the information file


@dataclass(frozen=True)
class Candidate:
    keys: tuple[Key, ...]  # deleted together
    persons: tuple[str, ...]  # whose records (a legal hold on one of them keeps it)
    facts: Any  # the class's: a month "YYYY-MM" or a HouseholdMonth, a RecoveryClaim, a StoredLedger, PersonFacts,
    # ContinuityFacts


class RetentionTables(Protocol):
    def benefit_months(self) -> Iterator[Candidate]:
        """Receipts per person-month (facts: the month) and the benefit versions, pointers and 勧奨 of a
        household-month (facts: a HouseholdMonth)."""
    def recovery_claims(self) -> Iterator[Candidate]: ...
    def ledgers(self) -> Iterator[Candidate]:
        """Premium ledgers with the payments, 督促状, 延滞金 and 滞納整理 items they name."""
    def persons(self) -> Iterator[Candidate]:
        """Every person of the information file, with every item of theirs in it."""
    def carried_over_months(self) -> Iterator[Candidate]:
        """The 高額該当 months a move within the prefecture carried over (federation table, under the householder;
        facts: the month "YYYY-MM")."""
    def continuity_periods(self) -> Iterator[Candidate]:
        """The 資格継続 periods the 国保連合会 reported (federation table; facts: ContinuityFacts), whether their person
        is in the information file judged as they are read (after the persons' class of the same run)."""
    def orphan_households(self) -> Iterator[Candidate]:
        """Households none of whose members is left in the file."""
    def delete(self, keys: Sequence[Key]) -> None: ...
    def present(self, subjects: Iterable[str]) -> set[str]:
        """The subjects (person or household ids, `HH:<id>` too) still in the information file."""
    def household_members(self, household_id: str) -> tuple[str, ...]:
        """The persons of a household in the information file (none for an id that is no household)."""


class AccessPurgeStore(Protocol):
    def records(self) -> Iterator[Mapping[str, Any]]:
        """Every access record as stored (chain, seq, at, subject_ids, hash): a full scan."""
    def put_cut(self, item: Mapping[str, Any]) -> bool:
        """Put a retention cut (kokuho.access.records.cut_item) once; False when it is there already."""
    def delete_record(self, record: Mapping[str, Any]) -> None:
        """Delete the record and its subject index entries."""
