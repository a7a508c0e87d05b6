"""The destination municipality of a 転出 (転出先市町村コード) kept from the loss record (issue 13): the outgoing
高額該当 file needs it for a household that moved within the prefecture. Given with a 転出 (a loss, or a
departure of a person not insured), it is kept in the history entry; a code that is not a municipality code
(6 digits, its check digit), the city's own, or a destination on another reason is refused naming the field."""

from __future__ import annotations

from datetime import date

import pytest

from kokuho.qualification import service
from kokuho.qualification.history import ChangeRejected, Period
from kokuho.qualification.model import Household, Membership, Person
from kokuho.qualification.municipality import CITY_MUNICIPALITY, municipality_code
from kokuho.qualification.reasons import Reason

TODAY = date(2024, 11, 20)
FUKUOKA = "401307"  # 福岡市


def _world() -> tuple[Household, dict[str, Person]]:
    head = Person("P1", "10000001", "H1", "北九 太郎", "キタキュウ タロウ", date(1975, 6, 15), "1", "世帯主",
                  "803-8501", "北九州市", resident_from=date(2024, 4, 1),
                  periods=(Period(date(2024, 4, 1), Reason.MOVE_IN),), version=3)
    deemed = Person("P3", "10000003", "H1", "北九 次郎", "キタキュウ ジロウ", date(1950, 1, 1), "1", "父",
                    "803-8501", "北九州市", resident_from=date(2024, 4, 1), version=1)
    hh = Household("H1", "P1", (Membership("P1", "世帯主", date(2024, 4, 1)), Membership("P3", "父", date(2024, 4, 1))))
    return hh, {"P1": head, "P3": deemed}


def test_municipality_codes_carry_their_check_digit() -> None:
    assert municipality_code(FUKUOKA) == FUKUOKA and municipality_code(CITY_MUNICIPALITY) == "401005"
    for bad in ("401308", "40130", "4013071", "40130A", ""):
        with pytest.raises(ValueError):
            municipality_code(bad)


def test_a_move_out_keeps_its_destination_in_the_loss_record() -> None:
    hh, persons = _world()
    ch = service.lose(persons["P1"], hh, persons, Reason.MOVE_OUT, date(2024, 10, 31), TODAY, to_municipality=FUKUOKA)
    (pid, entry), = [e for e in ch.person_entries if e[1].kind == "lose"]
    assert (pid, entry.detail["to_municipality"], entry.cause_on) == ("P1", FUKUOKA, date(2024, 10, 31))
    gone = service.depart(persons["P3"], hh, persons, Reason.MOVE_OUT, date(2024, 10, 31), TODAY,
                          to_municipality=FUKUOKA)
    assert [e.detail.get("to_municipality") for _, e in gone.person_entries] == [FUKUOKA]
    # without one (not yet known), as before
    plain = service.lose(persons["P1"], hh, persons, Reason.MOVE_OUT, date(2024, 10, 31), TODAY)
    assert "to_municipality" not in plain.person_entries[0][1].detail


@pytest.mark.parametrize(("reason", "code", "why"), [
    (Reason.MOVE_OUT, "401308", "check digit"),
    (Reason.MOVE_OUT, CITY_MUNICIPALITY, "the city's own"),
    (Reason.DEATH, FUKUOKA, "only a 転出"),
])
def test_a_wrong_destination_is_refused_naming_the_field(reason: Reason, code: str, why: str) -> None:
    hh, persons = _world()
    with pytest.raises(ChangeRejected, match=f"to_municipality: .*{why}"):
        service.lose(persons["P1"], hh, persons, reason, date(2024, 10, 31), TODAY, to_municipality=code)
