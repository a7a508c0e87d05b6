"""The reference premium computation (保険料の賦課計算), month by month, rule by rule (domain.md §1).

This is the readable form: it works on validated `PremiumCase` models with dates and Fractions and
records every component it adds, so `--explain` can read the computation back to a resident. The
batch core in `kokuho.premium.fast` computes the same figures on plain integers; tests hold the two
equal on random households.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from kokuho.premium import ages
from kokuho.premium.case import Member, PremiumCase
from kokuho.premium.installments import installment_months, split_equally
from kokuho.premium.rates import PART_KEYS, PartRates, RateTable
from kokuho.premium.reductions import (
    SPECIFIC_NAMES_JA,
    Judgement,
    judge_reduction,
    reduce_preschool,
    reduce_specific,
    reduce_statutory,
    unemployed_salary,
)


def yen(amount: int) -> str:
    return f"{amount:,}"


@dataclass
class Component:
    """One levy (所得割, 均等割 or 平等割) of one member or of the household, with the months it counts in.
    `amount` is the annual amount that enters the monthly sum of each of those months."""

    kind: str
    member_id: str | None
    amount: int
    text: str
    months: list[int] = field(default_factory=list)


@dataclass
class PartResult:
    key: str
    rates: PartRates
    monthly: list[int]  # per month: min(cap, 所得割 + 均等割 + 平等割), before ÷ 12
    capped: list[bool]
    components: list[Component]
    exact: Fraction  # Σ monthly ÷ 12, exact (computation rule 3)
    annual: int  # rounded down to 100 yen (computation rule 4)


@dataclass
class Assessment:
    fiscal_year: int
    judgement: Judgement
    parts: dict[str, PartResult]
    first_counted: int | None
    installments: list[dict[str, Any]]

    @property
    def annual(self) -> int:
        return sum(p.annual for p in self.parts.values())

    def output(self) -> dict[str, Any]:
        """The interfaces.md output dict."""
        parts = {k: (self.parts[k].annual if k in self.parts else 0) for k in PART_KEYS}
        return {
            "fiscal_year": self.fiscal_year,
            "reduction": self.judgement.label,
            "parts": parts,
            "annual": sum(parts.values()),
            "installments": self.installments,
        }


@dataclass(frozen=True)
class _MemberYear:
    """A member's months and amounts for the year (everything that does not depend on the part)."""

    member: Member
    counted: frozenset[int]
    class2: frozenset[int]
    preschool: frozenset[int]
    child_waived: frozenset[int]
    maternity: frozenset[int]
    unemployed: frozenset[int]
    deduction: int


def _member_year(member: Member, fy: int, rates: RateTable) -> _MemberYear:
    eb = member.expected_birth
    iu = member.involuntary_unemployment
    return _MemberYear(
        member=member,
        counted=ages.counted_months(fy, [(p.from_, p.until) for p in member.insured]),
        class2=ages.care_class2_months(fy, member.birth_date),
        preschool=ages.preschool_months(fy, member.birth_date),
        child_waived=ages.child_waiver_months(fy, member.birth_date),
        maternity=ages.maternity_months(fy, eb.month, eb.multiple) if eb else frozenset(),
        unemployed=ages.unemployment_months(fy, iu.left_on) if iu else frozenset(),
        deduction=rates.basic_deduction_for(member.income.total),
    )


def _income_levy(my: _MemberYear, part: PartRates, month: int) -> tuple[int, str]:
    """所得割 (income levy) of a member for a month's sum: (総所得金額等 − 基礎控除) × rate, rounded down
    to the yen, never negative; salary at 30/100 in 非自発的失業者 months; 0 in 産前産後 months."""
    inc = my.member.income
    if month in my.maternity:
        return 0, f"所得割 ({my.member.id}): 産前産後期間のため免除 0円"
    base, note = inc.total, ""
    if month in my.unemployed and inc.salary:
        counted = unemployed_salary(inc.salary)
        base = inc.total - inc.salary + counted
        note = f" [非自発的失業者: 給与所得 {yen(inc.salary)} × 30/100 = {yen(counted)}円として算定]"
    taxable = max(0, base - my.deduction)
    levy = int(taxable * part.income_rate)  # int() of a non-negative Fraction rounds down to the yen
    if base <= my.deduction:
        return 0, (f"所得割 ({my.member.id}): {yen(base)} − 基礎控除 {yen(my.deduction)} が0以下のため 0円{note}")
    return levy, (f"所得割 ({my.member.id}): ({yen(base)} − 基礎控除 {yen(my.deduction)}) × "
                  f"{part.income_rate_text}% = {yen(levy)}円 (1円未満切捨て){note}")


def _per_capita(my: _MemberYear, part: PartRates, level: int, month: int) -> tuple[int, str]:
    """均等割 (per-capita levy) of a member for a month's sum: statutory reduction, then 未就学児 half,
    each rounded down to the yen; waived for the child part up to 18; 0 in 産前産後 months."""
    who = my.member.id
    if part.key == "child" and month in my.child_waived:
        return 0, f"均等割 ({who}): 18歳到達後最初の3月31日までのため子ども・子育て支援分の均等割なし 0円"
    if month in my.maternity:
        return 0, f"均等割 ({who}): 産前産後期間のため免除 0円"
    amount = part.per_capita
    text = f"均等割 ({who}): {yen(amount)}円"
    return _apply_levels(amount, text, level, preschool=month in my.preschool)


def _apply_levels(amount: int, text: str, level: int, *, preschool: bool) -> tuple[int, str]:
    if level:
        reduced = reduce_statutory(amount, level)
        text += f" → {level}割軽減 {yen(amount)} × {10 - level}/10 = {yen(reduced)}円 (1円未満切捨て)"
        amount = reduced
    if preschool:
        halved = reduce_preschool(amount)
        text += f" → 未就学児 {yen(amount)} × 1/2 = {yen(halved)}円 (1円未満切捨て)"
        amount = halved
    return amount, text


def _per_household(part: PartRates, level: int, specific: str | None) -> tuple[int, str]:
    """平等割 (per-household levy): 特定世帯 factor first (medical, support), then the statutory
    reduction, each rounded down to the yen."""
    amount = part.per_household
    text = f"平等割 (世帯): {yen(amount)}円"
    if specific is not None and part.key in ("medical", "support"):
        reduced = reduce_specific(amount, specific)
        factor = "1/2" if specific == "specific" else "3/4"
        text += f" → {SPECIFIC_NAMES_JA[specific]} {yen(amount)} × {factor} = {yen(reduced)}円 (1円未満切捨て)"
        amount = reduced
    return _apply_levels(amount, text, level, preschool=False)


def _part(key: str, rates: PartRates, years: list[_MemberYear], level: int, specific: str | None) -> PartResult:
    components: dict[tuple[str, str | None, int, str], Component] = {}

    def add(kind: str, who: str | None, amount: int, text: str, month: int) -> None:
        c = components.setdefault((kind, who, amount, text), Component(kind, who, amount, text))
        c.months.append(month)

    monthly: list[int] = []
    capped: list[bool] = []
    for month in range(ages.FY_MONTHS):
        total, anyone = 0, False
        for my in years:
            if month not in my.counted:
                continue
            if key == "care" and month not in my.class2:
                continue  # care part: only 介護保険第2号被保険者 months
            anyone = True
            levy, text = _income_levy(my, rates, month)
            add("所得割", my.member.id, levy, text, month)
            capita, text = _per_capita(my, rates, level, month)
            add("均等割", my.member.id, capita, text, month)
            total += levy + capita
        if anyone:  # 平等割 once for the household (for care: once if any 2号 member counts)
            flat, text = _per_household(rates, level, specific)
            add("平等割", None, flat, text, month)
            total += flat
        monthly.append(min(rates.cap, total))  # computation rule 3: min(cap, sum) per month
        capped.append(total > rates.cap)
    exact = Fraction(sum(monthly), 12)  # computation rule 3: each month's charge ÷ 12, kept exact
    annual = int(exact // 100) * 100  # computation rule 4: 100円未満切捨て per part
    return PartResult(key, rates, monthly, capped, list(components.values()), exact, annual)


def assess(case: PremiumCase, rates: RateTable) -> Assessment:
    """Assess one household for the fiscal year (賦課): reduction, parts, annual, installments."""
    fy = case.fiscal_year
    household = case.household
    judgement = judge_reduction(household, fy, rates)
    years = [_member_year(m, fy, rates) for m in household.members]
    parts = {
        key: _part(key, rates.parts[key], years, judgement.level, household.specific_household)
        for key in PART_KEYS
        if key in rates.parts
    }
    counted = [month for my in years for month in my.counted]
    first = min(counted) if counted else None
    annual = sum(p.annual for p in parts.values())
    installments = split_equally(annual, installment_months(fy, first))
    return Assessment(fy, judgement, parts, first, installments)


def fiscal_year_bounds(fy: int) -> tuple[dt.date, dt.date]:
    return dt.date(fy, 4, 1), dt.date(fy + 1, 3, 31)
