"""cfn-lint over every synthesized template: 0 errors."""

from __future__ import annotations

from cfnlint.api import ManualArgs, lint_file

from infra.app import SynthResult


def test_cfn_lint_reports_no_error(synthesized: SynthResult) -> None:
    paths = sorted(synthesized.outdir.glob("*.template.json"))
    assert len(paths) >= 4
    errors = []
    for path in paths:
        for match in lint_file(path, config=ManualArgs(regions=["ap-northeast-1"])):
            if match.rule.id.startswith("E"):
                errors.append(f"{path.name}: {match}")
    assert errors == []
