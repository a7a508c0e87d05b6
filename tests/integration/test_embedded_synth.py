"""The embedded AWS equals what the CDK app deploys: tables, functions and state machines compared with the
synthesized templates (one offline synth for this module, layer built without dependencies)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kokuho.platform.catalog import FUNCTIONS, STATE_MACHINES
from kokuho.platform.embedded import STATEMACHINES_ROOT, EmbeddedAWS, embedded_aws
from kokuho.platform.tables import TABLES

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def synthesized() -> Any:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    os.environ.setdefault("KOKUHO_LAYER_SKIP_DEPS", "1")
    app_module = pytest.importorskip("infra.app", reason="the CDK app is not importable")
    return app_module.synth(app_module.build_app(outdir=tempfile.mkdtemp(prefix="kokuho-synth-")))


@pytest.fixture(scope="module")
def local() -> Iterator[EmbeddedAWS]:
    with embedded_aws() as handle:
        yield handle


def _resources(synthesized: Any, type_: str) -> list[dict[str, Any]]:
    return [r["Properties"] for t in synthesized.templates.values() for r in t.get("Resources", {}).values()
            if r["Type"] == type_]


def _keys(schema: list[dict[str, str]]) -> dict[str, str]:
    return {k["KeyType"]: k["AttributeName"] for k in schema}


def test_tables_have_the_deployed_keys_indexes_and_ttl(synthesized: Any, local: EmbeddedAWS) -> None:
    deployed = {p["TableName"]: p for p in _resources(synthesized, "AWS::DynamoDB::Table")}
    for spec in TABLES:
        d = deployed[spec.default_name]
        mine = local.client("dynamodb").describe_table(TableName=spec.name())["Table"]
        assert _keys(mine["KeySchema"]) == _keys(d["KeySchema"]), spec.logical
        assert {a["AttributeName"]: a["AttributeType"] for a in mine["AttributeDefinitions"]} == \
            {a["AttributeName"]: a["AttributeType"] for a in d["AttributeDefinitions"]}, spec.logical
        assert {g["IndexName"]: (_keys(g["KeySchema"]), g["Projection"]["ProjectionType"])
                for g in mine.get("GlobalSecondaryIndexes", [])} == \
            {g["IndexName"]: (_keys(g["KeySchema"]), g["Projection"]["ProjectionType"])
             for g in d.get("GlobalSecondaryIndexes", [])}, spec.logical
        ttl = local.client("dynamodb").describe_time_to_live(TableName=spec.name())["TimeToLiveDescription"]
        deployed_ttl = (d.get("TimeToLiveSpecification") or {}).get("AttributeName")
        assert ttl.get("AttributeName") == deployed_ttl, spec.logical


def test_functions_have_the_deployed_names_and_handlers(synthesized: Any, local: EmbeddedAWS) -> None:
    deployed = {p["FunctionName"]: p["Handler"] for p in _resources(synthesized, "AWS::Lambda::Function")
                if isinstance(p.get("FunctionName"), str)}
    lam = local.client("lambda")
    for fn in FUNCTIONS:
        conf = lam.get_function_configuration(FunctionName=local.function_arn(fn.logical))
        assert deployed.get(conf["FunctionName"]) == conf["Handler"] == fn.handler


def test_state_machines_deploy_the_same_asl_with_the_same_substitutions(synthesized: Any) -> None:
    outdir = Path(synthesized.outdir)
    deployed = {p["StateMachineName"]: p for p in _resources(synthesized, "AWS::StepFunctions::StateMachine")}
    for sm in STATE_MACHINES:
        d = deployed[f"kokuho-{sm.logical}"]
        asset = next(outdir.glob(f"asset.{d['DefinitionS3Location']['Key'].split('.')[0]}*"))
        assert json.loads(asset.read_text("utf-8")) == json.loads((STATEMACHINES_ROOT / sm.asl_file).read_text("utf-8"))
        assert set(d["DefinitionSubstitutions"]) == set(sm.substitutions)
