"""The qualification use cases (kokuho.qualification.registrations, kokuho.qualification.reads) on the
in-memory fake of the information file's port (tests/fakes/qualification_store.py): no moto. The same
through the API on the embedded AWS: tests/integration/qualification/."""

from __future__ import annotations

from datetime import date

import pytest
from fakes.qualification_store import AccessRow, InMemoryQualificationStore

from kokuho.access.actor import Actor
from kokuho.qualification import reads, registrations
from kokuho.qualification.errors import Conflict, NotFound
from kokuho.qualification.history import ChangeRejected
from kokuho.qualification.model import Person
from kokuho.qualification.ports import LineMark
from kokuho.qualification.reasons import Reason

TODAY = date(2024, 9, 1)
CLERK = Actor("S0001", "T-KOKUHO-01", "資格管理")


def _person(pid: str, rel: str = "世帯主", *, kana: str = "キタキュウ タロウ", birth: date = date(1975, 6, 15),
            postal: str = "803-8501", address: str = "北九州市小倉北区1") -> Person:
    return Person(pid, f"R{pid}", "H1", "北九 太郎", kana, birth, "1", rel, postal, address,
                  resident_from=date(2024, 4, 1))


@pytest.fixture
def store() -> InMemoryQualificationStore:
    s = InMemoryQualificationStore()
    registrations.register_person(s, CLERK, _person("P1"), "届出", TODAY)
    registrations.register_person(s, CLERK, _person("P2", "妻", kana="キタキュウ ハナコ", birth=date(1978, 2, 1)),
                                  None, TODAY)
    return s


def test_a_registration_writes_the_person_the_household_its_history_and_its_access_record(
        store: InMemoryQualificationStore) -> None:
    p1 = store.person("P1")
    assert p1 is not None and p1.version == 1
    hh = store.household("H1")
    assert hh is not None and hh.householder_id == "P1" and [m.person_id for m in hh.members] == ["P1", "P2"]
    file = store.person_file("P1")
    assert file is not None and [e["kind"] for e in file.history] == ["registered"]
    assert file.history[0]["note"] == "届出" and file.history[0]["recorded_by"] == "S0001"
    assert store.access[:2] == [AccessRow("S0001", ("P1", "HH:H1"), "qualification", "register_person"),
                                AccessRow("S0001", ("P2", "HH:H1"), "qualification", "register_person")]
    # the household's case is projected for the year of the change (the assessment reads it)
    case = store.household_case("H1", 2024)
    assert case is not None and [m["id"] for m in case["household"]["members"]] == ["P1", "P2"]
    with pytest.raises(Conflict, match="already registered"):
        registrations.register_person(store, CLERK, _person("P1"), None, TODAY)


def test_an_acquisition_at_the_version_read_and_a_stale_one_refused(store: InMemoryQualificationStore) -> None:
    after = registrations.register_qualification(store, CLERK, "P1", Reason.MOVE_IN, date(2024, 4, 1), 1, None,
                                                 TODAY)
    assert after.version == 2 and after.insured_on(TODAY)
    assert store.person("P1") == after  # what the use case answers is what a read returns
    with pytest.raises(Conflict, match="version 2, not 1"):
        registrations.register_move(store, CLERK, "P1", "802-0001", "北九州市小倉南区2", TODAY, 1, None, TODAY)
    case = store.household_case("H1", 2024)
    assert case is not None and case["household"]["members"][0]["insured"] == [{"from": "2024-04-01",
                                                                                 "until": None}]
    with pytest.raises(NotFound):
        registrations.register_move(store, CLERK, "P9", "802-0001", "x", TODAY, 1, None, TODAY)


def test_a_moved_access_chain_is_retried_and_a_moved_record_is_a_conflict(store: InMemoryQualificationStore) -> None:
    store.chain_moves = 2  # two concurrent reads of the person: the registration still commits
    registrations.register_move(store, CLERK, "P1", "802-0001", "北九州市小倉南区2", TODAY, 1, None, TODAY)
    assert store.person("P1").address == "北九州市小倉南区2"  # type: ignore[union-attr]
    store.chain_moves = 4  # never free: given up, nothing written
    with pytest.raises(Conflict, match="several attempts"):
        registrations.register_rename(store, CLERK, "P1", "北九 次郎", "キタキュウ ジロウ", TODAY, 2, None, TODAY)
    assert store.person("P1").name_kanji == "北九 太郎"  # type: ignore[union-attr]


def test_a_line_is_applied_once_and_a_pending_acquisition_is_consumed_by_its_notification() -> None:
    store = InMemoryQualificationStore()
    mark = LineMark("residents", "d" * 64, 3)
    registrations.register_arrival(store, CLERK, _person("P1"), (Reason.MOVE_IN, date(2024, 8, 1), "line 3"),
                                   None, TODAY, markers=[mark])
    assert store.has_pending_acquisition("P1") and mark in store.marks
    with pytest.raises(Conflict):  # the same line again: its marker holds, nothing changes
        registrations.register_move(store, CLERK, "P1", "802-0001", "北九州市小倉南区2", TODAY, 1, None, TODAY,
                                    markers=[mark])
    assert store.person("P1").version == 1  # type: ignore[union-attr]
    registrations.register_qualification(store, CLERK, "P1", Reason.MOVE_IN, date(2024, 8, 1), 1, None, TODAY)
    assert not store.has_pending_acquisition("P1")


def test_cards_are_issued_once_and_recovered_once(store: InMemoryQualificationStore) -> None:
    registrations.register_qualification(store, CLERK, "P1", Reason.MOVE_IN, date(2024, 4, 1), 1, None, TODAY)
    card = registrations.issue_card(store, CLERK, "P1", TODAY, 2, None, TODAY)
    assert store.cards("P1") == [card]
    with pytest.raises(ChangeRejected, match="outstanding"):
        registrations.issue_card(store, CLERK, "P1", TODAY, 3, None, TODAY)
    recovered = registrations.recover_card(store, CLERK, "P1", card.card_id, TODAY, "lost", 3, None, TODAY)
    assert store.cards("P1") == [recovered] and recovered.recovered_on == TODAY
    with pytest.raises(NotFound, match="card"):
        registrations.recover_card(store, CLERK, "P1", "nope", TODAY, "lost", 4, None, TODAY)


def test_incomes_are_stored_with_the_reprojected_case_and_keep_what_the_tax_file_does_not_carry(
        store: InMemoryQualificationStore) -> None:
    store.incomes_[("P1", 2024)] = {"total": 1, "involuntary_unemployment": {"since": "2024-03-31"}}
    case = registrations.register_incomes(store, CLERK, "H1", 2024, {"P1": {"total": 3_000_000, "salary": 3_000_000,
                                                                            "pension": 0, "declared": True}},
                                          operation="initial", markers=[LineMark("tax", "e" * 64, 1)])
    assert store.incomes(["P1"], 2024)["P1"]["involuntary_unemployment"] == {"since": "2024-03-31"}
    assert case["household"]["members"][0]["income"]["total"] == 3_000_000
    assert store.household_case("H1", 2024) == case
    assert store.access[-1] == AccessRow("S0001", ("P1", "HH:H1"), "income", "initial")
    with pytest.raises(ChangeRejected, match="not in the household"):
        registrations.register_incomes(store, CLERK, "H1", 2024, {"P9": {"total": 0}})
    store.chain_moves = 1  # a concurrent write: read again and store
    registrations.register_care(store, CLERK, "H1", 2024, {"P2": {"second_insured_exempt": ["2024-04"]}})
    assert store.care(["P2"], 2024) == {"P2": {"second_insured_exempt": ["2024-04"]}}


def test_reads_show_the_my_number_masked_and_leave_an_access_record_also_when_nothing_is_found(
        store: InMemoryQualificationStore) -> None:
    store.my_numbers.add("P1")
    view = reads.read_person(store, CLERK, "P1", TODAY)
    assert view["my_number"] == "*" * 12  # on file: shown masked, never the number
    assert view["history"][0]["kind"] == "registered" and view["version"] == 1
    household = reads.read_household(store, CLERK, "H1", TODAY)
    masks = {m["person_id"]: m["my_number"] for m in household["members"]}
    assert masks == {"P1": "*" * 12, "P2": ""}
    with pytest.raises(NotFound):
        reads.read_person(store, CLERK, "P9", TODAY)
    with pytest.raises(NotFound):
        reads.read_household(store, CLERK, "H9", TODAY)
    assert store.access[-4:] == [
        AccessRow("S0001", ("P1",), "qualification", "read"),
        AccessRow("S0001", ("HH:H1", "P1", "P2"), "qualification", "read"),
        AccessRow("S0001", ("P9",), "qualification", "read", "not_found"),
        AccessRow("S0001", ("HH:H9",), "qualification", "read", "not_found")]


def test_a_search_by_kana_pages_and_its_token_belongs_to_its_search(store: InMemoryQualificationStore) -> None:
    first = reads.search(store, CLERK, {"kana": "きたきゅう"}, 1, None, TODAY)  # hiragana: normalized
    assert [h["person_id"] for h in first["items"]] == ["P1"] and first["next_token"]
    second = reads.search(store, CLERK, {"kana": "きたきゅう"}, 1, first["next_token"], TODAY)
    assert [h["person_id"] for h in second["items"]] == ["P2"]
    with pytest.raises(ChangeRejected, match="another search"):
        reads.search(store, CLERK, {"postal_code": "803-8501"}, 1, first["next_token"], TODAY)
    with pytest.raises(ChangeRejected, match="not a token"):
        reads.search(store, CLERK, {"kana": "キ"}, 1, "garbage!", TODAY)
    with pytest.raises(ChangeRejected, match="at least one"):
        reads.search(store, CLERK, {}, 1, None, TODAY)
    none = reads.search(store, CLERK, {"resident_code": "RP1", "birth_date": "1999-01-01"}, 10, None, TODAY)
    assert none["items"] == []  # the other criteria filter
    assert store.access[-1] == AccessRow("S0001", ("no-match",), "qualification", "search", "ok", "SEARCH#S0001")


def test_the_counter_simulation_uses_the_incomes_given_and_records_the_read(store: InMemoryQualificationStore) -> None:
    registrations.register_qualification(store, CLERK, "P1", Reason.MOVE_IN, date(2024, 4, 1), 1, None, TODAY)
    out = reads.simulate(store, CLERK, "H1", 2024, {"P1": {"total": 2_000_000, "salary": 2_000_000, "pension": 0,
                                                          "declared": True}}, TODAY)
    assert out["case"]["household"]["members"][0]["income"]["total"] == 2_000_000
    assert out["result"]  # the premium engine's answer
    assert store.access[-1] == AccessRow("S0001", ("HH:H1", "P1", "P2"), "premium", "simulate")
    with pytest.raises(ChangeRejected, match="not in the household"):
        reads.simulate(store, CLERK, "H1", 2024, {"P9": {}}, TODAY)
