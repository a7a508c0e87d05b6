"""Prepare: select the households of a run's pass and write the pre-batched work list.

Selected: those whose case changed and is not yet assessed (below), every household of the year for the
annual run (and for the first monthly run on confirmed rates after one on provisional rates), changes to
earlier years still open to assessment (過年度更正, 国保法第110条の2),
and the households of this run's earlier passes whose batch did not finish.

A later pass of a run that takes every household (the annual run, or the first monthly run on confirmed
rates) does not read again a household whose assessment this run already stored: its stored outcome is
what a new read would find as long as its case has not changed (a change leaves it pending: taken) and
the rates are the same (each batch of the work list names the digest of the rates it was selected on).
Taken again: households changed since, whose outcome failed, whose batch did not finish, or assessed on
other rates. What is not read again is neither recorded as read nor reported as assessed by this pass.

What changed and is not assessed (issue 14: the assessment writes no mark on the case): the cases written
since the cut — when the last completed run that covered the year was prepared — less a margin
(`PENDING_MARGIN`: a case's index stamp is taken before its write lands, and an index lags its table), read
from the pending index (kokuho.records.household_cases); of those, the ones whose change id an earlier pass
of this run recorded as assessed, or the latest version assessed, are left out. A change committed while a
run goes on is read by that run's batch or lands after its cut: the next run takes it; none is lost.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from kokuho.assessment.ports import AssessmentStore
from kokuho.assessment.run_input import (
    ASSESSMENT_LIMIT_YEARS,
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_CONCURRENCY,
    MAX_BATCH_SIZE,
    RunInputError,
    assessment_deadline,
    check_month,
    check_year_and_month,
    positive_int,
    run_id_of,
    year_closed_on,
)
from kokuho.assessment.versions import reassess_every_household
from kokuho.dates.fiscal_year import fiscal_year_of_month
from kokuho.dates.tokyo import TOKYO
from kokuho.identity.mynumber import shown_field

INPUT_FIELDS = {"mode", "as_of_month", "fiscal_year", "batch_size", "max_concurrency"}


ASSESSED = ("written", "replayed", "unchanged")
# How far before the cut the next run reads the pending index again: longer than a case write may take from
# its stamp to landing (a Lambda invocation runs at most 15 minutes) plus the index's propagation (seconds).
PENDING_MARGIN = timedelta(minutes=20)


def rates_digest(fiscal_year: int) -> str:
    """What the year's rate file says (figures, status, source) as a short digest, in letters only (a hex
    digest may hold twelve digits that read as a My Number)."""
    from kokuho.premium import load_rate_table

    digest = hashlib.sha256(repr(load_rate_table(fiscal_year)).encode("utf-8")).hexdigest()[:20]
    return digest.translate(_LETTERS)


_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


@dataclass
class EarlierPasses:
    """What this run's earlier passes left, by fiscal year."""

    unfinished: dict[int, set[str]] = field(default_factory=dict)  # their batch has no completed outcome
    # household → the rates digest of the batch whose stored outcome (the latest) assessed it
    assessed: dict[int, dict[str, str | None]] = field(default_factory=dict)
    # household → the case change id that outcome assessed
    changes: dict[int, dict[str, str]] = field(default_factory=dict)

    def done(self, year: int, rates: str) -> set[str]:
        """Households whose stored assessment stands: assessed on these rates, not in an unfinished batch."""
        return {h for h, r in self.assessed.get(year, {}).items() if r == rates} - self.unfinished.get(year, set())


def earlier_passes(store: AssessmentStore, run_id: str, passes: int) -> EarlierPasses:
    """Households of this run's earlier passes whose batch has no completed outcome (crashed, failed,
    never ran): taken again, so what an interrupted batch wrote is counted and what it left is done; and
    those whose latest stored outcome is an assessment."""
    outcomes = {o.outcome["batch_id"]: o for o in store.batch_outcomes(run_id)}
    out = EarlierPasses()
    for n in range(1, passes):
        for b in store.get_work_list(f"{run_id}/p{n:03d}") or []:
            year, stored = int(b["fiscal_year"]), outcomes.get(b["batch_id"])
            if stored is None or stored.status != "ok":
                out.unfinished.setdefault(year, set()).update(b["household_ids"])
                continue
            assessed, changes = out.assessed.setdefault(year, {}), out.changes.setdefault(year, {})
            for h, e in stored.outcome["entries"].items():  # a later pass replaces an earlier one
                if e["o"] in ASSESSED:
                    assessed[h] = b.get("rates")
                    if "c" in e:
                        changes[h] = e["c"]
                    else:
                        changes.pop(h, None)
                else:
                    assessed.pop(h, None)
                    changes.pop(h, None)
    return out


def cut_of(store: AssessmentStore, year: int, fiscal_year: int) -> str | None:
    """Where the pending index of `year` is read from by a run of `fiscal_year`: the cut of the last completed
    run that covered the year (its own, or a later year's: each run takes the earlier years' changes), less
    PENDING_MARGIN; None when no run completed (every entry)."""
    cuts = [run.completed_at or run.snapshot_at for fy in range(year, fiscal_year + 1)
            if (run := store.last_completed_run(fy)) is not None]
    if not cuts:
        return None
    since = datetime.fromisoformat(max(cuts)) - PENDING_MARGIN
    return since.astimezone(UTC).isoformat(timespec="microseconds")


# A latest-version query a household costs about as much as reading 1/25 of a run's outcomes (a batch of 100
# households an item of a few KB): past that share, the outcomes are read instead.
OUTCOMES_FROM_SHARE = 25


def recorded_by_last_runs(store: AssessmentStore, year: int, fiscal_year: int, since: str,
                          unresolved: int) -> dict[str, str]:
    """The case change ids that the runs completed since `since` (the start of the pending index's read) recorded
    as assessed, household by household: no run completed before a case was written read it. Read only when the
    changes to resolve are many against what those runs took (a city loaded just before its runs: every case lies
    within the margin); any other change is resolved by its latest version."""
    runs = sorted((run for fy in range(year, fiscal_year + 1) for run in store.completed_runs_since(fy, since)),
                  key=lambda r: r.snapshot_at)
    if not runs or unresolved * OUTCOMES_FROM_SHARE < sum(int(r.households) for r in runs):
        return {}
    out: dict[str, str] = {}
    for run in runs:  # a later run's record replaces an earlier one's
        out.update(earlier_passes(store, run.run_id, int(run.passes) + 1).changes.get(year, {}))
    return out


def pending(store: AssessmentStore, year: int, fiscal_year: int, earlier: EarlierPasses) -> set[str]:
    """Households of `year` whose case changed since it was last assessed (see the module's docstring)."""
    since = cut_of(store, year, fiscal_year)
    changed = store.changed_cases(year, since)
    known = earlier.changes.get(year, {})
    unresolved = sorted(h for h, c in changed.items() if c is None or known.get(h) != c)
    if unresolved and since is not None:
        recorded = recorded_by_last_runs(store, year, fiscal_year, since, len(unresolved))
        unresolved = [h for h in unresolved if changed[h] is None or recorded.get(h) != changed[h]]
    assessed = store.assessed_changes(unresolved, year) if unresolved else {}
    return {h for h in unresolved if changed[h] is None or assessed.get(h) != changed[h]}


def prepare_run(store: AssessmentStore, inp: dict[str, Any], *, execution_name: str,
                now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    unknown = set(inp) - INPUT_FIELDS
    if unknown:
        raise RunInputError(f"{shown_field(str(sorted(unknown)[0]))}: unknown field")
    mode = inp.get("mode", "monthly")
    if mode not in ("monthly", "annual"):
        raise RunInputError("mode: must be 'monthly' or 'annual'")
    this_month = now.astimezone(TOKYO).strftime("%Y-%m")
    as_of_month = check_month(inp.get("as_of_month") or this_month, "as_of_month")
    fiscal_year = inp.get("fiscal_year", fiscal_year_of_month(as_of_month))
    positive_int(fiscal_year, "fiscal_year")
    check_year_and_month(fiscal_year, as_of_month)
    if as_of_month > this_month:
        # the month the 更正 are decided in: installments due before it count as billed and paid (rule 7)
        raise RunInputError("as_of_month: a month to come (a run is for this month or a month past)")
    batch_size = positive_int(inp.get("batch_size", DEFAULT_BATCH_SIZE), "batch_size")
    if batch_size > MAX_BATCH_SIZE:
        raise RunInputError(f"batch_size: at most {MAX_BATCH_SIZE}")
    max_conc = positive_int(inp.get("max_concurrency", DEFAULT_MAX_CONCURRENCY), "max_concurrency")
    run_id = run_id_of(mode, fiscal_year, as_of_month)
    # A year whose rate file is missing or incomplete is refused as a whole, before any batch runs
    # (raises RateFileError: the execution fails with that error, naming the year).
    from kokuho.premium import load_rate_table

    provisional = load_rate_table(fiscal_year).provisional
    # The first monthly run on confirmed rates after a completed run on provisional ones assesses every
    # household of the year (its 仮 versions await their 決定通知: assessment.versions).
    last = store.last_completed_run(fiscal_year) if mode == "monthly" else None
    everyone = mode == "annual" or (last is not None and reassess_every_household(
        last_run_provisional=last.provisional_rates, rates_provisional=provisional))

    # the annual run's first pass over a year no run has completed: no version is expected (each batch reads
    # none and writes version 1 on its condition: one that exists is read then — kokuho.assessment.batch)
    fresh = mode == "annual" and store.last_completed_run(fiscal_year) is None
    n = store.start_pass(run_id, fiscal_year=fiscal_year, mode=mode, as_of_month=as_of_month,
                         snapshot_at=now.astimezone(UTC).isoformat(timespec="microseconds"),
                         execution_name=execution_name, provisional_rates=provisional)
    earlier = earlier_passes(store, run_id, n) if n > 1 else EarlierPasses()
    again = earlier.unfinished
    rates = {fiscal_year: rates_digest(fiscal_year)}
    if everyone:  # a household changed since an earlier pass assessed it is pending: taken again
        selected = set(store.every_household(fiscal_year)) - earlier.done(fiscal_year, rates[fiscal_year])
        selected |= pending(store, fiscal_year, fiscal_year, earlier) if n > 1 else set()
    else:
        selected = pending(store, fiscal_year, fiscal_year, earlier)
    work = [(fiscal_year, selected | again.get(fiscal_year, set()))]
    closed: dict[str, int] = {}
    # the earlier years that may still be open, and the one that closed last (its late changes are
    # reported; older ones were reported by the runs of the months after they closed)
    for year in range(fiscal_year - 1, fiscal_year - 1 - ASSESSMENT_LIMIT_YEARS, -1):
        ids = pending(store, year, fiscal_year, earlier) | again.get(year, set())
        if not ids:
            continue
        # open by the run's month and by the day the 賦課決定 is made: a run for a month past (a rerun, a missed
        # month) started after the limit day decides today, not in its month (国保法第110条の2)
        if as_of_month <= assessment_deadline(year) and not year_closed_on(year, now.astimezone(TOKYO).date()):
            rates[year] = rates_digest(year)  # 過年度更正: that year's own rates
            work.append((year, ids))
        else:
            closed[str(year)] = len(ids)  # reported: a change no run may assess any more
    batches: list[dict[str, Any]] = []
    for year, id_set in work:
        ordered = sorted(id_set)
        taken_again = again.get(year, set())
        for i in range(0, len(ordered), batch_size):
            batch: dict[str, Any] = {"batch_id": f"p{n:03d}-b{len(batches):05d}", "pass": n,
                                     "fiscal_year": year, "rates": rates[year],
                                     "household_ids": ordered[i:i + batch_size]}
            if retake := [h for h in batch["household_ids"] if h in taken_again]:
                batch["again"] = retake  # from an unfinished batch: its versions may lack what follows them
            if fresh and n == 1 and year == fiscal_year:
                batch["fresh"] = True
            batches.append(batch)
    households = sum(len(b["household_ids"]) for b in batches)
    bucket, key = store.put_work_list(f"{run_id}/p{n:03d}", batches)
    store.set_pass_work(run_id, batches=len(batches), households=households, work_list_key=key,
                        closed_years_pending=closed)
    return {
        "run_id": run_id, "pass": n, "fiscal_year": fiscal_year, "as_of_month": as_of_month, "mode": mode,
        "bucket": bucket, "key": key, "batches": len(batches), "households": households,
        "max_concurrency": max(1, min(max_conc, DEFAULT_MAX_CONCURRENCY, len(batches))),
    }
