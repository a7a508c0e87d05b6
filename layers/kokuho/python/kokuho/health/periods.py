"""The rounds of the 医療費通知, as data (kokuho/data/health/medical_cost_notices.json): two a fiscal year, each the
service months it covers and its day of issue. Checked whole when read: a round that is not one of two, months
out of order, a round issued before its last service month, or rounds that overlap are refused naming the field."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

Month = tuple[int, int]
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class PeriodError(ValueError):
    """The periods file (or a request for a round it lacks) is wrong; `field` names where."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class NoticeRound:
    fiscal_year: int
    round: int
    first_month: Month
    last_month: Month
    issued_on: date

    @property
    def print_id(self) -> str:
        """The print run's id: the year, the round and the day of issue (a rerun writes the same parts)."""
        return f"IRY-{self.fiscal_year}-{self.round}-{self.issued_on:%Y%m%d}"

    def months(self) -> list[Month]:
        out, (y, m) = [], self.first_month
        while (y, m) <= self.last_month:
            out.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def month_of(value: Any, field: str) -> Month:
    m = _MONTH.match(value) if isinstance(value, str) else None
    if m is None:
        raise PeriodError(field, "must be a month YYYY-MM")
    return int(m.group(1)), int(m.group(2))


def parse_rounds(raw: Any) -> dict[int, tuple[NoticeRound, ...]]:
    if not isinstance(raw, dict) or not isinstance(raw.get("fiscal_years"), dict):
        raise PeriodError("fiscal_years", "must be an object of fiscal years")
    out: dict[int, tuple[NoticeRound, ...]] = {}
    for key, rounds in raw["fiscal_years"].items():
        where = f"fiscal_years.{key}"
        if not re.fullmatch(r"\d{4}", key):
            raise PeriodError(where, "must be a fiscal year YYYY")
        if not isinstance(rounds, list) or len(rounds) != 2:
            raise PeriodError(where, "must hold two rounds (twice a year)")
        parsed: list[NoticeRound] = []
        for i, r in enumerate(rounds):
            at = f"{where}[{i}]"
            if not isinstance(r, dict) or set(r) != {"round", "first_month", "last_month", "issued_on"}:
                raise PeriodError(at, "must have round, first_month, last_month and issued_on")
            if r["round"] != i + 1:
                raise PeriodError(f"{at}.round", f"must be {i + 1}")
            first, last = month_of(r["first_month"], f"{at}.first_month"), month_of(r["last_month"], f"{at}.last_month")
            if last < first:
                raise PeriodError(f"{at}.last_month", "must not be before first_month")
            try:
                issued = date.fromisoformat(str(r["issued_on"]))
            except ValueError:
                raise PeriodError(f"{at}.issued_on", "must be a date YYYY-MM-DD") from None
            if (issued.year, issued.month) <= last:
                raise PeriodError(f"{at}.issued_on", "must be after the last service month")
            if parsed and first <= parsed[-1].last_month:
                raise PeriodError(f"{at}.first_month", "overlaps the round before")
            parsed.append(NoticeRound(int(key), i + 1, first, last, issued))
        out[int(key)] = tuple(parsed)
    return out


@cache
def load_rounds() -> dict[int, tuple[NoticeRound, ...]]:
    text = resources.files("kokuho.data").joinpath("health/medical_cost_notices.json").read_text("utf-8")
    return parse_rounds(json.loads(text))


def notice_round(fiscal_year: int, number: int) -> NoticeRound:
    """Round `number` (1 or 2) of `fiscal_year`, or PeriodError naming what the data lacks."""
    rounds = load_rounds().get(fiscal_year)
    if rounds is None:
        raise PeriodError("fiscal_year", f"no 医療費通知 rounds for fiscal year {fiscal_year} in the data")
    if number not in (1, 2):
        raise PeriodError("round", "must be 1 or 2")
    return rounds[number - 1]


def round_due(on: date) -> NoticeRound | None:
    """The round issued on `on`, if any (the schedule starts the workflow daily: it prints on the day)."""
    return next((r for rounds in load_rounds().values() for r in rounds if r.issued_on == on), None)
