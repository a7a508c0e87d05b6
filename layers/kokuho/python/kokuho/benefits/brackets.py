"""The household's 高額療養費 income brackets and each 70–74 member's copay ratio, from the stored incomes and members
(issue 13 item 2; domain.md §2; docs/benefit_run.md "Brackets"). Pure: the caller reads the store.

The benefit year runs August–July: from August of year Y the brackets read the income of calendar year Y − 1, which
the tax intake stores as the person's income of fiscal year Y (kokuho.intake.tax.fiscal_year_of_income). The members
are those of the household in the service month: insured ones count in every test, the householder also when not
insured (擬制世帯主: in the resident-tax test only, as the assessment's 別添 says of 非課税区分).

Under 70 (`bracket`, ア–オ), in this order:
1. an insured member without a declared income (no record, or `declared` false) → ア (domain.md §2);
2. the householder and every insured member resident-tax exempt (`resident_tax_exempt`) → オ;
3. else the sum over insured members of 総所得金額等 − 基礎控除 (never below 0; the tier by the declared total, the
   premium's rate file of the same fiscal year; salary at 30/100 in a 非自発的失業者's period, domain.md §1):
   over 9,010,000 ア, over 6,000,000 イ, over 2,100,000 ウ, else エ.
70–74 (`bracket70`), the rules of 国保法施行令 第29条の3 as the project reads them:
1. 現役並み by the highest 課税所得 of an insured 70–74 member (`taxable_income`, 住民税課税標準額; where the tax file
   did not deliver it, that member's income after 基礎控除 stands in and the basis names them): 6,900,000 or more Ⅲ,
   3,800,000 or more Ⅱ, 1,450,000 or more Ⅰ — unless the 70–74 members' incomes after 基礎控除 sum to 2,100,000 or
   less (then 一般). The 基準収入額 application (収入 below 3,830,000 / 5,200,000) needs revenues and an application:
   not read here.
2. else, the householder and every insured member resident-tax exempt: 低所得Ⅰ when each of them has no income with
   public pensions counted at revenue − 800,000 (`pension_revenue`; without it the stored 所得 stands), else 低所得Ⅱ;
3. else 一般 (an undeclared income can show neither 現役並み nor 低所得).
Copay ratio (高齢受給者証): 3割 for every 70–74 member of a 現役並み household, else 2割.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from kokuho.premium.ages import reached_month, unemployment
from kokuho.premium.rates import RateTable, load_rate_table

Month = tuple[int, int]

BENEFIT_YEAR_FIRST_MONTH = 8  # the benefit year (and the 外来年間上限 year) runs August–July
ELDERLY_AGE = 70
UNDER70 = ((9_010_000, "ア"), (6_000_000, "イ"), (2_100_000, "ウ"))  # over the amount → the bracket
ACTIVE70 = ((6_900_000, "現役並みⅢ"), (3_800_000, "現役並みⅡ"), (1_450_000, "現役並みⅠ"))  # at least → the bracket
ACTIVE70_INCOME_FLOOR = 2_100_000  # the 70–74 members' incomes after 基礎控除 at most this: not 現役並み
LOW_INCOME_PENSION_DEDUCTION = 800_000  # 低所得Ⅰ: public pensions counted at revenue − 800,000
UNEMPLOYED_SALARY_SHARE = (30, 100)


@dataclass(frozen=True)
class MemberFacts:
    """A person of the household in the service month: `insured` in that month or not (the householder)."""

    person_id: str
    birth_date: date
    insured: bool


@dataclass(frozen=True)
class Brackets:
    bracket: str | None  # ア–オ; None when no insured member is under 70
    bracket70: str | None  # None when no insured member is 70–74
    copay_ratios: dict[str, str]  # 70–74 member → 2割 / 3割
    ages: dict[str, int]  # insured member → the age the engine reads (70 and over: 70–74 that month)
    benefit_year: int
    basis: dict[str, Any]  # which incomes and which members, and the figures the tests used

    @property
    def digest(self) -> str:
        """Equal facts, equal digest: a changed income (更正) or membership changes it."""
        doc = {"bracket": self.bracket, "bracket70": self.bracket70, "ratios": self.copay_ratios,
               "basis": self.basis}
        return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]

    def to_json(self) -> dict[str, Any]:
        return {"bracket": self.bracket, "bracket70": self.bracket70, "copay_ratios": dict(self.copay_ratios),
                "benefit_year": self.benefit_year, "basis": self.basis}


def benefit_year(month: Month) -> int:
    """The August–July year of a service month, named by its first calendar year (= the incomes' fiscal year)."""
    return month[0] if month[1] >= BENEFIT_YEAR_FIRST_MONTH else month[0] - 1


def _abs(month: Month) -> int:
    return month[0] * 12 + month[1] - 1


@lru_cache(maxsize=65_536)
def engine_age(birth: date, month: Month) -> int:
    """The age reached by the end of the month before: 70 or over exactly when the member is 70–74 in the month
    (高齢受給者: from the month after the month in which 70 is reached; from that month for one born on the 1st).
    Cached: a run meets the same few thousand birth dates in the same few months."""
    return (_abs(month) - 1 - reached_month(birth.isoformat(), 0)) // 12


def _declared(income: Mapping[str, Any] | None) -> bool:
    return income is not None and bool(income.get("declared", True))


def _counted_total(income: Mapping[str, Any], month: Month) -> int:
    """総所得金額等 with salary at 30/100 in a 非自発的失業者's period (domain.md §1)."""
    total = int(income.get("total", 0))
    left = income.get("involuntary_unemployment")
    if isinstance(left, Mapping) and left.get("left_on"):
        period = unemployment(0, str(left["left_on"]))
        first_day = f"{month[0]:04d}-{month[1]:02d}-01"
        if period.first_day <= first_day <= period.last_day:
            salary = int(income.get("salary", 0))
            total -= salary - salary * UNEMPLOYED_SALARY_SHARE[0] // UNEMPLOYED_SALARY_SHARE[1]
    return total


@lru_cache(maxsize=16)
def _rates(year: int) -> RateTable:
    """The year's rate file, looked up once a process (a run judges thousands of households of a few years)."""
    return load_rate_table(year)


def _after_deduction(income: Mapping[str, Any], month: Month, year: int) -> int:
    deduction = _rates(year).basic_deduction_for(int(income.get("total", 0)))
    return max(0, _counted_total(income, month) - deduction)


def _no_income_for_low_income_i(income: Mapping[str, Any]) -> bool:
    total, pension = int(income.get("total", 0)), int(income.get("pension", 0))
    revenue = income.get("pension_revenue")
    if revenue is None:
        return total == 0
    return total - pension + max(0, int(revenue) - LOW_INCOME_PENSION_DEDUCTION) <= 0


_BASIS_KEYS = frozenset({"total", "salary", "pension", "declared", "resident_tax_exempt", "taxable_income",
                         "pension_revenue", "involuntary_unemployment"})


def _income_basis(income: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """What the tests read of an income record (the record's other keys are not the brackets' basis)."""
    if income is None:
        return None
    return {k: v for k, v in income.items() if k in _BASIS_KEYS and v is not None}


def _first(table: tuple[tuple[int, str], ...], amount: int, *, above: bool) -> str | None:
    """The first bracket of a table whose amount `amount` is over (above) or at least (not above)."""
    for limit, name in table:
        if amount > limit if above else amount >= limit:
            return name
    return None


def judge(month: Month, householder_id: str, members: Sequence[MemberFacts],
          incomes: Mapping[str, Mapping[str, Any]], *, with_basis: bool = True) -> Brackets:
    """The brackets of the household in `month`; `incomes` are the records stored for fiscal year
    `benefit_year(month)` (absent: none stored). `with_basis=False` leaves the basis empty: the benefit run asks for
    it only for the months it records (most months of a run are decided again unchanged)."""
    year = benefit_year(month)
    insured = [m for m in members if m.insured]
    ages = {m.person_id: engine_age(m.birth_date, month) for m in insured}
    young = [m.person_id for m in insured if ages[m.person_id] < ELDERLY_AGE]
    old = [m.person_id for m in insured if ages[m.person_id] >= ELDERLY_AGE]
    tested = [m.person_id for m in insured]
    if householder_id not in tested and any(m.person_id == householder_id for m in members):
        tested.append(householder_id)  # 擬制世帯主: the resident-tax test only
    undeclared = sorted(p for p in (m.person_id for m in insured) if not _declared(incomes.get(p)))
    exempt = all(_declared(incomes.get(p)) and incomes[p].get("resident_tax_exempt") is True for p in tested)
    after = {p: _after_deduction(incomes[p], month, year) for p in ages if _declared(incomes.get(p))}
    basis: dict[str, Any] = {
        "income_year": year - 1, "incomes_of_fiscal_year": year, "householder": householder_id,
        "insured": sorted(ages), "resident_tax_tested": sorted(tested),
        "incomes": {p: _income_basis(incomes.get(p)) for p in sorted(tested)},
        "not_declared": undeclared, "all_resident_tax_exempt": exempt,
    } if with_basis else {}

    bracket: str | None = None
    if young:
        total_after = sum(after.values())
        if with_basis:
            basis["income_after_deduction"] = total_after
        if undeclared:
            bracket = "ア"
        elif exempt:
            bracket = "オ"
        else:
            bracket = _first(UNDER70, total_after, above=True) or "エ"

    bracket70: str | None = None
    ratios: dict[str, str] = {}
    if old:
        stand_in = sorted(p for p in old if p in after and incomes[p].get("taxable_income") is None)
        taxable = {p: int(incomes[p]["taxable_income"]) if p not in stand_in else after[p]
                   for p in old if p in after}
        old_after = sum(after.get(p, 0) for p in old)
        if with_basis:
            basis.update(taxable_income_of_70_74=taxable, taxable_income_stand_in=stand_in,
                         income_after_deduction_70_74=old_after)
        highest = max(taxable.values(), default=0)
        active = _first(ACTIVE70, highest, above=False)
        if active is not None and old_after > ACTIVE70_INCOME_FLOOR:
            bracket70 = active
        elif exempt:
            no_income = all(_no_income_for_low_income_i(incomes[p]) for p in tested)
            bracket70 = "低所得Ⅰ" if no_income else "低所得Ⅱ"
        else:
            bracket70 = "一般"
        ratio = "3割" if bracket70.startswith("現役並み") else "2割"
        ratios = {p: ratio for p in old}
    return Brackets(bracket, bracket70, ratios, ages, year, basis)
