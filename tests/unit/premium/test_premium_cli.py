"""`kokuho premium --case FILE|-` through a subprocess: exact output shape, exit 2 naming the field."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from premium_builders import case, member

BASE = case(member("P1", "1975-06-15", salary=2_500_000, insured=[("2024-04-01", None)]))


def run(payload: Any, *extra: str, stdin: bool = True) -> subprocess.CompletedProcess[str]:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return subprocess.run([sys.executable, "-m", "kokuho.cli.main", "premium", "--case", "-", *extra],
                          input=text, capture_output=True, text=True, timeout=60)


def test_output_has_exactly_the_interface_shape(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(BASE), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "kokuho.cli.main", "premium", "--case", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert list(out) == ["fiscal_year", "reduction", "parts", "annual", "installments"]
    assert out["parts"] == {"medical": 220_000, "support": 93_700, "care": 83_000, "child": 0}
    assert out["annual"] == 396_700 and out["reduction"] is None
    assert all(list(i) == ["due", "amount"] for i in out["installments"])
    assert len(out["installments"]) == 10


def test_explain_adds_one_key_with_readable_components() -> None:
    proc = run(BASE, "--explain")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert list(out) == ["fiscal_year", "reduction", "parts", "annual", "installments", "explain"]
    medical = out["explain"]["parts"]["medical"]
    texts = " ".join(c["text"] for c in medical["components"])
    assert "(2,500,000 − 基礎控除 430,000) × 8.20% = 169,740円" in texts
    assert "均等割 (P1): 23,170円" in texts and "平等割 (世帯): 27,140円" in texts
    assert "100円未満切捨て 220,000円" in medical["text"]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda c: c["household"]["members"][0].update(nickname="x"), "household.members[0].nickname"),
        (lambda c: c["household"]["members"][0].update(birth_date="2024-02-30"), "household.members[0].birth_date"),
        (lambda c: c["household"]["members"][0]["income"].update(total=-1), "household.members[0].income.total"),
        (lambda c: c["household"]["members"][0]["insured"][0].update(until="2024-13-01"),
         "household.members[0].insured[0].until"),
        (lambda c: c.update(extra=1), "extra"),
        (lambda c: c["household"].update(specific_household="other"), "household.specific_household"),
        (lambda c: c["household"].update(householder_id="P9"), "household.householder_id"),
    ],
)
def test_invalid_case_exits_2_naming_the_field(mutate: Any, field: str) -> None:
    bad = copy.deepcopy(BASE)
    mutate(bad)
    proc = run(bad)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"{field}: "), proc.stderr


def test_negative_income_message() -> None:
    bad = copy.deepcopy(BASE)
    bad["household"]["members"][0]["income"]["total"] = -5
    assert run(bad).stderr.strip() == "household.members[0].income.total: must be ≥ 0"


def test_incomplete_year_exits_2_saying_what_is_missing() -> None:
    proc = run(case(member(), fy=2026))
    assert proc.returncode == 2
    assert "FY2026 rate file is incomplete: rates for medical, support, care, child are not set" in proc.stderr


def test_not_json_exits_2() -> None:
    assert run("{not json").returncode == 2


def test_misspelt_key_is_reported_as_unknown() -> None:
    bad = copy.deepcopy(BASE)
    bad["household"]["members"][0]["insured"] = [{"from_": "2024-04-01", "until": None}]
    proc = run(bad)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "household.members[0].insured[0].from_: unknown field"


def test_explain_reads_out_the_reduction_judgement() -> None:
    from kokuho.premium import explain_case

    c = case(member("A", "1952-06-15", pension=800_000),
             member("S", "1948-06-15", pension=600_000, insured=[], specific_same=True), specific="specific")
    text = explain_case(c)["explain"]["reduction"]["text"]
    assert "A: 総所得金額等 800,000円 → 判定所得 650,000円 (65歳以上の公的年金等所得から150,000円控除)" in text
    assert "5割軽減の基準: 530,000 + 295,000 × N (2) = 1,120,000円" in text
    assert text.endswith("判定: 5割")
