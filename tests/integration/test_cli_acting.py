"""Every command that acts as a member of staff (`--as`) answers a refusal the same way: exit 1 without an active
grant, exit 2 for an id the access records cannot hold — a line naming the command, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from kokuho_local.embedded import EmbeddedAWS

COMMANDS = [  # `--as` goes where each command takes it (after the group for retention and requests)
    ["qualification", "reindex", "--as", "{}"],
    ["retention", "--as", "{}", "hold", "P1", "--reason", "訴訟"],
    ["audit", "who-accessed", "P1", "--from", "2024-06-01", "--to", "2024-06-30", "--as", "{}"],
    ["audit", "export", "--day", "2024-06-01", "--out", "{out}", "--as", "{}"],
    ["requests", "--as", "{}", "due"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=["reindex", "hold", "who-accessed", "export", "requests-due"])
@pytest.mark.parametrize("staff", ["", "S-UNKNOWN"], ids=["empty", "unknown"])
def test_a_refused_member_gets_a_line_and_an_exit_code(aws: EmbeddedAWS, command: list[str], staff: str,
                                                       tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kokuho.cli.main import main

    code = main([staff if a == "{}" else str(tmp_path) if a == "{out}" else a for a in command])
    err = capsys.readouterr().err
    assert code in (1, 2), err
    assert "Traceback" not in err and err.startswith(f"kokuho {command[0]} "), err
    assert not list(tmp_path.iterdir())  # nothing exported
