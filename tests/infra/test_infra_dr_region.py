"""The region comes from the deployment's context, never from the code (issue 8 item 13): the DR copy in
ap-northeast-3 synthesizes clean (guards, cdk-nag) and names no Tokyo resource."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from infra.app import SynthResult, build_app, synth


@pytest.fixture(scope="module")
def osaka(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    built = build_app(outdir=str(tmp_path_factory.mktemp("dr-out")), context={"kokuho:region": "ap-northeast-3"})
    return synth(built)


def test_the_dr_copy_synthesizes_clean(osaka: SynthResult) -> None:
    assert osaka.guard_errors == [] and osaka.nag_violations == []
    assert set(osaka.templates) == {"KokuhoData", "KokuhoNetwork", "KokuhoAudit", "KokuhoWorkflows", "KokuhoApi"}


def _without_trail_folders(template: dict[str, Any]) -> dict[str, Any]:
    """The Athena trail table lists the region folders a multi-region trail writes (every region, Tokyo
    too, in the DR copy's own bucket), and the outside-japan query names Japan's two regions as the allowed
    ones: region names as data, not resources, so not a Tokyo dependency."""
    template = copy.deepcopy(template)
    for r in template.get("Resources", {}).values():
        if r["Type"] == "AWS::Glue::Table":
            r["Properties"]["TableInput"]["Parameters"].pop("projection.region.values", None)
        if r["Type"] == "AWS::Athena::NamedQuery" and r["Properties"]["Name"] == "kokuho-detection-outside-japan":
            r["Properties"].pop("QueryString")
    return template


def test_the_dr_copy_names_only_osaka(osaka: SynthResult) -> None:
    for name, template in osaka.templates.items():
        text = json.dumps(_without_trail_folders(template))
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
