"""Ages, months and periods (domain.md §1 "Ages and periods", computation rules 1–2).

Months of a fiscal year are the bits of a 12-bit mask: bit 0 = April … bit 11 = March. A month is also
numbered absolutely (year × 12 + month − 1), so that a date's month relative to April is a subtraction.
Dates arrive as ISO strings (the validated case's JSON form) and are sliced, not parsed: a city has far
fewer distinct dates than people, and the engine memoizes what is derived from each.

Ages advance on the day before the birthday (年齢計算ニ関スル法律): whoever is born on the 1st of a
month reaches an age in the month before; someone born on 29 February reaches it on 28 February in a
common year, in February either way.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

FY_MONTHS = 12
FULL = (1 << FY_MONTHS) - 1  # all twelve months


def abs_month(iso: str) -> int:
    """Absolute month number (year × 12 + month − 1) of "YYYY-MM" or "YYYY-MM-DD"."""
    return int(iso[0:4]) * 12 + int(iso[5:7]) - 1


def april(fiscal_year: int) -> int:
    """Absolute month number of April of the fiscal year (month index 0)."""
    return fiscal_year * 12 + 3


def span(first: int, last: int) -> int:
    """Mask of month indices first..last inclusive, clipped to the year."""
    if first < 0:
        first = 0
    if last > FY_MONTHS - 1:
        last = FY_MONTHS - 1
    if first > last:
        return 0
    return ((1 << (last + 1)) - 1) ^ ((1 << first) - 1)


def months_of(mask: int) -> list[int]:
    """The month indices of a mask, in order."""
    return [i for i in range(FY_MONTHS) if mask >> i & 1]


def month_label(fiscal_year: int, index: int) -> str:
    """"YYYY-MM" of month `index` (0 = April; 12 = the April after the year)."""
    m = april(fiscal_year) + index
    return f"{m // 12:04d}-{m % 12 + 1:02d}"


def period_mask(april_month: int, start: str, until: str | None) -> int:
    """Computation rule 1 (月割 — monthly proration): a member counts from the month of acquisition
    (資格取得, `start`) through the month before the month of loss (資格喪失, `until`); acquisition and
    loss in the same month count that month once; a period lost on its acquisition day holds no day."""
    first = abs_month(start) - april_month
    if until is None:
        return span(first, FY_MONTHS - 1)
    if until <= start:
        return 0
    loss = abs_month(until) - april_month
    return span(first, first) if loss == first else span(first, loss - 1)


def _reached(birth: str, years: int) -> int:
    """Absolute month of the day one reaches `years` (the day before the birthday)."""
    return (int(birth[0:4]) + years) * 12 + int(birth[5:7]) - 1 - (birth[8:10] == "01")


def reached_month(birth: str, years: int) -> int:
    """Absolute month of the day one reaches `years` (the day before the birthday): also the 高額療養費's
    70–74 test (kokuho.benefits.brackets)."""
    return _reached(birth, years)


def _first_march_31_after(reached: int) -> int:
    """Absolute month (a March) of the first 31 March on or after a day in month `reached`."""
    return reached + (2 - reached) % 12


def last_preschool_month(birth: str) -> int:
    """Absolute month (a March) of the last month as 未就学児 (義務教育就学前): the first 31 March after reaching 6.
    The 均等割 half (below) and the 2割 copay of 療養費 (kokuho.benefits.other_benefits) both read it."""
    return _first_march_31_after(_reached(birth, 6))


class BirthFacts(NamedTuple):
    """What a birth date decides for one fiscal year."""

    class2: int  # rule 2: months as 介護保険第2号被保険者
    preschool: bool  # 未就学児 all year (the limit is a 31 March: all year or not at all)
    child_waived: bool  # child part's 均等割 waived all year (likewise)
    aged_65: bool  # 65 or over on 31 December before the fiscal year (reduction test)


def birth_facts(fiscal_year: int, birth: str) -> BirthFacts:
    start = april(fiscal_year)
    march = start + FY_MONTHS - 1
    # Rule 2: from the month of reaching 40 through the month before the month of reaching 65.
    class2 = span(_reached(birth, 40) - start, _reached(birth, 65) - start - 1)
    # 未就学児 / child waiver: up to the first 31 March after reaching 6 / 18.
    preschool = last_preschool_month(birth) >= march
    child_waived = _first_march_31_after(_reached(birth, 18)) >= march
    aged_65 = _reached(birth, 65) // 12 <= fiscal_year - 1  # reached in a calendar year before the FY's
    return BirthFacts(class2, preschool, child_waived, aged_65)


def maternity_mask(april_month: int, expected_month: str, multiple: bool) -> int:
    """産前産後 exemption months: 4 from the month before the expected month (6 from 3 months before for
    a multiple birth)."""
    expected = abs_month(expected_month) - april_month
    return span(expected - 3, expected + 2) if multiple else span(expected - 1, expected + 2)


class Unemployment(NamedTuple):
    """非自発的失業者 period: from the first day of the month containing the day after leaving to 31 March
    of the fiscal year after the one containing that day."""

    months: int  # its months in this fiscal year
    first_day: str
    last_day: str


def unemployment(april_month: int, left_on: str) -> Unemployment:
    day_after = dt.date.fromisoformat(left_on) + dt.timedelta(days=1)
    fy_after = day_after.year if day_after.month >= 4 else day_after.year - 1
    first = day_after.year * 12 + day_after.month - 1
    last = april(fy_after + 1) + FY_MONTHS - 1  # March of the fiscal year after
    return Unemployment(span(first - april_month, last - april_month),
                        f"{day_after.year:04d}-{day_after.month:02d}-01", f"{fy_after + 2:04d}-03-31")
