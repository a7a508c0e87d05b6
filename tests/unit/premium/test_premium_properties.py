"""Property-based tests of the premium engine on random households (hypothesis), in every fiscal year
whose rate file is complete, each result also held equal to the independent expectation (`both`)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from premium_builders import assessable_years, both, write_rates

from kokuho.premium import compute_case, compute_many, explain_case, load_rate_table
from kokuho.premium.rates import DEFAULT_RATES_DIR

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
YEARS = assessable_years()
#: A year with the child part (子ども・子育て支援納付金分, from FY2026), on a test rate file until the
#: city sets FY2026's rates: FY2024's figures plus a child part.
CHILD_YEAR = 2026
CHILD_PART = {"income_rate_percent": "0.83", "per_capita": 2_520, "per_household": 1_640, "cap": 30_000}


def _iso(d: dt.date) -> str:
    return d.isoformat()


@st.composite
def members(draw: st.DrawFn, fy: int, idx: int) -> dict[str, Any]:
    birth = draw(st.dates(dt.date(fy - 76, 1, 1), dt.date(fy + 1, 3, 31)))
    periods: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 2))):
        start = draw(st.dates(max(birth, dt.date(fy - 2, 1, 1)), max(birth, dt.date(fy + 1, 3, 31))))
        until = draw(st.none() | st.dates(start, dt.date(fy + 2, 3, 31)))
        periods.append({"from": _iso(start), "until": until and _iso(until)})
    salary = draw(st.sampled_from([0, 0, 550_000]) | st.integers(0, 30_000_000))
    pension = draw(st.sampled_from([0, 0, 0, 300_000]) | st.integers(0, 3_000_000))
    other = draw(st.sampled_from([0, 0, 0]) | st.integers(0, 5_000_000))
    left_on = draw(st.none() | st.none() | st.dates(dt.date(fy - 2, 1, 1), dt.date(fy + 1, 3, 31)))
    if left_on is not None and left_on < birth:
        left_on = None
    expected = draw(st.none() | st.none() | st.tuples(st.integers(fy - 1, fy + 1), st.integers(1, 12), st.booleans()))
    exempt: list[dict[str, Any]] = []
    if draw(st.integers(0, 4)) == 0:  # 介護保険 適用除外 (from the care-insurance file), now and then
        since = draw(st.dates(dt.date(fy - 1, 1, 1), dt.date(fy + 1, 3, 31)))
        ends = draw(st.none() | st.dates(since, dt.date(fy + 2, 3, 31)))
        exempt.append({"from": _iso(since), "until": ends and _iso(ends)})
    return {
        "id": f"M{idx}",
        "birth_date": _iso(birth),
        "insured": periods,
        "income": {"total": salary + pension + other, "salary": salary, "pension": pension,
                   "declared": draw(st.booleans() | st.just(True))},
        "salary_or_pension_earner": draw(st.booleans()),
        "involuntary_unemployment": {"left_on": _iso(left_on)} if left_on else None,
        "expected_birth": {"month": f"{expected[0]}-{expected[1]:02d}", "multiple": expected[2]} if expected else None,
        "specific_same_household": draw(st.booleans()) and draw(st.booleans()),
        "care_exempt": exempt,
    }


@st.composite
def households(draw: st.DrawFn, years: list[int] = YEARS) -> dict[str, Any]:
    fy = draw(st.sampled_from(years))
    size = draw(st.integers(1, 4))
    ms = [draw(members(fy, i)) for i in range(size)]
    return {"fiscal_year": fy,
            "household": {"householder_id": ms[draw(st.integers(0, size - 1))]["id"],
                          "specific_household": draw(st.sampled_from([None, None, "specific", "continuing"])),
                          "members": ms}}


@SETTINGS
@given(households())
def test_never_negative_each_part_within_cap_and_rounded(c: dict[str, Any]) -> None:
    out = both(c)  # also: batch core == reference engine
    caps = {k: p.cap for k, p in load_rate_table(c["fiscal_year"]).parts.items()}
    for key, amount in out["parts"].items():
        assert 0 <= amount <= caps.get(key, 0)
        assert amount % 100 == 0
    assert out["annual"] == sum(out["parts"].values())
    assert sum(i["amount"] for i in out["installments"]) == out["annual"]
    assert all(i["amount"] % 100 == 0 for i in out["installments"][1:])
    assert all(i["amount"] >= 0 for i in out["installments"])


@SETTINGS
@given(households())
def test_a_reduction_never_raises_the_premium(c: dict[str, Any]) -> None:
    out = both(c)
    unreduced = copy.deepcopy(c)
    for m in unreduced["household"]["members"]:
        if m["id"] == unreduced["household"]["householder_id"]:
            m["income"]["declared"] = False  # undeclared → no reduction; nothing else changes
    plain = both(unreduced)
    assert plain["reduction"] is None
    for key in out["parts"]:
        assert out["parts"][key] <= plain["parts"][key]


@SETTINGS
@given(households(), st.integers(0, 3), st.integers(1, 10_000_000))
def test_more_income_never_lowers_the_premium(c: dict[str, Any], who: int, extra: int) -> None:
    out = both(c)
    richer = copy.deepcopy(c)
    ms = richer["household"]["members"]
    ms[who % len(ms)]["income"]["total"] += extra
    more = both(richer)
    for key in out["parts"]:
        assert more["parts"][key] >= out["parts"][key]


@SETTINGS
@given(households())
def test_full_year_member_equals_twelve_monthly_periods(c: dict[str, Any]) -> None:
    """Insured all year as one period, or as twelve periods of one month each: the same premium."""
    fy = c["fiscal_year"]
    first = c["household"]["members"][0]
    first["birth_date"] = min(first["birth_date"], f"{fy - 1}-01-01")
    first["expected_birth"] = None
    whole = copy.deepcopy(c)
    whole["household"]["members"][0]["insured"] = [{"from": f"{fy - 1}-04-01", "until": None}]
    monthly = copy.deepcopy(c)
    bounds = [f"{fy + (m - 1) // 12}-{(m - 1) % 12 + 1:02d}-01" for m in range(4, 17)]
    monthly["household"]["members"][0]["insured"] = (
        [{"from": f"{fy - 1}-04-01", "until": bounds[0]}]
        + [{"from": a, "until": b} for a, b in zip(bounds, bounds[1:], strict=False)]
        + [{"from": bounds[-1], "until": None}]
    )
    assert both(whole) == both(monthly)


@SETTINGS
@given(st.lists(households(), min_size=1, max_size=5))
def test_deterministic_and_input_untouched(cases: list[dict[str, Any]]) -> None:
    snapshot = copy.deepcopy(cases)
    first = compute_many(cases)
    assert compute_many(cases) == first
    assert [compute_case(c) for c in cases] == first  # batch core == validated reference engine
    assert cases == snapshot


@SETTINGS
@given(households())
def test_the_explanation_restates_the_computation(c: dict[str, Any]) -> None:
    """--explain reads back the computation that produced the figures: its parts, its reduction, and (when
    no month reaches the cap) components whose amounts × months sum to what each part was charged."""
    out = explain_case(copy.deepcopy(c))
    explain = out.pop("explain")
    assert out == both(c)
    assert explain["reduction"]["result"] == out["reduction"]
    for key, part in explain["parts"].items():
        assert part["annual"] == out["parts"][key]
        if not any("頭打ち" in line for line in part["months"]):
            twelfths = sum(comp["amount"] * comp["months"] for comp in part["components"])
            assert twelfths // 1200 * 100 == out["parts"][key]


@pytest.mark.slow
@settings(max_examples=5_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(households())
def test_batch_core_equals_reference_engine_at_scale(c: dict[str, Any]) -> None:
    """Scale check (run with -m slow): 5,000 random households, batch core == reference engine."""
    both(c)


def test_period_lost_on_its_acquisition_day_counts_for_nothing() -> None:
    """月割 rule 1 with an empty period: 取得 and 喪失 on the same day (生保開始 the day 社保離脱 takes effect)
    is no membership at all — the member adds no month and does not enter the reduction test (their
    undeclared income does not cancel the household's 7割)."""
    base: dict[str, Any] = {"fiscal_year": 2024, "household": {"householder_id": "M0", "specific_household": None,
                                                               "members": [
        {"id": "M0", "birth_date": "1980-01-01", "insured": [{"from": "2024-04-01", "until": None}],
         "income": {"total": 0, "salary": 0, "pension": 0, "declared": True}, "salary_or_pension_earner": False,
         "involuntary_unemployment": None, "expected_birth": None, "specific_same_household": False}]}}
    with_empty = copy.deepcopy(base)
    with_empty["household"]["members"].append({
        "id": "M1", "birth_date": "1980-01-01", "insured": [{"from": "2024-04-01", "until": "2024-04-01"}],
        "income": {"total": 0, "salary": 0, "pension": 0, "declared": False}, "salary_or_pension_earner": False,
        "involuntary_unemployment": None, "expected_birth": None, "specific_same_household": False})
    assert both(with_empty) == both(base)
    assert both(base)["reduction"] == "7割"


def test_every_assessable_year_is_drawn() -> None:
    """The properties run on each complete rate file shipped (today FY2024 and FY2025; FY2026 awaits its
    rates), so a year gaining its rates is covered without editing the tests."""
    assert {2024, 2025} <= set(YEARS)
    assert CHILD_YEAR not in YEARS


@pytest.fixture(scope="module")
def child_rates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """FY2026 as a test rate file: FY2024's parts and thresholds plus the child part."""
    parts = json.loads((DEFAULT_RATES_DIR / "fy2024.json").read_text(encoding="utf-8"))["parts"]
    return write_rates(tmp_path_factory.mktemp("rates"), CHILD_YEAR, 2024, parts={**parts, "child": CHILD_PART})


@SETTINGS
@given(c=households(years=[CHILD_YEAR]))
def test_a_year_with_the_child_part_equals_the_expectation(c: dict[str, Any], child_rates: Path) -> None:
    """The child part's rules (均等割 waived up to the first 31 March after 18) on random households."""
    out = both(c, child_rates)
    assert 0 <= out["parts"]["child"] <= CHILD_PART["cap"]
    assert out["parts"]["child"] % 100 == 0
    assert out["annual"] == sum(out["parts"].values())
