"""After a batch Lambda times out, its idempotency record stays "in progress" until the end of the
function's time (powertools takes the in-progress expiry from the context's remaining time): the
state machine's retry must wait that out, or every retry is refused and the batch ends failed."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

from kokuho.assessment.household_cases import put_household_cases
from kokuho.platform.catalog import FUNCTIONS_BY_LOGICAL
from kokuho_local.embedded import FUNCTIONS_ROOT, STATEMACHINES_ROOT, EmbeddedAWS
from kokuho_local.local_lambda import LocalLambdaContext, resolve_handler
from kokuho_local.synthetic import generate_city

TIMEOUT_ERRORS = ("Sandbox.Timedout", "States.Timeout", "IdempotencyAlreadyInProgressError")


def _retrier(retriers: list[dict[str, Any]], error: str) -> dict[str, Any]:
    """The retrier Step Functions applies to an error: the first that names it or States.ALL."""
    return next(r for r in retriers if error in r["ErrorEquals"] or "States.ALL" in r["ErrorEquals"])


def test_the_batch_retry_after_a_timeout_outlasts_the_in_progress_record() -> None:
    asl = json.loads((STATEMACHINES_ROOT / "monthly_assessment.asl.json").read_text("utf-8"))
    task = asl["States"]["AssessBatches"]["ItemProcessor"]["States"]["AssessBatch"]
    timeout = FUNCTIONS_BY_LOGICAL["assessment-batch"].timeout_seconds
    for error in TIMEOUT_ERRORS:
        retrier = _retrier(task["Retry"], error)
        assert retrier["IntervalSeconds"] > timeout, error
        assert retrier["MaxAttempts"] >= 1, error


# An EXPRESS execution (the deployed Map's children) is stopped after five minutes: then neither the Catch
# nor RecordFailedBatch runs, and the failed child fails the Map run (no tolerated failures).
EXPRESS_MAX_SECONDS = 300


def _worst_case_seconds(task: dict[str, Any], timeout: int) -> float:
    """A task's longest course: every retrier used up (each counts its own attempts), every attempt
    running to the function's timeout, every wait at its full interval."""
    attempts, waited = 1, 0.0
    for retrier in task.get("Retry", []):
        attempts += retrier["MaxAttempts"]
        waited += sum(retrier["IntervalSeconds"] * retrier.get("BackoffRate", 2.0) ** k
                      for k in range(retrier["MaxAttempts"]))
    return attempts * timeout + waited


def test_a_map_child_ends_within_the_express_limit_whatever_its_retries() -> None:
    asl = json.loads((STATEMACHINES_ROOT / "monthly_assessment.asl.json").read_text("utf-8"))
    states = asl["States"]["AssessBatches"]["ItemProcessor"]["States"]
    assess = _worst_case_seconds(states["AssessBatch"], FUNCTIONS_BY_LOGICAL["assessment-batch"].timeout_seconds)
    record = _worst_case_seconds(states["RecordFailedBatch"],
                                 FUNCTIONS_BY_LOGICAL["assessment-record-failure"].timeout_seconds)
    assert assess + record < EXPRESS_MAX_SECONDS


class Killed(BaseException):
    """What a timeout is to the handler: the process stops, no exception handler runs."""


def test_a_killed_attempt_blocks_retries_only_for_the_functions_remaining_time(
        aws: EmbeddedAWS, monkeypatch: pytest.MonkeyPatch) -> None:
    city = generate_city(3, seed=4, fiscal_year=2024)
    put_household_cases(((h.household_id, h.case) for h in city.households), changed_at=datetime.now(UTC))
    event = {"run_id": "timeout", "fiscal_year": 2024, "as_of_month": "2024-06", "mode": "annual",
             "execution_id": "local", "batch": {"batch_id": "p001-b00000", "pass": 1, "fiscal_year": 2024,
                                                "household_ids": [h.household_id for h in city.households]}}
    handler = resolve_handler("assessment.batch.handler", FUNCTIONS_ROOT)
    module = sys.modules["assessment.batch"]

    def context() -> LocalLambdaContext:
        return LocalLambdaContext("kokuho-assessment-batch", aws.function_arn("assessment-batch"), timeout_seconds=1)

    def killed(event: dict[str, Any]) -> dict[str, Any]:
        raise Killed

    with monkeypatch.context() as mp:
        mp.setattr(module, "assess_batch", killed)
        with pytest.raises(Killed):
            handler(event, context())
    with pytest.raises(IdempotencyAlreadyInProgressError):
        handler(event, context())  # a retry within the dead attempt's time is refused
    time.sleep(1.1)  # the dead attempt's remaining time (1 s here; the function's timeout on AWS)
    assert handler(event, context())["written"] == 3
