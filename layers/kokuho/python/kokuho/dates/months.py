"""A month as the office writes it: `YYYY-MM`, ASCII digits, the whole value (no line break after it), year
FIRST_YEAR or later (before it a slip: no month of this insurance), month 01–12. One rule for every input that names
a month — a run's month, a 更正's as_of, a receipt's service month, a file's month, a body's month: full-width or
other Unicode digits (which `str.isdigit` and an unflagged `\\d` take), a trailing line break (which `$` lets
through) and year 0000 are not months."""

from __future__ import annotations

import re
from typing import TypeGuard

FIRST_YEAR = 1800  # a day or month before it is a slip (year 0000 above all), no day of this insurance
MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


def is_month(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and MONTH.fullmatch(value) is not None and int(value[:4]) >= FIRST_YEAR


__all__ = ["FIRST_YEAR", "MONTH", "is_month"]
