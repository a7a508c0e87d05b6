"""Auditor's probe of `kokuho trail query`: a CloudTrail log holds what callers wrote into it — a session's name,
a table name asked for, a parameter — and the named queries print those values back. `trail scan` and
`audit verify` redact a My Number found so; `trail query` printed it as it was, in the grid and in --json. Every
value printed is now redacted when it holds one in any shape; nothing else changes (a test below)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from trail_fixtures import record, staff_identity, write_by_day

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "identity"))
from mynumber_shapes import NUMBER, SHAPES  # noqa: E402

from kokuho.cli.main import main  # noqa: E402
from kokuho.identity.mynumber import count_my_numbers  # noqa: E402

DAYS = ["--param", "day_from=2024-11-01", "--param", "day_to=2024-11-30"]


@pytest.mark.parametrize("shape", ["plain", "hyphens", "full-width"])
@pytest.mark.parametrize("as_json", [False, True])
def test_a_my_number_written_into_the_log_is_never_printed_back(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], shape: str, as_json: bool) -> None:
    number = SHAPES[shape](NUMBER)
    denied = record("GetItem", "dynamodb.amazonaws.com", 6, staff_identity(f"S0302-{number}"),
                    error="AccessDeniedException", params={"tableName": f"kokuho-{number}"})
    write_by_day(tmp_path, [denied])
    for name in ("kokuho-denied-calls", "kokuho-detection-access-denied"):
        code = main(["trail", "query", name, "--logs", str(tmp_path), *DAYS, *(["--json"] if as_json else [])])
        out, err = capsys.readouterr()
        assert code == 0 and "S0302" in out, (name, err)
        assert count_my_numbers(out + err, inside_identifiers=True) == 0 and number not in out, name


def test_values_without_a_my_number_are_printed_as_they_are(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    write_by_day(tmp_path, [record("GetItem", "dynamodb.amazonaws.com", 6, staff_identity("S0302"),
                                   error="AccessDeniedException", params={"tableName": "kokuho-mynumber"})])
    assert main(["trail", "query", "kokuho-denied-calls", "--logs", str(tmp_path), *DAYS, "--json"]) == 0
    row = json.loads(capsys.readouterr().out.splitlines()[0])
    assert row["principal"] == "S0302" and row["errorcode"] == "AccessDeniedException" and row["calls"] == 1


def test_a_parameter_holding_a_my_number_is_refused_without_echo(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    number = SHAPES["hyphens"](NUMBER)
    assert main(["trail", "query", "kokuho-staff-activity", "--logs", str(tmp_path), *DAYS,
                 "--param", f"staff_id{number}"]) == 2
    _, err = capsys.readouterr()
    assert "My Number" in err and count_my_numbers(err, inside_identifiers=True) == 0
