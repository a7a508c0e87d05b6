"""Pure rules the resident-register intake added to the registrations: a departure of a person who is not
insured, a householder change within the household, and a death that cannot be in the future. No AWS."""

from __future__ import annotations

from datetime import date

import pytest

from kokuho.qualification import service
from kokuho.qualification.history import ChangeRejected, Period, lose
from kokuho.qualification.model import Household, Membership, Person
from kokuho.qualification.reasons import Reason

TODAY = date(2024, 11, 20)


def _person(pid: str, rel: str, *, insured: bool) -> Person:
    periods = (Period(date(2024, 4, 1), Reason.MOVE_IN),) if insured else ()
    return Person(pid, "10000001", "H1", "北九 太郎", "キタキュウ タロウ", date(1975, 6, 15), "1", rel, "803-8501",
                  "北九州市", resident_from=date(2024, 4, 1), periods=periods, version=3)


def _household() -> tuple[Household, dict[str, Person]]:
    head, child = _person("P1", "世帯主", insured=False), _person("P2", "子", insured=True)
    hh = Household("H1", "P1", (Membership("P1", "世帯主", date(2024, 4, 1)), Membership("P2", "子", date(2024, 4, 1))))
    return hh, {"P1": head, "P2": child}


def test_a_death_in_the_future_is_refused_but_a_move_out_may_be_notified_ahead() -> None:
    periods = (Period(date(2024, 4, 1), Reason.MOVE_IN),)
    with pytest.raises(ChangeRejected, match="future"):
        lose(periods, Reason.DEATH, date(2024, 11, 21), birth_date=date(1975, 1, 1), death_date=None, today=TODAY)
    closed, on = lose(periods, Reason.MOVE_OUT, date(2024, 11, 25), birth_date=date(1975, 1, 1), death_date=None,
                      today=TODAY)
    assert on == date(2024, 11, 26) and closed[0].until == on


def test_a_person_not_insured_departs_residence_and_household_the_day_after() -> None:
    hh, persons = _household()
    ch = service.depart(persons["P1"], hh, persons, Reason.MOVE_OUT, date(2024, 10, 31), TODAY)
    assert ch.persons["P1"].resident_until == date(2024, 10, 31)
    left = {m.person_id: m.left_on for m in ch.households["H1"].members}
    assert left == {"P1": date(2024, 11, 1), "P2": None}
    with pytest.raises(ChangeRejected, match="insured"):
        service.depart(persons["P2"], hh, persons, Reason.MOVE_OUT, date(2024, 10, 31), TODAY)
    with pytest.raises(ChangeRejected, match="future"):
        service.depart(persons["P1"], hh, persons, Reason.DEATH, date(2024, 11, 21), TODAY)


def test_a_householder_change_within_the_household_and_its_deemed_householder_entry() -> None:
    hh, persons = _household()
    ch = service.change_householder(hh, persons["P2"], persons, date(2024, 10, 1), TODAY)
    assert ch.households["H1"].householder_id == "P2"
    assert ch.persons["P2"].relationship == "世帯主"
    kinds = [e.kind for _, e in ch.household_entries]
    assert kinds == ["householder_changed"]  # P1 was 擬制世帯主; the insured P2 is not one
    with pytest.raises(ChangeRejected, match="already"):
        service.change_householder(hh, persons["P1"], persons, date(2024, 10, 1), TODAY)
