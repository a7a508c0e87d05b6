"""The Distributed Map's children run as EXPRESS executions when deployed (issue 14 item 2: a child is one
Lambda call and its retries — cheaper and without the STANDARD transition quota), while the embedded AWS
runs the same ASL file with STANDARD children (moto refuses EXPRESS ones): the execution type is a
definition substitution, resolved per side."""

from __future__ import annotations

import json
from typing import Any

from infra.app import SynthResult
from kokuho.platform.catalog import STATE_MACHINES
from kokuho_local.embedded import embedded_aws


def _processors(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if isinstance(node.get("ProcessorConfig"), dict):
            found.append(node["ProcessorConfig"])
        for value in node.values():
            found += _processors(value)
    elif isinstance(node, list):
        for value in node:
            found += _processors(value)
    return found


def _deployed_definitions(synthesized: SynthResult) -> dict[str, Any]:
    """Each deployed state machine's definition as Step Functions receives it: the ASL asset with the
    template's DefinitionSubstitutions applied (ARNs, which are CloudFormation references, as a stand-in)."""
    out = {}
    for template in synthesized.templates.values():
        for res in template.get("Resources", {}).values():
            if res["Type"] != "AWS::StepFunctions::StateMachine":
                continue
            props = res["Properties"]
            text = (synthesized.outdir / f"asset.{props['DefinitionS3Location']['Key']}").read_text("utf-8")
            for name, value in props.get("DefinitionSubstitutions", {}).items():
                text = text.replace("${" + name + "}", value if isinstance(value, str) else "arn:reference")
            out[props["StateMachineName"]] = json.loads(text)
    return out


def test_deployed_distributed_map_children_are_express(synthesized: SynthResult) -> None:
    definitions = _deployed_definitions(synthesized)
    distributed = {name: [p for p in _processors(d) if p.get("Mode") == "DISTRIBUTED"]
                   for name, d in definitions.items()}
    assert distributed["kokuho-monthly-assessment"], "the monthly run fans out with a Distributed Map"
    for name, processors in distributed.items():
        for processor in processors:
            assert processor["ExecutionType"] == "EXPRESS", name


def test_the_embedded_aws_runs_the_same_file_with_standard_children() -> None:
    with embedded_aws() as aws:
        sfn = aws.client("stepfunctions")
        for spec in STATE_MACHINES:
            definition = json.loads(sfn.describe_state_machine(
                stateMachineArn=aws.state_machine_arn(spec.logical))["definition"])
            for processor in _processors(definition):
                if processor.get("Mode") == "DISTRIBUTED":
                    assert processor["ExecutionType"] == "STANDARD", spec.logical


def _statements(template: dict[str, Any], role_logical_id: str) -> list[dict[str, Any]]:
    """Every statement of the policies of a role: inline, or a policy (managed or not) naming it."""
    resources = template["Resources"]
    found: list[dict[str, Any]] = []
    for policy in resources[role_logical_id]["Properties"].get("Policies", []):
        found += policy["PolicyDocument"]["Statement"]
    for res in resources.values():
        if (res["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
                and {"Ref": role_logical_id} in res["Properties"].get("Roles", [])):
            found += res["Properties"]["PolicyDocument"]["Statement"]
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_the_deployed_role_may_start_its_express_children_and_nothing_more(synthesized: SynthResult) -> None:
    """A Distributed Map starts its children — EXPRESS ones too — with states:StartExecution on its own
    state machine (AWS: "IAM policies for using Distributed Map states",
    https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html): the role of every
    state machine whose Map children are EXPRESS holds exactly that on its own ARN, and no start of any
    other state machine (no StartSyncExecution: nothing waits on a child synchronously)."""
    definitions = _deployed_definitions(synthesized)
    checked = []
    for template in synthesized.templates.values():
        for res in template.get("Resources", {}).values():
            if res["Type"] != "AWS::StepFunctions::StateMachine":
                continue
            name = res["Properties"]["StateMachineName"]
            if not any(p.get("Mode") == "DISTRIBUTED" and p.get("ExecutionType") == "EXPRESS"
                       for p in _processors(definitions[name])):
                continue
            role_id = res["Properties"]["RoleArn"]["Fn::GetAtt"][0]
            starts = [s for s in _statements(template, role_id) if s["Effect"] == "Allow"
                      and any(str(a).startswith("states:Start") for a in _as_list(s["Action"]))]
            actions = {a for s in starts for a in _as_list(s["Action"]) if str(a).startswith("states:Start")}
            assert actions == {"states:StartExecution"}, (name, actions)
            targets = [json.dumps(r) for s in starts for r in _as_list(s["Resource"])]
            assert targets and all(t.endswith(f':stateMachine:{name}"') for t in targets), (name, targets)
            checked.append(name)
    assert "kokuho-monthly-assessment" in checked
