"""Reductions (軽減・減免) of domain.md §1: the statutory 7割・5割・2割軽減 and its judgement, and the
reduced 均等割 (per-capita levy) and 平等割 (per-household levy) amounts, each rounded down to the yen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kokuho.premium.ages import age_on, counted_months, unemployment_period
from kokuho.premium.case import Household, Member
from kokuho.premium.rates import RateTable

#: 公的年金等所得 deduction for members aged 65+ on 31 December before the fiscal year (軽減判定).
PENSION_DEDUCTION_65 = 150_000
#: 非自発的失業者: salary income counts at 30/100.
UNEMPLOYED_SALARY_NUM, UNEMPLOYED_SALARY_DEN = 30, 100
#: 特定世帯 / 特定継続世帯 factor on the medical and support 平等割.
SPECIFIC_FACTORS: dict[str, tuple[int, int]] = {"specific": (1, 2), "continuing": (3, 4)}
SPECIFIC_NAMES_JA = {"specific": "特定世帯", "continuing": "特定継続世帯"}
#: Statutory reduction level (割) → label in the output.
REDUCTION_LABELS: dict[int, str | None] = {0: None, 7: "7割", 5: "5割", 2: "2割"}


def unemployed_salary(salary: int) -> int:
    """Salary income of an 非自発的失業者 counted at 30/100, rounded down to the yen."""
    return salary * UNEMPLOYED_SALARY_NUM // UNEMPLOYED_SALARY_DEN


def reduce_statutory(amount: int, level: int) -> int:
    """Statutory reduction (法定軽減) of a 均等割 or 平等割: keep (10 − level)/10, rounded down to the yen."""
    return amount * (10 - level) // 10


def reduce_preschool(amount: int) -> int:
    """未就学児 (pre-school child) 均等割: halved again after the statutory reduction, rounded down."""
    return amount // 2


def reduce_specific(amount: int, specific: str | None) -> int:
    """特定世帯 (1/2) or 特定継続世帯 (3/4) 平等割, rounded down to the yen, before the statutory reduction."""
    if specific is None:
        return amount
    num, den = SPECIFIC_FACTORS[specific]
    return amount * num // den


def insured_on(member: Member, day: dt.date) -> bool:
    return any(p.from_ <= day and (p.until is None or day < p.until) for p in member.insured)


def judgement_date(household: Household, fiscal_year: int) -> dt.date | None:
    """The reduction judgement date (軽減判定日): 1 April, or the day the household first becomes insured in
    the year; None if nobody counts in any month of the year (domain.md §1 rule 1: no reduction), which
    includes a household insured on 1 April only (lost on 2 April)."""
    if not any(counted_months(fiscal_year, [(p.from_, p.until) for p in m.insured]) for m in household.members):
        return None
    start, end = dt.date(fiscal_year, 4, 1), dt.date(fiscal_year + 1, 3, 31)
    if any(insured_on(m, start) for m in household.members):
        return start
    starts = [p.from_ for m in household.members for p in m.insured if start <= p.from_ <= end]
    return min(starts) if starts else None


@dataclass
class Contribution:
    """One person's income in the reduction test, with the adjustments applied."""

    member_id: str
    declared_total: int
    judged: int
    notes: list[str] = field(default_factory=list)


@dataclass
class Judgement:
    """Result of the 軽減判定 (reduction judgement)."""

    level: int  # 7, 5, 2 or 0
    day: dt.date | None
    judged_income: int = 0
    earners: int = 1  # n
    members: int = 0  # N
    limit_7: int = 0
    limit_5: int = 0
    limit_2: int = 0
    undeclared: list[str] = field(default_factory=list)
    contributions: list[Contribution] = field(default_factory=list)

    @property
    def label(self) -> str | None:
        return REDUCTION_LABELS[self.level]


def judged_income_of(member: Member, fiscal_year: int, day: dt.date) -> Contribution:
    """A person's 総所得金額等 as the reduction test counts it."""
    inc = member.income
    judged = inc.total
    notes: list[str] = []
    if age_on(member.birth_date, dt.date(fiscal_year - 1, 12, 31)) >= 65 and inc.pension > 0:
        off = min(PENSION_DEDUCTION_65, inc.pension)
        judged -= off
        notes.append(f"65歳以上の公的年金等所得から{off:,}円控除")
    if member.involuntary_unemployment is not None and inc.salary > 0:
        start, end = unemployment_period(member.involuntary_unemployment.left_on)
        if start <= day <= end:
            counted = unemployed_salary(inc.salary)
            judged -= inc.salary - counted
            notes.append(f"非自発的失業者: 給与所得 {inc.salary:,}円 × 30/100 = {counted:,}円")
    return Contribution(member.id, inc.total, judged, notes)


def judge_reduction(household: Household, fiscal_year: int, rates: RateTable) -> Judgement:
    """7割・5割・2割軽減 (statutory reduction) judged on the household as of the judgement date: the
    householder (擬制世帯主 included), every member insured that day and every 特定同一世帯所属者."""
    day = judgement_date(household, fiscal_year)
    if day is None:
        return Judgement(level=0, day=None)
    counted: list[Member] = []
    insured_count = 0
    for m in household.members:
        insured = insured_on(m, day)
        if insured or m.specific_same_household:
            insured_count += 1  # N: insured members + 特定同一世帯所属者, each person once
        if insured or m.specific_same_household or m.id == household.householder_id:
            counted.append(m)
    contributions = [judged_income_of(m, fiscal_year, day) for m in counted]
    earners = max(1, sum(1 for m in counted if m.salary_or_pension_earner))
    income = sum(c.judged for c in contributions)
    limit_7 = rates.reduction_base + rates.reduction_per_earner * (earners - 1)
    limit_5 = limit_7 + rates.reduction_per_member_5 * insured_count
    limit_2 = limit_7 + rates.reduction_per_member_2 * insured_count
    undeclared = [m.id for m in counted if not m.income.declared]
    if undeclared:
        level = 0  # anyone undeclared (未申告): no reduction
    elif income <= limit_7:
        level = 7
    elif income <= limit_5:
        level = 5
    elif income <= limit_2:
        level = 2
    else:
        level = 0
    return Judgement(level, day, income, earners, insured_count, limit_7, limit_5, limit_2, undeclared,
                     contributions)
