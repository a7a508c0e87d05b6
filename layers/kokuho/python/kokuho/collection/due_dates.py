"""Due dates (納期限) of the ten ordinary-collection installments (domain.md §6).

Installment k (1–10) of fiscal year Y falls in June … March (k=1 → June Y, k=10 → March Y+1) and is due on
the last day of its month; a Saturday, Sunday, national holiday (国民の祝日に関する法律: substitute holidays and
国民の休日 included) or a day of 29 December – 3 January moves it to the next day that is none of these
(地方自治法 第4条の2). Holidays come from the maintained `holidays` library, not a hand-typed list.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import lru_cache

import holidays

INSTALLMENTS = 10
FIRST_MONTH = 6  # June


def installment_month(fiscal_year: int, number: int) -> tuple[int, int]:
    """(year, month) of installment `number` (1–10) of `fiscal_year`."""
    if not 1 <= number <= INSTALLMENTS:
        raise ValueError(f"installment number {number} is outside 1–{INSTALLMENTS}")
    month = FIRST_MONTH + number - 1
    return (fiscal_year, month) if month <= 12 else (fiscal_year + 1, month - 12)


@lru_cache(maxsize=64)
def _national_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("JP", years=year).keys())


def is_closed_day(day: date) -> bool:
    """Whether the city's offices are closed: weekend, national holiday, or 29 December – 3 January."""
    if day.weekday() >= 5:
        return True
    if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
        return True
    return day in _national_holidays(day.year)


def next_open_day(day: date) -> date:
    """`day` itself when the offices are open, else the next day they are (地方自治法 第4条の2)."""
    while is_closed_day(day):
        day += timedelta(days=1)
    return day


def due_date(fiscal_year: int, number: int) -> date:
    """納期限 of installment `number` of `fiscal_year`: its month's last day, moved past closed days."""
    return month_due_date(*installment_month(fiscal_year, number))


def month_due_date(year: int, month: int) -> date:
    """納期限 of an installment billed in (year, month): the month's last day, moved past closed days. Also
    for the months outside June … March that a late acquisition or a 更正 after March bills (premium rule 6/7)."""
    return next_open_day(date(year, month, calendar.monthrange(year, month)[1]))


def installment_number_of(fiscal_year: int, year: int, month: int) -> int:
    """The number of the installment billed in (year, month): 1 for June of the fiscal year … 10 for March;
    a month after March (a 更正 billed after the year) continues the count (11 = April)."""
    number = (year - fiscal_year) * 12 + month - FIRST_MONTH + 1
    if number < 1:
        raise ValueError(f"{year:04d}-{month:02d} is before the first installment of fiscal year {fiscal_year}")
    return number
