"""A refused input is never retried (statemachines/*.asl.json, the files CDK deploys): a step that refuses its input
(kokuho.access.run_inputs.InputRefused — an unknown field, a day or month that is not one) would refuse it again, so
every Task that retries States.TaskFailed or States.ALL first meets a retrier for InputRefused with MaxAttempts 0
(ASL tries the retriers in order). Without it a scheduled run given a bad input re-ran its step for about 3.5
minutes (30 s, backoff 2, 3 attempts) before failing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kokuho.access.run_inputs import InputRefused

STATEMACHINES = Path(__file__).resolve().parents[3] / "statemachines"
BROAD = {"States.TaskFailed", "States.ALL"}


def _tasks(states: dict[str, Any], where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in states.items():
        if state.get("Type") == "Task":
            yield f"{where}:{name}", state
        for inner in ("Iterator", "ItemProcessor"):
            if inner in state:
                yield from _tasks(state[inner]["States"], f"{where}:{name}")
        for branch in state.get("Branches", ()):
            yield from _tasks(branch["States"], f"{where}:{name}")


def _retrying_tasks() -> list[tuple[str, list[dict[str, Any]]]]:
    found = []
    for path in sorted(STATEMACHINES.glob("*.asl.json")):
        definition = json.loads(path.read_text(encoding="utf-8"))
        for where, state in _tasks(definition["States"], path.name):
            retry = state.get("Retry", [])
            if any(BROAD & set(r["ErrorEquals"]) for r in retry):
                found.append((where, retry))
    return found


def test_the_scan_sees_the_scheduled_runs() -> None:
    names = {where for where, _ in _retrying_tasks()}
    assert {"collection_reminders.asl.json:IssueReminders", "collection_pension.asl.json:PensionRun",
            "linkage_provision.asl.json:CheckRequest"} <= names


def test_every_broad_retry_is_preceded_by_a_refused_input_that_is_not_retried() -> None:
    wrong = []
    for where, retry in _retrying_tasks():
        first_broad = next(i for i, r in enumerate(retry) if BROAD & set(r["ErrorEquals"]))
        refusal = [i for i, r in enumerate(retry) if InputRefused.__name__ in r["ErrorEquals"]]
        if not refusal or refusal[0] > first_broad or retry[refusal[0]].get("MaxAttempts") != 0:
            wrong.append(where)
    assert not wrong, f"retried after a refused input (add {InputRefused.__name__}, MaxAttempts 0, first): {wrong}"


def test_states_all_stays_last() -> None:
    wrong = [where for where, retry in _retrying_tasks()
             if any("States.ALL" in r["ErrorEquals"] for r in retry[:-1])]
    assert not wrong, wrong
