"""The port of the NHI information file (資格管理): what the qualification use cases
(kokuho.qualification.registrations, kokuho.qualification.reads) read and write, and nothing of how.

Adapter: kokuho.records.qualification_store (the "qualification" table, items described in
kokuho.records.qualification; wired in kokuho.qualification.application); in-memory fake:
tests/fakes/qualification_store.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from kokuho.access.actor import Actor
from kokuho.qualification.model import Card, Household, Person
from kokuho.qualification.service import Change


class StoreConflict(Exception):
    """A write did not commit: a version, a condition (a line applied, a card) or the access chain moved."""


class InvalidPageToken(ValueError):
    """A search's page token that this store did not issue for this search (the message says which)."""


@dataclass(frozen=True)
class LineMark:
    """An intake file's "line applied" marker (kokuho.intake): written only if absent, in the transaction
    of the line's change, so a line is applied exactly once whatever the retries."""

    kind: str
    digest: str
    line: int
    # the run's hold of the file (kokuho.records.intake_files.take_lease): the transaction commits only while
    # the run still holds it, so two runs of one file never both write a line; not part of the line's identity
    lease: str = field(default="", compare=False)


@dataclass(frozen=True)
class PendingAcquisition:
    """An acquisition the resident register implies, waiting for its 届出 (kokuho.intake.residents)."""

    person_id: str
    reason: str  # a Reason value
    cause_on: date
    source: str  # the file and line that implied it


@dataclass(frozen=True)
class Access:
    """The access record a write carries in its own transaction. `chain`: the chain it joins (an intake
    file's run: kokuho.intake.apply), else its first subject's."""

    subject_ids: Sequence[str]
    category: str
    operation: str
    chain: str | None = None


@dataclass(frozen=True)
class FactsWrite:
    """One household's income or care records of a year (the tax and care intakes) and its re-projected
    case, written only while the household and the members named (`persons`) are at the versions read."""

    household: Household
    persons: Mapping[str, Person]
    fiscal_year: int
    incomes: Mapping[str, Mapping[str, Any]]
    care: Mapping[str, Mapping[str, Any]]
    case: dict[str, Any]
    marks: Sequence[LineMark] = ()


@dataclass(frozen=True)
class PersonFile:
    """What the read route shows of a person: profile, history entries, cards and whether the vault holds
    a My Number (never the number)."""

    person: Person
    history: list[dict[str, Any]]
    cards: list[Card]
    my_number_on_file: bool


@dataclass(frozen=True)
class SearchPage:
    person_ids: list[str]
    next_token: str | None


@dataclass(frozen=True)
class ProjectionFacts:
    """What the household projection of a change reads: the members' profiles, their income and care
    records and the households' cases, for each fiscal year (fiscal year → id → record)."""

    persons: dict[str, Person]
    incomes: dict[int, dict[str, dict[str, Any]]]
    care: dict[int, dict[str, dict[str, Any]]]
    cases: dict[int, dict[str, dict[str, Any]]]


# The search indexes: 住民コード, birth date, postal code (address prefix), first kana (kana prefix).
SEARCH_INDEXES = ("RES", "BIRTH", "POSTAL", "KANA")


def one_note(change: Change, note: str | None) -> list[str | None]:
    """`commit_changes`' notes when one note stands for every history entry of the change."""
    return [note] * (len(change.person_entries) + len(change.household_entries))


class QualificationStore(Protocol):
    # -- reads (strongly consistent where a registration decides on them)
    def person(self, person_id: str) -> Person | None: ...
    def persons(self, person_ids: Iterable[str]) -> dict[str, Person]: ...
    def household(self, household_id: str) -> Household | None: ...
    def households_of(self, household_ids: Iterable[str]) -> dict[str, Household]: ...
    def person_file(self, person_id: str) -> PersonFile | None: ...
    def household_file(self, household_id: str) -> tuple[Household, list[dict[str, Any]]] | None: ...
    def persons_with_markers(self, person_ids: Iterable[str]) -> tuple[dict[str, Person], set[str]]:
        """The profiles of these persons and which of them have a My Number on file."""
    def profiles(self, person_ids: Iterable[str],
                 household_ids: Iterable[str]) -> tuple[dict[str, Person], dict[str, Household]]:
        """The profiles of these persons and households that exist (strongly consistent), in one request."""
    def projection_facts(self, person_ids: Iterable[str], household_ids: Iterable[str],
                         fiscal_years: Sequence[int], profiles: Iterable[str] | None = None) -> ProjectionFacts:
        """The persons' profiles (only those of `profiles` when given: the caller has the others), their
        income and care records of each year and the households' cases of each year, in one request (a
        projection costs one read, whatever the years and kinds)."""
    def cards(self, person_id: str) -> list[Card]: ...
    def incomes(self, person_ids: Iterable[str], fiscal_year: int) -> dict[str, dict[str, Any]]: ...
    def care(self, person_ids: Iterable[str], fiscal_year: int) -> dict[str, dict[str, Any]]: ...
    def household_case(self, household_id: str, fiscal_year: int) -> dict[str, Any] | None: ...
    def household_cases(self, household_ids: Iterable[str], fiscal_year: int) -> dict[str, dict[str, Any]]: ...
    def holders_of_codes(self, codes: Iterable[str]) -> dict[str, str]:
        """Resident code (住民コード) → the person registered with it, for the codes somebody was."""
    def has_pending_acquisition(self, person_id: str) -> bool: ...
    def search(self, index: str, value: str, prefix: str | None, limit: int,
               page_token: str | None) -> SearchPage:
        """Up to `limit` person ids under `index`=`value` (one of SEARCH_INDEXES) whose sort key starts
        with `prefix`, in index order, from `page_token`; InvalidPageToken for a token not issued by
        this search."""

    # -- writes: all of it or nothing (StoreConflict)
    def indexing(self, persons: Sequence[Person]) -> AbstractContextManager[None]:
        """Within: commits indexing these persons (an intake file's, as they will stand) read their search
        directories' entries once for all of them, not in each transaction."""
    def commit_changes(self, change: Change, notes: Sequence[str | None],
                       cases: Sequence[tuple[str, dict[str, Any]]], actor: Actor, accesses: Sequence[Access], *,
                       now: datetime, marks: Sequence[LineMark] = (), pending: Sequence[PendingAcquisition] = (),
                       consume_pending: Sequence[str] = ()) -> None:
        """Registrations in one transaction — one counter request, or many lines of an intake file: the
        change's persons and households (each only at the version it was read), their search keys, history
        entries (who, when, why) and cards, the household cases, the line markers, pending acquisitions put
        or consumed, and the access records. `change` holds each record once, at its last state and at the
        version it has in the store; its history entries are numbered under the next version, each with its
        note (`notes`: the person entries', then the household entries'; `one_note` for one note on all);
        one access record per Access."""
    def commit_facts_many(self, writes: Sequence[FactsWrite], actor: Actor, accesses: Sequence[Access], *,
                          now: datetime) -> None:
        """Households' income and care records of the year and their cases, each only while the household
        and its `persons` are at the versions read, with the line markers, in one transaction, with one
        access record per Access."""
    def record(self, actor: Actor, subject_ids: Sequence[str], category: str, operation: str, *,
               result: str = "ok", chain: str | None = None, attempts: int = 8) -> None:
        """An access record on its own (reads, refusals); a concurrent append to the chain is retried."""
