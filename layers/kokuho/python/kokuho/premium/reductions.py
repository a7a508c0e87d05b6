"""Reductions (軽減・減免) of domain.md §1: the reduced 均等割 (per-capita levy) and 平等割 (per-household
levy) amounts of the statutory 7割・5割・2割軽減, 未就学児 and 特定世帯, each rounded down to the yen, and
the figures of the 軽減判定 as `--explain` reads them (`Judgement`). The judgement itself is made once,
in the engine's pass over the members (`kokuho.premium.engine`), where each member's income is at hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: 公的年金等所得 deduction for members aged 65+ on 31 December before the fiscal year (軽減判定).
PENSION_DEDUCTION_65 = 150_000
#: 非自発的失業者: salary income counts at 30/100.
UNEMPLOYED_SALARY_NUM, UNEMPLOYED_SALARY_DEN = 30, 100
#: 特定世帯 / 特定継続世帯 factor on the medical and support 平等割.
SPECIFIC_FACTORS: dict[str, tuple[int, int]] = {"specific": (1, 2), "continuing": (3, 4)}
SPECIFIC_NAMES_JA = {"specific": "特定世帯", "continuing": "特定継続世帯"}
SPECIFIC_PARTS = ("medical", "support")
#: Statutory reduction levels (割) and their label in the output; 0 = no reduction.
LEVELS = (0, 7, 5, 2)
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


@dataclass
class Contribution:
    """One person's income in the reduction test, with the adjustments applied."""

    member_id: str
    declared_total: int
    judged: int
    salary: int = 0
    pension_off: int = 0  # taken off the pension income of a member 65 or over
    unemployed_salary: int | None = None  # the salary as counted (30/100) for an 非自発的失業者


@dataclass
class Judgement:
    """The 軽減判定 (reduction judgement) as the engine made it; filled only when asked (--explain)."""

    level: int = 0  # 7, 5, 2 or 0
    day: str | None = None  # None: nobody counts in any month of the year (no judgement)
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
