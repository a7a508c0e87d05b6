"""Ages, months and periods (domain.md §1 "Ages and periods", computation rule 1–2).

Ages advance on the day before the birthday (年齢計算ニ関スル法律). Months of a fiscal year are
indexed 0 (April) … 11 (March).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

ONE_DAY = dt.timedelta(days=1)
FY_MONTHS = 12


def month_start(fiscal_year: int, index: int) -> dt.date:
    """First day of month `index` (0 = April) of the fiscal year."""
    m = 4 + index
    return dt.date(fiscal_year + (m - 1) // 12, (m - 1) % 12 + 1, 1)


def month_label(fiscal_year: int, index: int) -> str:
    d = month_start(fiscal_year, index)
    return f"{d.year:04d}-{d.month:02d}"


def month_index(fiscal_year: int, day: dt.date) -> int:
    """Index of the month containing `day` relative to April of the fiscal year (may be <0 or >11)."""
    return (day.year - fiscal_year) * 12 + day.month - 4


def fiscal_year_of(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def day_before_birthday(birth: dt.date, years: int) -> dt.date:
    """The day a person reaches `years` of age: the day before the birthday (年齢計算ニ関スル法律).
    Someone born on 29 February reaches it on 28 February in a common year."""
    try:
        anniversary = birth.replace(year=birth.year + years)
    except ValueError:  # 29 February in a common year: the anniversary is taken as 1 March
        anniversary = dt.date(birth.year + years, 3, 1)
    return anniversary - ONE_DAY


def age_on(birth: dt.date, day: dt.date) -> int:
    """Age in full years on `day`, advancing on the day before the birthday."""
    after = day + ONE_DAY
    return after.year - birth.year - ((after.month, after.day) < (birth.month, birth.day))


def first_march_31_after_birthday(birth: dt.date, years: int) -> dt.date:
    """"The first 31 March after the Nth birthday" = the first 31 March on or after the day before it
    (born 1 April → the 31 March on which they reach N; born 2 April → the following 31 March)."""
    reached = day_before_birthday(birth, years)
    return dt.date(reached.year if reached.month <= 3 else reached.year + 1, 3, 31)


def months_between(first: int, last: int) -> frozenset[int]:
    """Month indices first..last (inclusive) clipped to the fiscal year."""
    return frozenset(range(max(first, 0), min(last, FY_MONTHS - 1) + 1))


def counted_months(fiscal_year: int, periods: Iterable[tuple[dt.date, dt.date | None]]) -> frozenset[int]:
    """Computation rule 1 (月割 — monthly proration): a member counts from the month of acquisition
    (資格取得) through the month before the month of loss (資格喪失); acquisition and loss in the same
    month count that month once."""
    months: set[int] = set()
    for start, until in periods:
        first = month_index(fiscal_year, start)
        if until is None:
            months |= months_between(first, FY_MONTHS - 1)
            continue
        loss = month_index(fiscal_year, until)
        if loss == first:
            months |= months_between(first, first)
        else:
            months |= months_between(first, loss - 1)
    return frozenset(months)


def care_class2_months(fiscal_year: int, birth: dt.date) -> frozenset[int]:
    """Computation rule 2 (介護保険第2号被保険者 months): from the month containing the day before the
    40th birthday through the month before the month containing the day before the 65th birthday."""
    first = month_index(fiscal_year, day_before_birthday(birth, 40))
    end = month_index(fiscal_year, day_before_birthday(birth, 65))
    return months_between(first, end - 1)


def months_up_to(fiscal_year: int, last_day: dt.date) -> frozenset[int]:
    """Months of the fiscal year that start on or before `last_day`."""
    return months_between(0, month_index(fiscal_year, last_day))


def preschool_months(fiscal_year: int, birth: dt.date) -> frozenset[int]:
    """未就学児 (pre-school child) months: up to the first 31 March after the 6th birthday."""
    return months_up_to(fiscal_year, first_march_31_after_birthday(birth, 6))


def child_waiver_months(fiscal_year: int, birth: dt.date) -> frozenset[int]:
    """Months in which the child part's 均等割 is waived: up to the first 31 March after the 18th birthday."""
    return months_up_to(fiscal_year, first_march_31_after_birthday(birth, 18))


def maternity_months(fiscal_year: int, expected_month: str, multiple: bool) -> frozenset[int]:
    """産前産後 exemption months: 4 from the month before the expected month (6 from 3 months before for
    a multiple birth)."""
    y, m = (int(x) for x in expected_month.split("-"))
    expected = (y - fiscal_year) * 12 + m - 4
    before, count = (3, 6) if multiple else (1, 4)
    return months_between(expected - before, expected - before + count - 1)


def unemployment_period(left_on: dt.date) -> tuple[dt.date, dt.date]:
    """非自発的失業者 period: from the first day of the month containing the day after leaving to
    31 March of the fiscal year after the one containing that day."""
    day_after = left_on + ONE_DAY
    start = day_after.replace(day=1)
    return start, dt.date(fiscal_year_of(day_after) + 2, 3, 31)


def unemployment_months(fiscal_year: int, left_on: dt.date) -> frozenset[int]:
    start, end = unemployment_period(left_on)
    return months_between(month_index(fiscal_year, start), month_index(fiscal_year, end))
