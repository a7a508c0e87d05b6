"""Workflows from the real catalog: every function in the VPC with exactly its grants; every state
machine logs (without execution data) and traces; schedules run in Asia/Tokyo."""

from __future__ import annotations

import json
from typing import Any

import pytest
from infra_helpers import all_resources, resources

from kokuho.platform.catalog import FUNCTIONS, STATE_MACHINES
from kokuho.platform.tables import TABLES_BY_LOGICAL


def _functions(raw: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f["Properties"]["FunctionName"]: f for f in all_resources(raw, "AWS::Lambda::Function").values()
            if "FunctionName" in f["Properties"]}


def test_every_catalog_function_deployed_in_vpc_with_tracing_layer_and_env(raw: dict[str, dict[str, Any]]) -> None:
    fns = _functions(raw)
    assert set(fns) == {f"kokuho-{spec.logical}" for spec in FUNCTIONS}
    for spec in FUNCTIONS:
        props = fns[f"kokuho-{spec.logical}"]["Properties"]
        assert props["Runtime"] == "python3.12"
        assert props["Handler"] == spec.handler
        assert len(props["VpcConfig"]["SubnetIds"]) == 3 and props["VpcConfig"]["SecurityGroupIds"]
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert len(props["Layers"]) == 1
        assert props["Timeout"] == spec.timeout_seconds and props["MemorySize"] == spec.memory_mb
        assert props.get("ReservedConcurrentExecutions") == spec.reserved_concurrency
        env = props["Environment"]["Variables"]
        for logical in spec.tables:
            table = TABLES_BY_LOGICAL[logical]
            assert env[table.env_var] == table.default_name
        assert {k for k in env if k.startswith("KOKUHO_TABLE_")} == {
            TABLES_BY_LOGICAL[t].env_var for t in spec.tables}
        assert env["POWERTOOLS_SERVICE_NAME"] and env["POWERTOOLS_LOG_LEVEL"]
        assert "LogGroup" in props["LoggingConfig"]


def test_every_lambda_in_every_stack_has_vpc_config(raw: dict[str, dict[str, Any]]) -> None:
    for path, fn in all_resources(raw, "AWS::Lambda::Function").items():
        assert "VpcConfig" in fn["Properties"], path


def _policy_text(template: dict[str, Any], function_logical_id: str) -> str:
    role_id = template["Resources"][function_logical_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = resources(template, "AWS::IAM::ManagedPolicy").values()
    texts = [json.dumps(p["Properties"]["PolicyDocument"]) for p in policies
             if {"Ref": role_id} in p["Properties"].get("Roles", [])]
    assert texts, f"no managed policy for {function_logical_id}"
    assert not [p for p in resources(template, "AWS::IAM::Policy").values()
                if {"Ref": role_id} in p["Properties"].get("Roles", [])], "unexpected inline policy"
    return " ".join(texts)


def _data_role_text(template: dict[str, Any], function_name: str) -> str:
    """The policies of the function's data-access role (an api function's: kokuho.access.data_role)."""
    roles = [rid for rid, r in resources(template, "AWS::IAM::Role").items()
             if r["Properties"].get("RoleName") == f"{function_name}-data"]
    return " ".join(json.dumps(p["Properties"]["PolicyDocument"])
                    for p in resources(template, "AWS::IAM::ManagedPolicy").values()
                    if roles and {"Ref": roles[0]} in p["Properties"].get("Roles", []))


def test_function_roles_grant_exactly_the_catalog_tables(raw: dict[str, dict[str, Any]]) -> None:
    by_name = {spec.logical: spec for spec in FUNCTIONS}
    for name in ("KokuhoWorkflows", "KokuhoApi"):
        template = raw.get(name, {})
        for lid, fn in resources(template, "AWS::Lambda::Function").items():
            logical = fn["Properties"]["FunctionName"].removeprefix("kokuho-")
            spec = by_name[logical]
            text = _policy_text(template, lid) + _data_role_text(template, fn["Properties"]["FunctionName"])
            for table in TABLES_BY_LOGICAL.values():
                granted = f"table/{table.default_name}\"" in text
                assert granted == (table.logical in spec.tables), (logical, table.logical)
            if all(access == "read" for access in spec.tables.values()):
                assert "dynamodb:PutItem" not in text, logical


def test_state_machines_log_all_without_execution_data_and_trace(raw: dict[str, dict[str, Any]]) -> None:
    machines = resources(raw["KokuhoWorkflows"], "AWS::StepFunctions::StateMachine")
    assert {m["Properties"]["StateMachineName"] for m in machines.values()} == {
        f"kokuho-{s.logical}" for s in STATE_MACHINES}
    for m in machines.values():
        props = m["Properties"]
        assert props["LoggingConfiguration"]["Level"] == "ALL"
        assert props["LoggingConfiguration"]["IncludeExecutionData"] is False
        assert props["TracingConfiguration"] == {"Enabled": True}
        assert "DefinitionS3Location" in props
        # execution history holds personal data: on the personal-data key
        assert props["EncryptionConfiguration"]["Type"] == "CUSTOMER_MANAGED_KMS_KEY"
        assert "KeyPersonal" in json.dumps(props["EncryptionConfiguration"]["KmsKeyId"])
    for spec in STATE_MACHINES:
        (m,) = [m for m in machines.values() if m["Properties"]["StateMachineName"] == f"kokuho-{spec.logical}"]
        assert set(m["Properties"].get("DefinitionSubstitutions", {})) == set(spec.substitutions)


def test_schedules_in_asia_tokyo_one_per_catalog_schedule(raw: dict[str, dict[str, Any]]) -> None:
    schedules = resources(raw["KokuhoWorkflows"], "AWS::Scheduler::Schedule")
    assert len(schedules) == sum(len(s.schedules) for s in STATE_MACHINES)
    for s in schedules.values():
        assert s["Properties"]["ScheduleExpressionTimezone"] == "Asia/Tokyo"
        assert s["Properties"]["ScheduleExpression"].startswith("cron(")


def test_monthly_assessment_distributed_map_may_read_and_write_results(raw: dict[str, dict[str, Any]]) -> None:
    if "monthly-assessment" not in {s.logical for s in STATE_MACHINES}:
        pytest.skip("monthly-assessment not in the catalog")
    wf = raw["KokuhoWorkflows"]
    text = " ".join(json.dumps(p["Properties"]["PolicyDocument"])
                    for p in resources(wf, "AWS::IAM::ManagedPolicy").values()
                    if p["Properties"]["Description"].startswith("kokuho-monthly-assessment:"))
    assert "stateMachine:kokuho-monthly-assessment" in text and "states:StartExecution" in text
    assert "kokuho-work-111111111111-ap-northeast-1/*" in text
    assert "s3:GetObject" in text and "s3:PutObject" in text
