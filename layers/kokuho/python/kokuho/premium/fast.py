"""The batch core of the premium engine: the rules of `kokuho.premium.engine` on plain integers.

Input is an already-valid premium case dict (interfaces.md shape; what `validate_case` accepts, ISO date
strings; optional keys may be left out). Nothing is validated here unless asked (`validate=True`): the
CLI and `compute_case` validate at the edge with pydantic; the monthly workflow feeds cases it stored
after validation.

Why it is fast, with the same results to the yen:
- months are 12-bit masks (bit 0 = April); membership, 2号, 産前産後 and 非自発的失業者 months are masks
  derived from year/month integers sliced out of the ISO strings (no date objects on the common path);
- the year is cut into segments where no mask changes; each part's monthly sum is computed once per
  segment and multiplied by its length (usually one segment of 12 months);
- 所得割 = taxable × num // den with the rate as an exact fraction (8.20% → 41/500): floor to the yen;
- rule 3–4: Σ_months min(cap, sum) ÷ 12 rounded down to 100 yen = Σ // 1200 × 100, exact in integers;
- reduced 均等割/平等割 amounts per reduction level, 未就学児 and 特定世帯 are precomputed per year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from kokuho.premium.rates import PART_KEYS, RateTable, load_rate_table, rates_dir
from kokuho.premium.reductions import (
    PENSION_DEDUCTION_65,
    REDUCTION_LABELS,
    reduce_preschool,
    reduce_specific,
    reduce_statutory,
    unemployed_salary,
)

FULL = 0xFFF  # all twelve months
_LEVELS = (0, 7, 5, 2)
_SPECIFIC_KEYS = (None, "specific", "continuing")


def _span(lo: int, hi: int) -> int:
    """Mask of months lo..hi inclusive, clipped to the year."""
    if lo < 0:
        lo = 0
    if hi > 11:
        hi = 11
    if lo > hi:
        return 0
    return ((1 << (hi + 1)) - 1) ^ ((1 << lo) - 1)


class _Part:
    __slots__ = ("key", "num", "den", "cap", "care", "child", "capita", "flat")

    def __init__(self, key: str, table: RateTable) -> None:
        r = table.parts[key]
        self.key = key
        self.num = r.income_rate.numerator
        self.den = r.income_rate.denominator
        self.cap = r.cap
        self.care = key == "care"
        self.child = key == "child"
        # capita[level] = (normal, 未就学児): statutory reduction, then the half, each floored.
        self.capita = {lv: (reduce_statutory(r.per_capita, lv), reduce_preschool(reduce_statutory(r.per_capita, lv)))
                       for lv in _LEVELS}
        # flat[specific][level]: 特定世帯 factor first (medical, support only), then statutory reduction.
        self.flat = {
            sp: {lv: reduce_statutory(reduce_specific(r.per_household, sp if key in ("medical", "support") else None),
                                      lv) for lv in _LEVELS}
            for sp in _SPECIFIC_KEYS
        }


class _Year:
    """A fiscal year's rate table compiled for the batch core."""

    def __init__(self, table: RateTable) -> None:
        fy = table.fiscal_year
        self.fy = fy
        self.start = fy * 12 + 3  # absolute month number (year*12 + month − 1) of April
        self.apr1 = f"{fy:04d}-04-01"
        self.mar31 = f"{fy + 1:04d}-03-31"
        # Every part key in output order; None for a part the year does not have (amount 0).
        self.slots = [(k, _Part(k, table) if k in table.parts else None) for k in PART_KEYS]
        self.tiers = table.basic_deduction
        limit0 = table.basic_deduction[0][0]
        self.tier0_limit = limit0 if limit0 is not None else 1 << 62
        self.tier0_amount = table.basic_deduction[0][1]
        self.base = table.reduction_base
        self.per_earner = table.reduction_per_earner
        self.a5 = table.reduction_per_member_5
        self.b2 = table.reduction_per_member_2
        self.labels = [f"{fy + (m - 1) // 12:04d}-{(m - 1) % 12 + 1:02d}" for m in range(4, 4 + 13)]
        # Memo tables: a city has far fewer distinct dates than people, so each is derived once.
        self.period_masks: dict[tuple[str, str | None], int] = {}
        self.births: dict[str, tuple[int, bool, bool, bool]] = {}

    def period_mask(self, frm: str, until: str | None) -> int:
        """Rule 1 (月割): months from the month of acquisition through the month before the month of loss;
        the same month once."""
        a = _abs_month(frm) - self.start
        if until is None:
            mask = _span(a, 11)
        else:
            lost = _abs_month(until) - self.start
            mask = _span(a, a) if lost == a else _span(a, lost - 1)
        self.period_masks[(frm, until)] = mask
        return mask

    def birth_facts(self, birth: str) -> tuple[int, bool, bool, bool]:
        """(2号 months mask, 未就学児 all year, child 均等割 waived all year, 65+ on 31 Dec before the year)."""
        start = self.start
        by = int(birth[0:4])
        bmon = int(birth[5:7]) - 1 - (birth[8:10] == "01")  # month of the day before the birthday, 0-based
        # Rule 2 (介護2号): from the month of reaching 40 to the month before the month of reaching 65.
        class2 = _span((by + 40) * 12 + bmon - start, (by + 65) * 12 + bmon - start - 1)
        # 未就学児 / child waiver: up to the first March (abs month ≡ 2 mod 12) on or after reaching 6 / 18;
        # always a whole fiscal year, since the limit is a 31 March.
        r6 = (by + 6) * 12 + bmon
        r18 = (by + 18) * 12 + bmon
        reached65 = by + 65 - (birth[5:10] == "01-01")  # calendar year of reaching 65
        facts = (class2, r6 + ((2 - r6) % 12) - start >= 11, r18 + ((2 - r18) % 12) - start >= 11,
                 reached65 <= self.fy - 1)
        self.births[birth] = facts
        return facts

    def deduction(self, total: int) -> int:
        for up_to, amount in self.tiers:
            if up_to is None or total <= up_to:
                return amount
        return 0


@lru_cache(maxsize=32)
def _year(fiscal_year: int, directory: str) -> _Year:
    return _Year(load_rate_table(fiscal_year, directory))


def year_for(fiscal_year: int, directory: Path | str | None = None) -> _Year:
    return _year(int(fiscal_year), str(rates_dir(directory).resolve()))


def _abs_month(iso: str) -> int:
    return int(iso[0:4]) * 12 + int(iso[5:7]) - 1


def _unemployment_span(left_on: str, start: int) -> tuple[int, str, str]:
    """(mask, first day, last day) of the 非自発的失業者 period (see ages.unemployment_period)."""
    day_after = dt.date.fromisoformat(left_on) + dt.timedelta(days=1)
    fy_after = day_after.year if day_after.month >= 4 else day_after.year - 1
    first = day_after.year * 12 + day_after.month - 1 - start
    last = (fy_after + 2) * 12 + 2 - start  # March of the fiscal year after
    return _span(first, last), f"{day_after.year:04d}-{day_after.month:02d}-01", f"{fy_after + 2:04d}-03-31"


def compute_fast(case: dict[str, Any], directory: Path | str | None = None) -> dict[str, Any]:
    """One household through the batch core (no validation); returns the interfaces.md output dict."""
    y = year_for(case["fiscal_year"], directory)
    return _compute(case, y)


def compute_many(cases: Iterable[dict[str, Any]], directory: Path | str | None = None, *,
                 validate: bool = False) -> list[dict[str, Any]]:
    """Many households through the batch core, in order. Cases are trusted unless `validate` is set, in
    which case each is first checked like `compute_case` does (pydantic; `CaseError` on the first bad one)."""
    out: list[dict[str, Any]] = []
    append = out.append
    years: dict[int, _Year] = {}
    if validate:
        from kokuho.premium.case import normalized, validate_case
        from kokuho.premium.errors import CaseError

        checked = []
        for i, c in enumerate(cases):
            try:
                checked.append(normalized(validate_case(c)))
            except CaseError as exc:  # say which case: the batch error names cases[i].<field>
                raise CaseError(f"cases[{i}].{exc.field}" if exc.field else f"cases[{i}]", exc.reason) from None
        cases = checked
    for case in cases:
        fy = case["fiscal_year"]
        y = years.get(fy)
        if y is None:
            y = years[fy] = year_for(fy, directory)
        append(_compute(case, y))
    return out


def _judge_on(members: list[dict[str, Any]], householder: str, day: str, y: _Year,
              unemployment: list[tuple[int, str, str] | None]) -> tuple[int, int, int, bool]:
    """The reduction test's sums on `day`: (judged income, earners, N, anyone undeclared)."""
    income = earners = insured_count = 0
    births = y.births
    for m, unemp in zip(members, unemployment, strict=True):
        insured = False
        for p in m.get("insured", ()):
            until = p.get("until")
            if p["from"] <= day and (until is None or day < until):
                insured = True
                break
        if insured or m.get("specific_same_household", False):
            insured_count += 1
        elif m["id"] != householder:
            continue
        inc = m["income"]
        if not inc.get("declared", True):
            return 0, 0, 0, True
        judged = inc["total"]
        pension = inc.get("pension", 0)
        if pension:
            birth = m["birth_date"]
            if (births.get(birth) or y.birth_facts(birth))[3]:  # 65+ on 31 December before the year
                judged -= pension if pension < PENSION_DEDUCTION_65 else PENSION_DEDUCTION_65
        if unemp is not None:
            salary = inc.get("salary", 0)
            if salary and unemp[1] <= day <= unemp[2]:  # 非自発的失業者 on the judgement day
                judged -= salary - unemployed_salary(salary)
        income += judged
        if m.get("salary_or_pension_earner", False):
            earners += 1
    return income, earners, insured_count, False


_MEMBER_DEFAULTS: dict[str, Any] = {"insured": [], "salary_or_pension_earner": False, "involuntary_unemployment": None,
                                    "expected_birth": None, "specific_same_household": False}
_INCOME_DEFAULTS: dict[str, Any] = {"salary": 0, "pension": 0, "declared": True}


def _complete(case: dict[str, Any]) -> dict[str, Any]:
    """A copy of a case with every optional key filled with its default (interfaces.md)."""
    h = case["household"]
    members = []
    for m in h["members"]:
        member = {**_MEMBER_DEFAULTS, **m, "income": {**_INCOME_DEFAULTS, **m["income"]}}
        member["insured"] = [{"until": None, **p} for p in member["insured"]]
        eb = member["expected_birth"]
        if eb is not None:
            member["expected_birth"] = {"multiple": False, **eb}
        members.append(member)
    return {**case, "household": {"specific_household": None, **h, "members": members}}


def _compute(case: dict[str, Any], y: _Year) -> dict[str, Any]:
    """One household; a case that leaves optional keys out is completed with their defaults first."""
    try:
        return _compute_complete(case, y)
    except KeyError:
        return _compute_complete(_complete(case), y)


def _compute_complete(case: dict[str, Any], y: _Year) -> dict[str, Any]:  # noqa: C901 — one hot path
    household = case["household"]
    members = household["members"]
    start = y.start
    apr1 = y.apr1
    mar31 = y.mar31
    householder = household["householder_id"]
    period_masks = y.period_masks
    births = y.births
    tier0_limit, tier0_amount = y.tier0_limit, y.tier0_amount

    # One pass over the members: months as masks, and the reduction test's sums as of 1 April (the
    # judgement date unless nobody is insured that day; then `_judge_on` recomputes them).
    rows = []  # (C, K, M, U, preschool, child_waived, taxable, taxable in 失業 months)
    unemployment: list[tuple[int, str, str] | None] = []
    any_apr1 = False
    first_acq: str | None = None
    change = 0  # months where some mask differs from the month before
    income = earners = insured_count = 0
    undeclared = False
    for m in members:
        counted = 0
        on_apr1 = False
        for p in m["insured"]:
            frm = p["from"]
            until = p["until"]
            if until is not None and until <= frm:
                continue  # empty period (lost on the acquisition day): no membership, as in case.py
            if frm <= apr1:
                if until is None or apr1 < until:
                    on_apr1 = any_apr1 = True
            elif frm <= mar31 and (first_acq is None or frm < first_acq):
                first_acq = frm
            mask = period_masks.get((frm, until))
            counted |= y.period_mask(frm, until) if mask is None else mask
        iu = m["involuntary_unemployment"]
        unemp = _unemployment_span(iu["left_on"], start) if iu else None
        unemployment.append(unemp)
        inc = m["income"]
        total = inc["total"]
        birth = m["birth_date"]
        facts = births.get(birth) or y.birth_facts(birth)
        # 軽減判定 contribution as of 1 April: householder (擬制世帯主 included), insured, 特定同一世帯所属者.
        in_test = on_apr1 or m["specific_same_household"]
        if in_test or m["id"] == householder:
            if in_test:
                insured_count += 1
            if not inc["declared"]:
                undeclared = True
            judged = total
            pension = inc["pension"]
            if pension:
                if facts[3]:  # 65+ on 31 December before the year: 150,000 off pension income
                    judged -= pension if pension < PENSION_DEDUCTION_65 else PENSION_DEDUCTION_65
            if unemp is not None:
                salary = inc["salary"]
                if salary and unemp[1] <= apr1 <= unemp[2]:
                    judged -= salary - unemployed_salary(salary)
            income += judged
            if m["salary_or_pension_earner"]:
                earners += 1
        if not counted:
            continue
        class2 = facts[0]
        eb = m["expected_birth"]
        maternity = 0
        if eb:
            e = _abs_month(eb["month"] + "-01") - start
            maternity = _span(e - 3, e + 2) if eb["multiple"] else _span(e - 1, e + 2)
        unemployed = 0
        adjusted = total
        if unemp is not None:
            salary = inc["salary"]
            if salary:
                unemployed = unemp[0]
                adjusted = total - salary + unemployed_salary(salary)
        # 基礎控除 tier chosen by the declared total; the 所得割 base is never negative.
        ded = tier0_amount if total <= tier0_limit else y.deduction(total)
        rows.append((counted, class2, maternity, unemployed, facts[1], facts[2],
                     total - ded if total > ded else 0, adjusted - ded if adjusted > ded else 0))
        if counted != FULL or maternity or unemployed or (class2 and class2 != FULL):
            for mask in (counted, class2, maternity, unemployed):
                change |= (mask ^ (mask << 1)) & 0xFFE

    # 軽減判定 (statutory reduction judgement): 1 April, or the day the household first becomes insured.
    level = 0
    all_counted = 0
    for r in rows:
        all_counted |= r[0]
    if not all_counted:
        undeclared = True  # nobody counts in any month (e.g. insured on 1 April only): no reduction, no charge
    elif not any_apr1:
        if first_acq is None:
            undeclared = True  # never insured this year: no judgement, and nothing is charged
        else:
            income, earners, insured_count, undeclared = _judge_on(members, householder, first_acq, y,
                                                                   unemployment)
    if not undeclared:
        limit = y.base + y.per_earner * ((earners or 1) - 1)
        if income <= limit:
            level = 7
        elif income <= limit + y.a5 * insured_count:
            level = 5
        elif income <= limit + y.b2 * insured_count:
            level = 2

    parts: dict[str, int] = {}
    specific_household = household["specific_household"]
    annual = 0
    if not change:
        # The common case: every mask constant over the year, so each month's sum is the same and the
        # annual amount is min(cap, sum) × 12 ÷ 12, 100円未満切捨て.
        for key, part in y.slots:
            if part is None:
                parts[key] = 0
                continue
            num, den = part.num, part.den
            care, child = part.care, part.child
            capita_normal, capita_pre = part.capita[level]
            total_s = 0
            anyone = False
            for _c, class2, _m, unemployed, preschool, waived, taxable, taxable_u in rows:
                if care and not class2:
                    continue
                anyone = True
                total_s += (taxable_u if unemployed else taxable) * num // den
                if not (child and waived):
                    total_s += capita_pre if preschool else capita_normal
            if anyone:
                total_s += part.flat[specific_household][level]
            amount = (total_s if total_s < part.cap else part.cap) // 100 * 100
            parts[key] = amount
            annual += amount
    else:
        # Segments of months in which no mask changes; each segment's sum × its length.
        bounds = [0] + [i for i in range(1, 12) if change >> i & 1] + [12]
        for key, part in y.slots:
            if part is None:
                parts[key] = 0
                continue
            num, den, cap = part.num, part.den, part.cap
            care, child = part.care, part.child
            capita_normal, capita_pre = part.capita[level]
            flat = part.flat[specific_household][level]
            acc = 0  # Σ over months of min(cap, sum); ÷ 12 happens once at the end
            for s in range(len(bounds) - 1):
                lo = bounds[s]
                bit = 1 << lo
                total_s = 0
                anyone = False
                for counted, class2, maternity, unemployed, preschool, waived, taxable, taxable_u in rows:
                    if not counted & bit or (care and not class2 & bit):
                        continue
                    anyone = True
                    if maternity & bit:
                        continue  # 産前産後: no 所得割, no 均等割
                    # 所得割 rounded down to the yen (exact fraction rate); salary at 30/100 in 失業 months.
                    total_s += (taxable_u if unemployed & bit else taxable) * num // den
                    if not (child and waived):
                        total_s += capita_pre if preschool else capita_normal
                if anyone:
                    total_s += flat
                acc += (total_s if total_s < cap else cap) * (bounds[s + 1] - lo)
            amount = acc // 1200 * 100  # rule 3–4: Σ monthly ÷ 12, 100円未満切捨て
            parts[key] = amount
            annual += amount

    # Installments (rule 6).
    installments: list[dict[str, Any]] = []
    if all_counted:
        first = (all_counted & -all_counted).bit_length() - 1
        begin = 2 if first < 2 else first + 1
        labels = y.labels[begin:12] if begin <= 11 else [y.labels[12]]
        count = len(labels)
        each = annual // count // 100 * 100
        installments = [{"due": d, "amount": each} for d in labels]
        installments[0]["amount"] = annual - each * (count - 1)  # the remainder goes on the first
    return {
        "fiscal_year": y.fy,
        "reduction": REDUCTION_LABELS[level],
        "parts": parts,
        "annual": annual,
        "installments": installments,
    }
