"""AssessBatch and RecordFailedBatch: one batch of a run, through the store port.

assess_batch   read cases and latest versions, compute, commit new versions with conditional writes
               (never twice, never over another version: the case's pointer), the ledger's charge, the
               case's "assessed" mark and access records in the same transactions, the version items
               right after (and any a dead attempt left unwritten); record what was found for each household
               (figures of versions written by this run, read back from storage when an earlier
               attempt wrote them)
record_failed_batch   a batch that still failed after its retries: recorded with its household ids
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kokuho.assessment.compute import compute
from kokuho.assessment.ports import (
    AccessEntry,
    AssessmentStore,
    ChangeMark,
    ChunkWrite,
    Pointer,
    WriteConflict,
)
from kokuho.assessment.run_input import actor, check_month
from kokuho.assessment.versions import CONFIRMED, Decision, Latest, decide, version_hash
from kokuho.identity.redaction import redact

READ_CATEGORY = "賦課用世帯情報"
WRITE_CATEGORY = "保険料賦課情報"
# 2 items a household (the ledger's charge, the case with its assessed mark and the version's pointer:
# the version items follow the commit) + 2 for the write record and its link check ≤ 100, DynamoDB's
# TransactWriteItems limit; the write record has no index entries (its chain's read record indexes it).
# Fewer, fuller transactions: fewer write records (each ≈ 1–2 KB, twice in a transaction) a batch.
ITEMS_PER_HOUSEHOLD = 2
HOUSEHOLDS_PER_TRANSACTION = (100 - 2) // ITEMS_PER_HOUSEHOLD
PARTS = ("medical", "support", "care", "child")
WRITTEN = ("written", "replayed")


def _latest(pointers: dict[str, Pointer], household_id: str,
            previous: dict[str, Any] | None = None) -> Latest | None:
    """The decision's view of the latest version; the full previous version is read only when needed."""
    pointer = pointers.get(household_id)
    if pointer is None:
        return None
    version, digest, run_id, _ = pointer
    if previous is None:
        return Latest(version, digest, run_id, {}, [])
    return Latest(version, digest, run_id, dict(previous["result"]), list(previous["installments"]),
                  status=previous.get("status", CONFIRMED), decided=bool(previous.get("decided", True)))


@dataclass
class _Batch:
    """What a batch knows of its households (refreshed for those a conflicting write touched)."""

    store: AssessmentStore
    fy: int
    as_of_month: str
    run_id: str
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    marks: dict[str, ChangeMark] = field(default_factory=dict)
    pointers: dict[str, Pointer] = field(default_factory=dict)  # from the cases read (their marks)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    decisions: dict[str, Decision] = field(default_factory=dict)
    committed: set[str] = field(default_factory=set)  # households whose new version this attempt committed
    reread: set[str] = field(default_factory=set)  # households read again after a conflicting write
    storage_s: float = 0.0
    engine_s: float = 0.0

    def _docs(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The documents of the latest versions of these households (one a batch died before writing after
        its commit is written first: a decision against a version that is not there would be wrong)."""
        wanted = [h for h in ids if h in self.pointers]
        docs = self.store.version_docs([(h, self.pointers[h].version) for h in wanted], self.fy)
        missing = [h for h in wanted if h not in docs and h in self.marks]
        if missing and self.store.complete_versions({h: self.marks[h] for h in missing}, self.fy):
            docs.update(self.store.version_docs([(h, self.pointers[h].version) for h in missing], self.fy))
        return docs

    def assess(self, ids: Sequence[str]) -> None:
        """Read, compute and decide these households (again: everything known of them is replaced)."""
        for d in (self.cases, self.marks, self.pointers, self.results, self.failures, self.decisions):
            for h in ids:
                d.pop(h, None)  # type: ignore[attr-defined]
        t = time.thread_time()
        for h, (case, mark) in self.store.cases_for_assessment(ids, self.fy).items():
            self.cases[h], self.marks[h] = case, mark
            if mark.pointer is not None:
                self.pointers[h] = mark.pointer
        self.storage_s += time.thread_time() - t
        t = time.thread_time()
        results, failures = compute({h: self.cases[h] for h in ids if h in self.cases})
        self.results.update(results)
        self.failures.update(failures)
        for h in ids:
            if h not in self.cases:
                self.failures[h] = "no 賦課用世帯情報 for this fiscal year"
        from kokuho.premium import load_rate_table

        # The status of the rates the results were computed from (the same cached rate file): 仮 or 確定.
        provisional = load_rate_table(self.fy).provisional
        decided = [h for h in ids if h in self.results]
        changed = [h for h in decided if h in self.pointers
                   and self.pointers[h].content_hash != version_hash(self.results[h], provisional_rates=provisional)]
        previous = self._docs(changed)
        for h in decided:
            self.decisions[h] = decide(h, self.cases[h], self.results[h],
                                       _latest(self.pointers, h, previous.get(h)),
                                       as_of_month=self.as_of_month, run_id=self.run_id,
                                       provisional_rates=provisional)
        self.engine_s += time.thread_time() - t  # includes reading previous versions of changed ones

    def to_write(self, h: str) -> bool:
        """A new version, or an assessed mark on a changed case (also when the premium is unchanged)."""
        d = self.decisions.get(h)
        return d is not None and (d.outcome == "written" or self.marks[h].pending)

    def entries(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Per household: outcome, parts, reduction, and every version this run wrote that this batch
        knows of — read back from storage when an earlier attempt (or pass) of the run wrote it."""
        own = [h for h in ids if h in self.decisions and h in self.pointers
               and self.pointers[h].run_id == self.run_id]
        docs = self._docs([h for h in own if self.pointers[h].figures is None])
        out: dict[str, dict[str, Any]] = {}
        for h in ids:
            if h in self.failures:
                out[h] = {"o": "failed", "e": self.failures[h]}
                continue
            d, r = self.decisions[h], self.results[h]
            versions = []
            if h in own:
                pointer = self.pointers[h]
                difference, refund = pointer.figures or (int(docs[h]["difference"]), int(docs[h]["refund"]))
                versions.append([pointer.version, difference, refund])
            if d.outcome == "written" and d.new is not None:
                versions.append([d.new.version, d.new.difference, d.new.refund])
            out[h] = {"o": d.outcome, "p": [int(r["parts"].get(p, 0)) for p in PARTS],
                      "r": str(r.get("reduction") or "なし"), "v": versions}
        return out


def assess_batch(store: AssessmentStore, event: dict[str, Any]) -> dict[str, Any]:
    """Assess one batch; safe to run again (retry or duplicate): nothing is written twice."""
    run_id = str(event["run_id"])
    batch = event["batch"]
    fy = int(batch.get("fiscal_year", event["fiscal_year"]))
    as_of_month = check_month(event["as_of_month"], "as_of_month")
    batch_id = str(batch["batch_id"])
    ids = [str(h) for h in batch["household_ids"]]
    who = actor(str(event.get("execution_id", "")))
    chain = f"{run_id}#{batch_id}"
    # CPU time of this thread (Map iterations share one process locally: wall clock would count waits)
    b = _Batch(store, fy, as_of_month, run_id)

    t = time.thread_time()
    # The access record of the batch's reads; a concurrent append to the chain (a duplicate of this
    # batch) is retried by the store, which raises after that, so Step Functions retries the batch.
    first_attempt = store.record_access(AccessEntry(who, ids, READ_CATEGORY, "read", chain)) is True
    b.storage_s += time.thread_time() - t
    b.assess(ids)

    t = time.thread_time()
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    to_write = [h for h in ids if b.to_write(h)]
    for first in range(0, len(to_write), HOUSEHOLDS_PER_TRANSACTION):
        write_chunk(to_write[first:first + HOUSEHOLDS_PER_TRANSACTION], b, access=AccessEntry(
            who, [], WRITE_CATEGORY, "write", chain), batch_id=batch_id, at=at)
    # Versions a pointer of this run names that an earlier attempt, a duplicate or an unfinished batch of an
    # earlier pass committed but may have died before writing: written now, before the outcome that says the
    # batch is done. A first attempt checks only what another writer may have committed (households read
    # again after a conflict, or taken again from an unfinished batch): a clean rerun reads no more.
    again = {str(h) for h in batch.get("again", [])}
    b.store.complete_versions({h: m for h, m in b.marks.items() if h not in b.committed and m.pointer is not None
                               and m.pointer.run_id == run_id
                               and (not first_attempt or h in b.reread or h in again)}, fy)
    entries = b.entries(ids)
    b.storage_s += time.thread_time() - t
    outcome = {
        "batch_id": batch_id, "pass": int(batch.get("pass", 0)), "fiscal_year": fy, "households": len(ids),
        "entries": entries,
        "timing": {"engine_ms": round(b.engine_s * 1000, 1), "storage_ms": round(b.storage_s * 1000, 1)},
    }
    store.save_outcome(run_id, batch_id, outcome)
    return {"batch_id": batch_id, "households": len(ids),
            "written": sum(1 for e in entries.values() if e["o"] in WRITTEN),
            "failed": sum(1 for e in entries.values() if e["o"] == "failed")}


def write_chunk(chunk: list[str], b: _Batch, *, access: AccessEntry, batch_id: str, at: str,
                attempts: int = 4) -> None:
    """One commit: latest pointers, the ledger's charges, the cases' assessed marks and the access record
    (`access`, naming the households written) all or nothing, the version items (their notice data) after.

    On a conflict (a concurrent duplicate of this batch, an intake that changed a case since it was
    read, or the access chain moved), read the households again and decide again: what the other
    writer wrote is then "replayed" or "unchanged", a changed case is assessed as it now is.
    """
    for attempt in range(attempts):
        pending = [h for h in chunk if b.to_write(h)]
        if not pending:
            return
        written = [h for h in pending if b.decisions[h].outcome == "written"]
        versions = [d.new for d in (b.decisions[h] for h in written) if d.new is not None]
        try:
            b.store.commit(ChunkWrite(
                run_id=b.run_id, batch_id=batch_id, fiscal_year=b.fy, as_of_month=b.as_of_month, at=at,
                versions=versions,
                assessed=[(h, b.marks[h]) for h in pending],
                # the batch's read record (first in its chain) names every household: it indexes this one
                access=AccessEntry(access.actor, written, access.category, access.operation, access.chain,
                                   indexed_by_chain=True) if written else None))
            b.committed.update(written)
            return
        except WriteConflict:
            if attempt == attempts - 1:
                raise
            b.reread.update(pending)
            b.assess(pending)


def record_failed_batch(store: AssessmentStore, event: dict[str, Any]) -> dict[str, Any]:
    """Record a batch that failed after its retries, naming every household id in it.

    A batch whose outcome was stored before it failed (it died on its way out) keeps that outcome.
    """
    batch = event["batch"]
    err = event.get("error") or {}
    run_id, batch_id = str(event["run_id"]), str(batch["batch_id"])
    ids = [str(h) for h in batch["household_ids"]]
    recorded = store.save_failure(run_id, batch_id, {
        "batch_id": batch_id, "pass": int(batch.get("pass", 0)),
        "fiscal_year": int(batch.get("fiscal_year", event.get("fiscal_year", 0))),
        "households": len(ids), "household_ids": ids,
        "error": redact(str(err.get("Error", "unknown"))), "cause": redact(str(err.get("Cause", "")))[:2000],
    })
    if not recorded:
        return {"batch_id": batch_id, "households": len(ids), "written": 0, "failed": 0}
    return {"batch_id": batch_id, "households": len(ids), "written": 0, "failed": len(ids),
            "batch_failed": True}
