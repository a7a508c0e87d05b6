"""Placing a legal hold (kokuho.retention.holds): the reason is kept with the hold, so it must never hold a My
Number (the requests table is a record like any other) — refused naming the field, nothing stored."""

from __future__ import annotations

from datetime import date

import pytest

from kokuho.access.actor import Actor
from kokuho.retention.hold_ports import LegalHold
from kokuho.retention.holds import HoldError, lift_hold, place_hold

OFFICER = Actor("S0777", "T-1", "保存期間の停止 (legal hold)")


class Holds:
    def __init__(self) -> None:
        self.holds: dict[str, LegalHold] = {}

    def put_hold(self, actor: Actor, hold: LegalHold) -> bool:
        if hold.person_id in self.holds:
            return False
        self.holds[hold.person_id] = hold
        return True

    def remove_hold(self, actor: Actor, person_id: str) -> bool:
        return self.holds.pop(person_id, None) is not None

    def held_persons(self) -> set[str]:
        return set(self.holds)

    def hold_of(self, person_id: str) -> LegalHold | None:
        return self.holds.get(person_id)


def test_a_reason_holding_a_my_number_is_refused_and_nothing_is_stored() -> None:
    store = Holds()
    with pytest.raises(HoldError, match="reason") as raised:
        place_hold(OFFICER, "P1", "訴訟 123456789018", date(2026, 12, 1), store=store)
    assert "123456789018" not in str(raised.value) and store.holds == {}


def test_a_hold_is_placed_once_with_its_reason() -> None:
    store = Holds()
    hold = place_hold(OFFICER, "P1", " 訴訟 ", date(2026, 12, 1), store=store)
    assert (hold.reason, hold.placed_by, store.hold_of("P1")) == ("訴訟", "S0777", hold)
    with pytest.raises(HoldError, match="in force"):
        place_hold(OFFICER, "P1", "監査", date(2026, 12, 1), store=store)


@pytest.mark.parametrize("person", [" P1", "P1 ", "P1\n", "Ｐ１", "P 1", "P1\u200b", "../P1", "P1#X", "P" * 65])
def test_a_person_id_the_records_cannot_name_is_refused_not_held_under_another_spelling(person: str) -> None:
    """The retention run compares a hold's person with the ids its records name, character for character: a hold
    placed from the command line as 'P1 ' (a pasted id), 'Ｐ１' or 'P1\\n' was stored under that spelling, answered
    'held', and kept nothing of P1. Refused naming person_id (the API's path pattern, one rule), nothing stored."""
    store = Holds()
    with pytest.raises(HoldError, match="person_id") as raised:
        place_hold(OFFICER, person, "訴訟", date(2026, 12, 1), store=store)
    assert raised.value.field == "person_id" and store.holds == {}
    place_hold(OFFICER, "P1", "訴訟", date(2026, 12, 1), store=store)
    with pytest.raises(HoldError, match="person_id"):
        lift_hold(OFFICER, person, store=store)
    assert set(store.holds) == {"P1"}
