"""The city's day: every date the office acts on (a run's day, a grant's validity, a record's day) is the
day in Japan, whatever the machine's own zone (Lambda runs in UTC)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from kokuho.access.run_inputs import InputRefused
from kokuho.dates.months import is_month

TOKYO = ZoneInfo("Asia/Tokyo")


def today_jst() -> date:
    return datetime.now(TOKYO).date()


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def day_of_run(event: Mapping[str, Any] | None, field: str = "on") -> date:
    """The day a scheduled run acts for: `{"on": "YYYY-MM-DD"}` (a missed day run again, never a day to come;
    another field's name as `field`), else today in Tokyo.
    Anything else is refused without repeating it: the error is the execution's cause in Step Functions'
    history and a line of the function's log, where a My Number typed into the input would stay."""
    given = (event or {}).get(field)
    if given is None or given == "":
        return today_jst()
    if not isinstance(given, str) or not _DAY.fullmatch(given):
        kind = type(given).__name__
        raise InputRefused(f"{field}: must be a date YYYY-MM-DD (a {kind} of another form was given)")
    try:
        day = date.fromisoformat(given)
    except ValueError:
        raise InputRefused(f"{field}: must be a date YYYY-MM-DD that exists in the calendar") from None
    if day > today_jst():
        # A run acts for today or a missed day: a day to come would act now on what that day decides — the
        # year-end 不納欠損 writing off premiums still collectible, a 督促 dated ahead renewing a right.
        raise InputRefused(f"{field}: a day to come (a run acts for today or a missed day)")
    return day


def month_of_run(event: Mapping[str, Any] | None, field: str, default: str) -> str:
    """The month a run acts for, `{field: "YYYY-MM"}`, else `default`: refused like a day (the value never
    repeated; it makes file ids and exchange-bucket keys)."""
    given = (event or {}).get(field)
    if given is None or given == "":
        return default
    if not is_month(given):
        raise InputRefused(f"{field}: must be a month YYYY-MM (a {type(given).__name__} of another form was given)")
    return given
