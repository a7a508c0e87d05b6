"""`kokuho synth` (same code as `python infra/app.py`) exits non-zero with the guard's message when the
app breaks a rule. The success path is the session synth every other infra test asserts on."""

from __future__ import annotations

from pathlib import Path

import pytest

from kokuho_local.cli.main import main


def test_synth_outside_japan_fails_with_the_guard_message(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["synth", "--out", str(tmp_path), "--skip-layer-deps", "-c", "kokuho:region=eu-west-1"])
    err = capsys.readouterr().err
    assert code == 1
    assert "[kokuho guard region] KokuhoData: region eu-west-1 is outside Japan" in err
    assert "synth FAILED" in err

