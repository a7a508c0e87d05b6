"""The premium computation (保険料の賦課計算) — domain.md §1, computation rules 1–6, on plain integers.

One computation serves every caller: the batch path (`compute_many` on trusted cases), the validated
one (`compute_case`) and `--explain`, which passes a `Trace` for the computation to fill as it goes; the
batch path leaves it off. Input is a premium case dict in interfaces.md shape (ISO date strings; optional
keys may be left out); nothing is validated here (`kokuho.premium.case` does that at the edge).

Why it is fast, with exact results to the yen:
- months are 12-bit masks (`kokuho.premium.ages`), derived once per distinct date and memoized;
- the year is cut into segments in which no mask changes; each part's monthly sum is computed once per
  segment and multiplied by its length (usually one segment of 12 months);
- 所得割 = taxable × num // den with the rate as an exact fraction (8.20% → 41/500): floor to the yen;
- rules 3–4: Σ_months min(cap, sum) ÷ 12 rounded down to 100 yen = Σ // 1200 × 100, exact in integers;
- the reduced 均等割/平等割 of each level, 未就学児 and 特定世帯 are precomputed per year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kokuho.premium import ages
from kokuho.premium.ages import FULL, BirthFacts
from kokuho.premium.installments import installment_months, split_equally
from kokuho.premium.rates import PART_KEYS, PartRates, RateTable, load_rate_table
from kokuho.premium.reductions import (
    LEVELS,
    PENSION_DEDUCTION_65,
    REDUCTION_LABELS,
    SPECIFIC_PARTS,
    Contribution,
    Judgement,
    reduce_preschool,
    reduce_specific,
    reduce_statutory,
    unemployed_salary,
)

_SPECIFIC_KEYS = (None, "specific", "continuing")
_WHOLE_YEAR: tuple[tuple[int, int], ...] = ((0, 12),)  # one segment: no mask changes within the year


class _Part:
    """A part's rates compiled for the computation: the reduced levies of every level, once per year."""

    __slots__ = ("capita", "care", "child", "den", "flat", "key", "num", "rates", "specific")

    def __init__(self, rates: PartRates) -> None:
        self.rates = rates
        self.key = rates.key
        self.num = rates.income_rate.numerator
        self.den = rates.income_rate.denominator
        self.care = rates.key == "care"
        self.child = rates.key == "child"
        # capita[level] = (statutory, 未就学児): the statutory reduction, then the half, each floored.
        self.capita = {lv: (reduce_statutory(rates.per_capita, lv),
                            reduce_preschool(reduce_statutory(rates.per_capita, lv))) for lv in LEVELS}
        # specific[sp]: the 特定世帯 factor (medical and support only); flat[sp][level]: then the statutory one.
        self.specific = {sp: reduce_specific(rates.per_household, sp if rates.key in SPECIFIC_PARTS else None)
                         for sp in _SPECIFIC_KEYS}
        self.flat = {sp: {lv: reduce_statutory(amount, lv) for lv in LEVELS} for sp, amount in self.specific.items()}


class Year:
    """A fiscal year's rate table compiled for the computation, with memos of what dates decide."""

    def __init__(self, table: RateTable) -> None:
        fy = table.fiscal_year
        self.table = table
        self.fy = fy
        self.april = ages.april(fy)
        self.apr1 = f"{fy:04d}-04-01"
        self.mar31 = f"{fy + 1:04d}-03-31"
        # Every part key in output order; None for a part the year does not have (amount 0).
        self.slots = [(k, _Part(table.parts[k]) if k in table.parts else None) for k in PART_KEYS]
        limit0, self.tier0_amount = table.basic_deduction[0]
        self.tier0_limit = limit0 if limit0 is not None else 1 << 62
        # A city has far fewer distinct dates than people: each date's months are derived once.
        self.periods: dict[tuple[str, str | None], int] = {}
        self.births: dict[str, BirthFacts] = {}
        # The parts the year has, each with what its sums need, by reduction level and 特定世帯 state.
        self.plans = {lv: {sp: self._plan(lv, sp) for sp in _SPECIFIC_KEYS} for lv in LEVELS}
        # Due months by the first counted month (index −1: no month counted, no installment).
        self.dues = [installment_months(fy, first) for first in range(ages.FY_MONTHS)] + [[]]
        # Segments of the year by the months in which some mask changes (a bit per month).
        self.cuts: dict[int, tuple[tuple[int, int], ...]] = {}

    def _plan(self, level: int, specific: str | None) -> list[tuple[Any, ...]]:
        """(key, part, num, den, cap, care, 均等割 by kind (adult, up to 18, 未就学児), 平等割) of each part."""
        plan = []
        for key, p in self.slots:
            if p is None:
                continue
            normal, preschool = p.capita[level]
            capitas = (normal, 0, 0) if p.child else (normal, normal, preschool)
            plan.append((key, p, p.num, p.den, p.rates.cap, p.care, capitas, p.flat[specific][level]))
        return plan

    def cut(self, change: int) -> tuple[tuple[int, int], ...]:
        bounds = [0, *(i for i in range(1, ages.FY_MONTHS) if change >> i & 1), ages.FY_MONTHS]
        cuts = self.cuts[change] = tuple(zip(bounds, bounds[1:], strict=False))
        return cuts

    def period_mask(self, start: str, until: str | None) -> int:
        mask = self.periods[(start, until)] = ages.period_mask(self.april, start, until)
        return mask

    def birth_facts(self, birth: str) -> BirthFacts:
        facts = self.births[birth] = ages.birth_facts(self.fy, birth)
        return facts


_COMPILED: dict[int, Year] = {}  # by the identity of the rate table (each Year keeps its table alive)


def compiled(table: RateTable) -> Year:
    """The rate table compiled for the computation, once per table."""
    y = _COMPILED.get(id(table))
    if y is None or y.table is not table:
        if len(_COMPILED) >= 64:  # tests write many tables; a worker sees a handful of years
            _COMPILED.clear()
        y = _COMPILED[id(table)] = Year(table)
    return y


def year_for(fiscal_year: int, directory: Path | str | None = None) -> Year:
    """The compiled year of the rate file of `fiscal_year` (the rate file is read once per directory)."""
    return compiled(load_rate_table(fiscal_year, directory))


# -- the trace (--explain) --------------------------------------------------------------------------

@dataclass
class MemberTrace:
    """What the computation derived for one member, as `--explain` reads it back."""

    id: str
    total: int  # 総所得金額等 as declared
    deduction: int  # 基礎控除 chosen by it
    salary: int
    unemployed_salary: int | None  # the salary as counted (30/100) in 非自発的失業者 months
    unemployed: int  # those months
    preschool: bool
    child_waived: bool


@dataclass
class Levy:
    """One member's 所得割 and 均等割 in a segment of months."""

    member: int  # index of the member in the case (key of Trace.members)
    income: int
    per_capita: int
    maternity: bool  # 産前産後: both exempt


@dataclass
class Segment:
    """Months first..end−1, in which the part's monthly sum is the same."""

    first: int
    end: int
    total: int  # 所得割 + 均等割 + 平等割, before the cap
    levies: list[Levy]
    household: int | None  # 平等割, None when nobody counts in these months


@dataclass
class PartTrace:
    key: str
    rates: PartRates
    per_capita: tuple[int, int]  # after the statutory reduction; then 未就学児
    per_household: tuple[int, int]  # after the 特定世帯 factor; then the statutory reduction
    segments: list[Segment] = field(default_factory=list)
    annual: int = 0

    def monthly(self) -> list[tuple[int, bool]]:
        """(min(cap, sum), capped) for each month of the year."""
        out = [(0, False)] * ages.FY_MONTHS
        for s in self.segments:
            out[s.first:s.end] = [(min(self.rates.cap, s.total), s.total > self.rates.cap)] * (s.end - s.first)
        return out


@dataclass
class Trace:
    """Everything the computation decided for one household, filled when `--explain` asks for it."""

    table: RateTable
    specific_household: str | None = None
    judgement: Judgement = field(default_factory=Judgement)
    members: dict[int, MemberTrace] = field(default_factory=dict)  # by index in the case; counted ones
    parts: dict[str, PartTrace] = field(default_factory=dict)


# -- the computation ---------------------------------------------------------------------------------

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


def compute(case: dict[str, Any], y: Year, trace: Trace | None = None) -> dict[str, Any]:
    """One household; a case that leaves optional keys out is completed with their defaults first."""
    if trace is not None:  # filled as it goes: no second attempt
        return _compute(_complete(case), y, trace)
    try:
        return _compute(case, y, None)
    except KeyError:
        return _compute(_complete(case), y, None)


def _compute(case: dict[str, Any], y: Year, trace: Trace | None) -> dict[str, Any]:  # noqa: C901 — one hot path
    household = case["household"]
    members = household["members"]
    start = y.april
    apr1 = y.apr1
    mar31 = y.mar31
    periods = y.periods
    births = y.births
    tier0_limit, tier0_amount = y.tier0_limit, y.tier0_amount

    # One pass over the members: their months as masks, and the 軽減判定 (statutory reduction judgement)
    # as of `day`: 1 April, or — when nobody is insured that day — the day the household first becomes
    # insured in the year, found by the first pass, which the second pass then judges on (rarely needed).
    householder = household["householder_id"]
    judgement = trace.judgement if trace is not None else None
    day = apr1
    while True:
        # rows: (member index, 2号 K, 産前産後 M, 所得割 base (in April), 均等割 kind) of the counted members;
        # moving: by position in rows, (C, K, M, 失業 U, base outside U, base in U) of those whose masks
        # change within the year, for cutting it into segments.
        rows: list[tuple[int, ...]] = []
        moving: dict[int, tuple[int, ...]] | None = None
        first_day: str | None = None
        all_counted = 0  # months in which anyone counts
        any_class2 = 0  # months in which a counted member is 2号
        change = 0  # months where some mask differs from the month before
        income = earners = insured_count = 0  # judged income, n, N
        undeclared = anyone_insured = False
        for i, m in enumerate(members):
            counted = 0
            insured = False
            for p in m["insured"]:
                frm = p["from"]
                until = p["until"]
                if frm <= day:
                    if until is None or day < until:
                        insured = anyone_insured = True
                elif frm <= mar31 and (until is None or until > frm) and (first_day is None or frm < first_day):
                    first_day = frm  # the first day of the year after `day` that a period holds
                mask = periods.get((frm, until))
                counted |= y.period_mask(frm, until) if mask is None else mask
            iu = m["involuntary_unemployment"]
            unemp = ages.unemployment(start, iu["left_on"]) if iu else None
            birth = m["birth_date"]
            class2, preschool, waived, aged_65 = births.get(birth) or y.birth_facts(birth)
            for ex in m.get("care_exempt") or ():  # 介護保険 適用除外: not 2号 in those months
                class2 &= ~y.period_mask(ex["from"], ex["until"])
            inc = m["income"]
            total = inc["total"]
            # The reduction test counts the householder (擬制世帯主 included), every member insured on the
            # day and every 特定同一世帯所属者; N counts the last two.
            if insured or m["specific_same_household"]:
                insured_count += 1
                tested = True
            else:
                tested = m["id"] == householder
            if tested:
                if not inc["declared"]:
                    undeclared = True  # anyone undeclared (未申告): no reduction
                judged = total
                off = 0
                if aged_65:  # 65 or over on 31 December before the year: off the public-pension income
                    pension = inc["pension"]
                    off = pension if pension < PENSION_DEDUCTION_65 else PENSION_DEDUCTION_65
                    judged -= off
                counted_salary: int | None = None
                if unemp is not None and inc["salary"] and unemp.first_day <= day <= unemp.last_day:
                    counted_salary = unemployed_salary(inc["salary"])  # 非自発的失業者 on the judgement day
                    judged -= inc["salary"] - counted_salary
                income += judged
                if m["salary_or_pension_earner"]:
                    earners += 1
                if judgement is not None:
                    judgement.contributions.append(Contribution(m["id"], total, judged, inc["salary"], off,
                                                                counted_salary))
                    if not inc["declared"]:
                        judgement.undeclared.append(m["id"])
            if not counted:
                continue
            all_counted |= counted
            any_class2 |= class2
            eb = m["expected_birth"]
            maternity = ages.maternity_mask(start, eb["month"], eb["multiple"]) if eb else 0
            unemployed = 0
            adjusted = total
            if unemp is not None and inc["salary"]:
                unemployed = unemp.months
                adjusted = total - inc["salary"] + unemployed_salary(inc["salary"])
            # 基礎控除 tier chosen by the declared total; the 所得割 base is never negative.
            ded = tier0_amount if total <= tier0_limit else y.table.basic_deduction_for(total)
            taxable = total - ded if total > ded else 0
            taxable_u = adjusted - ded if adjusted > ded else 0
            # 均等割 kind: 0 adult; 1 child part waived (up to 18); 2 also 未就学児 (inside 1).
            rows.append((i, class2, maternity, taxable_u if unemployed & 1 else taxable, preschool + waived))
            if counted != FULL or maternity or unemployed or (class2 and class2 != FULL):
                if moving is None:
                    moving = {}
                moving[len(rows) - 1] = (counted, class2, maternity, unemployed, taxable, taxable_u)
                for mask in (counted, class2, maternity, unemployed):
                    change |= (mask ^ (mask << 1)) & 0xFFE
            if trace is not None:
                trace.members[i] = MemberTrace(m["id"], total, ded, inc["salary"],
                                               adjusted - total + inc["salary"] if unemployed else None, unemployed,
                                               preschool, waived)
        if anyone_insured or first_day is None or day != apr1 or not all_counted:
            break
        day = first_day  # nobody insured on 1 April: judged as of the day the household first becomes insured
        if judgement is not None:
            judgement.contributions.clear()
            judgement.undeclared.clear()

    # No judgement when nobody counts in any month (e.g. insured on 1 April only): no reduction, no charge.
    level = 0
    if all_counted:
        # 7割 if judged income ≤ base + per earner × (n − 1); else 5割 / 2割 up to A / B × N more.
        t = y.table
        limit_7 = t.reduction_base + t.reduction_per_earner * ((earners or 1) - 1)
        if undeclared:
            level = 0
        elif income <= limit_7:
            level = 7
        elif income <= limit_7 + t.reduction_per_member_5 * insured_count:
            level = 5
        elif income <= limit_7 + t.reduction_per_member_2 * insured_count:
            level = 2
        if judgement is not None:
            judgement.level, judgement.day, judgement.judged_income = level, day, income
            judgement.earners, judgement.members = earners or 1, insured_count
            judgement.limit_7 = limit_7
            judgement.limit_5 = limit_7 + t.reduction_per_member_5 * insured_count
            judgement.limit_2 = limit_7 + t.reduction_per_member_2 * insured_count

    # Rules 3–4 over segments of months in which no mask changes: Σ min(cap, sum) × length. A segment's
    # rows are the members counted in it, their masks read at its first month (truthy = in the mask); a
    # member whose masks never change counts all year with the same row, and without any change the
    # year is one segment.
    if moving is None:
        cuts = _WHOLE_YEAR
        segments: dict[int, list[tuple[int, ...]]] = {0: rows}
    else:
        cuts = y.cuts.get(change) or y.cut(change)
        segments = {}
        for lo, _ in cuts:
            bit = 1 << lo
            cut = segments[lo] = []
            for j, row in enumerate(rows):
                if j not in moving:
                    cut.append(row)
                    continue
                c, k, mat, u, base, base_u = moving[j]
                if c & bit:
                    cut.append((row[0], k & bit, mat & bit, base_u if u & bit else base, row[4]))
    specific_household = household["specific_household"]
    parts = dict.fromkeys(PART_KEYS, 0)  # a part the year does not have stays 0
    annual = 0
    for key, part, num, den, cap, care, capitas, flat in y.plans[level][specific_household]:
        part_trace = None
        if trace is not None:
            part_trace = trace.parts[key] = PartTrace(key, part.rates, part.capita[level],
                                                      (part.specific[specific_household], flat))
        if care and not any_class2:
            continue  # nobody 2号: no care part (its amount stays 0)
        acc = 0  # Σ over months of min(cap, sum); ÷ 12 happens once at the end
        for lo, hi in cuts:
            total_s = 0
            anyone = False
            levies: list[Levy] | None = [] if part_trace is not None else None
            for i, class2, maternity, taxable, kind in segments[lo]:
                if care and not class2:
                    continue  # care part: only 介護保険第2号被保険者 months
                anyone = True
                if maternity:  # 産前産後: no 所得割, no 均等割
                    if levies is not None:
                        levies.append(Levy(i, 0, 0, True))
                    continue
                # 所得割 rounded down to the yen (exact fraction rate); salary at 30/100 in 失業 months.
                levy = taxable * num // den
                capita = capitas[kind]  # after the reductions; 0 in the child part up to 18
                total_s += levy + capita
                if levies is not None:
                    levies.append(Levy(i, levy, capita, False))
            if anyone:  # 平等割 once for the household (for care: once if any 2号 member counts)
                total_s += flat
            acc += (total_s if total_s < cap else cap) * (hi - lo)
            if part_trace is not None and levies is not None:
                part_trace.segments.append(Segment(lo, hi, total_s, levies, flat if anyone else None))
        amount = acc // 1200 * 100  # rule 3–4: Σ monthly ÷ 12, 100円未満切捨て
        parts[key] = amount
        annual += amount
        if part_trace is not None:
            part_trace.annual = amount

    # Installments (rule 6), from the first counted month (-1: none).
    first = (all_counted & -all_counted).bit_length() - 1
    return {
        "fiscal_year": y.fy,
        "reduction": REDUCTION_LABELS[level],
        "parts": parts,
        "annual": annual,
        "installments": split_equally(annual, y.dues[first]),
    }
