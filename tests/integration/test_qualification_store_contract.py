"""One contract, two adapters, for the information file's port (kokuho.qualification.ports): the in-memory
fake the use cases' unit tests run on (tests/fakes/qualification_store.py) and the pynamodb adapter
(kokuho.records.qualification_store) behave alike where the use cases rely on it — the same use cases
run on both and read back the same."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fakes.qualification_store import InMemoryQualificationStore

from kokuho.access.actor import Actor
from kokuho.qualification import reads, registrations, service
from kokuho.qualification.errors import Conflict
from kokuho.qualification.model import Person
from kokuho.qualification.ports import (
    Access,
    FactsWrite,
    InvalidPageToken,
    LineMark,
    PendingAcquisition,
    StoreConflict,
    one_note,
)
from kokuho.qualification.reasons import Reason

TODAY = date(2024, 9, 1)
NOW = datetime(2024, 9, 1, 1, 2, 3, tzinfo=UTC)
CLERK = Actor("S0001", "T-KOKUHO-01", "資格管理")


@pytest.fixture(params=["fake", "pynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "fake":
        yield InMemoryQualificationStore()
        return
    from kokuho_local.embedded import embedded_aws

    with embedded_aws():
        from kokuho.records.qualification_store import PynamoQualificationStore

        yield PynamoQualificationStore()


def _person(pid: str, rel: str = "世帯主", kana: str = "キタキュウ タロウ") -> Person:
    return Person(pid, f"R{pid}", "H1", "北九 太郎", kana, date(1975, 6, 15), "1", rel, "803-8501",
                  f"北九州市小倉北区{pid}", resident_from=date(2024, 4, 1))


def _household_of_three(store: Any) -> None:
    registrations.register_person(store, CLERK, _person("P1"), "届出", TODAY)
    registrations.register_person(store, CLERK, _person("P2", "妻", "キタキュウ ハナコ"), None, TODAY)
    registrations.register_person(store, CLERK, _person("P3", "子", "キタキュウ ジロウ"), None, TODAY)


def test_registrations_read_back_alike(store: Any) -> None:
    _household_of_three(store)
    registrations.register_qualification(store, CLERK, "P1", Reason.MOVE_IN, date(2024, 4, 1), 1, None, TODAY)
    card = registrations.issue_card(store, CLERK, "P1", TODAY, 2, None, TODAY)
    store.commit_changes(service.Change(), [], [], CLERK, [Access(["P1"], "qualification", "noop")], now=NOW)
    p1 = store.person("P1")
    assert p1 is not None and p1.version == 3 and p1.insured_on(TODAY)
    assert sorted(store.persons(["P1", "P3", "P9"])) == ["P1", "P3"]
    household = store.household("H1")
    assert household is not None and household.version == 4  # three registrations and the acquisition
    assert [m.person_id for m in household.members] == ["P1", "P2", "P3"]
    file = store.person_file("P1")
    assert file is not None and not file.my_number_on_file and file.cards == [card] == store.cards("P1")
    assert [(e["seq"], e["kind"], e["note"]) for e in file.history] == [
        (1, "registered", "届出"), (2, "acquire", None), (3, "card_issued", None)]
    found = store.household_file("H1")
    assert found is not None and found[0] == household
    assert [e["kind"] for e in found[1]] == ["household_created", "member_joined", "member_joined"]
    assert store.person_file("P9") is None and store.household_file("H9") is None
    persons, marked = store.persons_with_markers(["P1", "P2", "P9"])
    assert sorted(persons) == ["P1", "P2"] and marked == set()
    case = store.household_case("H1", 2024)
    assert case is not None and [m["id"] for m in case["household"]["members"]] == ["P1", "P2", "P3"]


def test_a_write_commits_only_at_the_versions_read_and_all_or_nothing(store: Any) -> None:
    _household_of_three(store)
    p1 = store.person("P1")
    stale = replace(p1, version=0)
    change = service.move(stale, "802-0001", "北九州市小倉南区2", TODAY, TODAY)
    with pytest.raises(StoreConflict):
        store.commit_changes(change, one_note(change, None), [], CLERK, [Access(["P1"], "qualification", "move")],
                             now=NOW)
    assert store.person("P1") == p1
    with pytest.raises(Conflict):
        registrations.commit(store, change, CLERK, "move", today=TODAY)
    mark = LineMark("residents", "d" * 64, 7)
    registrations.register_move(store, CLERK, "P1", "802-0001", "北九州市小倉南区2", TODAY, 1, None, TODAY,
                                markers=[mark])
    with pytest.raises(StoreConflict):  # the line's marker is written once
        moved = service.move(store.person("P1"), "802-0002", "x", TODAY, TODAY)
        store.commit_changes(moved, one_note(moved, None), [], CLERK, [Access(["P1"], "qualification", "move")],
                             now=NOW, marks=[mark])
    assert store.person("P1").address == "北九州市小倉南区2"
    household = store.household("H1")
    with pytest.raises(StoreConflict):  # a member moved since read
        store.commit_facts_many([FactsWrite(household, {"P1": p1}, 2024, {"P1": {"total": 1}}, {},
                                            {"fiscal_year": 2024, "household": {"members": []}})],
                                CLERK, [Access(["P1", "HH:H1"], "income", "write")], now=NOW)
    assert store.incomes(["P1"], 2024) == {}
    store.commit_facts_many([FactsWrite(household, {"P1": store.person("P1")}, 2024, {"P1": {"total": 1}},
                                        {"P2": {"second_insured_exempt": []}}, store.household_case("H1", 2024) or {})],
                            CLERK, [Access(["P1", "HH:H1"], "income", "write")], now=NOW)
    assert store.incomes(["P1", "P2"], 2024) == {"P1": {"total": 1}}
    assert store.care(["P1", "P2"], 2024) == {"P2": {"second_insured_exempt": []}}


def test_a_pending_acquisition_is_put_and_consumed_with_its_change(store: Any) -> None:
    pending = PendingAcquisition("P1", "move_in", date(2024, 8, 1), "residents line 1")
    registrations.register_arrival(store, CLERK, _person("P1"), (Reason.MOVE_IN, date(2024, 8, 1),
                                                                 "residents line 1"), None, TODAY)
    assert store.has_pending_acquisition("P1") and not store.has_pending_acquisition("P2")
    registrations.register_qualification(store, CLERK, "P1", Reason.MOVE_IN, pending.cause_on, 1, None, TODAY)
    assert not store.has_pending_acquisition("P1")


def test_searches_page_alike_and_refuse_a_foreign_token(store: Any) -> None:
    _household_of_three(store)
    seen: list[str] = []
    token: str | None = None
    while True:
        page = store.search("KANA", "キ", "キタキュウ", 2, token)
        seen += page.person_ids
        token = page.next_token
        if token is None:
            break
    assert seen == ["P3", "P1", "P2"]  # kana order: ジロウ, タロウ, ハナコ
    assert store.search("POSTAL", "803-8501", "北九州市小倉北区P2", 5, None).person_ids == ["P2"]
    assert store.search("RES", "RP3", None, 5, None).person_ids == ["P3"]
    first = store.search("KANA", "キ", "キタキュウ", 1, None)
    with pytest.raises(InvalidPageToken, match="another search"):
        store.search("RES", "RP3", None, 1, first.next_token)
    with pytest.raises(InvalidPageToken, match="not a token"):
        store.search("KANA", "キ", None, 1, "garbage!")
    hits = reads.search(store, CLERK, {"kana": "きたきゅう じ"}, 10, None, TODAY)["items"]
    assert [h["person_id"] for h in hits] == ["P3"]


def test_profiles_and_projection_facts_read_back_alike(store: Any) -> None:
    # What a registration reads in one request each: profiles of persons and households, and what a
    # household's projection is made of — profiles, incomes and care of each year, the cases before.
    _household_of_three(store)
    registrations.register_incomes(store, CLERK, "H1", 2024, {"P1": {"total": 2_000_000, "salary": 2_000_000}})
    registrations.register_care(store, CLERK, "H1", 2024, {"P2": {"exempt": [{"from": "2024-04-01"}]}})
    persons, households = store.profiles(["P1", "P9"], ["H1", "H9"])
    assert sorted(persons) == ["P1"] and persons["P1"] == store.person("P1")
    assert sorted(households) == ["H1"] and households["H1"] == store.household("H1")
    assert store.profiles([], []) == ({}, {})
    facts = store.projection_facts(["P1", "P2", "P9"], ["H1", "H9"], [2023, 2024])
    assert facts.persons == store.persons(["P1", "P2"])
    assert facts.incomes == {2023: {}, 2024: store.incomes(["P1", "P2"], 2024)} and facts.incomes[2024]
    assert facts.care == {2023: {}, 2024: store.care(["P1", "P2"], 2024)} and facts.care[2024]
    assert facts.cases == {2023: {}, 2024: {"H1": store.household_case("H1", 2024)}}
    only = store.projection_facts(["P1", "P2"], ["H1"], [2024], profiles=["P2"])  # the caller holds P1's
    assert only.persons == store.persons(["P2"])
    assert only.incomes == {2024: facts.incomes[2024]} and only.cases == {2024: facts.cases[2024]}
