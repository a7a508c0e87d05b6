"""Every step of every workflow acts as its execution (kokuho.access.run_identity): each state that invokes a Lambda
(statemachines/*.asl.json, the files CDK deploys) hands it the execution's name or ARN, so the run named in CloudTrail
and in the access records' terminal is the execution, one id for all its steps — never the Lambda's request id of
one invocation (the payment intake's `Payload: {}` and the steps given `$` took that). The step's own input arrives
as before: a wrapped payload is unwrapped for the handler (run_identity.step_input)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from kokuho.access.run_identity import acts_as_run, current_run, step_input
from kokuho.platform.catalog import FUNCTIONS_BY_LOGICAL, STATE_MACHINES, has_data_role

STATEMACHINES = Path(__file__).resolve().parents[3] / "statemachines"
EXECUTION = {"$$.Execution.Name", "$$.Execution.Id"}


def _tasks(states: dict[str, Any], selector: dict[str, Any] | None = None
           ) -> Iterator[tuple[str, dict[str, Any], dict[str, Any] | None]]:
    for name, state in states.items():
        if state.get("Type") == "Task" and "lambda:invoke" in str(state.get("Resource")):
            yield name, state["Parameters"], selector
        for inner in ("Iterator", "ItemProcessor"):
            if inner in state:
                yield from _tasks(state[inner]["States"], state.get("ItemSelector") or state.get("Parameters"))
        for branch in state.get("Branches", ()):
            yield from _tasks(branch["States"], selector)


def _names_its_execution(payload: Any, selector: dict[str, Any] | None) -> bool:
    if isinstance(payload, dict):
        return bool({payload.get("execution_name.$"), payload.get("execution_id.$")} & EXECUTION)
    # a map's item handed on whole: its selector took the execution from the run's own state
    return payload == "$" and selector is not None and bool(
        {selector.get("execution_name.$"), selector.get("execution_id.$")} & {"$.execution_name", "$.execution_id",
                                                                              *EXECUTION})


def _function(machine: Any, params: dict[str, Any]) -> Any:
    placeholder = str(params["FunctionName"]).removeprefix("${").removesuffix("}")
    kind, logical = machine.substitutions[placeholder]
    assert kind == "function", (machine.logical, placeholder)
    return FUNCTIONS_BY_LOGICAL[logical]


def test_the_scan_sees_every_workflow() -> None:
    assert len(STATE_MACHINES) >= 20 and {m.asl_file for m in STATE_MACHINES} == {
        p.name for p in STATEMACHINES.glob("*.asl.json")}


@pytest.mark.parametrize("machine", STATE_MACHINES, ids=lambda m: m.logical)
def test_every_step_that_touches_data_is_handed_its_execution(machine: Any) -> None:
    """A function with a data role acts as its run (catalog.has_data_role): it is handed the execution. One
    without (linkage-query-send: the network gateway only) is not wrapped by acts_as_run, so it gets its input."""
    tasks = list(_tasks(json.loads((STATEMACHINES / machine.asl_file).read_text("utf-8"))["States"]))
    assert tasks
    wrong = []
    for name, params, selector in tasks:
        payload = params.get("Payload", params.get("Payload.$"))
        if has_data_role(_function(machine, params)) != _names_its_execution(payload, selector):
            wrong.append(name)
    assert not wrong, f"{machine.asl_file}: {wrong} (a data step not handed its execution acts as its Lambda's " \
                      "request id; a step without a data role is given its input unwrapped)"


def test_a_wrapped_step_is_given_its_input_and_acts_as_the_execution(monkeypatch: pytest.MonkeyPatch) -> None:
    import kokuho.access.run_identity as run_identity

    monkeypatch.setattr(run_identity, "acting_as", lambda caller, valid_for: _Null())
    seen: list[tuple[Any, str]] = []
    step = acts_as_run("collection-reminders", "督促")(lambda event, context: seen.append((event, current_run())))
    context = SimpleNamespace(aws_request_id="6f1c2b1e-0d7a-4c8e-9a51-0123456789ab", function_name="kokuho-x",
                              get_remaining_time_in_millis=lambda: 60_000)
    step({"input": {"on": "2024-07-10"}, "execution_name": "reminders-2024-07-10"}, context)
    step({}, context)  # started on its own: its own invocation
    assert seen == [({"on": "2024-07-10"}, "reminders-2024-07-10"), ({}, context.aws_request_id)]
    # only the wrapped shape is unwrapped: an event that merely has an `input` field is the handler's own
    assert step_input({"input": {"a": 1}, "execution_name": "x", "more": 1}) == {"input": {"a": 1},
                                                                                 "execution_name": "x", "more": 1}


class _Null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
