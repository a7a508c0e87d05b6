"""The region comes from the deployment's context, never from the code (issue 8 item 13): the DR copy in
ap-northeast-3 synthesizes clean (guards, cdk-nag) and names no Tokyo resource."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.app import SynthResult, build_app, synth


@pytest.fixture(scope="module")
def osaka(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    built = build_app(outdir=str(tmp_path_factory.mktemp("dr-out")), context={"kokuho:region": "ap-northeast-3"})
    return synth(built)


def test_the_dr_copy_synthesizes_clean(osaka: SynthResult) -> None:
    assert osaka.guard_errors == [] and osaka.nag_violations == []
    assert set(osaka.templates) == {"KokuhoData", "KokuhoNetwork", "KokuhoAudit", "KokuhoWorkflows", "KokuhoApi"}


def test_the_dr_copy_names_only_osaka(osaka: SynthResult) -> None:
    for name, template in osaka.templates.items():
        text = json.dumps(template)
        assert "ap-northeast-1" not in text and "apnortheast1" not in text, name
    subnets = [r for r in osaka.templates["KokuhoNetwork"]["Resources"].values() if r["Type"] == "AWS::EC2::Subnet"]
    assert {s["Properties"]["AvailabilityZone"] for s in subnets} == {
        "ap-northeast-3a", "ap-northeast-3b", "ap-northeast-3c"}
    manifest = json.loads((Path(osaka.outdir) / "manifest.json").read_text())
    environments = {a["environment"] for a in manifest["artifacts"].values() if a["type"] == "aws:cloudformation:stack"}
    assert environments == {"aws://111111111111/ap-northeast-3"}


def test_a_region_outside_japan_is_refused(tmp_path: Path) -> None:
    result = synth(build_app(outdir=str(tmp_path), context={"kokuho:region": "us-east-1"}, nag=False))
    assert any("outside Japan" in e for e in result.guard_errors)
