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
    """The latest-version pointer: what decisions and the run's figures need without the version (kept
    with the household's case: read with it)."""

    version: int
    content_hash: str
    run_id: str
    figures: tuple[int, int] | None  # (difference, refund) of that version; None on older pointers


@dataclass(frozen=True)
class ChangeMark:
    """What an assessment compares in its transaction: the change it read, and whether it is pending."""

    change_id: str | None  # None: a case written before change ids existed
    pending: bool
    item: Any = None  # the adapter's item as read (rewritten as assessed); opaque to the use case
    pointer: Pointer | None = None  # the latest version as the case read records it (None: no version yet)


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
    """One all-or-nothing write of a batch: new versions (each with its latest pointer, conditional on
    the version it replaces, and its notice), the cases' assessed marks (conditional on the change read)
    and the access record of the writes. `assessed` holds the mark of every household whose case is
    written: a pending one, and every one with a new version (its case carries the pointer)."""

    run_id: str
    batch_id: str
    fiscal_year: int
    as_of_month: str
    at: str  # when the batch wrote (ISO, UTC)
    versions: list[NewVersion]
    assessed: list[tuple[str, ChangeMark]]
    access: AccessEntry | None


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
    def pending_households(self, fiscal_year: int) -> list[str]: ...
    def cases_for_assessment(self, household_ids: Iterable[str], fiscal_year: int
                             ) -> dict[str, tuple[dict[str, Any], ChangeMark]]:
        """household → (case, its change mark with the latest version's pointer), for those with a case."""

    # versions
    def latest_pointers(self, household_ids: Sequence[str], fiscal_year: int) -> dict[str, Pointer]: ...
    def version_docs(self, versions: Sequence[tuple[str, int]], fiscal_year: int) -> dict[str, dict[str, Any]]:
        """household → the document of the given version (household, version) of each."""
    def commit(self, chunk: ChunkWrite) -> None:
        """All or nothing (the versions' items may follow the commit: `complete_versions`); raises
        WriteConflict when a condition fails."""
    def complete_versions(self, marks: Mapping[str, ChangeMark], fiscal_year: int) -> int:
        """Write the version items that the pointers of these marks name and a batch did not get to write
        after its commit (it died in between): how many were missing. Only a pointer's writer, or a run
        that takes its batch again, calls it."""
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
