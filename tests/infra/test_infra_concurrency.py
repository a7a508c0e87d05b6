"""Reserved concurrency (issue 8 item 13): every function has its own slice of the account's pool, so the
monthly assessment's Distributed Map cannot take the concurrency the counter API needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra_helpers import all_resources

from kokuho.assessment.monthly import DEFAULT_MAX_CONCURRENCY

REPO = Path(__file__).resolve().parents[2]
# The account's default concurrency is 1,000, and Lambda refuses reservations that leave fewer than 100
# unreserved: everything reserved must fit in 900.
ACCOUNT_CONCURRENCY = 1000
UNRESERVED_MINIMUM = 100


def _functions(raw: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return all_resources(raw, "AWS::Lambda::Function")


def test_every_function_reserves_concurrency(raw: dict[str, dict[str, Any]]) -> None:
    functions = _functions(raw)
    assert functions
    for path, fn in functions.items():
        reserved = fn["Properties"].get("ReservedConcurrentExecutions")
        assert isinstance(reserved, int) and reserved >= 1, path


def test_reservations_fit_the_account_and_leave_the_unreserved_minimum(raw: dict[str, dict[str, Any]]) -> None:
    total = sum(fn["Properties"]["ReservedConcurrentExecutions"] for fn in _functions(raw).values())
    assert total <= ACCOUNT_CONCURRENCY - UNRESERVED_MINIMUM


def _by_name(raw: dict[str, dict[str, Any]]) -> dict[str, int]:
    return {fn["Properties"]["FunctionName"]: fn["Properties"]["ReservedConcurrentExecutions"]
            for fn in _functions(raw).values() if "FunctionName" in fn["Properties"]}


def test_the_monthly_map_fans_out_no_wider_than_the_batch_functions_reservation(
        raw: dict[str, dict[str, Any]]) -> None:
    batch = _by_name(raw)["kokuho-assessment-batch"]
    asl = json.loads((REPO / "statemachines" / "monthly_assessment.asl.json").read_text())
    fan_out = asl["States"]["AssessBatches"]
    assert fan_out["MaxConcurrencyPath"] == "$.max_concurrency"  # set by prepare, default below
    assert DEFAULT_MAX_CONCURRENCY <= batch


def test_the_counter_api_keeps_its_own_reservation(raw: dict[str, dict[str, Any]]) -> None:
    api = {name: n for name, n in _by_name(raw).items() if name.startswith("kokuho-qualification-api")}
    assert api, "the counter API's function(s)"
    # A counter's burst: the stage admits 100 requests at once; calls last well under a second.
    assert sum(api.values()) >= 50
