"""The days a JSON case may name (`kokuho premium`, `kokuho late-charge`): from 1850 (the oldest birth date on
file) to 2200. Beyond them no record of the city names a day, and the calendar's arithmetic (a due date plus the
20 days of its 督促, a charge's next day) would leave the dates Python can hold — refused naming the field."""

from __future__ import annotations

from datetime import date

FIRST_DATE, LAST_DATE = date(1850, 1, 1), date(2200, 12, 31)

__all__ = ["FIRST_DATE", "LAST_DATE"]
