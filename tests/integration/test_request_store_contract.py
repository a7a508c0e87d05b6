"""One contract, two adapters, for the request desk's ports (kokuho.requests.ports): the in-memory fakes the
use cases' unit tests run on (tests/fakes/request_store.py) and the pynamodb adapters
(kokuho.records.requests) behave alike where the use cases rely on it — versioned steps, a step's mark or
kept disclosure committing with it or not at all, the suspension marks, the inquiry log, each write and
read recorded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fakes.request_store import InMemoryDisclosureRecords, InMemoryRequestStore

from kokuho.access.actor import Actor
from kokuho.requests import model
from kokuho.requests.ports import StoreConflict, keep_disclosure, mark_suspension

DESK = Actor("S0201", "T-SOUDAN-01", "開示等請求の処理")
TODAY = date(2026, 4, 10)


@pytest.fixture(params=["fake", "pynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "fake":
        yield InMemoryRequestStore()
        return
    from kokuho.records.requests import PynamoRequestStore
    from kokuho_local.embedded import embedded_aws

    with embedded_aws():
        yield PynamoRequestStore()


def _recorded(store: Any) -> list[tuple[tuple[str, ...], str]]:
    if isinstance(store, InMemoryRequestStore):
        return [(subjects, op) for _, subjects, op, _ in store.access]
    from kokuho.access.records import records_by_staff

    return [(tuple(r.subject_ids), str(r.operation)) for r in sorted(records_by_staff(DESK.staff_id),
                                                                      key=lambda r: str(r.at))]


def _suspension(request_id: str, person_id: str, decide_in: int = 0) -> model.Request:
    return model.receive(request_id, person_id, "suspension", TODAY + timedelta(days=decide_in), DESK.staff_id,
                         "旅券", {"categories": ["linkage", "collection"], "grounds": "目的外の利用のため"})


def test_a_step_writes_at_the_version_it_read_with_its_mark_and_record(store: Any) -> None:
    req = _suspension("R-1", "P1")
    store.add_request(DESK, req)
    with pytest.raises(StoreConflict):
        store.add_request(DESK, req)  # the id is taken
    assert store.get_request(DESK, "P1", "R-1") == (req, 1)
    assert store.get_request(DESK, "P1", "R-404") is None
    decided = model.decide(req, "granted", TODAY, DESK.staff_id)
    store.save_step(DESK, decided, 1, "decide_suspension")
    done = model.carry_out(decided, TODAY, DESK.staff_id, {"suspended": ["collection", "linkage"]})
    with pytest.raises(StoreConflict):
        store.save_step(DESK, done, 1, "carry_out_suspension", mark_suspension(done))  # read before the decision
    assert store.suspensions() == {}  # the mark did not commit without its step
    store.save_step(DESK, done, 2, "carry_out_suspension", mark_suspension(done))
    assert store.get_request(DESK, "P1", "R-1") == (done, 3)
    assert store.suspensions() == {"P1": {"linkage", "collection"}}
    assert store.suspensions_of({"P1", "P2"}) == {"P1": {"linkage", "collection"}}
    assert store.suspensions_of({"P2"}) == {}
    assert _recorded(store) == [(("P1",), "receive_suspension"), (("P1",), "read_request"),
                                (("P1",), "read_request"), (("P1",), "decide_suspension"),
                                (("P1",), "carry_out_suspension"), (("P1",), "read_request")]


def test_the_worklist_is_the_undecided_requests_due_first(store: Any) -> None:
    later, sooner = _suspension("R-2", "P1", decide_in=5), _suspension("R-3", "P2")
    store.add_request(DESK, later)
    store.add_request(DESK, sooner)
    assert [r.request_id for r in store.open_requests()] == ["R-3", "R-2"]
    store.save_step(DESK, model.decide(sooner, "refused", TODAY, DESK.staff_id, "理由"), 1, "decide_suspension")
    assert [r.request_id for r in store.open_requests()] == ["R-2"]


def test_a_disclosure_is_kept_as_handed_over_with_its_step(store: Any) -> None:
    req = model.receive("R-4", "P1", "disclosure", TODAY, DESK.staff_id, "個人番号カード", {"scope": "全て"})
    store.add_request(DESK, req)
    decided = model.decide(req, "granted", TODAY, DESK.staff_id)
    store.save_step(DESK, decided, 1, "decide_disclosure")
    body = '{"文書": "開示"}'.encode()
    done = model.carry_out(decided, TODAY, DESK.staff_id, {})
    store.save_step(DESK, done, 2, "carry_out_disclosure", keep_disclosure(done, body))
    assert store.kept_disclosure(DESK, "P1", "R-4") == body
    assert store.kept_disclosure(DESK, "P1", "R-404") is None
    assert _recorded(store)[-2:] == [(("P1",), "read_disclosure"), (("P1",), "read_disclosure")]


def test_the_inquiry_log_is_versioned_and_by_day(store: Any) -> None:
    first = model.log_inquiry("Q-1", TODAY, DESK.staff_id, "電話", "開示請求の方法", "P1")
    store.add_inquiry(DESK, first)
    store.add_inquiry(DESK, model.log_inquiry("Q-2", TODAY + timedelta(days=1), DESK.staff_id, "窓口", "質問"))
    answered = model.answer_inquiry(first, "案内した", TODAY, DESK.staff_id)
    with pytest.raises(StoreConflict):
        store.add_inquiry(DESK, answered, expected=2)
    store.add_inquiry(DESK, answered, expected=1)
    assert [(q.inquiry_id, q.answer, v) for q, v in store.inquiries(TODAY, TODAY)] == [("Q-1", "案内した", 2)]
    assert [q.inquiry_id for q, _ in store.inquiries(TODAY, TODAY + timedelta(days=1))] == ["Q-1", "Q-2"]
    store.record(DESK, ["P1"], "list_inquiries", f"STAFF#{DESK.staff_id}")
    assert _recorded(store) == [(("P1",), "log_inquiry"), (("INQUIRY:Q-2",), "log_inquiry"),
                                (("P1",), "answer_inquiry"), (("P1",), "list_inquiries")]


@pytest.fixture(params=["fake", "pynamodb"])
def disclosure_records(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "fake":
        yield InMemoryDisclosureRecords()
        return
    from kokuho.records.requests import PynamoDisclosureRecords
    from kokuho_local.embedded import embedded_aws

    with embedded_aws():
        yield PynamoDisclosureRecords()


def test_the_disclosure_reads_answer_empty_for_someone_unknown(disclosure_records: Any) -> None:
    assert disclosure_records.householder_of("H404") is None
    assert disclosure_records.versions("H404", 2026) == []
    assert disclosure_records.ledgers_of_payer("P404") == []
    assert disclosure_records.exchange_records("P404") == []
    assert disclosure_records.benefit_records("P404", "H404") == []
    assert disclosure_records.benefit_records("P404", None) == []
