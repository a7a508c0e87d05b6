"""The day a scheduled run acts for (kokuho.dates.tokyo.day_of_run: `{"on": "YYYY-MM-DD"}` of the arrears, pension,
reminders, overpayment and benefit payment runs' StartExecution input). A malformed `on` is refused with a reason
naming the field — never the value: the Lambda's error message is the execution's `cause` in Step Functions'
history and a line of the function's log, where a My Number typed (or pasted) into the input would stay. Only
the form the input documents is a day: a number, a boolean, 20240815 or an ISO week date is not."""

from __future__ import annotations

from datetime import date

import pytest

from kokuho.dates.tokyo import day_of_run
from kokuho.identity.mynumber import check_digit, count_my_numbers

ELEVEN = "12345678901"
NUMBER = ELEVEN + str(check_digit(ELEVEN))
SHAPES = [NUMBER, f"{NUMBER[:4]}-{NUMBER[4:8]}-{NUMBER[8:]}", f"{NUMBER[:4]} {NUMBER[4:8]} {NUMBER[8:]}",
          NUMBER.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
          NUMBER.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")), f"on {NUMBER}", int(NUMBER)]


@pytest.mark.parametrize("index", range(len(SHAPES)))
def test_a_my_number_given_as_the_day_is_refused_without_being_repeated(index: int) -> None:
    with pytest.raises(ValueError) as caught:
        day_of_run({"on": SHAPES[index]})
    message = str(caught.value)
    leaked = count_my_numbers(message, inside_identifiers=True)  # never printed: asserted on the count
    assert leaked == 0
    names_the_field = message.startswith("on: ") and "YYYY-MM-DD" in message
    assert names_the_field


@pytest.mark.parametrize("given", [20240815, "20240815", "2024-W33-4", True, 2024.0, ["2024-08-15"],
                                   {"day": "2024-08-15"}, "2024-02-30", "2024-8-15", " 2024-08-15",
                                   "２０２４-０８-１５", "2024-08-15T00:00:00+09:00"])
def test_only_a_calendar_day_written_yyyy_mm_dd_is_a_day(given: object) -> None:
    with pytest.raises(ValueError, match="on: "):
        day_of_run({"on": given})


def test_the_day_given_or_today_in_tokyo() -> None:
    assert day_of_run({"on": "2024-08-15"}) == date(2024, 8, 15)
    assert day_of_run({"on": "2024-02-29"}) == date(2024, 2, 29)
    assert isinstance(day_of_run({}), date) and isinstance(day_of_run(None), date)
    assert isinstance(day_of_run({"on": None}), date)  # the schedule's own input: no day given


def test_a_day_to_come_is_refused_today_is_a_day() -> None:
    from datetime import timedelta

    from kokuho.dates.tokyo import today_jst

    today = today_jst()
    assert day_of_run({"on": today.isoformat()}) == today
    for ahead in (today + timedelta(days=1), date(9999, 12, 31)):
        with pytest.raises(ValueError, match="on: a day to come") as caught:
            day_of_run({"on": ahead.isoformat()})
        assert ahead.isoformat() not in str(caught.value)
