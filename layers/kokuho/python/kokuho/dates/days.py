"""A day as every input of the system writes it: YYYY-MM-DD in ASCII digits, a day the calendar has. Python's
date.fromisoformat (3.11) also reads other ISO spellings — '20260601' and the week date '2026-W23-1', the latter
ten characters like a day — so a length check let a week date through as another day."""

from __future__ import annotations

import re
from datetime import date

DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def iso_day(value: object) -> date:
    """The day `value` writes as YYYY-MM-DD; ValueError for anything else (the caller words the refusal)."""
    if not isinstance(value, str) or not DAY.fullmatch(value):
        raise ValueError("not a day written YYYY-MM-DD")
    return date.fromisoformat(value)  # ValueError for a day the calendar has not (2026-02-30)


__all__ = ["DAY", "iso_day"]
