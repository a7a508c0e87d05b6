"""The city's day: every date the office acts on (a run's day, a grant's validity, a record's day) is the
day in Japan, whatever the machine's own zone (Lambda runs in UTC)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")


def today_jst() -> date:
    return datetime.now(TOKYO).date()


def day_of_run(event: Mapping[str, Any] | None) -> date:
    """The day a scheduled run acts for: `{"on": "YYYY-MM-DD"}` (a missed day run again), else today in Tokyo."""
    given = (event or {}).get("on")
    return date.fromisoformat(str(given)) if given else today_jst()
