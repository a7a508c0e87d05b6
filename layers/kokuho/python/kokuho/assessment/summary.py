"""Summarize: the run's summary and figures, derived from what is stored for the run, and its status.

Counts, totals by part, counts by reduction, refunds, failures — from the stored batch records (a later
pass wins), so a rerun after any failure reports exactly what a clean run would have; then the
保険料賦課情報 transfer to 介護保険課 (kokuho.assessment.care_transfer) and the run's status.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from kokuho.assessment.batch import PARTS
from kokuho.assessment.care_transfer import transfer_to_care
from kokuho.assessment.ports import AssessmentStore, CareTransfers
from kokuho.assessment.run_input import closed_year_note
from kokuho.assessment.versions import CONFIRMED, PROVISIONAL

FAILURES_LISTED = 500
FAILED_BATCHES_LISTED = 20


@dataclass
class _Stored:
    """Everything the run's batch records say, merged per household (a later pass wins)."""

    latest: dict[tuple[int, str], tuple[int, dict[str, Any]]] = field(default_factory=dict)
    versions: dict[tuple[int, str, int], tuple[int, int]] = field(default_factory=dict)
    failed_batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    seen_in_pass: int = 0
    pass_written: int = 0
    timing: dict[str, float] = field(default_factory=lambda: {"engine_ms": 0.0, "storage_ms": 0.0})


def _read_stored(store: AssessmentStore, run_id: str, current_pass: int) -> _Stored:
    s = _Stored()
    for item in store.batch_outcomes(run_id):
        o = item.outcome
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


def versions_of_run(store: AssessmentStore, run_id: str) -> list[tuple[int, str, int]]:
    """Every version the run wrote (every pass), as (fiscal year, household, version), sorted: what its
    notices (決定通知書, 変更通知書) are printed from (kokuho.payments.assessment_notices)."""
    return sorted(_read_stored(store, run_id, 0).versions)


def summarize_run(store: AssessmentStore, transfers: CareTransfers, event: dict[str, Any]) -> dict[str, Any]:
    run_id = str(event["run_id"])
    run = store.get_run(run_id)
    current = int(event.get("pass") or run.passes or 0)
    s = _read_stored(store, run_id, current)
    fy = run.fiscal_year
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
    unaccounted = max(0, run.batches - s.seen_in_pass)
    summary: dict[str, Any] = {
        "run_id": run_id, "fiscal_year": fy, "mode": run.mode, "as_of_month": run.as_of_month,
        "households_selected": len(entries), "batches": run.batches,
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
        "closed_years_pending": dict(run.closed_years_pending),
        # the same years with why they were left: staff answer the household from it (国保法第110条の2)
        "closed_years": {fy: closed_year_note(int(fy), int(n)) for fy, n in sorted(run.closed_years_pending.items())},
        "last_pass": {"pass": current, "households_selected": run.households,
                      "versions_written": s.pass_written},
        "timing": {k: round(v, 1) for k, v in s.timing.items()},
        # 仮: assessed on provisional rates, no notice issued (the run after their confirmation reassesses)
        "rates": PROVISIONAL if run.provisional_rates else CONFIRMED,
    }
    summary["transfer"] = transfer_to_care(store, transfers, run, len(s.versions), care,
                                           str(event.get("execution_id", "")))
    clean = not failed_batches and not failed_households and unaccounted == 0 and (
        summary["transfer"] is None or summary["transfer"]["outcome"] == "transferred")
    summary["status"] = "completed" if clean else "completed_with_failures"
    store.finish_run(run, status=summary["status"], summary=summary, completed=clean)
    return summary
