"""A 滞納整理 measure's id (its household, fiscal year, day and a random part) never reads as a My Number in any
shape: responses, records and the ledger show it as it is. It was `SD-H0001-2024-20240722-8601f9`, where
"2024-20240722" (one day in ten) or "20240722-8601" (a random part starting with four digits, one draw in a
hundred and seventy) read as twelve digits with a valid check digit — an access record refuses such a value, and
the API's leak scan failed at random."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kokuho.collection import arrears_actions
from kokuho.collection.arrears import ArrearsView, arrears_view
from kokuho.collection.ledger import charge_from_version
from kokuho.collection.ports import StoredLedger
from kokuho.identity.mynumber import contains_my_number
from kokuho.premium.installments import split_equally

MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]


def _view(household_id: str, on: date) -> ArrearsView:
    charge = charge_from_version(household_id, 2024, version=1, payer_id="P1", annual=100_000,
                                 installments=split_equally(100_000, MONTHS))
    return arrears_view(StoredLedger(charge), on)


@pytest.mark.parametrize("household_id", ["H0001", "H12345678", "H1234"])
def test_no_day_of_the_year_and_no_random_part_makes_the_id_read_as_a_my_number(
        household_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter(["8601f9", "0589cd", "3588b6", "0082f2", "123456"] * 400)
    monkeypatch.setattr(arrears_actions.secrets, "token_hex", lambda n: next(draws))
    day = date(2024, 4, 1)
    while day < date(2025, 4, 1):
        doc = arrears_actions.build_action(_view(household_id, day), kind="納付相談", on=day, staff_id="S1",
                                           note="来庁")
        assert not contains_my_number(str(doc["id"])), (household_id, day)
        day += timedelta(days=1)
