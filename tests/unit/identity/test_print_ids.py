"""A print run's id (notices/<print id>/ in the work bucket, the access records' chains NOTICES#<print id>#…, the
run's answer) never holds twelve digits in any shape, whatever the day of issue (every day of 2000–2099) and fiscal
year: `NOZ-2024-20240722` held "2024-20240722" — twelve digits with a valid check digit one day in ten, which the
API's leak scan finds in an access record, and which every log line redacts (twelve digits, valid or not)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest

from kokuho.dates.fiscal_year import fiscal_year_of
from kokuho.identity.mynumber import find_candidates
from kokuho.linkage.federation_export import CITY_MUNICIPALITY


def every_day(first: date = date(2000, 1, 1), last: date = date(2099, 12, 31)) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def twelve_digits(value: str) -> bool:
    """Whether any run of digit groups in `value` holds twelve digits (what a log line redacts, valid or not)."""
    return bool(find_candidates(value))  # every valid My Number (contains_my_number) is among them


def _years_around(day: date) -> tuple[int, ...]:
    fy = fiscal_year_of(day)
    return fy - 1, fy  # a year's notices are printed in it, or late


def _none_read_as_digits(build: Callable[[int, date], str]) -> list[tuple[int, date]]:
    return [(fy, day) for day in every_day() for fy in _years_around(day) if twelve_digits(build(fy, day))][:3]


def test_the_premium_notice_print_id_never_holds_twelve_digits() -> None:
    from kokuho.payments.notice_service import print_id_of

    assert _none_read_as_digits(print_id_of) == []


def test_the_checkup_voucher_print_id_never_holds_twelve_digits() -> None:
    from kokuho.programmes.vouchers import print_id_of

    assert _none_read_as_digits(print_id_of) == []


@pytest.mark.parametrize("notice_round", [1, 2])  # twice a year (periods.parse_rounds)
def test_the_medical_cost_notice_print_id_never_holds_twelve_digits(notice_round: int) -> None:
    """IRY-<fy>-<round>-<yyyymmdd> is kept (its parts are on file): the round's digits sit between the year's four
    and the day's eight, so no run of groups adds up to twelve."""
    from kokuho.health.periods import NoticeRound

    def build(fy: int, day: date) -> str:
        return NoticeRound(fy, notice_round, (fy, 4), (fy + 1, 3), day).print_id

    assert _none_read_as_digits(build) == []


def test_the_benefit_print_id_never_holds_twelve_digits() -> None:
    from kokuho.receipts.benefit_payment import print_id_of

    assert [day for day in every_day() if twelve_digits(print_id_of(day))] == []
    assert [day for day in every_day() if twelve_digits(f"NOTICES#{print_id_of(day)}#payers")] == []


def test_the_federation_qualification_file_id_never_holds_twelve_digits() -> None:
    """QC-<municipality>-<yyyymmdd> is the federation's name: six digits and eight make fourteen, never twelve."""
    assert len(CITY_MUNICIPALITY) == 6 and CITY_MUNICIPALITY.isdigit()
    assert [day for day in every_day() if twelve_digits(f"QC-{CITY_MUNICIPALITY}-{day:%Y%m%d}")] == []
