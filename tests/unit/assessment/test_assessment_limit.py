"""Audit (賦課期間制限, 国民健康保険法 第110条の2): a 賦課決定 — an assessment or a 更正, up or down — cannot be
made from the day two years after the day after the fiscal year's first due date. domain.md fixes the rest of the
frame: a change is charged back to its acquisition date (§1 "Acquisition and loss dates"), a 更正 is a new
version (§1 rule 7), and the rights to collect and to a refund last 2 years (§6, 国保法 第110条).

The case: on 2 December 2026 an acquisition dated 2 December 2023 (3 years back) is registered. Its cases are
projected for FY2024–FY2026 (kokuho.qualification.registrations.MAX_PROJECTED_YEARS; FY2023, closed since July
2025, is not). FY2024's first due date is Monday 1 July 2024 (30 June a Sunday): no 賦課決定 of FY2024 from
2 July 2026. FY2025's (30 June 2025): none from 1 July 2027."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fakes.assessment_store import FakeCareTransfers, InMemoryAssessmentStore

from kokuho.assessment import monthly
from kokuho.assessment.ports import Ports
from kokuho.assessment.run_input import assessment_limit_day, year_closed_on

ACQUIRED = "2023-12-02"
TODAY = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # 10:00 in Japan


def _case(fy: int, *, acquired: str = ACQUIRED) -> dict[str, Any]:
    person = {"id": "P90", "birth_date": "1980-05-05", "insured": [{"from": acquired, "until": None}],
              "income": {"total": 3_000_000, "salary": 3_000_000, "pension": 0, "declared": True},
              "salary_or_pension_earner": True, "involuntary_unemployment": None, "expected_birth": None,
              "specific_same_household": False}
    return {"fiscal_year": fy, "household": {"householder_id": "P90", "specific_household": None,
                                             "members": [person]}}


@pytest.fixture
def ports() -> Ports:
    store = InMemoryAssessmentStore()
    for fy in (2024, 2025, 2026):  # what the registration projects (3 fiscal years)
        store.put_case("H90", _case(fy))
    return Ports(store, FakeCareTransfers())


def _run(ports: Ports, payload: dict[str, Any], now: datetime) -> dict[str, Any]:
    prepared = monthly.prepare_run(payload, execution_id="x", execution_name="x", now=now, ports=ports)
    assert isinstance(ports.store, InMemoryAssessmentStore)
    for batch in ports.store.get_work_list(f"{prepared['run_id']}/p{prepared['pass']:03d}") or []:
        monthly.assess_batch({**prepared, "batch": batch, "execution_id": "x"}, ports=ports)
    return monthly.summarize_run({**prepared, "execution_id": "x"}, ports=ports)


def _years_charged(ports: Ports) -> set[int]:
    assert isinstance(ports.store, InMemoryAssessmentStore)
    return {fy for (h, fy, _), doc in ports.store.versions.items() if h == "H90" and doc["result"]["annual"] > 0}


def test_the_limit_day_is_two_years_from_the_day_after_the_first_due_date() -> None:
    assert assessment_limit_day(2024) == date(2026, 7, 2)  # due Monday 1 July 2024 (30 June a Sunday)
    assert assessment_limit_day(2025) == date(2027, 7, 1)  # due Monday 30 June 2025
    assert assessment_limit_day(2023) == date(2025, 7, 1)  # due Friday 30 June 2023
    assert not year_closed_on(2024, date(2026, 7, 1)) and year_closed_on(2024, date(2026, 7, 2))


def test_a_backdated_acquisition_charges_the_open_years_only_and_says_why_not_the_closed_one(
        ports: Ports) -> None:
    out = _run(ports, {"mode": "monthly", "fiscal_year": 2025, "as_of_month": "2026-12"}, TODAY)
    assert _years_charged(ports) == {2025}  # FY2025 is open until 30 June 2027
    assert out["closed_years_pending"] == {"2024": 1}
    closed = out["closed_years"]["2024"]
    assert closed["households"] == 1 and closed["no_assessment_from"] == "2026-07-02"
    assert "国民健康保険法第110条の2" in closed["basis"] and "2024-07-01" in closed["basis"]


def test_a_past_month_run_on_a_day_past_the_limit_does_not_charge_the_closed_year(ports: Ports) -> None:
    """Found by the audit: the limit was judged on the run's month label, not the day the 賦課決定 is made. A
    run for June 2026 (a month past: a rerun, a missed month) started on 2 December 2026 took FY2024 as still
    open (June 2026 ≤ its last month) and charged three years back, five months after the limit."""
    out = _run(ports, {"mode": "monthly", "fiscal_year": 2025, "as_of_month": "2026-06"}, TODAY)
    assert 2024 not in _years_charged(ports)
    assert out["closed_years_pending"] == {"2024": 1}
    assert out["closed_years"]["2024"]["no_assessment_from"] == "2026-07-02"


def test_on_the_last_day_the_year_is_still_assessed(ports: Ports) -> None:
    out = _run(ports, {"mode": "monthly", "fiscal_year": 2025, "as_of_month": "2026-06"},
               datetime(2026, 7, 1, 3, tzinfo=UTC))  # 1 July 2026, 12:00 in Japan: the last day
    assert 2024 in _years_charged(ports) and out["closed_years_pending"] == {}


def test_a_decrease_in_a_closed_year_is_not_assessed_either(ports: Ports) -> None:
    """110条の2 bars a 賦課決定 whichever way it goes: a loss registered late for a closed year changes nothing
    there (listed for staff), and the open years' decrease is decided (its refund under 第110条's 2 years)."""
    _run(ports, {"mode": "monthly", "fiscal_year": 2025, "as_of_month": "2026-06"},
         datetime(2026, 6, 30, 3, tzinfo=UTC))
    store = ports.store
    assert isinstance(store, InMemoryAssessmentStore)
    assert {2024, 2025} <= _years_charged(ports)
    for fy in (2024, 2025, 2026):  # the acquisition was wrong: never insured (a loss back to the start)
        lost = copy.deepcopy(_case(fy))
        lost["household"]["members"][0]["insured"] = [{"from": ACQUIRED, "until": ACQUIRED}]
        store.put_case("H90", lost)
    before = {k: v for k, v in store.versions.items() if k[1] == 2024}
    out = _run(ports, {"mode": "monthly", "fiscal_year": 2025, "as_of_month": "2026-12"}, TODAY)
    assert {k: v for k, v in store.versions.items() if k[1] == 2024} == before  # FY2024 as billed
    assert out["closed_years_pending"] == {"2024": 1}
    latest_2025 = max(v for (h, fy, v) in store.versions if (h, fy) == ("H90", 2025))
    assert store.versions[("H90", 2025, latest_2025)]["result"]["annual"] == 0


@pytest.mark.xfail(strict=True, reason="open finding: a run's OWN fiscal year is checked on its month label only "
                   "(run_input.check_year_and_month) — the demo (default FY2024) and the tests run past years on "
                   "today's clock, so a day check here needs them on a frozen day first (coordinator's decision)")
def test_a_run_for_a_closed_year_itself_is_refused_on_a_day_past_its_limit(ports: Ports) -> None:
    """A run for FY2024 labelled June 2026, started by hand on 2 December 2026, decides FY2024's 賦課 that day —
    five months after 110条の2 barred it. (An annual one would reassess every household of the year.)"""
    with pytest.raises(monthly.RunInputError, match="fiscal_year"):
        monthly.prepare_run({"mode": "monthly", "fiscal_year": 2024, "as_of_month": "2026-06"},
                            execution_id="x", execution_name="x", now=TODAY, ports=ports)
