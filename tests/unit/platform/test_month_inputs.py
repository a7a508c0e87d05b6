"""A month is written YYYY-MM in ASCII digits, the whole value, year 1 or later — one rule for every input that
names a month (a run's month, a 更正's as_of, a receipt's service month, a file's month). Full-width or other
Unicode digits, a trailing line break and year 0000 were taken by some of them and refused by others."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from kokuho.assessment.run_input import RunInputError, check_month
from kokuho.benefits.case import Month
from kokuho.dates.tokyo import month_of_run
from kokuho.premium.case import CaseError
from kokuho.premium.revision import revise

NOT_MONTHS = ["1799-12", "２０２４-０６", "2024-０６", "٢٠٢٤-٠٦", "2024-06\n", " 2024-06", "0000-06", "2024-6",
              "2024-13", "2024/06", 202406]
INSTALLMENTS = [{"due": "2024-07", "amount": 1000}]


def _refused(check: Any, value: object) -> None:
    with pytest.raises((ValueError, RunInputError, CaseError)):
        check(value)


@pytest.mark.parametrize("value", NOT_MONTHS, ids=range(len(NOT_MONTHS)))
def test_every_month_input_refuses_what_is_not_a_month(value: object) -> None:
    _refused(lambda v: check_month(v, "as_of_month"), value)
    _refused(lambda v: month_of_run({"month": v}, "month", "2024-06"), value)
    _refused(lambda v: TypeAdapter(Month).validate_python(v), value)
    _refused(lambda v: revise(INSTALLMENTS, 1000, v, 0), value)


def test_a_month_is_taken_by_each() -> None:
    assert check_month("2024-06", "as_of_month") == "2024-06"
    assert month_of_run({"month": "2024-06"}, "month", "2024-01") == "2024-06"
    assert TypeAdapter(Month).validate_python("2024-06").isoformat() == "2024-06-01"
