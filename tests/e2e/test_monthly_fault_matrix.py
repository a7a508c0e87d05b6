"""Fault matrix of the monthly-assessment workflow: crash points × retries × duplicate delivery ×
an intake landing inside a batch. Each cell runs the same month as a clean world, injects its faults,
reruns the month until the run completes (what an operator does), and compares the final state
with the clean world item by item: versions, latest versions, notices, cases, run summaries, write
access records, ledgers, transfers to 介護保険課 (and every read of the clean run was read); every
version has its one write record and the ledger charges the latest.

An intake landing between a batch's read and its write (issue 14: the version is the commit point, the
case is not rewritten) is assessed by the batch's retry if one reads it, else by the next run: the cell
runs the next month too and checks that the amended households end assessed as their right cases say,
through at most one version of the wrong case, everything else as in the clean world.

The default run takes four cells (a retried batch, a batch failing every attempt after writing, a
commit reported as an error, a Summarize that dies; duplicate delivery and the intake spread over
them; a few seconds each); the full product (36 cells) is marked `slow`.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from monthly_helpers import (
    approve_care_application,
    assert_every_version_followed,
    assert_same_state,
    assessment_state,
    commit_reported_as_error,
    die_after_first_commit,
    die_before_outcome,
    die_between_versions_and_followers,
    die_in_summarize,
    fail_before_writing,
    run_steps,
    wrap_port,
)

from kokuho.assessment import monthly
from kokuho.assessment.household_cases import put_household_case, put_household_cases
from kokuho.premium import compute_case
from kokuho_local.embedded import EmbeddedAWS, ExecutionFailed, embedded_aws
from kokuho_local.synthetic import generate_city, month_changes

FY = 2024
MONTH = f"{FY}-12"
CITY = generate_city(12, seed=17, fiscal_year=FY)
CHANGES = month_changes(CITY, MONTH, share=0.6, seed=3)
BATCH = "p001-b00001"
RUN = f"monthly-{FY}-{MONTH}"


def _amended(hid: str) -> dict[str, Any]:
    """A first, wrong version of a change (the intake sends the right one while the batch runs)."""
    case = copy.deepcopy(CHANGES[hid])
    head = case["household"]["members"][0]
    head["income"] = {**head["income"], "total": int(head["income"]["total"]) + 1_234_000}
    return case


# households of the batch that the intake amends mid-batch (sorted ids: batch 1 holds the 5th–8th)
AMENDED = sorted(CHANGES)[4:6]

Crash = Callable[[pytest.MonkeyPatch], list[str]]
CRASHES: dict[str, Crash] = {
    "none": lambda mp: [],
    "after_commit": lambda mp: die_after_first_commit(mp, BATCH),
    "after_commit_every_attempt": lambda mp: die_after_first_commit(mp, BATCH, times=3),
    "between_versions_and_followers": lambda mp: die_between_versions_and_followers(mp, BATCH),
    "between_versions_and_followers_every_attempt": lambda mp: die_between_versions_and_followers(mp, BATCH, times=3),
    "before_outcome": lambda mp: die_before_outcome(mp, BATCH),
    "before_outcome_every_attempt": lambda mp: die_before_outcome(mp, BATCH, times=3),
    "before_any_write_every_attempt": lambda mp: fail_before_writing(mp, BATCH, times=3),
    "commit_reported_as_error": lambda mp: commit_reported_as_error(mp, nth=2),
    "summarize_before_transfer": lambda mp: die_in_summarize(mp, after_transfer=False),
    "summarize_after_transfer": lambda mp: die_in_summarize(mp, after_transfer=True),
}


def _setup(aws: EmbeddedAWS) -> None:
    """The city and its June annual run (steps called directly: the month is what is under test)."""
    approve_care_application()
    put_household_cases(((h.household_id, h.case) for h in CITY.households), changed_at=datetime.now(UTC))
    out = run_steps({"mode": "annual", "fiscal_year": FY, "as_of_month": f"{FY}-06", "batch_size": 4}, "annual")
    assert out["status"] == "completed"


def _month(aws: EmbeddedAWS, name: str, month: str = MONTH) -> dict[str, Any] | None:
    try:
        return dict(aws.run_state_machine("monthly-assessment", {"mode": "monthly", "as_of_month": month,
                                                                 "batch_size": 4}, name=name))
    except ExecutionFailed:
        return None


@pytest.fixture(scope="module")
def clean() -> dict[str, Any]:
    with embedded_aws() as aws:
        _setup(aws)
        for hid, case in CHANGES.items():
            put_household_case(hid, case, changed_at=datetime.now(UTC))
        out = _month(aws, "clean")
        assert out is not None and out["status"] == "completed"
        state = assessment_state()
    summary = state["runs"][RUN][1]
    # the world is worth comparing: corrections, and a batch with households to crash in
    assert summary["corrections"] >= 3 and summary["households_selected"] > 4
    return state


def _cell(crash: str, duplicate: bool, intake: bool, clean: dict[str, Any]) -> None:
    mp, intake_mp = pytest.MonkeyPatch(), pytest.MonkeyPatch()
    try:
        with embedded_aws() as aws:
            _setup(aws)
            for hid, case in CHANGES.items():
                put_household_case(hid, _amended(hid) if intake and hid in AMENDED else case,
                                   changed_at=datetime.now(UTC))
            fired = CRASHES[crash](mp)
            landed: list[str] = []
            if intake:
                def read_then_intake(original: Callable[..., Any]) -> Callable[..., Any]:
                    def cases_for_assessment(ids: Any, fy: int, **kw: Any) -> Any:
                        got = original(ids, fy, **kw)
                        if not landed and set(AMENDED) <= set(ids):
                            landed.append("intake")  # the right cases land between the batch's read and commit
                            for hid in AMENDED:
                                put_household_case(hid, CHANGES[hid], changed_at=datetime.now(UTC))
                        return got
                    return cases_for_assessment

                wrap_port(intake_mp, "store", "cases_for_assessment", read_then_intake)
            out = _month(aws, "month-1")
            mp.undo()
            assert fired or crash == "none"
            # what an operator does after any failure: run the month again (always safe)
            for attempt in range(2, 4):
                if out is not None and out["status"] == "completed":
                    break
                out = _month(aws, f"month-{attempt}")
            assert out is not None and out["status"] == "completed", out
            intake_mp.undo()
            assert landed or not intake
            if duplicate:
                _deliver_again(aws, out)
            volatile = ("timing", "last_pass", "batches")
            if intake:
                state = assessment_state()
                # the figures the run reports are what it stored, whatever happened on the way
                assert out["versions_written"] == sum(1 for r, _, _ in state["versions"].values() if r == RUN)
                after = _month(aws, "next-month", NEXT)
                assert after is not None and after["status"] == "completed"
                _assert_intake_assessed(assessment_state(), clean)
            else:
                assert_same_state(assessment_state(), clean)
                # the figures a clean run reports, exactly, whatever happened on the way
                assert {k: v for k, v in out.items() if k not in volatile} == clean["runs"][RUN][1]
    finally:
        mp.undo()
        intake_mp.undo()


NEXT = f"{FY + 1}-01"


def _assert_intake_assessed(got: dict[str, Any], clean: dict[str, Any]) -> None:
    """After the month and the next: the amended households assessed as their right cases say (by a retry
    of their batch, or the next run), through at most one version of the wrong case; the rest as clean."""
    assert_every_version_followed(got)
    amended = {f"ASSESS#{h}#FY#{FY}": h for h in AMENDED}
    for kind in ("versions", "notices"):
        assert {k: v for k, v in got[kind].items() if k[0] not in amended} == {
            k: v for k, v in clean[kind].items() if k[0] not in amended}, kind
    assert {k: v for k, v in got["latest"].items() if k not in amended} == {
        k: v for k, v in clean["latest"].items() if k not in amended}
    for pk, hid in amended.items():
        n = got["latest"][pk][0]
        results = [got["versions"][(pk, f"V#{v:04d}")][2]["result"] for v in range(1, n + 1)]
        assert results[0] == clean["versions"][(pk, "V#0001")][2]["result"]  # the annual run's
        assert results[-1] == compute_case(CHANGES[hid])  # the right case, assessed
        assert results[1:-1] in ([], [compute_case(_amended(hid))])  # the wrong one at most once, before it
    assert got["transfers"].keys() >= clean["transfers"].keys()


def _deliver_again(aws: EmbeddedAWS, summary: dict[str, Any]) -> None:
    """A duplicate delivery of batch 0 (answered from the idempotency record), the same batch run
    again after its idempotency record expired, and Summarize delivered twice."""
    from kokuho.records.assessments import get_work_list

    batch = get_work_list(f"{RUN}/p001")[0]  # type: ignore[index]
    event = {"run_id": RUN, "fiscal_year": FY, "as_of_month": MONTH, "mode": "monthly",
             "execution_id": "duplicate", "batch": batch}
    aws.invoke("assessment-batch", event)
    monthly.assess_batch(event)
    for _ in range(2):
        again = aws.invoke("assessment-summarize", {"run_id": RUN, "execution_id": "duplicate"})
        assert again["status"] == "completed"


DEFAULT = [("after_commit", False, True), ("before_outcome_every_attempt", True, False),
           ("commit_reported_as_error", True, True), ("summarize_after_transfer", False, False),
           ("between_versions_and_followers_every_attempt", False, True),
           # every attempt dies: the batch's households are taken again by the next pass, which reports every
           # version the run wrote of them (a dead attempt's of the intake's wrong case too)
           ("after_commit_every_attempt", False, True)]


@pytest.mark.parametrize("crash,duplicate,intake", DEFAULT,
                         ids=[f"{c}-dup{int(d)}-intake{int(i)}" for c, d, i in DEFAULT])
def test_a_month_with_faults_ends_exactly_like_a_clean_one(crash: str, duplicate: bool, intake: bool,
                                                           clean: dict[str, Any]) -> None:
    _cell(crash, duplicate, intake, clean)


FULL = [c for c in itertools.product(CRASHES, (False, True), (False, True)) if c not in DEFAULT]


@pytest.mark.slow
@pytest.mark.parametrize("crash,duplicate,intake", FULL, ids=[f"{c}-dup{int(d)}-intake{int(i)}" for c, d, i in FULL])
def test_fault_matrix_full(crash: str, duplicate: bool, intake: bool, clean: dict[str, Any]) -> None:
    _cell(crash, duplicate, intake, clean)


def test_the_clean_world_assesses_what_the_engine_says(clean: dict[str, Any]) -> None:
    for hid, case in CHANGES.items():
        pointer = clean["latest"][f"ASSESS#{hid}#FY#{FY}"]
        doc = clean["versions"][(f"ASSESS#{hid}#FY#{FY}", f"V#{pointer[0]:04d}")][2]
        assert doc["result"] == compute_case(case)
