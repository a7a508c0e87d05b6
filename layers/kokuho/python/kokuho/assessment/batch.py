"""AssessBatch and RecordFailedBatch: one batch of a run, through the store port.

assess_batch   read cases and latest versions, compute, write new versions each with its condition (the
               commit point: version N once, never over another), then what follows them in one
               transaction (the ledger's charges, the write access record) — and what follows versions of
               this run a dead attempt left without it; note on the latest version a changed case it found
               unchanged in premium; record what was found for each household (figures of versions written
               by this run, read back from storage when an earlier attempt wrote them)
record_failed_batch   a batch that still failed after its retries: recorded with its household ids
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
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
# Households a chunk: its versions, their ledgers' charges, then one write record naming them (no index
# entries: its chain's read record indexes it) — fewer, fuller records a batch, each ≈ 1–2 KB.
HOUSEHOLDS_PER_CHUNK = 100
PARTS = ("medical", "support", "care", "child")
WRITTEN = ("written", "replayed")


def _latest(pointers: dict[str, Pointer], household_id: str,
            previous: dict[str, Any] | None = None) -> Latest | None:
    """The decision's view of the latest version; the full previous version is read only when needed."""
    pointer = pointers.get(household_id)
    if pointer is None:
        return None
    version, digest, run_id = pointer.version, pointer.content_hash, pointer.run_id
    if previous is None:
        return Latest(version, digest, run_id, {}, [])
    payer = previous.get("payer_id")
    return Latest(version, digest, run_id, dict(previous["result"]), list(previous["installments"]),
                  status=previous.get("status", CONFIRMED), decided=bool(previous.get("decided", True)),
                  payer_id=None if payer is None else str(payer))


@dataclass
class _Batch:
    """What a batch knows of its households (refreshed for those a conflicting write touched)."""

    store: AssessmentStore
    fy: int
    as_of_month: str
    run_id: str
    follow: AccessEntry  # who writes, and what: the write records of what follows versions
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    marks: dict[str, ChangeMark] = field(default_factory=dict)
    pointers: dict[str, Pointer] = field(default_factory=dict)  # the latest versions read (their marks)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    decisions: dict[str, Decision] = field(default_factory=dict)
    reread: set[str] = field(default_factory=set)  # households read again after a conflicting write
    storage_s: float = 0.0
    engine_s: float = 0.0

    def _docs(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The documents of the latest versions of these households."""
        wanted = [h for h in ids if h in self.pointers]
        return self.store.version_docs([(h, self.pointers[h].version) for h in wanted], self.fy)

    def assess(self, ids: Sequence[str], *, follow_up: Iterable[str] = (), fresh: bool = False) -> None:
        """Read, compute and decide these households (again: everything known of them is replaced).
        `follow_up`: households whose latest version, if this run's, may lack what follows it (a dead
        attempt's): completed before anything newer is decided, so the ledger sees the versions in order.
        `fresh`: the year is expected to hold no version yet (the annual run's first pass): none is read
        and each household's version 1 is decided — its conditional write is the check (one that exists
        makes the household read again, with its latest version)."""
        for d in (self.cases, self.marks, self.pointers, self.results, self.failures, self.decisions):
            for h in ids:
                d.pop(h, None)  # type: ignore[attr-defined]
        t = time.thread_time()
        for h, (case, mark) in self.store.cases_for_assessment(ids, self.fy, latest=not fresh).items():
            self.cases[h], self.marks[h] = case, mark
            if mark.pointer is not None:
                self.pointers[h] = mark.pointer
        follow = set(follow_up)
        self.store.complete_followers({h: m for h, m in self.marks.items() if h in follow and m.pointer is not None
                                       and m.pointer.run_id == self.run_id}, self.fy, self.follow)
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
        # The latest version is read where the premium changed, or where the case did (a new householder with
        # the premium unchanged is a new payer: `decide` compares them)
        changed = [h for h in decided if h in self.pointers and (
            self.marks[h].pending
            or self.pointers[h].content_hash != version_hash(self.results[h], provisional_rates=provisional))]
        previous = self._docs(changed)
        for h in decided:
            self.decisions[h] = decide(h, self.cases[h], self.results[h],
                                       _latest(self.pointers, h, previous.get(h)),
                                       as_of_month=self.as_of_month, run_id=self.run_id,
                                       provisional_rates=provisional)
        self.engine_s += time.thread_time() - t  # includes reading previous versions of changed ones

    def to_write(self, h: str) -> bool:
        """A new version."""
        d = self.decisions.get(h)
        return d is not None and d.outcome == "written"

    def unchanged_pending(self, ids: Sequence[str]) -> dict[str, ChangeMark]:
        """Households whose case changed since their latest version and whose premium did not: the version
        notes the change it now stands for (else the change would stay pending)."""
        return {h: self.marks[h] for h in ids if (d := self.decisions.get(h)) is not None
                and d.outcome != "written" and self.marks[h].pending and self.marks[h].pointer is not None}

    def entries(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Per household: outcome, parts, reduction, and every version this run wrote — read back from
        storage when an earlier attempt (or pass) of the run wrote one: every one of the run's versions of
        the household then, as a dead attempt may have written one the case's later change replaced."""
        own = [h for h in ids if h in self.decisions and h in self.pointers
               and self.pointers[h].run_id == self.run_id]
        mine = self.store.run_versions(own, self.fy, self.run_id) if own else {}
        out: dict[str, dict[str, Any]] = {}
        for h in ids:
            if h in self.failures:
                out[h] = {"o": "failed", "e": self.failures[h]}
                continue
            d, r = self.decisions[h], self.results[h]
            # (read after this batch's writes: its own new version is among them)
            versions = [list(v) for v in mine.get(h, [])]
            if d.outcome == "written" and d.new is not None and h not in own:
                versions.append([d.new.version, d.new.difference, d.new.refund])
            out[h] = {"o": d.outcome, "p": [int(r["parts"].get(p, 0)) for p in PARTS],
                      "r": str(r.get("reduction") or "なし"), "v": versions}
            if (change := self.marks[h].change_id) is not None:
                out[h]["c"] = change  # the change assessed: a later pass leaves it out unless changed since
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
    follow = AccessEntry(who, [], WRITE_CATEGORY, "write", chain, indexed_by_chain=True)
    b = _Batch(store, fy, as_of_month, run_id, follow)

    t = time.thread_time()
    # The access record of the batch's reads; a concurrent append to the chain (a duplicate of this
    # batch) is retried by the store, which raises after that, so Step Functions retries the batch.
    first_attempt = store.record_access(AccessEntry(who, ids, READ_CATEGORY, "read", chain)) is True
    b.storage_s += time.thread_time() - t
    # Versions of this run that an earlier attempt, a duplicate or an unfinished batch of an earlier pass wrote
    # may lack what follows them (it died in between): completed as they are read. A first attempt checks
    # only the households taken again from an unfinished batch: a clean run reads no more.
    again = [str(h) for h in batch.get("again", [])]
    b.assess(ids, follow_up=again if first_attempt else ids, fresh=first_attempt and not again
             and batch.get("fresh") is True)

    t = time.thread_time()
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    to_write = [h for h in ids if b.to_write(h)]
    for first in range(0, len(to_write), HOUSEHOLDS_PER_CHUNK):
        write_chunk(to_write[first:first + HOUSEHOLDS_PER_CHUNK], b, batch_id=batch_id, at=at)
    store.note_assessed(b.unchanged_pending(ids), fy)
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


def write_chunk(chunk: list[str], b: _Batch, *, batch_id: str, at: str, attempts: int = 4) -> None:
    """One commit: each new version written unless another writer wrote that version first, then the
    ledger's charges and the access record of those written (naming their households) all or nothing.

    On a conflict (a concurrent duplicate of this batch, another run writing the household, what follows
    the versions not written), read those households again and decide again: what the other writer wrote
    is then "replayed" or "unchanged" (and what follows it completed), a changed case is assessed as it now is.
    """
    for attempt in range(attempts):
        pending = [h for h in chunk if b.to_write(h)]
        if not pending:
            return
        versions = [d.new for d in (b.decisions[h] for h in pending) if d.new is not None]
        try:
            lost = b.store.commit(ChunkWrite(
                run_id=b.run_id, batch_id=batch_id, fiscal_year=b.fy, as_of_month=b.as_of_month, at=at,
                versions=versions, changes={h: b.marks[h].change_id for h in pending}, access=b.follow))
        except WriteConflict:
            if attempt == attempts - 1:
                raise
            lost = pending  # the versions stand; what follows them is completed when they are read again
        if not lost:
            return
        if attempt == attempts - 1:
            raise WriteConflict(f"{len(lost)} households of batch {batch_id} kept meeting other writers")
        b.reread.update(lost)
        b.assess(lost, follow_up=lost)


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
