"""In-memory fakes of the monthly assessment's ports (kokuho.assessment.ports), for the unit tests of
its use cases: no moto, no table. They keep the conditions the DynamoDB adapter writes under (a version
is written once — the commit point —, the latest version is the highest, a failure never replaces an ok
outcome); what follows a version is written with it here (never left to complete)."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kokuho.access.actor import Actor
from kokuho.assessment.ports import (
    AccessEntry,
    BatchRecord,
    ChangeMark,
    ChunkWrite,
    Pointer,
    RunRecord,
)


@dataclass
class StoredCase:
    case: dict[str, Any]
    change_id: str
    written_at: str = ""  # the pending index's stamp


@dataclass
class InMemoryAssessmentStore:
    runs: dict[str, RunRecord] = field(default_factory=dict)
    completed: dict[int, list[RunRecord]] = field(default_factory=dict)
    outcomes: dict[str, dict[str, BatchRecord]] = field(default_factory=dict)
    work_lists: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    cases: dict[tuple[int, str], StoredCase] = field(default_factory=dict)
    versions: dict[tuple[str, int, int], dict[str, Any]] = field(default_factory=dict)  # (hh, fy, v) → doc
    latest: dict[tuple[str, int], Pointer] = field(default_factory=dict)  # the highest version of each
    notices: dict[tuple[str, int, int], dict[str, Any]] = field(default_factory=dict)
    access: list[AccessEntry] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=itertools.count)

    # -- what the other areas do (qualification, intake): write a case, pending until assessed

    def put_case(self, household_id: str, case: dict[str, Any]) -> None:
        self.cases[(int(case["fiscal_year"]), household_id)] = StoredCase(
            copy.deepcopy(case), f"C{next(self._ids)}", datetime.now(UTC).isoformat(timespec="microseconds"))

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
        return copy.deepcopy(done[-1]) if done else None  # a copy made when it completed: its cut

    def completed_runs_since(self, fiscal_year: int, since: str) -> list[RunRecord]:
        latest = {r.run_id: r for r in sorted(self.completed.get(fiscal_year, []), key=lambda r: r.snapshot_at)}
        return [copy.deepcopy(r) for r in latest.values() if r.snapshot_at >= since]

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

    def changed_cases(self, fiscal_year: int, since: str | None) -> dict[str, str | None]:
        return {h: c.change_id for (fy, h), c in self.cases.items()
                if fy == fiscal_year and (since is None or c.written_at > since)}

    def pending_households(self, fiscal_year: int) -> list[str]:
        """(for tests) every household whose case change its latest version has not assessed"""
        return sorted(h for (fy, h), c in self.cases.items() if fy == fiscal_year
                      and ((p := self.latest.get((h, fy))) is None or p.change_id != c.change_id))

    def assessed_changes(self, household_ids: Sequence[str], fiscal_year: int) -> dict[str, str | None]:
        return {h: p.change_id for h, p in self.latest_pointers(household_ids, fiscal_year).items()}

    def cases_for_assessment(self, household_ids: Iterable[str], fiscal_year: int, *, latest: bool = True
                             ) -> dict[str, tuple[dict[str, Any], ChangeMark]]:
        return {h: (copy.deepcopy(c.case),
                    ChangeMark(c.change_id, self.latest.get((h, fiscal_year)) if latest else None))
                for h in household_ids if (c := self.cases.get((fiscal_year, h))) is not None}

    # -- versions

    def latest_pointers(self, household_ids: Sequence[str], fiscal_year: int) -> dict[str, Pointer]:
        return {h: self.latest[(h, fiscal_year)] for h in household_ids if (h, fiscal_year) in self.latest}

    def version_docs(self, versions: Sequence[tuple[str, int]], fiscal_year: int) -> dict[str, dict[str, Any]]:
        return {h: copy.deepcopy(self.versions[(h, fiscal_year, v)]) for h, v in versions
                if (h, fiscal_year, v) in self.versions}

    def run_versions(self, household_ids: Sequence[str], fiscal_year: int, run_id: str
                     ) -> dict[str, list[tuple[int, int, int]]]:
        out: dict[str, list[tuple[int, int, int]]] = {}
        for (h, fy, v), doc in sorted(self.versions.items()):
            if fy == fiscal_year and h in household_ids and doc["run_id"] == run_id:
                out.setdefault(h, []).append((v, int(doc["difference"]), int(doc["refund"])))
        return out

    def commit(self, chunk: ChunkWrite) -> list[str]:
        fy, lost, written = chunk.fiscal_year, [], []
        for new in chunk.versions:
            if (new.household_id, fy, new.version) in self.versions:  # the commit point: version N once
                lost.append(new.household_id)
                continue
            written.append(new.household_id)
            self.versions[(new.household_id, fy, new.version)] = {
                "household_id": new.household_id, "fiscal_year": fy, "batch_id": chunk.batch_id,
                "as_of_month": chunk.as_of_month, "created_at": chunk.at, "result": new.result,
                "installments": new.installments, "diff": new.diff, "difference": new.difference,
                "refund": new.refund, "status": new.status, "decided": new.decided, "run_id": chunk.run_id,
                "payer_id": new.payer_id}
            old = self.latest.get((new.household_id, fy))
            if old is None or old.version < new.version:
                self.latest[(new.household_id, fy)] = Pointer(new.version, new.content_hash, chunk.run_id, None,
                                                              chunk.changes.get(new.household_id))
            if new.notice_kind is not None:
                self.notices[(new.household_id, fy, new.version)] = {"kind": new.notice_kind,
                                                                     "payer_id": new.payer_id}
        if written:
            a = chunk.access
            self.access.append(AccessEntry(a.actor, written, a.category, a.operation, a.chain, a.indexed_by_chain))
        return lost

    def complete_followers(self, marks: Any, fiscal_year: int, access: AccessEntry) -> int:
        return 0  # what follows a version is stored with it here: never left to write

    def note_assessed(self, marks: Any, fiscal_year: int) -> None:
        for h, mark in marks.items():
            if (p := self.latest.get((h, fiscal_year))) is not None and p.version == mark.pointer.version:
                self.latest[(h, fiscal_year)] = p._replace(change_id=mark.change_id)

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
