"""interfaces.md "High-cost ceiling": `kokuho kogaku --case FILE|-` run as a subprocess, as staff would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from kogaku_cases import bill, case, member

EXAMPLE = case(member("A", 45, bill("H1", "inpatient", 1_000_000, 300_000)), prior=["2024-05", "2024-07"])


def kogaku(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kokuho.cli.main", "kogaku", *args],
                          input=stdin, capture_output=True, text=True, timeout=60, check=False)


def test_example_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(EXAMPLE, ensure_ascii=False), encoding="utf-8")
    done = kogaku("--case", str(path))
    assert done.returncode == 0, done.stderr
    # the exact output line of interfaces.md
    assert done.stdout.strip() == '{"service_month": "2024-10", "ceiling": 87430, "multiple": false, "benefit": 212570}'


def test_standard_input_and_explain() -> None:
    done = kogaku("--case", "-", "--explain", stdin=json.dumps(EXAMPLE))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert list(out) == ["service_month", "ceiling", "multiple", "benefit", "explain"]
    assert (out["ceiling"], out["benefit"]) == (87_430, 212_570)
    assert all(isinstance(line, str) for line in out["explain"])
    # the clerk can follow the arithmetic
    assert any("80,100 + (1,000,000 − 267,000) × 1% = 80,100 + 7,330 = 87,430" in s for s in out["explain"])
    assert out["explain"][-1] == "Benefit: copays taken into account 300,000 − borne 87,430 = 212,570."


def _unknown_nested_field() -> dict[str, Any]:
    raw = case(member("A", 45, bill("H1", "inpatient", 1_000, 100)))
    raw["household"]["members"][0]["bills"][0]["pharmacy"] = True
    return raw


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (case(member("A", 75)), "household.members[0].age"),
        (case(member("X", 72, bill("H1", "inpatient", 100, 10))), "household.bracket70"),
        (case(member("A", 45, bill("H1", "inpatient", 1_000, 1_001))), "household.members[0].bills[0].copay"),
        (case(member("A", 45), prior=["2024-05", "2024-11"]), "household.prior_benefit_months[1]"),
        (case(member("A", 45), bracket="カ"), "household.bracket"),
        (case(member("X", 72), bracket70="現役並み"), "household.bracket70"),
        (case(member("A", 45, bill("H1", "home", 1_000, 100))), "household.members[0].bills[0].setting"),
        ({**case(member("A", 45)), "note": "x"}, "note"),
        (_unknown_nested_field(), "household.members[0].bills[0].pharmacy"),
        (case(member("A", 45), service_month="2024/10"), "service_month"),
        (case(member("A", 45), prior=["2024-5"]), "household.prior_benefit_months[0]"),
        (case(member("A", 45), service_month="2018-07"), "service_month"),  # outside the ceiling data
        (case(member("A", 45), service_month="2026-09", bracket="イ"), "household.bracket"),  # not given
    ],
)
def test_rejections_exit_2_naming_the_field(raw: dict[str, Any], field: str) -> None:
    done = kogaku("--case", "-", stdin=json.dumps(raw, ensure_ascii=False))
    assert done.returncode == 2
    assert done.stdout == ""
    assert f"{field}:" in done.stderr


def test_not_json_exits_2() -> None:
    done = kogaku("--case", "-", stdin="{not json")
    assert done.returncode == 2 and "not valid JSON" in done.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    done = kogaku("--case", str(tmp_path / "absent.json"))
    assert done.returncode == 2 and "--case" in done.stderr
