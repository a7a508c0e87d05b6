"""The stacks build WHATEVER the catalog holds: a small fake catalog with a Distributed Map, a task-token
callback, a direct DynamoDB integration, two api functions and a schedule; and clear errors for names
the catalog gets wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from infra_helpers import resources

from infra.app import build_app, synth
from infra.constructs.functions import CatalogError
from kokuho.platform.catalog.model import FunctionSpec, Schedule, StateMachineSpec

ASL = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": "${PrepareArn}"}, "Next": "Record"},
        "Record": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                   "Parameters": {"TableName": "${RunTable}", "Item": {}}, "Next": "Fan"},
        "Fan": {"Type": "Map", "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                                              "Parameters": {"Bucket": "${Bucket}", "Key": "k"}},
                "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                                  "StartAt": "Work", "States": {"Work": {
                                      "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                                      "Parameters": {"FunctionName": "${WorkArn}"}, "End": True}}},
                "End": True},
    },
}
FUNCTIONS = (
    FunctionSpec("fake-prepare", "fake.prepare.handler", "prepare", tables={"assessment": "read"}),
    FunctionSpec("fake-work", "fake.work.handler", "work", tables={"assessment": "write", "linkage": "read"},
                 buckets={"work": "read"}, reserved_concurrency=5, answers_task_tokens_of=("fake-run",)),
    FunctionSpec("fake-api-a", "fake.api_a.handler", "api a", tables={"staff": "read"}, api=True),
    FunctionSpec("fake-api-b", "fake.api_b.handler", "api b", tables={"staff": "read"}, api=True),
)
MACHINE = StateMachineSpec(
    "fake-run", "fake.asl.json", "fake run",
    substitutions={"PrepareArn": ("function", "fake-prepare"), "WorkArn": ("function", "fake-work"),
                   "RunTable": ("table", "assessment"), "Bucket": ("bucket", "work")},
    schedules=(Schedule("0 3 * * ? *", {"mode": "daily"}, "daily"),),
    distributed_map_buckets=("work",))


@pytest.fixture(scope="module")
def fake(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    root = tmp_path_factory.mktemp("asl")
    (root / "fake.asl.json").write_text(json.dumps(ASL))
    built = build_app(outdir=str(tmp_path_factory.mktemp("fake-out")), functions=FUNCTIONS,
                      state_machines=(MACHINE,), statemachines_root=root, nag=False)
    result = synth(built)
    assert result.guard_errors == []
    return result.templates


def _policy(template: dict[str, Any], description_prefix: str) -> str:
    return " ".join(json.dumps(p["Properties"]["PolicyDocument"])
                    for p in resources(template, "AWS::IAM::ManagedPolicy").values()
                    if p["Properties"]["Description"].startswith(description_prefix))


def test_state_machine_role_distributed_map_and_direct_integration(fake: dict[str, dict[str, Any]]) -> None:
    text = _policy(fake["KokuhoWorkflows"], "kokuho-fake-run:")
    assert "lambda:InvokeFunction" in text
    assert '"states:StartExecution"' in text and "stateMachine:kokuho-fake-run" in text
    assert "execution:kokuho-fake-run/*" in text
    assert "dynamodb:PutItem" in text and "table/kokuho-assessment" in text
    assert "kokuho-work-111111111111-ap-northeast-1/*" in text and "s3:GetObject" in text
    assert "s3:PutObject" not in text  # no ResultWriter: read only
    assert "kokuho-staff" not in text  # nothing the ASL does not use


def test_task_token_function_may_answer_its_state_machine(fake: dict[str, dict[str, Any]]) -> None:
    text = _policy(fake["KokuhoWorkflows"], "kokuho-fake-work:")
    assert "states:SendTaskSuccess" in text and "stateMachine:kokuho-fake-run" in text
    assert "kokuho-linkage" in text
    assert "states:SendTaskSuccess" not in _policy(fake["KokuhoWorkflows"], "kokuho-fake-prepare:")


def test_reserved_concurrency_and_schedule(fake: dict[str, dict[str, Any]]) -> None:
    wf = fake["KokuhoWorkflows"]
    fns = {f["Properties"]["FunctionName"]: f["Properties"] for f in resources(wf, "AWS::Lambda::Function").values()}
    assert fns["kokuho-fake-work"]["ReservedConcurrentExecutions"] == 5
    assert "kokuho-fake-api-a" not in fns  # api functions live in the Api stack
    (schedule,) = resources(wf, "AWS::Scheduler::Schedule").values()
    assert schedule["Properties"]["ScheduleExpression"] == "cron(0 3 * * ? *)"
    assert schedule["Properties"]["ScheduleExpressionTimezone"] == "Asia/Tokyo"
    assert json.loads(schedule["Properties"]["Target"]["Input"]) == {"mode": "daily"}


def test_two_api_functions_get_one_prefix_each(fake: dict[str, dict[str, Any]]) -> None:
    api = fake["KokuhoApi"]
    paths = {r["Properties"]["PathPart"] for r in resources(api, "AWS::ApiGateway::Resource").values()}
    assert {"fake-api-a", "fake-api-b", "{proxy+}"} <= paths
    assert all(m["Properties"]["AuthorizationType"] == "AWS_IAM"
               for m in resources(api, "AWS::ApiGateway::Method").values())


def test_unknown_names_in_the_catalog_fail_clearly(tmp_path: Path) -> None:
    bad = FunctionSpec("fake-bad", "fake.bad.handler", "bad", tables={"no_such_table": "read"})
    with pytest.raises(CatalogError, match="no_such_table"):
        build_app(outdir=str(tmp_path / "a"), functions=(bad,), state_machines=(), nag=False)
    machine = StateMachineSpec("fake-x", "missing.asl.json", "x")
    with pytest.raises(CatalogError, match="missing.asl.json"):
        build_app(outdir=str(tmp_path / "b"), functions=(), state_machines=(machine,), nag=False)
    answering = FunctionSpec("fake-answer", "fake.answer.handler", "answer", answers_task_tokens_of=("no-such-run",))
    with pytest.raises(CatalogError, match="no-such-run"):
        build_app(outdir=str(tmp_path / "c"), functions=(answering,), state_machines=(), nag=False)
    # Only the vault may touch the My Number table; others hand numbers to it by invoking it.
    numbers = FunctionSpec("fake-numbers", "fake.numbers.handler", "numbers", tables={"mynumber": "read"})
    with pytest.raises(CatalogError, match="only qualification-api-vault may touch the mynumber table"):
        build_app(outdir=str(tmp_path / "d"), functions=(numbers,), state_machines=(), nag=False)
    invoking = FunctionSpec("fake-invoke", "fake.invoke.handler", "invoke", invokes=("no-such-function",))
    with pytest.raises(CatalogError, match="no-such-function"):
        build_app(outdir=str(tmp_path / "e"), functions=(invoking,), state_machines=(), nag=False)
