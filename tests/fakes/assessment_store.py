"""In-memory fakes of the monthly assessment's ports (kokuho.assessment.ports), for the unit tests of
its use cases: no moto, no table. They keep the conditions the DynamoDB adapter writes under (a version
is written once, a latest pointer moves only from the version it replaced, a case is marked assessed
only if it is still the change read, a failure never replaces an ok outcome), all or nothing."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from kokuho.access.actor import Actor
from kokuho.assessment.ports import (
    AccessEntry,
    BatchRecord,
    ChangeMark,
    ChunkWrite,
    Pointer,
    RunRecord,
    WriteConflict,
)


@dataclass
class StoredCase:
    case: dict[str, Any]
    change_id: str
    pending: bool = True


@dataclass
class InMemoryAssessmentStore:
    runs: dict[str, RunRecord] = field(default_factory=dict)
    completed: dict[int, list[RunRecord]] = field(default_factory=dict)
    outcomes: dict[str, dict[str, BatchRecord]] = field(default_factory=dict)
    work_lists: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    cases: dict[tuple[int, str], StoredCase] = field(default_factory=dict)
    versions: dict[tuple[str, int, int], dict[str, Any]] = field(default_factory=dict)  # (hh, fy, v) → doc
    latest: dict[tuple[str, int], Pointer] = field(default_factory=dict)
    notices: dict[tuple[str, int, int], dict[str, Any]] = field(default_factory=dict)
    access: list[AccessEntry] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=itertools.count)

    # -- what the other areas do (qualification, intake): write a case, pending until assessed

    def put_case(self, household_id: str, case: dict[str, Any]) -> None:
        self.cases[(int(case["fiscal_year"]), household_id)] = StoredCase(
            copy.deepcopy(case), f"C{next(self._ids)}")

    # -- runs

    def start_pass(self, run_id: str, *, fiscal_year: int, mode: str, as_of_month: str, snapshot_at: str,
                   execution_name: str, provisional_rates: bool) -> int:
        old = self.runs.get(run_id)
        run = RunRecord(run_id, fiscal_year, mode, as_of_month, snapshot_at,
                        passes=(old.passes if old else 0) + 1, provisional_rates=provisional_rates,
                        transferred=old.transferred if old else 0,
                        households=old.households if old else 0, batches=old.batches if old else 0,
                        closed_years_pending=old.closed_years_pending if old else {},
                        summary=old.summary if old else None)
        self.runs[run_id] = run
        return run.passes

    def set_pass_work(self, run_id: str, *, batches: int, households: int, work_list_key: str,
                      closed_years_pending: dict[str, int]) -> None:
        run = self.runs[run_id]
        run.batches, run.households, run.closed_years_pending = batches, households, dict(closed_years_pending)

    def get_run(self, run_id: str) -> RunRecord:
        return copy.deepcopy(self.runs[run_id])

    def last_completed_run(self, fiscal_year: int) -> RunRecord | None:
        done = sorted(self.completed.get(fiscal_year, []), key=lambda r: (r.snapshot_at, r.run_id))
        return copy.deepcopy(done[-1]) if done else None

    def finish_run(self, run: RunRecord, *, status: str, summary: dict[str, Any], completed: bool) -> None:
        stored = self.runs[run.run_id]
        stored.status, stored.summary = status, copy.deepcopy(summary)
        if completed:
            self.completed.setdefault(stored.fiscal_year, []).append(copy.deepcopy(stored))

    def set_transferred(self, run_id: str, versions: int) -> None:
        self.runs[run_id].transferred = versions

    # -- batches

    def batch_outcomes(self, run_id: str) -> Iterator[BatchRecord]:
        return iter([copy.deepcopy(r) for _, r in sorted(self.outcomes.get(run_id, {}).items())])

    def save_outcome(self, run_id: str, batch_id: str, outcome: dict[str, Any]) -> None:
        self.outcomes.setdefault(run_id, {})[batch_id] = BatchRecord("ok", copy.deepcopy(outcome))

    def save_failure(self, run_id: str, batch_id: str, outcome: dict[str, Any]) -> bool:
        known = self.outcomes.setdefault(run_id, {})
        if batch_id in known and known[batch_id].status != "failed":
            return False
        known[batch_id] = BatchRecord("failed", copy.deepcopy(outcome))
        return True

    # -- work lists

    def put_work_list(self, name: str, batches: list[dict[str, Any]]) -> tuple[str, str]:
        self.work_lists[name] = copy.deepcopy(batches)
        return "work-bucket", f"runs/{name}/work-list.json"

    def get_work_list(self, name: str) -> list[dict[str, Any]] | None:
        return copy.deepcopy(self.work_lists.get(name))

    # -- household cases

    def every_household(self, fiscal_year: int) -> list[str]:
        return sorted(h for fy, h in self.cases if fy == fiscal_year)

    def pending_households(self, fiscal_year: int) -> list[str]:
        return sorted(h for (fy, h), c in self.cases.items() if fy == fiscal_year and c.pending)

    def cases_for_assessment(self, household_ids: Iterable[str], fiscal_year: int
                             ) -> dict[str, tuple[dict[str, Any], ChangeMark]]:
        return {h: (copy.deepcopy(c.case), ChangeMark(c.change_id, c.pending, None, self.latest.get((h, fiscal_year))))
                for h in household_ids if (c := self.cases.get((fiscal_year, h))) is not None}

    # -- versions

    def latest_pointers(self, household_ids: Sequence[str], fiscal_year: int) -> dict[str, Pointer]:
        return {h: self.latest[(h, fiscal_year)] for h in household_ids if (h, fiscal_year) in self.latest}

    def version_docs(self, versions: Sequence[tuple[str, int]], fiscal_year: int) -> dict[str, dict[str, Any]]:
        return {h: copy.deepcopy(self.versions[(h, fiscal_year, v)]) for h, v in versions
                if (h, fiscal_year, v) in self.versions}

    def commit(self, chunk: ChunkWrite) -> None:
        fy = chunk.fiscal_year
        for new in chunk.versions:  # every condition first: all or nothing
            if (new.household_id, fy, new.version) in self.versions:
                raise WriteConflict(f"version {new.version} of {new.household_id} exists")
            pointer = self.latest.get((new.household_id, fy))
            if (pointer.version if pointer else None) != (new.version - 1 if new.version > 1 else None):
                raise WriteConflict(f"latest version of {new.household_id} moved")
        marks = dict(chunk.assessed)
        for new in chunk.versions:
            if new.household_id not in marks:  # the case holds the pointer (the DynamoDB adapter's layout)
                raise ValueError(f"no case mark for the new version of {new.household_id}")
        for h, mark in chunk.assessed:
            case = self.cases.get((fy, h))
            if case is None or case.change_id != mark.change_id:
                raise WriteConflict(f"case of {h} changed since it was read")
            if self.latest.get((h, fy)) != mark.pointer:
                raise WriteConflict(f"latest version of {h} moved since its case was read")
        for new in chunk.versions:
            self.versions[(new.household_id, fy, new.version)] = {
                "household_id": new.household_id, "fiscal_year": fy, "batch_id": chunk.batch_id,
                "as_of_month": chunk.as_of_month, "created_at": chunk.at, "result": new.result,
                "installments": new.installments, "diff": new.diff, "difference": new.difference,
                "refund": new.refund, "status": new.status, "decided": new.decided, "run_id": chunk.run_id}
            self.latest[(new.household_id, fy)] = Pointer(new.version, new.content_hash, chunk.run_id,
                                                          (new.difference, new.refund))
            if new.notice_kind is not None:
                self.notices[(new.household_id, fy, new.version)] = {"kind": new.notice_kind,
                                                                     "payer_id": new.payer_id}
        for h, _ in chunk.assessed:
            self.cases[(fy, h)].pending = False
        if chunk.access is not None:
            self.access.append(chunk.access)

    def complete_versions(self, marks: Any, fiscal_year: int) -> int:
        return 0  # a version is stored with its commit here: never left to write

    def record_access(self, entry: AccessEntry) -> bool:
        first = not any(e.chain == entry.chain for e in self.access)
        self.access.append(entry)
        return first


@dataclass
class FakeCareTransfers:
    """The transfer service: judged on every call (refused while `refusal` is set, the refusal recorded);
    a transfer is recorded once under its transfer id."""

    refusal: str | None = None
    transferred: dict[str, int] = field(default_factory=dict)  # transfer id → subjects
    refusals: list[tuple[int, str]] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        return {"transfer_no": 3, "department": "保健福祉局介護保険課", "information_kind": "保険料賦課情報",
                "uses": ["介護保険料の賦課"], "legal_basis": ["番号法第9条第2項"]}

    def transfer(self, count: int, actor: Actor, *, transfer_id: str, reference: str) -> str | None:
        if self.refusal is not None:
            self.refusals.append((count, self.refusal))
            return self.refusal
        self.transferred.setdefault(transfer_id, count)
        return None
