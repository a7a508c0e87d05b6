"""A batch that keeps failing after its retries is reported with its household ids, never dropped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kokuho.assessment import monthly
from kokuho.assessment.household_cases import put_household_cases
from kokuho.platform.embedded import embedded_aws
from kokuho.synthetic import generate_city

FY = 2024


def test_a_batch_failing_every_attempt_is_reported_with_its_households_and_reselected(
        monkeypatch: pytest.MonkeyPatch) -> None:
    city = generate_city(20, seed=3, fiscal_year=FY)
    with embedded_aws() as aws:
        put_household_cases(((h.household_id, h.case) for h in city.households), changed_at=datetime.now(UTC))
        monkeypatch.setenv(monthly.TEST_HOOK_FAIL_BATCH_ONCE, "b00001:always")
        out = aws.run_state_machine("monthly-assessment", {
            "mode": "monthly", "fiscal_year": FY, "as_of_month": f"{FY}-06", "batch_size": 10}, name="fails")
        failed = out["failures"]["batches"]
        assert out["status"] == "completed_with_failures"
        assert [b["batch_id"] for b in failed] == ["b00001"]
        assert failed[0]["household_ids"] == sorted(h.household_id for h in city.households)[10:]
        assert failed[0]["error"] == "InjectedBatchFailure"
        assert (out["failures"]["batches_count"], out["failures"]["household_ids_in_failed_batches"]) == (1, 10)
        assert out["versions_written"] == 10
        monkeypatch.delenv(monthly.TEST_HOOK_FAIL_BATCH_ONCE)
        # the failed run is not a "since" anchor: the next monthly run takes the 10 households again
        again = aws.run_state_machine("monthly-assessment", {
            "mode": "monthly", "fiscal_year": FY, "as_of_month": f"{FY}-06", "batch_size": 10}, name="recovers")
        assert (again["households_selected"], again["versions_written"], again["unchanged"]) == (20, 10, 10)
        assert again["status"] == "completed"
