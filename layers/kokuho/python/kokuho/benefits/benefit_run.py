"""The monthly benefit run (高額療養費, issue 13 item 3; statemachines/benefits_monthly_run.asl.json;
docs/benefit_run.md): the steps, written against the port (kokuho.benefits.benefit_ports).

A run is named by its month ("benefit-2025-06"), not by the execution: starting it again for the same month is a
new pass of the same run. Its window is the 24 service months before the run month (国保法第110条: the right to
the benefit lasts 2 years); every household with a receipt in the window is decided again each run, so a new
receipt, an income 更正 (a changed bracket) or a changed earlier month (多数回) makes a new version of exactly the
months it changes, with the difference paid or recovered. Unchanged input writes nothing: a rerun, or a retried
batch, never writes or counts a month twice (the summary counts each version once, whichever attempt wrote it).

prepare    the households of the window, in batches stored with the run
run_batch  one batch: read, decide (kokuho.benefits.benefit_month), write the households' new versions in
           conditional transactions (a household never split) with the access record of their persons
summarize  the run's figures from the stored outcomes of its batches
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kokuho.access.run_inputs import InputRefused
from kokuho.benefits.benefit_month import HouseholdOutcome, decide_household, history_start
from kokuho.benefits.benefit_ports import (
    BenefitStore,
    HouseholdFacts,
    WriteConflict,
    add_months,
    label,
    parse_month,
)
from kokuho.benefits.receipt_file import Month
from kokuho.dates.months import is_month
from kokuho.dates.tokyo import TOKYO
from kokuho.identity.mynumber import shown_field

WINDOW_MONTHS = 24  # 国保法第110条: the right to a benefit lasts 2 years
DEFAULT_BATCH_SIZE = 200
MAX_BATCH_SIZE = 1_000
INPUT_FIELDS = {"run_month", "batch_size"}
ATTEMPTS = 4
# TransactWriteItems takes 100 items: a version and its pointer are 2, the access record up to 2 more
VERSIONS_PER_TRANSACTION = 48
SUBJECTS_PER_RECORD = 100


# The run's input is invalid (message names the field): the one refusal the workflows never retry.
RunInputError = InputRefused


def window(run_month: str) -> tuple[Month, Month]:
    month = parse_month(run_month)
    return add_months(month, -WINDOW_MONTHS), add_months(month, -1)


def _check_month(value: Any, name: str) -> str:
    if not is_month(value):
        raise RunInputError(f"{name}: must be a month YYYY-MM")
    return value


def prepare(store: BenefitStore, inp: dict[str, Any], *, execution_name: str, actor: Any = None,
            now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    unknown = set(inp) - INPUT_FIELDS
    if unknown:
        raise RunInputError(f"{shown_field(str(sorted(unknown)[0]))}: unknown field")
    this_month = now.astimezone(TOKYO).strftime("%Y-%m")
    run_month = _check_month(inp.get("run_month") or this_month, "run_month")
    if run_month > this_month:
        raise RunInputError("run_month: a month to come (a run is for this month or a month past)")
    size = inp.get("batch_size", DEFAULT_BATCH_SIZE)
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_BATCH_SIZE:
        raise RunInputError(f"batch_size: must be an integer from 1 to {MAX_BATCH_SIZE}")
    run_id = f"benefit-{run_month}"
    first, last = window(run_month)
    n = store.start_pass(run_id, run_month=run_month, execution_name=execution_name)
    households = store.households_with_receipts(first, last, actor=actor, chain=f"{run_id}#prepare")
    batches = [(f"p{n:03d}-b{i // size:05d}", households[i:i + size]) for i in range(0, len(households), size)]
    store.put_batches(run_id, batches)
    return {"run_id": run_id, "pass": n, "run_month": run_month, "first_month": label(first),
            "last_month": label(last), "households": len(households),
            "batches": [{"batch_id": b} for b, _ in batches]}


def _chunks(households: list[str], decided: dict[str, HouseholdOutcome], facts: dict[str, HouseholdFacts],
            versions_per_transaction: int) -> list[list[str]]:
    """Households grouped into transactions of at most `versions_per_transaction` versions and one access record of
    at most SUBJECTS_PER_RECORD persons (a household is never split)."""
    chunks: list[list[str]] = []
    versions = persons = 0
    for h in households:
        n, p = len(decided[h].versions), len(facts[h].person_ids)
        if not chunks or versions + n > versions_per_transaction or persons + p > SUBJECTS_PER_RECORD:
            chunks.append([])
            versions = persons = 0
        chunks[-1].append(h)
        versions, persons = versions + n, persons + p
    return chunks


def run_batch(store: BenefitStore, event: dict[str, Any], *, actor: Any = None, now: datetime | None = None,
              versions_per_transaction: int = VERSIONS_PER_TRANSACTION) -> dict[str, Any]:
    """Decide and write one batch; safe to run again (retry, duplicate, rerun): nothing is written twice. `actor`
    (opaque here) is who the access records name: the workflow (kokuho.receipts.benefit_run)."""
    run_id, batch_id = str(event["run_id"]), str(event["batch_id"])
    first, last = window(_check_month(event["run_month"], "run_month"))
    who = actor
    chain = f"{run_id}#{batch_id}"
    at = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    ids = store.batch_households(run_id, batch_id)
    start = history_start(first)
    facts = store.household_facts(ids, start, last)
    store.record_reads(sorted({p for f in facts.values() for p in f.person_ids}), actor=who, chain=chain)
    decided = {h: decide_household(facts[h], first, last, run_id=run_id, at=at) for h in ids if h in facts}
    for chunk in _chunks([h for h in ids if h in decided and decided[h].versions], decided, facts,
                         versions_per_transaction):
        for attempt in range(ATTEMPTS):
            writing = [h for h in chunk if decided[h].versions]
            if not writing:
                break
            try:
                store.commit([v for h in writing for v in decided[h].versions],
                             persons=sorted({p for h in writing for p in facts[h].person_ids}), actor=who, chain=chain)
                break
            except WriteConflict:
                if attempt == ATTEMPTS - 1:
                    raise
                # a concurrent writer (a duplicate of this batch): decide on what is there now, where it wrote
                # the same versions they are found and not written again
                facts.update(store.household_facts(chunk, start, last))
                decided.update({h: decide_household(facts[h], first, last, run_id=run_id, at=at) for h in chunk})
    entries = {h: d.entries for h, d in decided.items() if d.entries}
    failures: dict[str, Any] = {h: d.failures for h, d in decided.items() if d.failures}
    failures.update({h: {"household": "no such household"} for h in ids if h not in facts})
    outcome = {"batch_id": batch_id, "households": len(ids), "entries": entries, "failures": failures}
    store.save_outcome(run_id, batch_id, outcome)
    written = sum(1 for es in entries.values() for e in es if e[1] == "written")
    return {"batch_id": batch_id, "households": len(ids), "written": written, "failed": len(failures)}


def summarize(store: BenefitStore, event: dict[str, Any]) -> dict[str, Any]:
    """The run's figures: each version this run wrote counted once, from every pass's stored outcomes."""
    run_id = str(event["run_id"])
    run = store.get_run(run_id)
    outcomes = store.outcomes(run_id)
    versions: dict[tuple[str, str, int], tuple[int, int, bool]] = {}
    months: set[tuple[str, str]] = set()
    for outcome in outcomes.values():
        for h, es in outcome["entries"].items():
            for month, kind, version, benefit, difference, multiple in es:
                months.add((h, month))
                if kind in ("written", "replayed"):
                    versions[(h, month, version)] = (benefit, difference, multiple)
    missing = [b for b in run.batches if b not in outcomes]
    latest = {b: outcomes[b] for b in run.batches if b in outcomes}
    failed_households = sorted({h for o in latest.values() for h in o["failures"]})
    summary = {
        "run_id": run_id, "run_month": run.run_month, "passes": run.passes,
        "households": sum(int(o["households"]) for o in latest.values()) if not missing else None,
        "batches": len(run.batches), "batches_failed": len(missing),
        "household_months_with_benefit": len(months),
        "versions_written": len(versions),
        "first_decisions": sum(1 for (_, _, v) in versions if v == 1),
        "benefit_paid": sum(d for (_, _, v), (_, d, _) in versions.items() if v == 1),
        "additional_paid": sum(d for (_, _, v), (_, d, _) in versions.items() if v > 1 and d > 0),
        "recovered": -sum(d for (_, _, v), (_, d, _) in versions.items() if v > 1 and d < 0),
        "multiple_months": sum(1 for (_, _, m) in versions.values() if m),
        "households_with_failures": len(failed_households),
    }
    status = "completed" if not missing and not failed_households else "completed_with_failures"
    store.finish_run(run_id, status=status, summary=summary)
    return {**summary, "status": status}
