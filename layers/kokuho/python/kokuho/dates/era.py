"""Japanese era dates (和暦) for what staff and residents read: 令和6年7月1日. The era and its first day come from
the maintained `japanera` library (no hand-typed table of eras); only the wording is ours (元年 for year 1)."""

from __future__ import annotations

from datetime import date

from japanera import EraDate


def era_date(day: date) -> str:
    """`day` in the era form, e.g. 令和6年7月1日 (令和元年5月1日 for an era's first year)."""
    era = EraDate.from_date(day).era
    year = day.year - era.since.year + 1
    return f"{era.kanji}{'元' if year == 1 else year}年{day.month}月{day.day}日"


def era_and_western(day: date) -> str:
    """The era form with the western date beside it, as staff expect on working lists: 令和6年7月1日 (2024-07-01)."""
    return f"{era_date(day)} ({day.isoformat()})"
