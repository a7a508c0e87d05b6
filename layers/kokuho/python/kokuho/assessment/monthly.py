"""月次賦課 / 本算定 — the steps of the monthly-assessment state machine (called by thin handlers).

A run is identified by what it assesses — mode, fiscal year and month (run id "monthly-2024-12") —
not by the execution: starting the state machine again for the same month continues that run (a
new *pass*), and its summary, metrics and transfer are derived from what is stored for the run, so
a rerun after any failure reports exactly what a clean run would have. A rerun is always safe.

prepare_run    select the households: those whose case changed and is not yet assessed (exact: see
               kokuho.assessment.household_cases), every household of the year for the annual run,
               changes to earlier years still open to assessment (過年度更正, 国保法第110条の2), and the
               households of this run's earlier passes whose batch did not finish; write the
               pre-batched work list to the work bucket
assess_batch   one batch: read cases and latest versions, compute, write new versions with
               conditional writes (never twice, never over another version), notice data, the
               case's "assessed" mark and access records in the same transactions; records what it
               found for each household (figures of versions written by this run, read back from
               storage when an earlier attempt wrote them)
record_failed_batch   a batch that still failed after its retries: recorded with its household ids
summarize_run  the run summary (counts, totals by part, counts by reduction, refunds, failures) from
               the stored batch records, the 保険料賦課情報 transfer to 介護保険課 through the transfer
               service (judged against the approved data-use application), and the run's status
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from kokuho.assessment.household_cases import (
    ChangeMark,
    changed_household_ids,
    get_cases_for_assessment,
    mark_assessed,
    pending_household_ids,
)
from kokuho.assessment.versions import (
    CONFIRMED,
    PROVISIONAL,
    Decision,
    Latest,
    NewVersion,
    decide,
    reassess_every_household,
    version_hash,
)
from kokuho.collection.ledger import charge_from_version
from kokuho.identity.redaction import redact
from kokuho.platform.catalog.assessment import BATCH_CONCURRENCY
from kokuho.records.assessments import (
    AssessmentVersionModel,
    BatchOutcomeModel,
    LatestAssessmentModel,
    NoticeModel,
    RunModel,
    batch_get,
    batch_outcomes,
    get_work_list,
    last_completed_run,
    put_work_list,
)
from kokuho.records.base import connection
from kokuho.records.collection import add_charge

TOKYO = ZoneInfo("Asia/Tokyo")
PURPOSE = "賦課 (国保法第76条)"
STAFF_ID = "system:monthly-assessment"
READ_CATEGORY = "賦課用世帯情報"
WRITE_CATEGORY = "保険料賦課情報"
DEFAULT_BATCH_SIZE = 100
MAX_BATCH_SIZE = 1000  # well within the batch function's timeout (see the catalog)
# The batch function's reserved concurrency: a wider Map would only be throttled, never faster.
DEFAULT_MAX_CONCURRENCY = BATCH_CONCURRENCY
# 5 items a household (version, latest pointer, notice, the ledger's charge, the case's assessed mark) + 2
# for the access record ≤ 100 (TransactWriteItems)
HOUSEHOLDS_PER_TRANSACTION = 19
PARTS = ("medical", "support", "care", "child")
FAILURES_LISTED = 500
FAILED_BATCHES_LISTED = 20
CARE_TRANSFER_NO = 3  # seed II-5 移転先3: 保健福祉局介護保険課, 保険料賦課情報
# 国保法第110条の2: no 賦課決定 from the day two years after the day after the year's first due date
ASSESSMENT_LIMIT_YEARS = 2
WRITTEN = ("written", "replayed")


class RunInputError(ValueError):
    """The run's input is invalid (message names the field)."""


def _actor(execution_id: str) -> Any:
    from kokuho.access.records import Actor

    return Actor(staff_id=STAFF_ID, terminal_id=execution_id or "local", purpose=PURPOSE)


def _record_access(*args: Any, **kwargs: Any) -> Any:
    from kokuho.access.records import record_access

    return record_access(*args, **kwargs)


def fiscal_year_of_month(month: str) -> int:
    """Fiscal year (年度, April–March) that contains a month "YYYY-MM"."""
    year, mon = int(month[:4]), int(month[5:7])
    return year if mon >= 4 else year - 1


def assessment_deadline(fiscal_year: int) -> str:
    """The last month in which the fiscal year may still be assessed (国保法第110条の2).

    Two years from the day after the year's first due date (the June installment): a 更正 as of
    June two years on is the last one.
    """
    from kokuho.premium.ages import month_label
    from kokuho.premium.installments import FIRST_DUE_INDEX

    return month_label(fiscal_year + ASSESSMENT_LIMIT_YEARS, FIRST_DUE_INDEX)


def run_id_of(mode: str, fiscal_year: int, as_of_month: str) -> str:
    return f"{mode}-{fiscal_year}-{as_of_month}"


def _check_month(value: Any, field: str) -> str:
    if not isinstance(value, str) or len(value) != 7 or value[4] != "-" or not (
            value[:4].isdigit() and value[5:].isdigit() and 1 <= int(value[5:]) <= 12):
        raise RunInputError(f"{field}: must be a month YYYY-MM")
    return value


def _positive_int(value: Any, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise RunInputError(f"{field}: must be a positive integer")
    return value


def _check_year_and_month(fiscal_year: int, as_of_month: str) -> None:
    if fiscal_year > fiscal_year_of_month(as_of_month):
        raise RunInputError(f"fiscal_year: FY{fiscal_year} has not begun as of {as_of_month}")
    if as_of_month > assessment_deadline(fiscal_year):
        raise RunInputError(f"fiscal_year: FY{fiscal_year} can no longer be assessed as of {as_of_month} "
                            f"(国保法第110条の2: last month {assessment_deadline(fiscal_year)})")


# -- prepare ----------------------------------------------------------------------------------------

def _unfinished_households(run_id: str, passes: int) -> dict[int, set[str]]:
    """Households of this run's earlier passes whose batch has no completed outcome (crashed, failed,
    never ran): taken again, so what an interrupted batch wrote is counted and what it left is done."""
    done = {item.batch_id for item in batch_outcomes(run_id) if item.status == "ok"}
    out: dict[int, set[str]] = {}
    for n in range(1, passes):
        for b in get_work_list(f"{run_id}/p{n:03d}") or []:
            if b["batch_id"] not in done:
                out.setdefault(int(b["fiscal_year"]), set()).update(b["household_ids"])
    return out


def prepare_run(inp: dict[str, Any], *, execution_id: str, execution_name: str,
                now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    unknown = set(inp) - {"mode", "as_of_month", "fiscal_year", "batch_size", "max_concurrency"}
    if unknown:
        raise RunInputError(f"{sorted(unknown)[0]}: unknown field")
    mode = inp.get("mode", "monthly")
    if mode not in ("monthly", "annual"):
        raise RunInputError("mode: must be 'monthly' or 'annual'")
    as_of_month = _check_month(inp.get("as_of_month") or now.astimezone(TOKYO).strftime("%Y-%m"),
                               "as_of_month")
    fiscal_year = inp.get("fiscal_year", fiscal_year_of_month(as_of_month))
    _positive_int(fiscal_year, "fiscal_year")
    _check_year_and_month(fiscal_year, as_of_month)
    batch_size = _positive_int(inp.get("batch_size", DEFAULT_BATCH_SIZE), "batch_size")
    if batch_size > MAX_BATCH_SIZE:
        raise RunInputError(f"batch_size: at most {MAX_BATCH_SIZE}")
    max_conc = _positive_int(inp.get("max_concurrency", DEFAULT_MAX_CONCURRENCY), "max_concurrency")
    run_id = run_id_of(mode, fiscal_year, as_of_month)
    # A year whose rate file is missing or incomplete is refused as a whole, before any batch runs
    # (raises RateFileError: the execution fails with that error, naming the year).
    from kokuho.premium import load_rate_table

    provisional = load_rate_table(fiscal_year).provisional
    # The first monthly run on confirmed rates after a completed run on provisional ones assesses every
    # household of the year (its 仮 versions await their 決定通知: assessment.versions).
    last = last_completed_run(fiscal_year) if mode == "monthly" else None
    everyone = mode == "annual" or (last is not None and reassess_every_household(
        last_run_provisional=bool(last.provisional_rates), rates_provisional=provisional))

    pk, sk = RunModel.key(run_id)
    run = RunModel(pk, sk)
    run.update(actions=[RunModel.passes.add(1), RunModel.run_id.set(run_id),
                        RunModel.fiscal_year.set(fiscal_year), RunModel.mode.set(mode),
                        RunModel.as_of_month.set(as_of_month), RunModel.status.set("started"),
                        RunModel.snapshot_at.set(now.astimezone(UTC).isoformat(timespec="microseconds")),
                        RunModel.execution_name.set(execution_name),
                        RunModel.provisional_rates.set(provisional)])
    n = int(run.passes)
    again = _unfinished_households(run_id, n) if n > 1 else {}
    work = [(fiscal_year, set(changed_household_ids(fiscal_year, None) if everyone
                              else pending_household_ids(fiscal_year)) | again.get(fiscal_year, set()))]
    closed: dict[str, int] = {}
    # the earlier years that may still be open, and the one that closed last (its late changes are
    # reported; older ones were reported by the runs of the months after they closed)
    for year in range(fiscal_year - 1, fiscal_year - 1 - ASSESSMENT_LIMIT_YEARS, -1):
        ids = set(pending_household_ids(year)) | again.get(year, set())
        if not ids:
            continue
        if as_of_month <= assessment_deadline(year):
            load_rate_table(year)  # 過年度更正: that year's own rates
            work.append((year, ids))
        else:
            closed[str(year)] = len(ids)  # reported: a change no run may assess any more
    batches: list[dict[str, Any]] = []
    for year, id_set in work:
        ordered = sorted(id_set)
        for i in range(0, len(ordered), batch_size):
            batches.append({"batch_id": f"p{n:03d}-b{len(batches):05d}", "pass": n, "fiscal_year": year,
                            "household_ids": ordered[i:i + batch_size]})
    households = sum(len(b["household_ids"]) for b in batches)
    bucket, key = put_work_list(f"{run_id}/p{n:03d}", batches)
    run.update(actions=[RunModel.batches.set(len(batches)), RunModel.households.set(households),
                        RunModel.work_list_key.set(key), RunModel.closed_years_pending.set(closed)])
    return {
        "run_id": run_id, "pass": n, "fiscal_year": fiscal_year, "as_of_month": as_of_month, "mode": mode,
        "bucket": bucket, "key": key, "batches": len(batches), "households": households,
        "max_concurrency": max(1, min(max_conc, DEFAULT_MAX_CONCURRENCY, len(batches))),
    }


# -- one batch --------------------------------------------------------------------------------------

class Pointer(NamedTuple):
    """The latest-version pointer: what decisions and the run's figures need without the version."""

    version: int
    content_hash: str
    run_id: str
    figures: tuple[int, int] | None  # (difference, refund) of that version; None on older pointers


def _read_latest(household_ids: Sequence[str], fy: int) -> dict[str, Pointer]:
    """household → pointer to its latest version, for those that have one."""
    items = batch_get(LatestAssessmentModel,
                      ((AssessmentVersionModel.pk_of(h, fy), "LATEST") for h in household_ids),
                      attributes=["version", "content_hash", "run_id", "difference", "refund"])
    return {pk.split("#")[1]: Pointer(int(i.version), i.content_hash, i.run_id,
                                      None if i.refund is None else (int(i.difference), int(i.refund)))
            for (pk, _), i in items.items()}


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


def _read_docs(household_ids: Sequence[str], pointers: dict[str, Pointer],
               fy: int) -> dict[str, dict[str, Any]]:
    """The documents of the latest versions of these households."""
    keys = [(AssessmentVersionModel.pk_of(h, fy), AssessmentVersionModel.sk_of(pointers[h][0]))
            for h in household_ids if h in pointers]
    if not keys:
        return {}
    return {pk.split("#")[1]: dict(i.doc)
            for (pk, _), i in batch_get(AssessmentVersionModel, keys, attributes=["doc"]).items()}


@dataclass
class _Batch:
    """What a batch knows of its households (refreshed for those a conflicting write touched)."""

    fy: int
    as_of_month: str
    run_id: str
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    marks: dict[str, ChangeMark] = field(default_factory=dict)
    pointers: dict[str, Pointer] = field(default_factory=dict)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    decisions: dict[str, Decision] = field(default_factory=dict)
    storage_s: float = 0.0
    engine_s: float = 0.0

    def assess(self, ids: Sequence[str]) -> None:
        """Read, compute and decide these households (again: everything known of them is replaced)."""
        for d in (self.cases, self.marks, self.pointers, self.results, self.failures, self.decisions):
            for h in ids:
                d.pop(h, None)  # type: ignore[attr-defined]
        t = time.thread_time()
        for h, (case, mark) in get_cases_for_assessment(ids, self.fy).items():
            self.cases[h], self.marks[h] = case, mark
        self.pointers.update(_read_latest(ids, self.fy))
        self.storage_s += time.thread_time() - t
        t = time.thread_time()
        results, failures = _compute({h: self.cases[h] for h in ids if h in self.cases})
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
                   and self.pointers[h][1] != version_hash(self.results[h], provisional_rates=provisional)]
        previous = _read_docs(changed, self.pointers, self.fy)
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
        docs = _read_docs([h for h in own if self.pointers[h].figures is None], self.pointers, self.fy)
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


def _compute(cases: dict[str, dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Engine results per household; a household whose case the engine refuses is a failure (not the batch)."""
    from kokuho.premium import compute_each

    results: dict[str, dict[str, Any]] = {}
    failures: dict[str, str] = {}
    for h, out in zip(cases, compute_each(cases.values()), strict=True):
        if isinstance(out, dict):
            results[h] = out
        else:
            failures[h] = redact(f"{type(out).__name__}: {out}")
    return results, failures


def _add_version(tx: TransactWrite, new: NewVersion, prev_version: int | None, *, run_id: str,
                 batch_id: str, as_of_month: str, at: str) -> None:
    pk = AssessmentVersionModel.pk_of(new.household_id, new.fiscal_year)
    tx.save(AssessmentVersionModel(
        pk, AssessmentVersionModel.sk_of(new.version), version=new.version, run_id=run_id,
        content_hash=new.content_hash, doc={
            "household_id": new.household_id, "fiscal_year": new.fiscal_year, "batch_id": batch_id,
            "as_of_month": as_of_month, "created_at": at, "result": new.result,
            "installments": new.installments, "diff": new.diff, "difference": new.difference,
            "refund": new.refund, "status": new.status, "decided": new.decided,
        },
    ), condition=AssessmentVersionModel.pk.does_not_exist())  # a version is written once, ever
    latest = LatestAssessmentModel(pk, "LATEST", version=new.version, content_hash=new.content_hash,
                                   run_id=run_id, difference=new.difference, refund=new.refund)
    if prev_version is None:
        tx.save(latest, condition=LatestAssessmentModel.pk.does_not_exist())
    else:
        tx.save(latest, condition=LatestAssessmentModel.version == prev_version)
    if new.notice_kind is None:
        return  # 仮 (provisional rates): stored and shown, no notice until the rates are confirmed
    tx.save(NoticeModel(
        f"NOTICE#{new.household_id}", f"FY#{new.fiscal_year}#V#{new.version:04d}",
        kind=new.notice_kind, payer_id=new.payer_id,
        body={"household_id": new.household_id, "fiscal_year": new.fiscal_year, "version": new.version,
              "as_of_month": as_of_month, "reduction": new.result.get("reduction"),
              "parts": new.result["parts"], "annual": new.result["annual"],
              "installments": new.installments, "difference": new.difference, "refund": new.refund,
              "diff": new.diff},
    ))
    # The ledger (調定) follows the version in the same transaction: billed from this version on.
    add_charge(tx, charge_from_version(new.household_id, new.fiscal_year, version=new.version, payer_id=new.payer_id,
                                       annual=int(new.result["annual"]), installments=new.installments),
               decreased=new.difference < 0)


def assess_batch(event: dict[str, Any]) -> dict[str, Any]:
    """Assess one batch; safe to run again (retry or duplicate): nothing is written twice."""
    run_id = str(event["run_id"])
    batch = event["batch"]
    fy = int(batch.get("fiscal_year", event["fiscal_year"]))
    as_of_month = _check_month(event["as_of_month"], "as_of_month")
    batch_id = str(batch["batch_id"])
    ids = [str(h) for h in batch["household_ids"]]
    actor = _actor(str(event.get("execution_id", "")))
    chain = f"{run_id}#{batch_id}"
    # CPU time of this thread (Map iterations share one process locally: wall clock would count waits)
    b = _Batch(fy, as_of_month, run_id)

    t = time.thread_time()
    # The access record of the batch's reads; record_access retries a concurrent append to the chain
    # (a duplicate of this batch) and raises after that, so Step Functions retries the batch.
    _record_access(actor, ids, READ_CATEGORY, "read", chain=chain)
    b.storage_s += time.thread_time() - t
    b.assess(ids)

    t = time.thread_time()
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    to_write = [h for h in ids if b.to_write(h)]
    for first in range(0, len(to_write), HOUSEHOLDS_PER_TRANSACTION):
        _write_chunk(to_write[first:first + HOUSEHOLDS_PER_TRANSACTION], b, actor=actor, chain=chain,
                     batch_id=batch_id, at=at)
    entries = b.entries(ids)
    b.storage_s += time.thread_time() - t
    outcome = {
        "batch_id": batch_id, "pass": int(batch.get("pass", 0)), "fiscal_year": fy, "households": len(ids),
        "entries": entries,
        "timing": {"engine_ms": round(b.engine_s * 1000, 1), "storage_ms": round(b.storage_s * 1000, 1)},
    }
    _save_outcome(run_id, batch_id, outcome)
    return {"batch_id": batch_id, "households": len(ids),
            "written": sum(1 for e in entries.values() if e["o"] in WRITTEN),
            "failed": sum(1 for e in entries.values() if e["o"] == "failed")}


def _save_outcome(run_id: str, batch_id: str, outcome: dict[str, Any]) -> None:
    pk, sk = BatchOutcomeModel.key(run_id, batch_id)
    BatchOutcomeModel(pk, sk, run_id=run_id, batch_id=batch_id, status="ok", outcome=outcome).save()


def _write_chunk(chunk: list[str], b: _Batch, *, actor: Any, chain: str, batch_id: str, at: str,
                 attempts: int = 4) -> None:
    """One transaction: versions, latest pointers, notices, the cases' assessed marks and the access
    record, all or nothing.

    On a conflict (a concurrent duplicate of this batch, an intake that changed a case since it was
    read, or the access chain moved), read the households again and decide again: what the other
    writer wrote is then "replayed" or "unchanged", a changed case is assessed as it now is.
    """
    for attempt in range(attempts):
        pending = [h for h in chunk if b.to_write(h)]
        if not pending:
            return
        written = [h for h in pending if b.decisions[h].outcome == "written"]
        try:
            with TransactWrite(connection=connection()) as tx:
                for h in written:
                    new = b.decisions[h].new
                    assert new is not None
                    prev = new.version - 1 if new.version > 1 else None
                    _add_version(tx, new, prev, run_id=b.run_id, batch_id=batch_id,
                                 as_of_month=b.as_of_month, at=at)
                for h in pending:
                    if b.marks[h].pending:
                        mark_assessed(tx, h, b.fy, b.marks[h])
                if written:
                    _record_access(actor, written, WRITE_CATEGORY, "write", chain=chain, transaction=tx)
            return
        except (TransactWriteError, PutError):
            if attempt == attempts - 1:
                raise
            b.assess(pending)


# -- failures and summary ---------------------------------------------------------------------------

def record_failed_batch(event: dict[str, Any]) -> dict[str, Any]:
    """Record a batch that failed after its retries, naming every household id in it.

    A batch whose outcome was stored before it failed (it died on its way out) keeps that outcome.
    """
    batch = event["batch"]
    err = event.get("error") or {}
    run_id, batch_id = str(event["run_id"]), str(batch["batch_id"])
    ids = [str(h) for h in batch["household_ids"]]
    pk, sk = BatchOutcomeModel.key(run_id, batch_id)
    try:
        BatchOutcomeModel(pk, sk, run_id=run_id, batch_id=batch_id, status="failed", outcome={
            "batch_id": batch_id, "pass": int(batch.get("pass", 0)),
            "fiscal_year": int(batch.get("fiscal_year", event.get("fiscal_year", 0))),
            "households": len(ids), "household_ids": ids,
            "error": redact(str(err.get("Error", "unknown"))), "cause": redact(str(err.get("Cause", "")))[:2000],
        }).save(condition=BatchOutcomeModel.pk.does_not_exist() | (BatchOutcomeModel.status == "failed"))
    except PutError:
        return {"batch_id": batch_id, "households": len(ids), "written": 0, "failed": 0}
    return {"batch_id": batch_id, "households": len(ids), "written": 0, "failed": len(ids),
            "batch_failed": True}


@dataclass
class _Stored:
    """Everything the run's batch records say, merged per household (a later pass wins)."""

    latest: dict[tuple[int, str], tuple[int, dict[str, Any]]] = field(default_factory=dict)
    versions: dict[tuple[int, str, int], tuple[int, int]] = field(default_factory=dict)
    failed_batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    seen_in_pass: int = 0
    pass_written: int = 0
    timing: dict[str, float] = field(default_factory=lambda: {"engine_ms": 0.0, "storage_ms": 0.0})


def _read_stored(run_id: str, current_pass: int) -> _Stored:
    s = _Stored()
    for item in batch_outcomes(run_id):
        o = dict(item.outcome)
        n, fy = int(o.get("pass", 0)), int(o.get("fiscal_year", 0))
        if n == current_pass:
            s.seen_in_pass += 1
        if item.status == "failed":
            s.failed_batches[o["batch_id"]] = {"batch_id": o["batch_id"], "household_ids": o["household_ids"],
                                               "error": o["error"]}
            found = {h: {"o": "batch_failed", "batch": o["batch_id"]} for h in o["household_ids"]}
        else:
            found = o["entries"]
            if n == current_pass:
                s.pass_written += sum(1 for e in found.values() if e["o"] == "written")
                for k in s.timing:
                    s.timing[k] += float(o["timing"][k])
        for h, e in found.items():
            if (fy, h) not in s.latest or s.latest[(fy, h)][0] <= n:
                s.latest[(fy, h)] = (n, e)
            for version, difference, refund in e.get("v", []):
                s.versions[(fy, h, int(version))] = (int(difference), int(refund))
    return s


def summarize_run(event: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    run_id = str(event["run_id"])
    run = RunModel.get(*RunModel.key(run_id), consistent_read=True)
    current = int(event.get("pass") or run.passes or 0)
    s = _read_stored(run_id, current)
    fy = int(run.fiscal_year)
    entries = {k: e for k, (_, e) in s.latest.items()}
    assessed = {k: e for k, e in entries.items() if e["o"] in ("written", "replayed", "unchanged")}
    with_versions = {(y, h) for y, h, _ in s.versions}
    totals = dict.fromkeys(PARTS, 0)
    reductions: Counter[str] = Counter()
    for (year, _), e in assessed.items():
        if year == fy:  # the year's totals; earlier years' corrections are counted below
            for p, v in zip(PARTS, e["p"], strict=True):
                totals[p] += int(v)
            reductions[e["r"]] += 1
    failed_households = [{"household_id": h, "error": e["e"], **({"fiscal_year": y} if y != fy else {})}
                         for (y, h), e in sorted(entries.items()) if e["o"] == "failed"]
    still_failed = {e["batch"] for e in entries.values() if e["o"] == "batch_failed"}
    failed_batches = [b for bid, b in sorted(s.failed_batches.items()) if bid in still_failed]
    corrections = [(k, d, r) for k, (d, r) in s.versions.items() if k[2] > 1]
    by_year: dict[str, dict[str, Any]] = {}
    for (year, _, _), (_, refund) in sorted(s.versions.items()):
        y = by_year.setdefault(str(year), {"versions_written": 0, "refunds": {"count": 0, "total": 0}})
        y["versions_written"] += 1
        y["refunds"]["count"] += 1 if refund > 0 else 0
        y["refunds"]["total"] += refund
    care = sum(1 for k in with_versions if k in assessed and int(assessed[k]["p"][PARTS.index("care")]) > 0)
    unaccounted = max(0, int(run.batches or 0) - s.seen_in_pass)
    summary: dict[str, Any] = {
        "run_id": run_id, "fiscal_year": fy, "mode": run.mode, "as_of_month": run.as_of_month,
        "households_selected": len(entries), "batches": int(run.batches or 0),
        "households_assessed": len(assessed),
        "versions_written": len(s.versions),
        "unchanged": sum(1 for k in assessed if k not in with_versions),
        "corrections": len(corrections), "difference_total": sum(d for _, d, _ in corrections),
        "refunds": {"count": sum(1 for _, r in s.versions.values() if r > 0),
                    "total": sum(r for _, r in s.versions.values())},
        "by_fiscal_year": by_year,
        "totals": totals, "annual_total": sum(totals.values()),
        "reductions": dict(sorted(reductions.items())),
        # Lists are capped (execution output ≤ 256 KB, item ≤ 400 KB); every failure stays listed in
        # its batch record (RUN#<run_id> / BATCH#<batch_id>), with counts here.
        "failures": {"households": failed_households[:FAILURES_LISTED],
                     "households_count": len(failed_households),
                     "batches": failed_batches[:FAILED_BATCHES_LISTED],
                     "batches_count": len(failed_batches),
                     "household_ids_in_failed_batches": sum(len(b["household_ids"]) for b in failed_batches),
                     # a batch with neither outcome nor failure record must not pass unnoticed
                     "batches_unaccounted": unaccounted},
        "closed_years_pending": dict(run.closed_years_pending or {}),
        "last_pass": {"pass": current, "households_selected": int(run.households or 0),
                      "versions_written": s.pass_written},
        "timing": {k: round(v, 1) for k, v in s.timing.items()},
        # 仮: assessed on provisional rates, no notice issued (the run after their confirmation reassesses)
        "rates": PROVISIONAL if run.provisional_rates else CONFIRMED,
    }
    summary["transfer"] = _transfer_to_care(run, len(s.versions), care, str(event.get("execution_id", "")))
    clean = not failed_batches and not failed_households and unaccounted == 0 and (
        summary["transfer"] is None or summary["transfer"]["outcome"] == "transferred")
    summary["status"] = "completed" if clean else "completed_with_failures"
    actions: list[Any] = [RunModel.status.set(summary["status"]), RunModel.summary.set(summary)]
    if clean:
        actions += [RunModel.gsi1pk.set(f"RUNS#FY#{fy}"), RunModel.gsi1sk.set(f"{run.snapshot_at}#{run_id}")]
    run.update(actions=actions)
    return summary


def _transfer_to_care(run: RunModel, versions_written: int, care_households: int,
                      execution_id: str) -> dict[str, Any] | None:
    """移転先3: the premium data of the run's new versions goes to 介護保険課 — through the transfer
    service, under the department's approved data-use application, like every other transfer.

    What a run has transferred is kept on the run: a rerun transfers only versions not yet transferred,
    under a transfer id derived from the run and its count, so a retried step records nothing twice.
    """
    if versions_written == 0:
        return None
    from kokuho.linkage.transfers import TransferRefused, approved_application_id, load_matrix, record_transfer

    matrix = load_matrix()
    entry = next(e for e in matrix.entries if e.no == CARE_TRANSFER_NO)
    done = int(run.transferred or 0)
    out = {"transfer_no": entry.no, "department": entry.department, "information_kind": entry.information_kind,
           "uses": list(entry.uses), "legal_basis": list(matrix.legal_basis), "run_id": run.run_id,
           "count": versions_written, "care_households": care_households, "outcome": "transferred"}
    if versions_written > done:
        try:
            record_transfer(entry.department, entry.information_kind, versions_written - done,
                            approved_application_id(entry.department, entry.information_kind),
                            _actor(execution_id), transfer_id=f"ASSESS-{run.run_id}-{versions_written}",
                            reference=f"monthly-assessment:{run.run_id}")
        except TransferRefused as exc:
            # recorded as refused by the service; the run says so, and a rerun once the application
            # is approved transfers what is still owed
            return {**out, "count": done, "outcome": "refused", "reason": exc.reason,
                    "not_transferred": versions_written - done}
        run.update(actions=[RunModel.transferred.set(versions_written)])
    return out
