"""自己負担限度額 (monthly ceilings of the patient's share) — domain.md §2, as data per period.

The figures live in kokuho/data/kogaku/ceilings.json; this module loads them, picks the period of a
service month and turns a bracket's rule into an amount. Nothing is guessed: a month outside every
period, or a figure the period's source does not give, raises CeilingNotGiven with a clear message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

# 多数回 never applies to 低所得 at 70–74 (domain.md §2): a rule of law, not a figure, so it lives here.
NO_MULTIPLE_BRACKETS70 = frozenset({"低所得Ⅱ", "低所得Ⅰ"})


class CeilingNotGiven(LookupError):
    """The data holds no figure for this month or bracket; `field` names the input that led here."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class CeilingRule:
    """base + (total cost − threshold) × 1% above the threshold; a flat base when threshold is None."""

    base: int
    threshold: int | None
    multiple: int | None  # 多数回 ceiling; None: none, or not given by the source

    def halved(self) -> CeilingRule:
        """The rule for the month of an in-prefecture move: base, threshold and 多数回 each halved."""
        return CeilingRule(
            self.base // 2,
            None if self.threshold is None else self.threshold // 2,
            None if self.multiple is None else self.multiple // 2,
        )


@dataclass(frozen=True)
class Ceiling:
    amount: int
    multiple: bool  # whether this is the 多数回 ceiling
    formula: str  # the arithmetic in plain words, for --explain


@dataclass(frozen=True)
class CeilingPeriod:
    first: date
    last: date | None
    status: str  # "official" or "provisional"
    source: str
    counted_bill_min_copay: int
    under70: Mapping[str, CeilingRule]
    household70: Mapping[str, CeilingRule]
    outpatient70: Mapping[str, int]
    outpatient_yearly70: Mapping[str, int]
    not_given: tuple[str, ...]

    @property
    def label(self) -> str:
        until = "" if self.last is None else f"{self.last:%Y-%m}"
        return f"{self.first:%Y-%m}..{until}"

    def covers(self, month: date) -> bool:
        return self.first <= month and (self.last is None or month <= self.last)


def yen(amount: int) -> str:
    return f"{amount:,}"


def one_percent_rounded_half_up(excess: int) -> int:
    """The 1% term of a ceiling: excess × 1%, rounded to the yen half up (domain.md §2). `excess` is the
    cost above the threshold, never negative here, so ⌊(excess + 50) / 100⌋ is exact in integers."""
    return (excess + 50) // 100


@lru_cache(maxsize=256)
def halved_rule(rule: CeilingRule) -> CeilingRule:
    """The rule of a month of an in-prefecture move (cached: the rules are a handful of constants)."""
    return rule.halved()


def rule_amount(rule: CeilingRule, total_cost: int, multiple: bool) -> int:
    """The ceiling in yen: the 多数回 amount, a flat base, or base + 1% of the cost above the threshold.
    `multiple` asks for the 多数回 ceiling; the lookups below checked that the rule has one."""
    if multiple:
        assert rule.multiple is not None
        return rule.multiple
    threshold = rule.threshold
    if threshold is None or total_cost <= threshold:
        return rule.base
    return rule.base + one_percent_rounded_half_up(total_cost - threshold)


def ceiling_of(rule: CeilingRule, total_cost: int, *, multiple: bool, halved: bool) -> Ceiling:
    """The amount of a rule for a total cost, with its arithmetic in words (for --explain)."""
    half = " (half: month of an in-prefecture move)" if halved else ""
    if halved:
        rule = halved_rule(rule)
    amount = rule_amount(rule, total_cost, multiple)
    if multiple:
        return Ceiling(amount, True, f"多数回 ceiling {yen(amount)}{half}")
    if rule.threshold is None:
        return Ceiling(amount, False, f"{yen(amount)} (a flat amount){half}")
    if total_cost <= rule.threshold:
        return Ceiling(amount, False, f"{yen(amount)} (total cost {yen(total_cost)} does not exceed "
                                      f"{yen(rule.threshold)}, so no 1% term){half}")
    term = amount - rule.base
    return Ceiling(amount, False, f"{yen(rule.base)} + ({yen(total_cost)} − {yen(rule.threshold)}) × 1% "
                                  f"= {yen(rule.base)} + {yen(term)} = {yen(amount)}{half}")


def _rule(raw: Mapping[str, Any], where: str) -> CeilingRule:
    rule = CeilingRule(int(raw["base"]), raw.get("threshold"), raw.get("multiple"))
    for amount in (rule.base, rule.threshold, rule.multiple):
        # Even amounts keep the half ceiling of a move month an exact yen figure.
        if amount is not None and (not isinstance(amount, int) or amount % 2):
            raise ValueError(f"ceilings.json {where}: amounts must be even integers")
    return rule


def _month(text: str) -> date:
    return date(int(text[:4]), int(text[5:7]), 1)


def _period(raw: Mapping[str, Any]) -> CeilingPeriod:
    where = raw["from"]
    a70 = raw["age70to74"]
    outpatient = {k: int(v) for k, v in a70["outpatient_per_person"].items()}
    if any(v % 2 for v in outpatient.values()):
        raise ValueError(f"ceilings.json {where}: amounts must be even integers")
    return CeilingPeriod(
        first=_month(raw["from"]),
        last=None if raw["until"] is None else _month(raw["until"]),
        status=raw["status"],
        source=raw["source"],
        counted_bill_min_copay=int(raw["counted_bill_min_copay"]),
        under70={k: _rule(v, f"{where} {k}") for k, v in raw["under70"].items()},
        household70={k: _rule(v, f"{where} {k}") for k, v in a70["household"].items()},
        outpatient70=outpatient,
        outpatient_yearly70={k: int(v) for k, v in a70["outpatient_yearly_per_person"].items()},
        not_given=tuple(raw["not_given"]),
    )


@lru_cache(maxsize=1)
def periods() -> tuple[CeilingPeriod, ...]:
    text = resources.files("kokuho").joinpath("data", "kogaku", "ceilings.json").read_text(encoding="utf-8")
    loaded = tuple(sorted((_period(p) for p in json.loads(text)["periods"]), key=lambda p: p.first))
    for before, after in zip(loaded, loaded[1:], strict=False):
        if before.last is None or before.last >= after.first:
            raise ValueError("ceilings.json: periods overlap")
    return loaded


def period_for(month: date) -> CeilingPeriod:
    for period in periods():
        if period.covers(month):
            return period
    covered = ", ".join(p.label for p in periods())
    raise CeilingNotGiven("service_month", f"no ceiling data for service month {month:%Y-%m} "
                                           f"(the data covers {covered})")


def _not_given(period: CeilingPeriod, field: str, what: str) -> CeilingNotGiven:
    return CeilingNotGiven(field, f"the ceiling data for service months from {period.first:%Y-%m} "
                                  f"({period.status}) gives no {what}")


def under70_rule(period: CeilingPeriod, bracket: str, *, multiple: bool) -> CeilingRule:
    """The under-70 household ceiling rule of `bracket` (ア–オ); its 多数回 amount must exist if asked for."""
    rule = period.under70.get(bracket)
    if rule is None:
        raise _not_given(period, "household.bracket", f"ceiling for bracket {bracket}")
    if multiple and rule.multiple is None:
        raise _not_given(period, "household.prior_benefit_months", f"多数回 ceiling for bracket {bracket}")
    return rule


def household70_rule(period: CeilingPeriod, bracket70: str, *, multiple: bool) -> tuple[CeilingRule, bool]:
    """The 70–74 household ceiling rule of `bracket70`, and whether its 多数回 amount applies (never for
    低所得, which has none in law)."""
    rule = period.household70.get(bracket70)
    if rule is None:
        raise _not_given(period, "household.bracket70", f"70–74 household ceiling for {bracket70}")
    use_multiple = multiple and bracket70 not in NO_MULTIPLE_BRACKETS70
    if use_multiple and rule.multiple is None:
        raise _not_given(period, "household.prior_benefit_months", f"多数回 ceiling for {bracket70}")
    return rule, use_multiple


def under70_ceiling(period: CeilingPeriod, bracket: str, total_cost: int, *,
                    multiple: bool, halved: bool) -> Ceiling:
    """The under-70 household ceiling of `bracket` (ア–オ) for the total cost of the combined bills."""
    return ceiling_of(under70_rule(period, bracket, multiple=multiple), total_cost, multiple=multiple, halved=halved)


def household70_ceiling(period: CeilingPeriod, bracket70: str, total_cost: int, *,
                        multiple: bool, halved: bool) -> Ceiling:
    """The 70–74 household ceiling of `bracket70`; 多数回 only where the law has one (never 低所得)."""
    rule, use_multiple = household70_rule(period, bracket70, multiple=multiple)
    return ceiling_of(rule, total_cost, multiple=use_multiple, halved=halved)


def outpatient70_ceiling(period: CeilingPeriod, bracket70: str, *, halved: bool) -> int | None:
    """The 70–74 outpatient ceiling per person (一般, 低所得); None for 現役並み, which has none."""
    if bracket70.startswith("現役並み"):
        return None
    amount = period.outpatient70.get(bracket70)
    if amount is None:
        raise _not_given(period, "household.bracket70", f"70–74 outpatient ceiling for {bracket70}")
    return amount // 2 if halved else amount


def outpatient70_yearly_cap(period: CeilingPeriod, bracket70: str) -> int | None:
    """外来年間上限 (yearly outpatient cap, August–July) per person; only 一般 has one."""
    if bracket70 != "一般":
        return None
    amount = period.outpatient_yearly70.get(bracket70)
    if amount is None:
        raise _not_given(period, "household.bracket70", f"yearly outpatient cap for {bracket70}")
    return amount
