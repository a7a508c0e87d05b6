"""`kokuho inspect` (assessment IV-1): one row per protection of the specification's table, each with its
evidence and status, from the synthesized templates and the running configuration; a tampered template
fails the row that depends on it and the command exits 1."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from infra import inspection
from infra.app import SynthResult
from infra.inspection import PROTECTIONS, inspect, to_markdown
from kokuho_local.cli.main import main as cli_main

SPEC_TABLE = [p / "docs" / "architecture.md" for p in (inspection.REPO.parent / "shared",
                                                       inspection.REPO.parent.parent / "shared")]


def _by_section(rows: list[inspection.Row]) -> dict[tuple[str, str], inspection.Row]:
    return {(r.section, r.protection): r for r in rows}


def test_every_protection_passes_on_the_real_templates(raw: dict[str, dict[str, Any]]) -> None:
    rows = inspect(raw)
    failed = [(r.section, r.evidence) for r in rows if r.status != "pass"]
    assert not failed
    assert len(rows) == len(PROTECTIONS) and all(r.evidence for r in rows)


def test_one_row_per_protection_of_the_specifications_table() -> None:
    spec = next((p for p in SPEC_TABLE if p.is_file()), None)
    if spec is None:
        pytest.skip("the specification's docs (shared/) are not beside this checkout")
    text = spec.read_text(encoding="utf-8").split("## Where each protection of the assessment lives")[1]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in text.splitlines()
            if line.startswith("|") and not line.startswith("|---") and "assessment section" not in line]
    assert [(r[0], r[1]) for r in rows] == [(s, p) for s, p, _ in PROTECTIONS]


def _tampered(raw: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    t = copy.deepcopy(raw)
    audit = t["KokuhoAudit"]["Resources"]
    audit["Gateway"] = {"Type": "AWS::EC2::InternetGateway", "Properties": {}}
    for r in audit.values():
        if r["Type"] == "AWS::CloudTrail::Trail":
            r["Properties"]["EnableLogFileValidation"] = False
        if r["Type"] == "AWS::Athena::NamedQuery" and r["Properties"]["Name"] == "kokuho-key-usage":
            r["Type"] = "AWS::CloudFormation::WaitConditionHandle"
    audit["Sneaky"] = {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [{
        "Effect": "Allow", "Action": ["dynamodb:UpdateItem"],
        "Resource": "arn:aws:dynamodb:ap-northeast-1:111111111111:table/kokuho-access-log"}]}}}
    return t


def test_a_tampered_template_fails_the_rows_that_rest_on_it(raw: dict[str, dict[str, Any]]) -> None:
    rows = _by_section(inspect(_tampered(raw)))
    network = rows[("III-7 リスク1", "closed network; encryption at rest; domestic storage")]
    assert network.status == "fail" and any(e.startswith("FAILED: no AWS::EC2::InternetGateway")
                                            for e in network.evidence)
    provable = rows[("III-3 リスク2", "who did it, provable later")]
    assert provable.status == "fail"
    failed = [e for e in provable.evidence if e.startswith("FAILED")]
    assert any("Sneaky" in e for e in failed) and any("log file validation" in e for e in failed)
    assert rows[("IV-1", "yearly self-inspection, audit")].status == "fail"
    assert rows[("III-6 リスク4,6", "encrypted so only the requester can decrypt")].status == "pass"
    assert "❌ FAIL" in to_markdown(list(rows.values()))


def test_a_check_that_cannot_run_fails_its_row_naming_why(raw: dict[str, dict[str, Any]],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(c: object, t: object) -> None:
        raise KeyError("Resources")

    section, protection, _ = PROTECTIONS[0]
    monkeypatch.setattr(inspection, "PROTECTIONS", ((section, protection, broken), *PROTECTIONS[1:]))
    row = inspection.inspect(raw)[0]
    assert row.status == "fail" and "could not run: KeyError" in row.evidence[0]


def test_the_command_prints_markdown_or_json_and_exits_1_on_a_failure(
        synthesized: SynthResult, raw: dict[str, dict[str, Any]], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["inspect", "--cdk-out", str(synthesized.outdir), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["section"], r["status"]) for r in rows] == [(s, "pass") for s, _, _ in PROTECTIONS]
    assert cli_main(["inspect", "--cdk-out", str(synthesized.outdir)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("| assessment | protection | evidence | status |")
    assert re.search(rf"{len(PROTECTIONS)} protections, {len(PROTECTIONS)} pass, 0 fail", out)
    broken = tmp_path / "cdk.out"
    broken.mkdir()
    for name, template in _tampered(raw).items():
        (broken / f"{name}.template.json").write_text(json.dumps(template))
    assert cli_main(["inspect", "--cdk-out", str(broken)]) == 1
    assert "❌ FAIL" in capsys.readouterr().out
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli_main(["inspect", "--cdk-out", str(empty)]) == 2
    shutil.rmtree(broken)


POLICIES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")


def test_the_retention_purge_may_delete_access_records_but_never_update_them(
        raw: dict[str, dict[str, Any]]) -> None:
    """The one role that may remove access records is the retention purge, item by item below a signed floor
    (docs/retention.md): its DeleteItem passes the row; an UpdateItem or a batch write added to it fails it."""
    t = copy.deepcopy(raw)
    purge = [r for lid, r in t["KokuhoWorkflows"]["Resources"].items()
             if lid.startswith("Functionslinkageretentionpurge") and r["Type"] in POLICIES]
    assert purge
    statements = [st for r in purge for st in r["Properties"]["PolicyDocument"]["Statement"]
                  if "kokuho-access-log" in json.dumps(st.get("Resource"))]
    assert any("dynamodb:DeleteItem" in st["Action"] for st in statements)
    provable = ("III-3 リスク2", "who did it, provable later")
    assert _by_section(inspect(t))[provable].status == "pass"
    for action in ("dynamodb:UpdateItem", "dynamodb:BatchWriteItem"):
        bad = copy.deepcopy(t)
        for r in bad["KokuhoWorkflows"]["Resources"].values():
            for st in r["Properties"].get("PolicyDocument", {}).get("Statement", []) if r["Type"] in POLICIES else []:
                if "kokuho-access-log" in json.dumps(st.get("Resource")) and "dynamodb:DeleteItem" in st["Action"]:
                    st["Action"] = [*st["Action"], action]
        row = _by_section(inspect(bad))[provable]
        assert row.status == "fail" and any(action in e for e in row.evidence if e.startswith("FAILED")), action
