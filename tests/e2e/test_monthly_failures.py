"""A batch that keeps failing after its retries is reported with its household ids, never dropped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from monthly_helpers import CARE, fail_before_writing

from kokuho.assessment.household_cases import put_household_cases
from kokuho.linkage.transfers import transfers_to
from kokuho_local.embedded import embedded_aws
from kokuho_local.synthetic import generate_city

FY = 2024


def test_a_batch_failing_every_attempt_is_reported_with_its_households_and_reselected(
        monkeypatch: pytest.MonkeyPatch) -> None:
    city = generate_city(20, seed=3, fiscal_year=FY)
    with embedded_aws() as aws:
        put_household_cases(((h.household_id, h.case) for h in city.households), changed_at=datetime.now(UTC))
        with monkeypatch.context() as mp:
            fired = fail_before_writing(mp, "p001-b00001")
            out = aws.run_state_machine("monthly-assessment", {
                "mode": "monthly", "fiscal_year": FY, "as_of_month": f"{FY}-06", "batch_size": 10}, name="fails")
        assert len(fired) == 3  # the first attempt and both retries
        failed = out["failures"]["batches"]
        assert out["status"] == "completed_with_failures"
        assert [b["batch_id"] for b in failed] == ["p001-b00001"]
        assert failed[0]["household_ids"] == sorted(h.household_id for h in city.households)[10:]
        assert failed[0]["error"] == "InjectedFailure"
        assert (out["failures"]["batches_count"], out["failures"]["household_ids_in_failed_batches"]) == (1, 10)
        assert out["versions_written"] == 10
        # the rerun of the month takes the 10 households left (still pending) and completes the run
        again = aws.run_state_machine("monthly-assessment", {
            "mode": "monthly", "fiscal_year": FY, "as_of_month": f"{FY}-06", "batch_size": 10}, name="recovers")
        assert again["last_pass"] == {"pass": 2, "households_selected": 10, "versions_written": 10}
        assert (again["households_selected"], again["versions_written"], again["unchanged"]) == (20, 20, 0)
        assert again["failures"]["batches_count"] == 0
        assert again["status"] == "completed_with_failures"  # no approved application: transfer refused
        assert again["transfer"]["outcome"] == "refused"
        # the refusal is recorded by the transfer service, where 介護保険課's transfers are looked up
        assert [(t["outcome"], t["reason"]) for t in transfers_to(CARE)
                if t["reference"] == f"monthly-assessment:{again['run_id']}"][-1] == (
            "refused", "no data-use application")


def test_a_duplicated_batch_delivery_is_answered_from_the_idempotency_record() -> None:
    from kokuho.access.records import records_of_chain
    from kokuho.records.assessments import versions_of

    city = generate_city(5, seed=8, fiscal_year=FY)
    ids = [h.household_id for h in city.households]
    event = {"run_id": "dup", "fiscal_year": FY, "as_of_month": f"{FY}-06", "mode": "annual",
             "execution_id": "local", "batch": {"batch_id": "b00000", "household_ids": ids}}
    with embedded_aws() as aws:
        put_household_cases(((h.household_id, h.case) for h in city.households), changed_at=datetime.now(UTC))
        first = aws.invoke("assessment-batch", event)
        second = aws.invoke("assessment-batch", event)
        assert first == second == {"batch_id": "b00000", "households": 5, "written": 5, "failed": 0}
        assert all(len(versions_of(h, FY)) == 1 for h in ids)
        # the second delivery did not run the batch: one read and one write on the batch's chain
        assert [r.operation for r in records_of_chain("dup#b00000")] == ["read", "write"]


def test_a_year_without_a_complete_rate_file_is_refused_before_any_batch() -> None:
    from kokuho.records.assessments import batch_outcomes
    from kokuho_local.embedded import ExecutionFailed

    city = generate_city(3, seed=2, fiscal_year=2026)
    with embedded_aws() as aws:
        put_household_cases(((h.household_id, h.case) for h in city.households), changed_at=datetime.now(UTC))
        with pytest.raises(ExecutionFailed) as info:
            aws.run_state_machine("monthly-assessment", {"mode": "annual", "fiscal_year": 2026,
                                                         "as_of_month": "2026-06"}, name="fy2026")
        assert info.value.error == "RateFileError"
        assert "FY2026" in (info.value.cause or "")
        assert list(batch_outcomes("annual-2026-2026-06")) == []


def test_a_stored_case_the_engine_cannot_read_fails_alone_naming_its_field() -> None:
    """One bad stored case (written without validation) is that household's failure, its field named;
    the batch's other households are assessed by the same engine, without a second one behind it."""
    import kokuho.premium.case
    from kokuho.records.assessments import batch_outcomes, versions_of

    city = generate_city(5, seed=8, fiscal_year=FY)
    ids = sorted(h.household_id for h in city.households)
    cases = {h.household_id: h.case for h in city.households}
    del cases[ids[2]]["household"]["members"][0]["birth_date"]
    event = {"run_id": "bad-case", "fiscal_year": FY, "as_of_month": f"{FY}-06", "mode": "annual",
             "execution_id": "local", "batch": {"batch_id": "b00000", "household_ids": ids}}
    validated: list[str] = []
    validate = kokuho.premium.case.validate_case
    with embedded_aws() as aws, pytest.MonkeyPatch.context() as mp:
        # counts the cases checked at the edge: only the one the batch path cannot read
        mp.setattr(kokuho.premium.case, "validate_case", lambda c: validated.append("x") or validate(c))
        put_household_cases(cases.items(), changed_at=datetime.now(UTC))
        assert aws.invoke("assessment-batch", event) == {"batch_id": "b00000", "households": 5, "written": 4,
                                                          "failed": 1}
        entries = next(iter(batch_outcomes("bad-case"))).outcome["entries"]
        assert entries[ids[2]]["o"] == "failed"
        assert entries[ids[2]]["e"] == "CaseError: household.members[0].birth_date: is required"
        assert [len(versions_of(h, FY)) for h in ids] == [1, 1, 0, 1, 1]
        assert validated == ["x"]
