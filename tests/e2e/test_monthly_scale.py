"""Scale run (slow): a city of 5,000 households through the monthly-assessment state machine."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kokuho.assessment.household_cases import put_household_cases
from kokuho.records.assessments import HouseholdCaseModel
from kokuho_local.embedded import embedded_aws
from kokuho_local.synthetic import generate_city


@pytest.mark.slow
def test_five_thousand_households_one_version_each_and_a_rerun_writes_nothing() -> None:
    city = generate_city(5000, seed=99, fiscal_year=2024)
    payload = {"mode": "annual", "fiscal_year": 2024, "as_of_month": "2024-06", "batch_size": 100}
    with embedded_aws() as aws:
        put_household_cases(((h.household_id, h.case) for h in city.households), changed_at=datetime.now(UTC))
        first = aws.run_state_machine("monthly-assessment", payload, name="scale-1", timeout_s=1800)
        assert (first["versions_written"], first["failures"]["households_count"],
                first["failures"]["batches_count"]) == (5000, 0, 0)
        latest = [i.lv for i in HouseholdCaseModel.scan(HouseholdCaseModel.pk.startswith("HHCASE#"))]
        assert len(latest) == 5000 and set(latest) == {1}  # every case points at its first version
        again = aws.run_state_machine("monthly-assessment", payload, name="scale-2", timeout_s=1800)
        # the rerun continues the run: it writes nothing, and reports the run's figures
        assert again["last_pass"] == {"pass": 2, "households_selected": 0, "versions_written": 0}
        assert (again["versions_written"], again["unchanged"]) == (5000, 0)
