"""The fiscal year (年度): April to March, named by the year it starts in. One rule for every area that files,
limits or sets something per fiscal year."""

from __future__ import annotations

from datetime import date

FIRST_MONTH = 4  # April


def fiscal_year_of(day: date) -> int:
    """The fiscal year containing the day."""
    return day.year if day.month >= FIRST_MONTH else day.year - 1


def fiscal_year_of_month(month: str) -> int:
    """The fiscal year containing a month "YYYY-MM" (already checked: kokuho.dates.months)."""
    year, mon = int(month[:4]), int(month[5:7])
    return year if mon >= FIRST_MONTH else year - 1


__all__ = ["FIRST_MONTH", "fiscal_year_of", "fiscal_year_of_month"]
