"""Invariants of the 高額療養費 engine over generated households (domain.md §2)."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kogaku_cases import bill, case, member, run

from kokuho.benefits.case import parse_case
from kokuho.benefits.ceilings import CeilingNotGiven, ceiling_of, period_for
from kokuho.benefits.kogaku import assess_many

AGES = [0, 30, 45, 69, 70, 72, 74]
MONTHS = [f"{y}-{m:02d}" for y in (2023, 2024) for m in range(1, 13)]


@st.composite
def bills(draw: st.DrawFn) -> dict[str, Any]:
    total = draw(st.integers(0, 2_000_000))
    copay = draw(st.integers(0, total))
    return bill(draw(st.sampled_from(["H1", "H2", "C1"])), draw(st.sampled_from(["inpatient", "outpatient"])),
                total, copay, dental=draw(st.booleans()))


@st.composite
def households(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(1, 4))
    members = []
    for i in range(count):
        age = draw(st.sampled_from(AGES))
        extra: dict[str, Any] = {}
        if age >= 70 and draw(st.booleans()):
            extra["outpatient_paid_this_year"] = draw(st.integers(0, 200_000))
        members.append(member(f"M{i}", age, *draw(st.lists(bills(), max_size=4)), **extra))
    service_month = draw(st.sampled_from(["2024-10", "2025-01", "2025-07"]))
    prior = [m for m in draw(st.lists(st.sampled_from(MONTHS), max_size=6, unique=True)) if m < service_month]
    return case(*members, service_month=service_month,
                bracket=draw(st.sampled_from(["ア", "イ", "ウ", "エ", "オ"])),
                bracket70=draw(st.sampled_from(["現役並みⅢ", "現役並みⅡ", "現役並みⅠ", "一般", "低所得Ⅱ", "低所得Ⅰ"])),
                prior=prior, moved_in_month_within_prefecture=draw(st.booleans()))


def all_copays(raw: dict[str, Any]) -> int:
    return sum(b["copay"] for m in raw["household"]["members"] for b in m["bills"])


@settings(max_examples=300, deadline=None)
@given(households())
def test_benefit_is_never_negative_nor_above_the_copays(raw: dict[str, Any]) -> None:
    result = run(raw)
    assert 0 <= result.benefit <= all_copays(raw)
    assert result.ceiling > 0


@settings(max_examples=300, deadline=None)
@given(households(), st.data())
def test_more_copay_never_lowers_the_benefit(raw: dict[str, Any], data: st.DataObject) -> None:
    located = [(i, j) for i, m in enumerate(raw["household"]["members"]) for j in range(len(m["bills"]))]
    if not located:
        return
    i, j = data.draw(st.sampled_from(located))
    more = copy.deepcopy(raw)
    target = more["household"]["members"][i]["bills"][j]
    target["copay"] = data.draw(st.integers(target["copay"], target["total_cost"]))
    assert run(more).benefit >= run(raw).benefit


@settings(max_examples=200, deadline=None)
@given(households())
def test_multiple_ceiling_is_never_above_the_normal_one(raw: dict[str, Any]) -> None:
    # the same household with and without three benefit months in the window
    raw["service_month"] = "2024-10"
    raw["household"]["prior_benefit_months"] = []
    normal = run(raw)
    raw["household"]["prior_benefit_months"] = ["2024-01", "2024-03", "2024-05"]
    many = run(raw)
    assert many.multiple or not normal.multiple
    assert many.ceiling <= normal.ceiling
    assert many.benefit >= normal.benefit


@given(st.integers(0, 5_000_000), st.booleans())
def test_every_rule_multiple_ceiling_below_normal(total_cost: int, halved: bool) -> None:
    period = period_for(parse_case(case(member("A", 45))).service_month)
    for rule in [*period.under70.values(), *period.household70.values()]:
        normal = ceiling_of(rule, total_cost, multiple=False, halved=halved)
        assert normal.amount >= rule.base // (2 if halved else 1)
        if rule.multiple is not None:
            assert ceiling_of(rule, total_cost, multiple=True, halved=halved).amount <= normal.amount
        if halved:
            assert normal.amount <= ceiling_of(rule, total_cost, multiple=False, halved=False).amount


@settings(max_examples=300, deadline=None)
@given(st.lists(households(), min_size=1, max_size=5))
def test_batch_path_gives_what_the_validated_path_gives(raws: list[dict[str, Any]]) -> None:
    """`assess_many` (valid cases in JSON form, no validation, no wording: the batch path) answers as
    `assess(parse_case(...))` does, case by case, and leaves its input as it was."""
    snapshot = copy.deepcopy(raws)
    try:
        expected = [run(raw).to_json(paid_by=True) for raw in raws]
    except CeilingNotGiven as exc:
        with pytest.raises(CeilingNotGiven, match=re.escape(str(exc))):
            assess_many(raws)
        return
    assert assess_many(raws) == expected
    assert raws == snapshot


OUTPATIENT_LIMITS = {"一般": 18_000, "低所得Ⅱ": 8_000, "低所得Ⅰ": 8_000}  # domain.md §2, per person a month


@settings(max_examples=300, deadline=None)
@given(households())
def test_the_month_counts_towards_multiple_exactly_when_a_household_ceiling_paid(raw: dict[str, Any]) -> None:
    """Step 1 (外来特例) pays back each 70–74 member's outpatient copays above the limit, whatever else happens; the
    month counts towards 多数回 only when more than that was paid, i.e. a household ceiling paid (施行令 第29条の3)."""
    try:
        result = run(raw)
    except CeilingNotGiven:
        return
    household = raw["household"]
    limit = OUTPATIENT_LIMITS.get(household["bracket70"])
    if household["moved_in_month_within_prefecture"] and limit is not None:
        limit //= 2
    expected = 0
    for m in household["members"]:
        if m["age"] < 70 or limit is None:
            continue
        own = limit
        if household["bracket70"] == "一般" and "outpatient_paid_this_year" in m:
            own = min(own, max(0, 144_000 - m["outpatient_paid_this_year"]))
        expected += max(0, sum(b["copay"] for b in m["bills"] if b["setting"] == "outpatient") - own)
    assert result.outpatient_benefit == expected
    assert 0 <= result.outpatient_benefit <= result.benefit
    assert result.counts_for_multiple == (result.benefit > result.outpatient_benefit)
