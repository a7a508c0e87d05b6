"""高額療養費 (high-cost medical expense benefit) of one household for one service month — domain.md §2.

The steps follow "the project's reading of that order":
0. 合算 (combining): bills of one member with the same provider, setting and dental flag are one bill.
1. For each 70–74 member in 一般 or 低所得, the month's outpatient copays above the outpatient ceiling per
   person (外来個人ごとの限度額) are paid back (the 一般 yearly cap applies too when the history is given).
2. The 70–74 members' remaining outpatient amounts and inpatient copays are combined under the 70–74
   household ceiling of `bracket70` (現役並み: 1% term on the total cost of all their bills).
3. If an under-70 member has a bill that counts (copay ≥ 21,000), what remains is combined with those
   bills under the under-70 ceiling of `bracket` (1% term on the total cost of every bill combined here,
   the 70–74 bills included). Otherwise step 2 stands. A household with no 70–74 member goes straight
   to this step.
The benefit is all copays taken into account minus what remains after the last step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from kokuho.benefits.case import ELDERLY_FROM_AGE, Bill, KogakuCase, Member
from kokuho.benefits.ceilings import (
    Ceiling,
    household70_ceiling,
    outpatient70_ceiling,
    outpatient70_yearly_cap,
    period_for,
    under70_ceiling,
    yen,
)

# 多数回 (multiple-times reduction): from the 4th benefit month in 12, i.e. 3 or more benefit months
# within the 11 months before the service month.
MULTIPLE_WINDOW_MONTHS = 11
MULTIPLE_MIN_PRIOR_MONTHS = 3


@dataclass(frozen=True)
class CombinedBill:
    """One member's bills of the month merged per provider, setting and dental flag (合算の単位)."""

    member_id: str
    provider: str
    setting: str
    dental: bool
    total_cost: int
    copay: int

    @property
    def label(self) -> str:
        kind = "dental" if self.dental else "medical"
        return f"{self.member_id} {self.provider} {self.setting} {kind}"


@dataclass(frozen=True)
class KogakuResult:
    service_month: date
    ceiling: int
    multiple: bool
    benefit: int
    explain: tuple[str, ...]

    def to_json(self, *, explain: bool = False) -> dict[str, object]:
        """The interfaces.md output; with `explain` the steps in plain words are added."""
        out: dict[str, object] = {
            "service_month": f"{self.service_month:%Y-%m}",
            "ceiling": self.ceiling,
            "multiple": self.multiple,
            "benefit": self.benefit,
        }
        if explain:
            out["explain"] = list(self.explain)
        return out


def month_index(month: date) -> int:
    return month.year * 12 + month.month - 1


def multiple_months(service_month: date, prior_benefit_months: Iterable[date]) -> list[date]:
    """The distinct prior benefit months that fall within the 11 months before the service month."""
    now = month_index(service_month)
    return sorted({m for m in prior_benefit_months if 1 <= now - month_index(m) <= MULTIPLE_WINDOW_MONTHS})


def combine_bills(member: Member) -> list[CombinedBill]:
    """Merge a member's bills with the same provider, setting and dental flag (their amounts add up)."""
    merged: dict[tuple[str, str, bool], list[Bill]] = {}
    for bill in member.bills:
        merged.setdefault((bill.provider, bill.setting, bill.dental), []).append(bill)
    return [
        CombinedBill(member.id, provider, setting, dental,
                     sum(b.total_cost for b in bills), sum(b.copay for b in bills))
        for (provider, setting, dental), bills in merged.items()
    ]


def assess(case: KogakuCase) -> KogakuResult:
    """The household's ceiling, 多数回 flag and benefit for the service month (case from parse_case)."""
    household = case.household
    period = period_for(case.service_month)
    halved = household.moved_in_month_within_prefecture
    explain: list[str] = []
    if period.status != "official":
        explain.append(f"The ceilings for service months from {period.first:%Y-%m} are {period.status.upper()} "
                       f"({period.source}). Not applied for lack of figures: {'; '.join(period.not_given)}.")

    counted_months = multiple_months(case.service_month, household.prior_benefit_months)
    many = len(counted_months) >= MULTIPLE_MIN_PRIOR_MONTHS
    listed = ", ".join(f"{m:%Y-%m}" for m in counted_months) or "none"
    explain.append(
        f"多数回 (multiple-times reduction): {len(counted_months)} benefit month(s) in the 11 months before "
        f"{case.service_month:%Y-%m} ({listed}); {MULTIPLE_MIN_PRIOR_MONTHS} are needed, so the "
        + ("多数回 ceiling applies where the bracket has one." if many else "normal ceilings apply.")
    )
    if halved:
        explain.append("The household moved within the prefecture this month: every ceiling is halved "
                       "(県内転居の月は限度額の2分の1).")

    taken = 0  # copays taken into account
    remaining = 0  # what the household still bears after the latest step
    ceiling: Ceiling | None = None
    cost70 = 0

    elderly = [m for m in household.members if m.age >= ELDERLY_FROM_AGE]
    young = [m for m in household.members if m.age < ELDERLY_FROM_AGE]

    if elderly:
        bracket70 = household.bracket70
        assert bracket70 is not None  # parse_case requires it
        per_person = outpatient70_ceiling(period, bracket70, halved=halved)
        yearly_cap = outpatient70_yearly_cap(period, bracket70)
        pool70 = 0
        for member in elderly:
            bills = combine_bills(member)
            cost70 += sum(b.total_cost for b in bills)
            outpatient = sum(b.copay for b in bills if b.setting == "outpatient")
            inpatient = sum(b.copay for b in bills if b.setting == "inpatient")
            taken += outpatient + inpatient
            kept = outpatient
            if per_person is None:
                note = f"{bracket70} has no separate outpatient ceiling"
            else:
                limit = per_person
                note = f"outpatient ceiling {yen(per_person)}"
                if yearly_cap is not None and member.outpatient_paid_this_year is None:
                    note += f" (yearly cap {yen(yearly_cap)} not checked: no outpatient_paid_this_year given)"
                elif yearly_cap is not None and member.outpatient_paid_this_year is not None:
                    left_this_year = max(0, yearly_cap - member.outpatient_paid_this_year)
                    if left_this_year < limit:
                        limit = left_this_year
                        note += (f", lowered to {yen(limit)} by the yearly cap {yen(yearly_cap)} "
                                 f"(already paid {yen(member.outpatient_paid_this_year)} since August)")
                kept = min(outpatient, limit)
            pool70 += kept + inpatient
            explain.append(
                f"Step 1, {member.id} (age {member.age}, {bracket70}): outpatient copays {yen(outpatient)}, "
                f"{note}; bears {yen(kept)} outpatient, paid back {yen(outpatient - kept)}; "
                f"inpatient copays {yen(inpatient)}."
            )
        ceiling = household70_ceiling(period, bracket70, cost70, multiple=many, halved=halved)
        remaining = min(pool70, ceiling.amount)
        explain.append(
            f"Step 2, 70–74 household ({bracket70}): amounts combined {yen(pool70)}; total cost of the 70–74 "
            f"bills {yen(cost70)}; ceiling {ceiling.formula}; the household bears {yen(remaining)}."
        )

    counted: list[CombinedBill] = []
    for member in young:
        for bill in combine_bills(member):
            if bill.copay >= period.counted_bill_min_copay:
                counted.append(bill)
            else:
                explain.append(f"Under 70, {bill.label}: copay {yen(bill.copay)} is below "
                               f"{yen(period.counted_bill_min_copay)}, so the bill is not combined.")

    if young and (counted or not elderly):
        bracket = household.bracket
        assert bracket is not None  # parse_case requires it
        copays = sum(b.copay for b in counted)
        cost = sum(b.total_cost for b in counted) + cost70
        taken += copays
        pool = remaining + copays
        ceiling = under70_ceiling(period, bracket, cost, multiple=many, halved=halved)
        remaining = min(pool, ceiling.amount)
        bills_text = "; ".join(f"{b.label} copay {yen(b.copay)} (total cost {yen(b.total_cost)})"
                               for b in counted) or "none"
        with70 = (f"; plus what the 70–74 members bear after step 2, {yen(pool - copays)}, "
                  f"with their total cost {yen(cost70)}") if elderly else ""
        explain.append(
            f"{'Step 3' if elderly else 'Under 70'}, household bracket {bracket}: bills combined: {bills_text}"
            f"{with70}; amounts combined {yen(pool)}; total cost {yen(cost)}; ceiling {ceiling.formula}; "
            f"the household bears {yen(remaining)}."
        )

    assert ceiling is not None  # the household has at least one member
    benefit = max(0, taken - remaining)
    explain.append(f"Benefit: copays taken into account {yen(taken)} − borne {yen(remaining)} = {yen(benefit)}.")
    return KogakuResult(case.service_month, ceiling.amount, ceiling.multiple, benefit, tuple(explain))
