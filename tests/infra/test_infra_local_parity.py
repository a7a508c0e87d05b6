"""Local and deployed cannot drift: every table the embedded AWS creates has the key schema, attribute
types, indexes and TTL of the same table in the synthesized template, and every state machine runs
locally from the same ASL file the Workflows stack deploys."""

from __future__ import annotations

import re
from typing import Any

import pytest

from infra.app import SynthResult
from kokuho.platform.catalog import FUNCTIONS, STATE_MACHINES
from kokuho.platform.tables import TABLES
from kokuho_local.embedded import ROOT, embedded_aws


def _template_tables(raw: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for template in raw.values():
        for res in template.get("Resources", {}).values():
            if res["Type"] == "AWS::DynamoDB::Table":
                out[res["Properties"]["TableName"]] = res["Properties"]
    return out


def _shape(props: dict[str, Any]) -> dict[str, Any]:
    """The schema facts both sides must agree on, in one comparable form."""
    gsis = props.get("GlobalSecondaryIndexes") or []
    return {
        "keys": [(k["AttributeName"], k["KeyType"]) for k in props["KeySchema"]],
        "attributes": sorted((a["AttributeName"], a["AttributeType"]) for a in props["AttributeDefinitions"]),
        "indexes": sorted(
            (g["IndexName"], tuple((k["AttributeName"], k["KeyType"]) for k in g["KeySchema"]),
             g["Projection"]["ProjectionType"])
            for g in gsis
        ),
    }


@pytest.fixture(scope="module")
def local_tables() -> dict[str, dict[str, Any]]:
    with embedded_aws() as aws:
        ddb = aws.client("dynamodb")
        out = {}
        for spec in TABLES:
            desc = ddb.describe_table(TableName=spec.name())["Table"]
            ttl = ddb.describe_time_to_live(TableName=spec.name())["TimeToLiveDescription"]
            desc["ttl"] = ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") == "ENABLED" else None
            out[spec.name()] = desc
        return out


def test_every_table_has_the_same_schema_locally_and_in_the_template(
    raw: dict[str, dict[str, Any]], local_tables: dict[str, dict[str, Any]]
) -> None:
    deployed = _template_tables(raw)
    assert set(deployed) == set(local_tables) == {t.name() for t in TABLES}
    for name, props in deployed.items():
        assert _shape(local_tables[name]) == _shape(props), name
        ttl = props.get("TimeToLiveSpecification") or {}
        assert local_tables[name]["ttl"] == (ttl.get("AttributeName") if ttl.get("Enabled") else None), name


def test_state_machines_deploy_the_asl_files_that_run_locally(synthesized: SynthResult) -> None:
    """The Workflows stack ships each ASL file unchanged as an asset, with exactly the placeholders the
    catalog names as DefinitionSubstitutions; the embedded AWS runs that same file."""
    deployed = {
        res["Properties"]["StateMachineName"]: res["Properties"]
        for t in synthesized.templates.values() for res in t.get("Resources", {}).values()
        if res["Type"] == "AWS::StepFunctions::StateMachine"
    }
    assert set(deployed) == {f"kokuho-{s.logical}" for s in STATE_MACHINES}
    for spec in STATE_MACHINES:
        props = deployed[f"kokuho-{spec.logical}"]
        asset = synthesized.outdir / f"asset.{props['DefinitionS3Location']['Key']}"
        source = ROOT / "statemachines" / spec.asl_file
        assert asset.read_bytes() == source.read_bytes(), spec.logical
        placeholders = set(re.findall(r"\$\{(\w+)\}", source.read_text(encoding="utf-8")))
        assert set(props["DefinitionSubstitutions"]) == placeholders == set(spec.substitutions), spec.logical


def test_functions_have_the_deployed_names_and_handlers(synthesized: SynthResult) -> None:
    deployed = {
        res["Properties"]["FunctionName"]: res["Properties"]["Handler"]
        for t in synthesized.templates.values() for res in t.get("Resources", {}).values()
        if res["Type"] == "AWS::Lambda::Function" and isinstance(res["Properties"].get("FunctionName"), str)
    }
    with embedded_aws() as local:
        lam = local.client("lambda")
        for fn in FUNCTIONS:
            conf = lam.get_function_configuration(FunctionName=local.function_arn(fn.logical))
            assert deployed.get(conf["FunctionName"]) == conf["Handler"] == fn.handler, fn.logical
