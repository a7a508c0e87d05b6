"""月次賦課 / 本算定 — the steps of the monthly-assessment state machine (called by thin handlers).

prepare_run    select the households (changed since the last completed run of the fiscal year, or all
               for the annual run) and write the pre-batched work list to the work bucket
assess_batch   one batch: read cases and latest versions, compute, write new versions with
               conditional writes (never twice, never over another version), notice data, access
               records in the same transactions; records the batch outcome
record_failed_batch   a batch that still failed after its retries: recorded with its household ids
summarize_run  the run summary (counts, totals by part, counts by reduction, refunds, failures), the
               保険料賦課情報 transfer record to 介護保険課, and the run marked completed
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

import kokuho
from kokuho.assessment.household_cases import changed_household_ids, get_household_cases
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
from kokuho.identity.redaction import redact
from kokuho.platform.catalog.assessment import BATCH_CONCURRENCY
from kokuho.records.assessments import (
    AssessmentVersionModel,
    BatchOutcomeModel,
    LatestAssessmentModel,
    NoticeModel,
    RunModel,
    TransferRecordModel,
    batch_get,
    batch_outcomes,
    last_completed_run,
    put_work_list,
)
from kokuho.records.base import connection

TOKYO = ZoneInfo("Asia/Tokyo")
PURPOSE = "賦課 (国保法第76条)"
STAFF_ID = "system:monthly-assessment"
READ_CATEGORY = "賦課用世帯情報"
WRITE_CATEGORY = "保険料賦課情報"
DEFAULT_BATCH_SIZE = 100
# The batch function's reserved concurrency: a wider Map would only be throttled, never faster.
DEFAULT_MAX_CONCURRENCY = BATCH_CONCURRENCY
HOUSEHOLDS_PER_TRANSACTION = 30  # 3 items each + 2 for the access record ≤ 100 (TransactWriteItems)
PARTS = ("medical", "support", "care", "child")
FAILURES_LISTED = 500
FAILED_BATCHES_LISTED = 20
CARE_TRANSFER_NO = 3  # seed II-5 移転先3: 保健福祉局介護保険課, 保険料賦課情報

# Test-only hook: "<batch_id>" makes that batch fail once, AFTER its first transaction committed, to
# prove that a retried batch neither double-writes nor loses households; "<batch_id>:always" makes it
# fail on every attempt before writing, to prove a failed batch is reported. Never set outside tests.
TEST_HOOK_FAIL_BATCH_ONCE = "KOKUHO_TEST_HOOK_FAIL_BATCH_ONCE"
_hook_lock = threading.Lock()
_hook_fired: set[str] = set()


class RunInputError(ValueError):
    """The run's input is invalid (message names the field)."""


class InjectedBatchFailure(RuntimeError):
    """Raised only by the test hook above."""


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


def _check_month(value: Any, field: str) -> str:
    if not isinstance(value, str) or len(value) != 7 or value[4] != "-" or not (
            value[:4].isdigit() and value[5:].isdigit() and 1 <= int(value[5:]) <= 12):
        raise RunInputError(f"{field}: must be a month YYYY-MM")
    return value


def _positive_int(value: Any, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise RunInputError(f"{field}: must be a positive integer")
    return value


# -- prepare ----------------------------------------------------------------------------------------

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
    batch_size = _positive_int(inp.get("batch_size", DEFAULT_BATCH_SIZE), "batch_size")
    max_conc = _positive_int(inp.get("max_concurrency", DEFAULT_MAX_CONCURRENCY), "max_concurrency")
    run_id = execution_name
    # A year whose rate file is missing or incomplete is refused as a whole, before any batch runs
    # (raises RateFileError: the execution fails with that error, naming the year).
    from kokuho.premium import load_rate_table

    provisional = load_rate_table(fiscal_year).provisional

    since: datetime | None = None
    if mode == "monthly":
        last = last_completed_run(fiscal_year)
        if last and not reassess_every_household(last_run_provisional=bool(last.provisional_rates),
                                                 rates_provisional=provisional):
            since = datetime.fromisoformat(last.snapshot_at)
    ids = changed_household_ids(fiscal_year, since)
    batches = [{"batch_id": f"b{i // batch_size:05d}", "household_ids": ids[i:i + batch_size]}
               for i in range(0, len(ids), batch_size)]
    bucket, key = put_work_list(run_id, batches)
    pk, sk = RunModel.key(run_id)
    RunModel(pk, sk, run_id=run_id, fiscal_year=fiscal_year, mode=mode, as_of_month=as_of_month,
             snapshot_at=now.astimezone(UTC).isoformat(timespec="microseconds"),
             since=since.isoformat() if since else None, status="started", households=len(ids),
             batches=len(batches), work_list_key=key, provisional_rates=provisional).save()
    return {
        "run_id": run_id, "fiscal_year": fiscal_year, "as_of_month": as_of_month, "mode": mode,
        "bucket": bucket, "key": key, "batches": len(batches), "households": len(ids),
        "max_concurrency": max(1, min(max_conc, DEFAULT_MAX_CONCURRENCY, len(batches))),
        "since": since.isoformat() if since else None,
    }


# -- one batch --------------------------------------------------------------------------------------

def _read_latest(household_ids: Sequence[str], fy: int) -> dict[str, tuple[int, str, str]]:
    """household → (version, content hash, run id) of its latest version, for those that have one."""
    items = batch_get(LatestAssessmentModel,
                      ((AssessmentVersionModel.pk_of(h, fy), "LATEST") for h in household_ids),
                      attributes=["version", "content_hash", "run_id"])
    return {pk.split("#")[1]: (int(i.version), i.content_hash, i.run_id) for (pk, _), i in items.items()}


def _latest(pointers: dict[str, tuple[int, str, str]], household_id: str,
            previous: dict[str, Any] | None = None) -> Latest | None:
    """The decision's view of the latest version; the full previous version is read only when needed."""
    pointer = pointers.get(household_id)
    if pointer is None:
        return None
    version, digest, run_id = pointer
    if previous is None:
        return Latest(version, digest, run_id, {}, [])
    return Latest(version, digest, run_id, dict(previous["result"]), list(previous["installments"]),
                  status=previous.get("status", CONFIRMED), decided=bool(previous.get("decided", True)))


def _read_previous(pointers: dict[str, tuple[int, str, str]], household_ids: Sequence[str],
                   fy: int) -> dict[str, dict[str, Any]]:
    """The documents of the latest versions of households whose premium changed (for 更正 and diff)."""
    keys = [(AssessmentVersionModel.pk_of(h, fy), AssessmentVersionModel.sk_of(pointers[h][0]))
            for h in household_ids if h in pointers]
    return {pk.split("#")[1]: dict(i.doc)
            for (pk, _), i in batch_get(AssessmentVersionModel, keys, attributes=["doc"]).items()}


def _decide_all(ids: Sequence[str], cases: dict[str, dict[str, Any]], results: dict[str, dict[str, Any]],
                pointers: dict[str, tuple[int, str, str]], fy: int, as_of_month: str,
                run_id: str) -> dict[str, Decision]:
    """Decide every household; read full previous versions only for those whose content changed."""
    from kokuho.premium import load_rate_table

    # The status of the rates the results were computed from (the same cached rate file): 仮 or 確定.
    provisional = load_rate_table(fy).provisional
    changed = [h for h in ids if h in results and h in pointers
               and pointers[h][1] != version_hash(results[h], provisional_rates=provisional)]
    previous = _read_previous(pointers, changed, fy) if changed else {}
    return {
        h: decide(h, cases[h], results[h], _latest(pointers, h, previous.get(h)),
                  as_of_month=as_of_month, run_id=run_id, provisional_rates=provisional)
        for h in ids if h in results
    }


def _compute(cases: dict[str, dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Engine results per household; a household whose case the engine rejects is a failure (not the batch)."""
    from kokuho.premium import CaseError, RateFileError, compute_case

    ids = list(cases)
    try:
        from kokuho.premium import compute_many

        return dict(zip(ids, compute_many([cases[h] for h in ids]), strict=True)), {}
    except (ImportError, CaseError, RateFileError, ValueError, KeyError, TypeError):
        pass  # fall back to one at a time so one bad case names itself
    results: dict[str, dict[str, Any]] = {}
    failures: dict[str, str] = {}
    for h in ids:
        try:
            results[h] = compute_case(cases[h])
        except (CaseError, RateFileError) as exc:
            failures[h] = redact(f"{type(exc).__name__}: {exc}")
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
                                   run_id=run_id)
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


def _fail_always_for_test(batch_id: str) -> None:
    if os.environ.get(TEST_HOOK_FAIL_BATCH_ONCE) == f"{batch_id}:always":
        raise InjectedBatchFailure(f"test hook: batch {batch_id} fails on every attempt")


def _maybe_fail_for_test(run_id: str, batch_id: str) -> None:
    if os.environ.get(TEST_HOOK_FAIL_BATCH_ONCE) != batch_id:
        return
    with _hook_lock:
        key = f"{run_id}#{batch_id}"
        if key in _hook_fired:
            return
        _hook_fired.add(key)
    raise InjectedBatchFailure(f"test hook: batch {batch_id} fails once after its first commit")


def assess_batch(event: dict[str, Any]) -> dict[str, Any]:
    """Assess one batch; safe to run again (retry or duplicate): nothing is written twice."""
    run_id = str(event["run_id"])
    fy = int(event["fiscal_year"])
    as_of_month = _check_month(event["as_of_month"], "as_of_month")
    batch = event["batch"]
    batch_id = str(batch["batch_id"])
    ids = [str(h) for h in batch["household_ids"]]
    actor = _actor(str(event.get("execution_id", "")))
    chain = f"{run_id}#{batch_id}"
    # CPU time of this thread (Map iterations share one process locally: wall clock would count waits)
    storage_s = engine_s = 0.0

    _fail_always_for_test(batch_id)
    t = time.thread_time()
    # The access record of the batch's reads; record_access retries a concurrent append to the chain
    # (a duplicate of this batch) and raises after that, so Step Functions retries the batch.
    _record_access(actor, ids, READ_CATEGORY, "read", chain=chain)
    cases = get_household_cases(ids, fy)
    pointers = _read_latest(ids, fy)
    storage_s += time.thread_time() - t

    t = time.thread_time()
    results, failures = _compute(cases)
    for h in ids:
        if h not in cases:
            failures[h] = "no 賦課用世帯情報 for this fiscal year"
    engine_s += time.thread_time() - t
    t = time.thread_time()
    decisions = _decide_all(ids, cases, results, pointers, fy, as_of_month, run_id)
    engine_s += time.thread_time() - t  # includes reading previous versions of changed households

    t = time.thread_time()
    to_write = [h for h, d in decisions.items() if d.outcome == "written"]
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    for first in range(0, len(to_write), HOUSEHOLDS_PER_TRANSACTION):
        chunk = to_write[first:first + HOUSEHOLDS_PER_TRANSACTION]
        _write_chunk(chunk, decisions, cases, actor=actor, chain=chain, run_id=run_id,
                     batch_id=batch_id, fy=fy, as_of_month=as_of_month, at=at, results=results)
        if first == 0:
            _maybe_fail_for_test(run_id, batch_id)
    storage_s += time.thread_time() - t

    counts = Counter(d.outcome for d in decisions.values())
    reductions = Counter(str(results[h].get("reduction") or "なし") for h in decisions)
    totals = {p: sum(int(results[h]["parts"].get(p, 0)) for h in decisions) for p in PARTS}
    written = [decisions[h].new for h in decisions if decisions[h].new is not None]
    # A replayed household was written by this run on an earlier attempt: its figures come from there.
    outcome = {
        "batch_id": batch_id,
        "households": len(ids),
        "written": counts["written"] + counts["replayed"],
        "unchanged": counts["unchanged"],
        "failed": [{"household_id": h, "error": e} for h, e in sorted(failures.items())],
        "totals": totals,
        "annual_total": sum(totals.values()),
        "reductions": dict(reductions),
        "refunds": {"count": sum(1 for n in written if n and n.refund > 0),
                    "total": sum(n.refund for n in written if n)},
        "difference_total": sum(n.difference for n in written if n and n.version > 1),
        "corrections": sum(1 for n in written if n and n.version > 1),
        "care_households": sum(1 for h in decisions if int(results[h]["parts"].get("care", 0)) > 0
                               and decisions[h].outcome in ("written", "replayed")),
        "timing": {"engine_ms": round(engine_s * 1000, 1), "storage_ms": round(storage_s * 1000, 1)},
    }
    pk, sk = BatchOutcomeModel.key(run_id, batch_id)
    BatchOutcomeModel(pk, sk, run_id=run_id, batch_id=batch_id, status="ok", outcome=outcome).save()
    return {"batch_id": batch_id, "households": len(ids), "written": outcome["written"],
            "failed": len(failures)}


def _write_chunk(chunk: list[str], decisions: dict[str, Decision], cases: dict[str, dict[str, Any]],
                 *, actor: Any, chain: str, run_id: str, batch_id: str, fy: int, as_of_month: str,
                 at: str, results: dict[str, dict[str, Any]], attempts: int = 4) -> None:
    """One transaction: versions, latest pointers, notices and the access record, all or nothing.

    On a conflict (a concurrent duplicate of this batch, or the access chain moved), re-read the
    latest versions and decide again: what the other writer wrote is then "replayed" or "unchanged".
    """
    for attempt in range(attempts):
        pending = [h for h in chunk if decisions[h].outcome == "written"]
        if not pending:
            return
        try:
            with TransactWrite(connection=connection()) as tx:
                for h in pending:
                    new = decisions[h].new
                    assert new is not None
                    prev = new.version - 1 if new.version > 1 else None
                    _add_version(tx, new, prev, run_id=run_id, batch_id=batch_id,
                                 as_of_month=as_of_month, at=at)
                _record_access(actor, pending, WRITE_CATEGORY, "write", chain=chain, transaction=tx)
            return
        except (TransactWriteError, PutError):
            if attempt == attempts - 1:
                raise
            decisions.update(_decide_all(pending, cases, results, _read_latest(pending, fy), fy,
                                         as_of_month, run_id))


# -- failures and summary ---------------------------------------------------------------------------

def record_failed_batch(event: dict[str, Any]) -> dict[str, Any]:
    """Record a batch that failed after its retries, naming every household id in it."""
    batch = event["batch"]
    err = event.get("error") or {}
    run_id, batch_id = str(event["run_id"]), str(batch["batch_id"])
    ids = [str(h) for h in batch["household_ids"]]
    pk, sk = BatchOutcomeModel.key(run_id, batch_id)
    BatchOutcomeModel(pk, sk, run_id=run_id, batch_id=batch_id, status="failed", outcome={
        "batch_id": batch_id, "households": len(ids), "household_ids": ids,
        "error": redact(str(err.get("Error", "unknown"))), "cause": redact(str(err.get("Cause", "")))[:2000],
    }).save()
    return {"batch_id": batch_id, "households": len(ids), "written": 0, "failed": len(ids),
            "batch_failed": True}


def _care_transfer_entry() -> dict[str, Any]:
    raw = json.loads((Path(kokuho.__file__).parent / "data" / "linkage" / "transfers.v1.json")
                     .read_text("utf-8"))
    entry = next(e for e in raw["entries"] if e["no"] == CARE_TRANSFER_NO)
    return {**entry, "legal_basis": list(raw["legal_basis_all"]), "list_version": raw["version"]}


def summarize_run(event: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    run_id = str(event["run_id"])
    run = RunModel.get(*RunModel.key(run_id), consistent_read=True)
    totals = dict.fromkeys(PARTS, 0)
    reductions: Counter[str] = Counter()
    failed_households: list[dict[str, str]] = []
    failed_batches: list[dict[str, Any]] = []
    n = {"households": 0, "written": 0, "unchanged": 0, "refund_count": 0, "refund_total": 0,
         "difference_total": 0, "corrections": 0, "care_households": 0}
    timing = {"engine_ms": 0.0, "storage_ms": 0.0}
    seen_batches = 0
    for item in batch_outcomes(run_id):
        seen_batches += 1
        o = dict(item.outcome)
        if item.status == "failed":
            failed_batches.append({"batch_id": o["batch_id"], "household_ids": o["household_ids"],
                                   "error": o["error"]})
            continue
        n["households"] += int(o["households"])
        n["written"] += int(o["written"])
        n["unchanged"] += int(o["unchanged"])
        n["refund_count"] += int(o["refunds"]["count"])
        n["refund_total"] += int(o["refunds"]["total"])
        n["difference_total"] += int(o["difference_total"])
        n["corrections"] += int(o["corrections"])
        n["care_households"] += int(o["care_households"])
        failed_households += o["failed"]
        for p in PARTS:
            totals[p] += int(o["totals"][p])
        reductions.update(o["reductions"])
        for k in timing:
            timing[k] += float(o["timing"][k])
    expected = int(run.batches)
    summary: dict[str, Any] = {
        "run_id": run_id, "fiscal_year": int(run.fiscal_year), "mode": run.mode,
        "as_of_month": run.as_of_month, "since": run.since,
        "households_selected": int(run.households), "batches": expected,
        "households_assessed": n["households"] - len(failed_households),
        "versions_written": n["written"], "unchanged": n["unchanged"],
        "corrections": n["corrections"], "difference_total": n["difference_total"],
        "refunds": {"count": n["refund_count"], "total": n["refund_total"]},
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
                     "batches_unaccounted": max(0, expected - seen_batches)},
        "timing": {k: round(v, 1) for k, v in timing.items()},
        # 仮: assessed on provisional rates, no notice issued (the run after their confirmation reassesses)
        "rates": PROVISIONAL if run.provisional_rates else CONFIRMED,
    }
    summary["transfer"] = _record_care_transfer(run_id, n["written"], n["care_households"], now)
    clean = not failed_batches and not failed_households and summary["failures"]["batches_unaccounted"] == 0
    summary["status"] = "completed" if clean else "completed_with_failures"
    actions: list[Any] = [RunModel.status.set(summary["status"]), RunModel.summary.set(summary)]
    if clean:
        # Only a clean run becomes the "since" of the next monthly run: after a failure, the next run
        # selects again every household changed since the last clean one, the failed ones included.
        actions += [RunModel.gsi1pk.set(f"RUNS#FY#{int(run.fiscal_year)}"),
                    RunModel.gsi1sk.set(f"{run.snapshot_at}#{run_id}")]
    run.update(actions=actions)
    return summary


def _record_care_transfer(run_id: str, versions_written: int, care_households: int,
                          now: datetime) -> dict[str, Any] | None:
    """移転先3: the premium data of this run's new versions is made available to 介護保険課 (recorded once)."""
    if versions_written == 0:
        return None
    entry = _care_transfer_entry()
    record = {
        "transfer_no": entry["no"], "department": entry["department"],
        "information_kind": entry["information_kind"], "uses": entry["uses"],
        "legal_basis": entry["legal_basis"], "method": entry["method"],
        "count": versions_written, "care_households": care_households, "run_id": run_id,
        "at": now.astimezone(UTC).isoformat(timespec="seconds"),
    }
    if versions_written > int(entry["max_subjects_per_transfer"]):
        raise RunInputError("transfer count exceeds the permitted band of 移転先3")
    try:
        TransferRecordModel(f"TRANSFER#{entry['no']:02d}", f"RUN#{run_id}", record=record,
                            gsi1pk="TRANSFERS", gsi1sk=f"{record['at']}#{run_id}").save(
            condition=TransferRecordModel.pk.does_not_exist())
    except PutError:
        pass  # a retried Summarize: already recorded once
    return record

