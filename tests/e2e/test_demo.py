"""`kokuho demo` on a small city: the whole cycle runs and its summary is the engine's own figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kokuho.cli.main import main
from kokuho.premium import compute_case
from kokuho.synthetic import generate_city


def test_demo_runs_a_whole_cycle_and_writes_a_consistent_summary(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "summary.json"
    assert main(["demo", "--households", "30", "--seed", "7", "--batch-size", "10", "--out", str(out)]) == 0
    summary = json.loads(out.read_text("utf-8"))
    city = generate_city(30, seed=7, fiscal_year=2024)
    results = [compute_case(h.case) for h in city.households]
    assert (summary["households"], summary["persons"]) == (30, city.persons)
    assert summary["my_numbers"] == {"stored": city.persons}
    annual = summary["annual"]
    assert (annual["households_assessed"], annual["versions_written"]) == (30, 30)
    assert annual["annual_total"] == sum(r["annual"] for r in results)
    assert annual["totals"]["medical"] == sum(r["parts"]["medical"] for r in results)
    assert summary["monthly"]["versions_written"] == summary["monthly"]["corrections"]
    assert summary["rerun_same_month"] == {"households_selected": 0, "versions_written": 0}
    assert summary["versions_written"] == 30 + summary["monthly"]["versions_written"]
    printed = capsys.readouterr()
    assert "本算定" in printed.out and f"{annual['annual_total']:,} 円" in printed.out
    assert "[demo]" in printed.err  # progress on stderr


def test_the_synthetic_city_is_deterministic_and_every_case_is_valid() -> None:
    a, b = generate_city(200, seed=3), generate_city(200, seed=3)
    assert [h.case for h in a.households] == [h.case for h in b.households]
    assert [p.my_number for h in a.households for p in h.persons] == \
        [p.my_number for h in b.households for p in h.persons]
    assert generate_city(200, seed=4).households[0].case != a.households[0].case
    members = [m for h in a.households for m in h.case["household"]["members"]]
    assert any(not m["insured"] for m in members)  # 擬制世帯主 or 特定同一世帯所属者
    assert any(m["specific_same_household"] for m in members)
    assert any(m["insured"] and m["insured"][0]["from"] > "2024-04-01" for m in members)  # mid-year join
    assert any(m["insured"] and m["insured"][0]["until"] for m in members)  # mid-year loss
    for h in a.households:
        compute_case(h.case)  # raises CaseError on an invalid case
