"""Issue 9 item 12: an assessment from provisional rates (仮算定) is stored as 仮 and issues no 決定通知;
once the rates are confirmed the run reassesses and the first confirmed version carries the 決定通知."""

from __future__ import annotations

import copy
from typing import Any

from kokuho.assessment.versions import (
    CONFIRMED,
    PROVISIONAL,
    Latest,
    decide,
    reassess_every_household,
    version_hash,
)
from kokuho.premium import compute_case

CASE: dict[str, Any] = {
    "fiscal_year": 2025,
    "household": {"householder_id": "P1", "specific_household": None, "members": [
        {"id": "P1", "birth_date": "1975-06-15", "insured": [{"from": "2020-04-01", "until": None}],
         "income": {"total": 2_500_000, "salary": 2_500_000, "pension": 0, "declared": True},
         "salary_or_pension_earner": True, "involuntary_unemployment": None, "expected_birth": None,
         "specific_same_household": False}]},
}
RESULT = compute_case(CASE)


def stored(decision_new: Any) -> Latest:
    """What the next run reads back of a version it wrote."""
    return Latest(decision_new.version, decision_new.content_hash, "run-1", dict(decision_new.result),
                  list(decision_new.installments), status=decision_new.status, decided=decision_new.decided)


def test_provisional_rates_give_a_provisional_version_and_no_notice() -> None:
    d = decide("H1", CASE, RESULT, None, as_of_month="2025-04", run_id="run-1", provisional_rates=True)
    assert d.outcome == "written" and d.new is not None
    assert d.new.status == PROVISIONAL == "仮"
    assert d.new.notice_kind is None  # no 決定通知 from provisional rates
    assert d.new.decided is False
    assert d.new.installments == RESULT["installments"]  # shown as 仮, not billed


def test_same_figures_on_provisional_rates_again_write_nothing() -> None:
    first = decide("H1", CASE, RESULT, None, as_of_month="2025-04", run_id="run-1", provisional_rates=True)
    assert first.new is not None
    again = decide("H1", CASE, RESULT, stored(first.new), as_of_month="2025-05", run_id="run-2",
                   provisional_rates=True)
    assert again.outcome == "unchanged"


def test_confirmed_rates_with_the_same_figures_still_issue_the_decision_notice() -> None:
    first = decide("H1", CASE, RESULT, None, as_of_month="2025-04", run_id="run-1", provisional_rates=True)
    assert first.new is not None
    confirmed = decide("H1", CASE, RESULT, stored(first.new), as_of_month="2025-05", run_id="run-2",
                       provisional_rates=False)
    assert confirmed.outcome == "written" and confirmed.new is not None
    new = confirmed.new
    assert (new.version, new.status, new.notice_kind, new.decided) == (2, CONFIRMED, "決定通知", True)
    # nothing was billed from the 仮 version: this is the household's first decision
    assert new.installments == RESULT["installments"]
    assert (new.difference, new.refund) == (RESULT["annual"], 0)
    assert new.diff["changed"] is True and new.diff["annual"] == RESULT["annual"]


def test_a_change_while_rates_are_provisional_stays_provisional_and_unbilled() -> None:
    first = decide("H1", CASE, RESULT, None, as_of_month="2025-04", run_id="run-1", provisional_rates=True)
    assert first.new is not None
    richer = copy.deepcopy(CASE)
    richer["household"]["members"][0]["income"].update(total=4_000_000, salary=4_000_000)
    result = compute_case(richer)
    d = decide("H1", richer, result, stored(first.new), as_of_month="2025-08", run_id="run-2",
               provisional_rates=True)
    assert d.new is not None
    assert (d.new.version, d.new.status, d.new.notice_kind, d.new.refund) == (2, PROVISIONAL, None, 0)
    assert d.new.installments == result["installments"]


def test_after_the_decision_a_change_is_a_correction_notice() -> None:
    first = decide("H1", CASE, RESULT, None, as_of_month="2025-04", run_id="run-1", provisional_rates=True)
    assert first.new is not None
    confirmed = decide("H1", CASE, RESULT, stored(first.new), as_of_month="2025-05", run_id="run-2")
    assert confirmed.new is not None
    richer = copy.deepcopy(CASE)
    richer["household"]["members"][0]["income"].update(total=4_000_000, salary=4_000_000)
    d = decide("H1", richer, compute_case(richer), stored(confirmed.new), as_of_month="2025-09", run_id="run-3")
    assert d.new is not None
    assert (d.new.version, d.new.status, d.new.notice_kind) == (3, CONFIRMED, "変更通知")
    # 更正: installments due before September stay as they were billed in the 決定通知
    assert d.new.installments[:3] == RESULT["installments"][:3]


def test_the_hash_of_a_confirmed_version_is_the_plain_result_hash() -> None:
    """Versions stored before rate status existed (all confirmed) keep matching: a rerun writes nothing."""
    from kokuho.assessment.versions import content_hash

    assert version_hash(RESULT, provisional_rates=False) == content_hash(RESULT)
    assert version_hash(RESULT, provisional_rates=True) != content_hash(RESULT)


def test_the_first_run_on_confirmed_rates_after_provisional_ones_reassesses_everyone() -> None:
    assert reassess_every_household(last_run_provisional=True, rates_provisional=False) is True
    assert reassess_every_household(last_run_provisional=True, rates_provisional=True) is False
    assert reassess_every_household(last_run_provisional=False, rates_provisional=False) is False
