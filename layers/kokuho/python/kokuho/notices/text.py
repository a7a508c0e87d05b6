"""How a notice writes money and years (one place for every kind of notice)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from kokuho.dates.era import era_date


def yen(amount: int) -> str:
    """12,345円 (integer yen, thousands separators)."""
    return f"{amount:,}円"


def fiscal_year_label(fiscal_year: int) -> str:
    """令和6年度 (2024年度): the era year of the fiscal year's 1 April, the western year beside it."""
    era = era_date(date(fiscal_year, 4, 1))
    return f"{era[:era.index('年') + 1]}度 ({fiscal_year}年度)"


def masked_account(number: str) -> str:
    """An account number as a notice shows it: all but the last four digits hidden (***4567)."""
    return "***" + number[-4:]


def explanation_lines(explain: Mapping[str, Any]) -> list[str]:
    """The engine's explanation (`kokuho.premium.explain_case(...)["explain"]`) as a notice prints it, in the
    engine's own words: the summary, the reduction judgement, each part's computation."""
    return [*explain["summary"], *str(explain["reduction"]["text"]).split("\n"),
            *(str(part["text"]) for part in explain["parts"].values())]


def era_month(month: str) -> str:
    """令和6年10月 (2024年10月): a month YYYY-MM in the era form, the western year beside it."""
    era = era_date(date(int(month[:4]), int(month[5:7]), 1))
    return f"{era[:era.index('月') + 1]} ({int(month[:4])}年{int(month[5:7])}月)"
