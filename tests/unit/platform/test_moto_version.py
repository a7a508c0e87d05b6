"""The embedded AWS runs only on the moto version it is tested with (issue 10 item 2).

kokuho_local.moto_dynamodb and local_lambda patch moto's internals; on another moto they could
stop fitting without an error, so embedded_aws() refuses to start and says which version it needs.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest

from kokuho_local import embedded
from kokuho_local.embedded import TESTED_MOTO, UntestedMoto, embedded_aws

ROOT = Path(__file__).resolve().parents[3]


def test_embedded_aws_refuses_an_untested_moto_naming_the_tested_version(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded, "_installed_moto_version", lambda: "5.1.0")
    region = os.environ.get("AWS_DEFAULT_REGION")
    with pytest.raises(UntestedMoto) as exc:
        with embedded_aws():
            pytest.fail("the embedded AWS started on an untested moto")
    message = str(exc.value)
    assert f"moto {TESTED_MOTO}" in message and "moto 5.1.0 is installed" in message
    assert "./scripts/setup" in message
    # refused before anything started: no mock environment left behind, and a later start still works
    assert os.environ.get("AWS_DEFAULT_REGION") == region
    assert embedded._active is False


def test_a_missing_moto_is_refused_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded, "_installed_moto_version", lambda: "none")
    with pytest.raises(UntestedMoto, match=re.escape(f"tested with moto {TESTED_MOTO} only")):
        embedded.require_tested_moto()


def test_the_tested_version_is_the_one_pinned_and_installed() -> None:
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    pins = [d for d in dev if re.match(r"moto\b", d)]
    assert len(pins) == 1 and pins[0].endswith(f"=={TESTED_MOTO}"), pins
    embedded.require_tested_moto()  # the installed moto passes


def test_the_demo_says_so_and_exits_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from kokuho_local.cli.main import main

    monkeypatch.setattr(embedded, "_installed_moto_version", lambda: "9.9.9")
    code = main(["demo", "--households", "2", "--out", str(tmp_path / "summary.json")])
    assert code == 2
    err = capsys.readouterr().err
    assert f"cannot start the embedded AWS: the embedded AWS is tested with moto {TESTED_MOTO} only" in err
    assert "Traceback" not in err
