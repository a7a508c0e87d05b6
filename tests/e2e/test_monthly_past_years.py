"""過年度更正: a change to an earlier fiscal year registered after its March run is assessed by the
next run under that year's own rates, until 国保法第110条の2's two-year limit; a run's fiscal year
and month are checked against each other."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from freezegun import freeze_time
from monthly_helpers import run_steps

from kokuho.assessment.household_cases import put_household_case, put_household_cases
from kokuho.assessment.monthly import RunInputError, prepare_run
from kokuho.premium import compute_case
from kokuho.records.assessments import versions_of
from kokuho_local.embedded import EmbeddedAWS
from kokuho_local.synthetic import generate_city, month_changes

FY = 2024
CITY = generate_city(8, seed=41, fiscal_year=FY)
BEFORE = {h.household_id: compute_case(h.case) for h in CITY.households}
LATE = next((hid, case) for hid, case in sorted(month_changes(CITY, f"{FY + 1}-03", share=1.0, seed=9).items())
            if compute_case(case)["annual"] != BEFORE[hid]["annual"])


def _year_assessed_through_march() -> None:
    put_household_cases(((h.household_id, h.case) for h in CITY.households), changed_at=datetime.now(UTC))
    run_steps({"mode": "annual", "fiscal_year": FY, "as_of_month": f"{FY}-06"}, "annual")
    assert run_steps({"mode": "monthly", "fiscal_year": FY, "as_of_month": f"{FY + 1}-03"}, "march")[
        "households_selected"] == 0


def test_a_change_registered_after_the_march_run_is_assessed_next_year_under_its_own_rates(
        aws: EmbeddedAWS) -> None:
    _year_assessed_through_march()
    hid, case = LATE
    put_household_case(hid, case, changed_at=datetime.now(UTC))  # registered in April, after the March run
    # run in May 2025 (FY2024 may be assessed until 1 July 2026: 国保法第110条の2, judged on the run's day)
    with freeze_time("2025-05-01 03:00:00"):
        may = run_steps({"mode": "monthly", "as_of_month": f"{FY + 1}-05"}, "may")  # a FY2025 run
    assert may["fiscal_year"] == FY + 1
    v1, v2 = versions_of(hid, FY)
    assert v2.result == compute_case(case) and v2.result["fiscal_year"] == FY  # FY2024's rates
    assert v2.installments[:len(v1.installments)] == v1.installments  # all due already: kept as billed
    assert v2.difference == v2.result["annual"] - v1.result["annual"]
    if v2.difference > 0:  # the rest is billed in one installment now
        assert v2.installments[len(v1.installments):] == [{"due": f"{FY + 1}-05", "amount": v2.difference}]
    else:
        assert v2.refund == v1.result["annual"] - v2.result["annual"]
    assert (may["corrections"], may["by_fiscal_year"]) == (1, {str(FY): {
        "versions_written": 1, "refunds": {"count": 1 if v2.refund else 0, "total": v2.refund}}})
    with freeze_time("2025-06-01 03:00:00"):
        assert run_steps({"mode": "monthly", "as_of_month": f"{FY + 1}-06"}, "june")["households_selected"] == 0


def test_a_change_past_the_two_year_limit_is_reported_not_assessed(aws: EmbeddedAWS) -> None:
    _year_assessed_through_march()
    hid, case = LATE
    put_household_case(hid, case, changed_at=datetime.now(UTC))
    # FY2024's first due date is June 2024: a 賦課決定 is possible up to June 2026, not in July
    out = run_steps({"mode": "monthly", "fiscal_year": FY + 1, "as_of_month": f"{FY + 2}-07"}, "late")
    assert out["closed_years_pending"] == {str(FY): 1}
    assert out["closed_years"][str(FY)]["no_assessment_from"] == "2026-07-02"  # and why, for staff
    assert len(versions_of(hid, FY)) == 1


@pytest.mark.parametrize("fiscal_year,month", [(FY, f"{FY + 4}-01"), (FY, f"{FY + 2}-07"), (FY + 1, f"{FY + 1}-03")])
def test_a_fiscal_year_that_does_not_fit_the_month_is_refused(aws: EmbeddedAWS, fiscal_year: int, month: str) -> None:
    with pytest.raises(RunInputError, match="fiscal_year"):
        prepare_run({"mode": "monthly", "fiscal_year": fiscal_year, "as_of_month": month},
                    execution_id="x", execution_name="x")


def test_the_last_month_of_the_limit_is_accepted(aws: EmbeddedAWS) -> None:
    out = prepare_run({"mode": "annual", "fiscal_year": FY, "as_of_month": f"{FY + 2}-06"},
                      execution_id="x", execution_name="x")
    assert out["run_id"] == f"annual-{FY}-{FY + 2}-06"
