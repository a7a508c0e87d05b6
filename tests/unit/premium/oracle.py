"""An independent expectation of domain.md §1 for the differential tests: the premium of one household
read month by month from the rules' own words, with calendar dates and exact fractions.

It shares nothing with the engine (no import from `kokuho.premium` but the rate file): written for
clarity, not speed, so that an engine shortcut that drifts from the rules shows as a difference.
Input: a case the engine accepts (interfaces.md; optional keys may be left out). Output: the
interfaces.md output dict.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from kokuho.premium.rates import RateTable

ONE_DAY = dt.timedelta(days=1)
PARTS = ("medical", "support", "care", "child")
LABELS = {7: "7割", 5: "5割", 2: "2割", 0: None}


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _months(fy: int) -> list[tuple[dt.date, dt.date]]:
    """(first day, last day) of April … March of the fiscal year."""
    out = []
    for i in range(12):
        y, m = fy + (3 + i) // 12, (3 + i) % 12 + 1
        first = dt.date(y, m, 1)
        out.append((first, dt.date(y + m // 12, m % 12 + 1, 1) - ONE_DAY))
    return out


def _reaches(birth: dt.date, age: int) -> dt.date:
    """The day one reaches `age`: the day before the birthday (29 February: 1 March in a common year)."""
    try:
        birthday = birth.replace(year=birth.year + age)
    except ValueError:
        birthday = dt.date(birth.year + age, 3, 1)
    return birthday - ONE_DAY


def _first_march_31_from(day: dt.date) -> dt.date:
    return dt.date(day.year if day.month <= 3 else day.year + 1, 3, 31)


def _same_month(a: dt.date, b: dt.date) -> bool:
    return (a.year, a.month) == (b.year, b.month)


def _counts(periods: list[dict[str, Any]], first: dt.date) -> bool:
    """Rule 1: from the month of acquisition through the month before the month of loss; the same month
    once; a period lost on its acquisition day holds nothing."""
    for p in periods:
        start = _date(p["from"])
        until = _date(p["until"]) if p.get("until") else None
        if until is not None and until <= start:
            continue
        if start.replace(day=1) > first:
            continue
        if until is None or first < until.replace(day=1) or (_same_month(start, until) and _same_month(start, first)):
            return True
    return False


def _insured_on(periods: list[dict[str, Any]], day: dt.date) -> bool:
    return any(_date(p["from"]) <= day and (not p.get("until") or day < _date(p["until"])) for p in periods)


def _unemployment(m: dict[str, Any]) -> tuple[dt.date, dt.date] | None:
    iu = m.get("involuntary_unemployment")
    if not iu:
        return None
    after = _date(iu["left_on"]) + ONE_DAY
    fy_after = after.year if after.month >= 4 else after.year - 1
    return after.replace(day=1), dt.date(fy_after + 2, 3, 31)


def _judged(m: dict[str, Any], fy: int, day: dt.date) -> int:
    inc = m["income"]
    judged = inc["total"]
    if _reaches(_date(m["birth_date"]), 65) <= dt.date(fy - 1, 12, 31):
        judged -= min(150_000, inc.get("pension", 0))
    period = _unemployment(m)
    if period and period[0] <= day <= period[1]:
        judged -= inc.get("salary", 0) - inc.get("salary", 0) * 30 // 100  # salary counts at 30/100
    return judged


def _level(case: dict[str, Any], rates: RateTable, months: list[tuple[dt.date, dt.date]]) -> int:
    h = case["household"]
    fy = case["fiscal_year"]
    members = h["members"]
    if not any(_counts(m.get("insured", []), first) for m in members for first, _ in months):
        return 0
    apr1, mar31 = months[0][0], months[-1][1]
    if any(_insured_on(m.get("insured", []), apr1) for m in members):
        day = apr1
    else:
        day = min(_date(p["from"]) for m in members for p in m.get("insured", [])
                  if apr1 <= _date(p["from"]) <= mar31 and (not p.get("until") or p["until"] > p["from"]))
    in_test = [m for m in members if _insured_on(m.get("insured", []), day) or m.get("specific_same_household")
               or m["id"] == h["householder_id"]]
    if any(not m["income"].get("declared", True) for m in in_test):
        return 0
    income = sum(_judged(m, fy, day) for m in in_test)
    big_n = sum(1 for m in members if _insured_on(m.get("insured", []), day) or m.get("specific_same_household"))
    n = max(1, sum(1 for m in in_test if m.get("salary_or_pension_earner")))
    limit = rates.reduction_base + rates.reduction_per_earner * (n - 1)
    for level, per_member in ((7, 0), (5, rates.reduction_per_member_5), (2, rates.reduction_per_member_2)):
        if income <= limit + per_member * big_n:
            return level
    return 0


def expected_output(case: dict[str, Any], rates: RateTable) -> dict[str, Any]:
    fy = case["fiscal_year"]
    h = case["household"]
    months = _months(fy)
    level = _level(case, rates, months)
    keep = Fraction(10 - level, 10)
    parts: dict[str, int] = {}
    for key in PARTS:
        if key not in rates.parts:
            parts[key] = 0
            continue
        r = rates.parts[key]
        household_levy = r.per_household
        if h.get("specific_household") and key in ("medical", "support"):
            household_levy = (household_levy * Fraction(1 if h["specific_household"] == "specific" else 3,
                                                        2 if h["specific_household"] == "specific" else 4)).__floor__()
        household_levy = (household_levy * keep).__floor__()
        twelfths = Fraction(0)
        for first, _ in months:
            total, anyone = 0, False
            for m in h["members"]:
                birth = _date(m["birth_date"])
                if not _counts(m.get("insured", []), first):
                    continue
                if key == "care" and not (_reaches(birth, 40).replace(day=1) <= first
                                          < _reaches(birth, 65).replace(day=1)):
                    continue
                if key == "care" and _counts(m.get("care_exempt", []), first):
                    continue  # 介護保険 適用除外: not 2号 in the months its periods cover
                anyone = True
                eb = m.get("expected_birth")
                if eb:
                    y, mo = (int(x) for x in eb["month"].split("-"))
                    back, length = (3, 6) if eb.get("multiple") else (1, 4)
                    begin = (y * 12 + mo - 1) - back
                    if begin <= first.year * 12 + first.month - 1 < begin + length:
                        continue  # 産前産後: no 所得割, no 均等割
                inc = m["income"]
                base = inc["total"]
                period = _unemployment(m)
                if period and period[0] <= first <= period[1]:
                    base -= inc.get("salary", 0) - inc.get("salary", 0) * 30 // 100
                deduction = next(a for up_to, a in rates.basic_deduction if up_to is None or inc["total"] <= up_to)
                total += (max(0, base - deduction) * r.income_rate).__floor__()
                if key == "child" and first <= _first_march_31_from(_reaches(birth, 18)):
                    continue  # 均等割 waived up to the first 31 March after the 18th birthday
                capita = (r.per_capita * keep).__floor__()
                if first <= _first_march_31_from(_reaches(birth, 6)):
                    capita //= 2  # 未就学児
                total += capita
            if anyone:
                total += household_levy
            twelfths += Fraction(min(r.cap, total), 12)
        parts[key] = (twelfths // 100) * 100
    annual = sum(parts.values())
    counted = [i for i, (first, _) in enumerate(months)
               if any(_counts(m.get("insured", []), first) for m in h["members"])]
    installments: list[dict[str, Any]] = []
    if counted:
        begin = max(2, counted[0] + 1)
        dues = [f"{first.year:04d}-{first.month:02d}" for first, _ in months[begin:]] or [f"{fy + 1:04d}-04"]
        each = annual // len(dues) // 100 * 100
        installments = [{"due": d, "amount": each} for d in dues]
        installments[0]["amount"] = annual - each * (len(dues) - 1)
    return {"fiscal_year": fy, "reduction": LABELS[level], "parts": parts, "annual": annual,
            "installments": installments}
