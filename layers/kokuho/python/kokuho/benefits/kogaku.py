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

Which step paid is reported too: `outpatient_benefit`, the part step 1 paid back (the 70–74 outpatient limit,
外来特例), and `counts_for_multiple`, whether a household ceiling (step 2 or 3) paid the rest. Only such a month counts
towards 多数回 (国民健康保険法施行令 第29条の3; MHLW: months of the 外来 individual limit alone are not counted), so
only those go into `prior_benefit_months` and the 高額該当 carry-over (kokuho.benefits.benefit_month).

One rule set, two ways in: `assess` takes a case `parse_case` validated and explains every step (the CLI);
`assess_many` takes cases already known valid, in their JSON form (what the intake stored after
validating), and skips the validation and the wording — the batch path. Both run `_evaluate`, which reads
the JSON form on plain integers and builds the explanation only when asked for one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from kokuho.benefits.case import ELDERLY_FROM_AGE, KogakuCase
from kokuho.benefits.ceilings import (
    CeilingPeriod,
    ceiling_of,
    halved_rule,
    household70_rule,
    outpatient70_ceiling,
    outpatient70_yearly_cap,
    period_for,
    rule_amount,
    under70_rule,
    yen,
)

# 多数回 (multiple-times reduction): from the 4th benefit month in 12, i.e. 3 or more benefit months
# within the 11 months before the service month.
MULTIPLE_WINDOW_MONTHS = 11
MULTIPLE_MIN_PRIOR_MONTHS = 3


@dataclass(frozen=True)
class KogakuResult:
    service_month: date
    ceiling: int
    multiple: bool
    benefit: int
    explain: tuple[str, ...]
    outpatient_benefit: int  # the part paid back by step 1, the 70–74 outpatient limit (外来特例)
    counts_for_multiple: bool  # a household ceiling paid (benefit above outpatient_benefit): a 多数回 month

    def to_json(self, *, explain: bool = False, paid_by: bool = False) -> dict[str, object]:
        """The interfaces.md output; with `paid_by` which step paid (as the batch path gives it), with `explain`
        the steps in plain words."""
        out: dict[str, object] = {
            "service_month": f"{self.service_month:%Y-%m}",
            "ceiling": self.ceiling,
            "multiple": self.multiple,
            "benefit": self.benefit,
        }
        if paid_by:
            out["outpatient_benefit"] = self.outpatient_benefit
            out["counts_for_multiple"] = self.counts_for_multiple
        if explain:
            out["explain"] = list(self.explain)
        return out


def month_number(text: str) -> int:
    """`YYYY-MM` (or an ISO date) as a count of months, so that month differences are subtractions."""
    return int(text[:4]) * 12 + int(text[5:7]) - 1


_PERIODS: dict[int, CeilingPeriod] = {}


def _period_at(month: int) -> CeilingPeriod:
    period = _PERIODS.get(month)
    if period is None:  # a few distinct service months per run: look each up once
        period = _PERIODS[month] = period_for(date(month // 12, month % 12 + 1, 1))
    return period


def _combined(bills: list[Mapping[str, Any]]) -> list[tuple[str, str, bool, int, int]]:
    """合算: a member's bills with the same provider, setting and dental flag as one bill
    (provider, setting, dental, total cost, copay), in the order each first appears."""
    if len(bills) == 1:
        b = bills[0]
        return [(b["provider"], b["setting"], b.get("dental", False), b["total_cost"], b["copay"])]
    merged: dict[tuple[str, str, bool], list[int]] = {}
    for b in bills:
        key = (b["provider"], b["setting"], b.get("dental", False))
        sums = merged.get(key)
        if sums is None:
            merged[key] = [b["total_cost"], b["copay"]]
        else:
            sums[0] += b["total_cost"]
            sums[1] += b["copay"]
    return [(p, s, d, cost, copay) for (p, s, d), (cost, copay) in merged.items()]


def outpatient_kept(outpatient: int, per_person: int | None, yearly_cap: int | None,
                    paid: int | None) -> tuple[int, int]:
    """Step 1 for one 70–74 member: (the outpatient copays the member bears, the limit applied). No outpatient
    ceiling (現役並み): all of it. The 一般 yearly cap lowers the limit to what is left of the year's cap when
    the history (`paid`, borne since August) is known. The benefit run keeps this per month as that history."""
    if per_person is None:
        return outpatient, outpatient
    limit = per_person
    if yearly_cap is not None and paid is not None:
        limit = min(limit, max(0, yearly_cap - paid))  # 外来年間上限: what is left of the year's cap
    return min(outpatient, limit), limit


def _label(member_id: str, provider: str, setting: str, dental: bool) -> str:
    return f"{member_id} {provider} {setting} {'dental' if dental else 'medical'}"


def _evaluate(raw: Mapping[str, Any], explain: list[str] | None) -> tuple[int, bool, int, int]:  # noqa: C901
    """(ceiling, 多数回 used, benefit, the part of it step 1 paid) of a valid case in JSON form; appends the working
    to `explain` if given."""
    service = raw["service_month"]
    now = month_number(service)
    period = _period_at(now)
    household = raw["household"]
    halved = household.get("moved_in_month_within_prefecture", False)
    window = sorted({m for m in household.get("prior_benefit_months", ())
                     if 1 <= now - month_number(m) <= MULTIPLE_WINDOW_MONTHS})
    many = len(window) >= MULTIPLE_MIN_PRIOR_MONTHS
    if explain is not None:
        if period.status != "official":
            explain.append(f"The ceilings for service months from {period.first:%Y-%m} are "
                           f"{period.status.upper()} ({period.source}). Not applied for lack of figures: "
                           f"{'; '.join(period.not_given)}.")
        listed = ", ".join(m[:7] for m in window) or "none"
        explain.append(
            f"多数回 (multiple-times reduction): {len(window)} month(s) a household ceiling paid in the 11 months "
            f"before {service[:7]} ({listed}); {MULTIPLE_MIN_PRIOR_MONTHS} are needed, so the "
            + ("多数回 ceiling applies where the bracket has one." if many else "normal ceilings apply.")
        )
        if halved:
            explain.append("The household moved within the prefecture this month: every ceiling is halved "
                           "(県内転居の月は限度額の2分の1).")

    taken = 0  # copays taken into account
    by_outpatient = 0  # paid back by step 1 (外来特例): such a month alone does not count towards 多数回
    remaining = 0  # what the household still bears after the latest step
    ceiling = -1  # the ceiling of the last step that applied
    multiple = False
    cost70 = 0
    elderly = False
    young: list[Mapping[str, Any]] = []

    for member in household["members"]:
        if member["age"] < ELDERLY_FROM_AGE:
            young.append(member)
            continue
        if not elderly:  # step 1 set-up, once: the household's 70–74 bracket
            elderly = True
            bracket70 = household["bracket70"]
            per_person = outpatient70_ceiling(period, bracket70, halved=halved)
            yearly_cap = outpatient70_yearly_cap(period, bracket70)
            pool70 = 0
        outpatient = inpatient = 0
        for b in member.get("bills", ()):
            cost70 += b["total_cost"]
            if b["setting"] == "outpatient":
                outpatient += b["copay"]
            else:
                inpatient += b["copay"]
        taken += outpatient + inpatient
        paid = member.get("outpatient_paid_this_year")
        kept, limit = outpatient_kept(outpatient, per_person, yearly_cap, paid)
        by_outpatient += outpatient - kept
        pool70 += kept + inpatient
        if explain is not None:
            if per_person is None:
                note = f"{bracket70} has no separate outpatient ceiling"
            else:
                note = f"outpatient ceiling {yen(per_person)}"
                if yearly_cap is not None and paid is None:
                    note += f" (yearly cap {yen(yearly_cap)} not checked: no outpatient_paid_this_year given)"
                elif yearly_cap is not None and limit < per_person:
                    note += (f", lowered to {yen(limit)} by the yearly cap {yen(yearly_cap)} "
                             f"(already paid {yen(paid)} since August)")
            explain.append(
                f"Step 1, {member['id']} (age {member['age']}, {bracket70}): outpatient copays {yen(outpatient)}, "
                f"{note}; bears {yen(kept)} outpatient, paid back {yen(outpatient - kept)}; "
                f"inpatient copays {yen(inpatient)}."
            )

    if elderly:
        rule, multiple = household70_rule(period, bracket70, multiple=many)
        ceiling = rule_amount(halved_rule(rule) if halved else rule, cost70, multiple)
        remaining = min(pool70, ceiling)
        if explain is not None:
            formula = ceiling_of(rule, cost70, multiple=multiple, halved=halved).formula
            explain.append(
                f"Step 2, 70–74 household ({bracket70}): amounts combined {yen(pool70)}; total cost of the "
                f"70–74 bills {yen(cost70)}; ceiling {formula}; the household bears {yen(remaining)}."
            )

    if young:
        min_copay = period.counted_bill_min_copay
        copays = cost = 0
        counted: list[str] = []  # the bills combined, in words (only when explaining)
        any_counted = False
        for member in young:
            bills = member.get("bills")
            if not bills:
                continue
            for provider, setting, dental, bill_cost, copay in _combined(bills):
                if copay >= min_copay:
                    any_counted = True
                    copays += copay
                    cost += bill_cost
                    if explain is not None:
                        counted.append(f"{_label(member['id'], provider, setting, dental)} copay {yen(copay)} "
                                       f"(total cost {yen(bill_cost)})")
                elif explain is not None:
                    explain.append(f"Under 70, {_label(member['id'], provider, setting, dental)}: copay "
                                   f"{yen(copay)} is below {yen(min_copay)}, so the bill is not combined.")
        if any_counted or not elderly:
            bracket = household["bracket"]
            cost += cost70
            taken += copays
            pool = remaining + copays
            rule = under70_rule(period, bracket, multiple=many)
            multiple = many
            ceiling = rule_amount(halved_rule(rule) if halved else rule, cost, many)
            remaining = min(pool, ceiling)
            if explain is not None:
                formula = ceiling_of(rule, cost, multiple=many, halved=halved).formula
                with70 = (f"; plus what the 70–74 members bear after step 2, {yen(pool - copays)}, "
                          f"with their total cost {yen(cost70)}") if elderly else ""
                explain.append(
                    f"{'Step 3' if elderly else 'Under 70'}, household bracket {bracket}: bills combined: "
                    f"{'; '.join(counted) or 'none'}{with70}; amounts combined {yen(pool)}; total cost "
                    f"{yen(cost)}; ceiling {formula}; the household bears {yen(remaining)}."
                )

    assert ceiling >= 0  # the household has at least one member
    benefit = max(0, taken - remaining)
    if explain is not None:
        if benefit > by_outpatient:
            explain.append(f"Paid by a household ceiling: {yen(benefit - by_outpatient)} (by the 70–74 outpatient "
                           f"limit: {yen(by_outpatient)}): this month counts towards 多数回.")
        elif benefit > 0:
            explain.append(f"Paid by the 70–74 outpatient limit alone (外来特例): {yen(benefit)}; no household "
                           "ceiling was reached, so this month does not count towards 多数回.")
        explain.append(f"Benefit: copays taken into account {yen(taken)} − borne {yen(remaining)} = {yen(benefit)}.")
    return ceiling, multiple, benefit, by_outpatient


def assess(case: KogakuCase) -> KogakuResult:
    """The household's ceiling, 多数回 flag and benefit for the service month (case from parse_case), with
    every step in words."""
    explain: list[str] = []
    ceiling, multiple, benefit, by_outpatient = _evaluate(case.model_dump(mode="json"), explain)
    return KogakuResult(case.service_month, ceiling, multiple, benefit, tuple(explain), by_outpatient,
                        benefit > by_outpatient)


def assess_many(cases: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The batch path: cases already valid (accepted by `parse_case`, e.g. as stored after intake) in their
    JSON form, in order → interfaces.md outputs with which step paid (`KogakuResult.to_json(paid_by=True)`).
    Nothing is validated here: validate at the edge."""
    out: list[dict[str, Any]] = []
    append = out.append
    for raw in cases:
        ceiling, multiple, benefit, by_outpatient = _evaluate(raw, None)
        append({"service_month": raw["service_month"], "ceiling": ceiling, "multiple": multiple,
                "benefit": benefit, "outpatient_benefit": by_outpatient,
                "counts_for_multiple": benefit > by_outpatient})
    return out
