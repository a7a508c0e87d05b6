"""The ports of the monthly assessment: what its steps need from storage and from the transfer service.

The steps (kokuho.assessment.selection, .batch, .summary) are written against these protocols only; the
DynamoDB/S3 adapter is `kokuho.records.assessment_store.DynamoAssessmentStore`, the in-memory fake used
by the use-case unit tests is `tests/fakes/assessment_store.py`, and a test injects a fault by wrapping a
port (tests/e2e/monthly_helpers.py) — production code reads no fault hook.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from kokuho.access.actor import Actor
from kokuho.assessment.versions import NewVersion as NewVersion


class WriteConflict(Exception):
    """A conditional write failed (or its outcome is unknown): the caller reads again and decides again."""


class Pointer(NamedTuple):
    """What decisions and the run's figures need of the latest version without its document (the latest
    version item's own attributes: a descending query on the version key)."""

    version: int
    content_hash: str
    run_id: str
    figures: tuple[int, int] | None  # (difference, refund) of that version; None: read from its document
    change_id: str | None = None  # the case change id the version assessed (None: before issue 14)


@dataclass(frozen=True)
class ChangeMark:
    """The change of a case an assessment read, and the latest version as read with it."""

    change_id: str | None  # None: a case written before change ids existed
    pointer: Pointer | None = None  # the latest version (None: no version yet)

    @property
    def pending(self) -> bool:
        """The case changed since the latest version assessed it (or has no version)."""
        return self.pointer is None or self.change_id is None or self.pointer.change_id != self.change_id


@dataclass
class RunRecord:
    """One run (mode, fiscal year, month) as stored; each execution for it is a pass."""

    run_id: str
    fiscal_year: int
    mode: str
    as_of_month: str
    snapshot_at: str
    passes: int = 0
    households: int = 0
    batches: int = 0
    provisional_rates: bool = False
    closed_years_pending: dict[str, int] = field(default_factory=dict)
    transferred: int = 0
    status: str = "started"
    summary: dict[str, Any] | None = None
    # when the pass that completed the run was prepared (its cut: kokuho.assessment.selection); a later
    # pass moves `snapshot_at`, not this
    completed_at: str | None = None


class BatchRecord(NamedTuple):
    status: str  # "ok" | "failed"
    outcome: dict[str, Any]


@dataclass(frozen=True)
class AccessEntry:
    """An access record to write (kokuho.access.records): who, whose data, what, in which chain;
    `indexed_by_chain`: its subjects are named by an earlier record of the chain (the batch's read), whose
    index entries find it (kokuho.access.subject_index.INDEX_CHAIN)."""

    actor: Actor
    subject_ids: list[str]
    category: str
    operation: str
    chain: str
    indexed_by_chain: bool = False


@dataclass(frozen=True)
class ChunkWrite:
    """One write of a batch: new versions (each the commit point of its household: written only if that
    version does not exist yet), each with the case change id it assessed (`changes`), then what follows
    the versions written (the ledger's charges and the access record of the writes, `access`, which names
    no subjects: the versions written are its subjects)."""

    run_id: str
    batch_id: str
    fiscal_year: int
    as_of_month: str
    at: str  # when the batch wrote (ISO, UTC)
    versions: list[NewVersion]
    changes: dict[str, str | None]
    access: AccessEntry


class AssessmentStore(Protocol):
    """Runs, batch outcomes, work lists, household cases, versions and the workflow's access records."""

    # runs
    def start_pass(self, run_id: str, *, fiscal_year: int, mode: str, as_of_month: str, snapshot_at: str,
                   execution_name: str, provisional_rates: bool) -> int:
        """Create or continue the run; returns the number of this pass (1, 2, …)."""
    def set_pass_work(self, run_id: str, *, batches: int, households: int, work_list_key: str,
                      closed_years_pending: dict[str, int]) -> None: ...
    def get_run(self, run_id: str) -> RunRecord: ...
    def last_completed_run(self, fiscal_year: int) -> RunRecord | None: ...
    def completed_runs_since(self, fiscal_year: int, since: str) -> list[RunRecord]:
        """The year's completed runs whose cut (their latest pass's snapshot) is at or after `since`."""
    def finish_run(self, run: RunRecord, *, status: str, summary: dict[str, Any], completed: bool) -> None:
        """Store the run's status and summary; `completed` makes it the year's last completed run."""
    def set_transferred(self, run_id: str, versions: int) -> None: ...

    # batches of a run
    def batch_outcomes(self, run_id: str) -> Iterator[BatchRecord]: ...
    def save_outcome(self, run_id: str, batch_id: str, outcome: dict[str, Any]) -> None: ...
    def save_failure(self, run_id: str, batch_id: str, outcome: dict[str, Any]) -> bool:
        """Record a failed batch unless it stored an ok outcome (then False)."""

    # work lists (read by the Distributed Map)
    def put_work_list(self, name: str, batches: list[dict[str, Any]]) -> tuple[str, str]: ...
    def get_work_list(self, name: str) -> list[dict[str, Any]] | None: ...

    # household cases (賦課用世帯情報)
    def every_household(self, fiscal_year: int) -> list[str]: ...
    def changed_cases(self, fiscal_year: int, since: str | None) -> dict[str, str | None]:
        """household → change id, for the cases written after `since` (ISO, UTC; None: every one the
        pending index holds) — a superset of what changed since: the caller leaves out what is assessed."""
    def assessed_changes(self, household_ids: Sequence[str], fiscal_year: int) -> dict[str, str | None]:
        """household → the case change id its latest version assessed, for those with a version."""
    def cases_for_assessment(self, household_ids: Iterable[str], fiscal_year: int, *, latest: bool = True
                             ) -> dict[str, tuple[dict[str, Any], ChangeMark]]:
        """household → (case, its change mark with the latest version), for those with a case; `latest`
        False: the versions are not read (a year no version is expected of: the marks name none)."""

    # versions
    def latest_pointers(self, household_ids: Sequence[str], fiscal_year: int) -> dict[str, Pointer]: ...
    def version_docs(self, versions: Sequence[tuple[str, int]], fiscal_year: int) -> dict[str, dict[str, Any]]:
        """household → the document of the given version (household, version) of each."""
    def run_versions(self, household_ids: Sequence[str], fiscal_year: int, run_id: str
                     ) -> dict[str, list[tuple[int, int, int]]]:
        """household → (version, difference, refund) of every version the run wrote, in order (consistent)."""
    def commit(self, chunk: ChunkWrite) -> list[str]:
        """Write each new version unless that version exists (the commit point), then what follows the
        ones written; returns the households whose version another writer wrote first (the caller reads
        them again). When what follows could not be written, the versions stand: a retry's
        `complete_followers` writes it."""
    def complete_followers(self, marks: Mapping[str, ChangeMark], fiscal_year: int, access: AccessEntry) -> int:
        """What follows the latest versions these marks name (this run's), where a batch died before
        writing it: the ledger's charge and the write access record (`access`: who, what; its chain is
        the one of the batch that wrote the version); how many were missing. Only a retry, or a run taking
        a batch again, calls it."""
    def note_assessed(self, marks: Mapping[str, ChangeMark], fiscal_year: int) -> None:
        """The latest versions of these households stand for the changes read (the premium is the same):
        each notes the change id it now stands for, so the change is no longer pending."""
    def record_access(self, entry: AccessEntry) -> bool:
        """An access record on its own (the batch's reads); True when it is the first record of its chain
        (the batch's first attempt: no retry or duplicate of it wrote before)."""


class CareTransfers(Protocol):
    """移転先3: the run's premium data to 介護保険課, through the transfer service (kokuho.linkage.transfers)."""

    def describe(self) -> dict[str, Any]:
        """transfer_no, department, information_kind, uses, legal_basis of the matrix entry."""
    def transfer(self, count: int, actor: Actor, *, transfer_id: str, reference: str) -> str | None:
        """Record the transfer; None when transferred, else the reason it was refused (recorded too)."""


@dataclass(frozen=True)
class Ports:
    store: AssessmentStore
    transfers: CareTransfers
