"""The request desk's use cases (kokuho.requests.workflow, .suspension, .disclosure) on the in-memory fakes
of their ports (tests/fakes/request_store.py): no moto."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fakes.request_store import InMemoryDisclosureRecords, InMemoryRequestStore

from kokuho.access.actor import Actor
from kokuho.requests import workflow
from kokuho.requests.disclosure import assessment_section, linkage_section
from kokuho.requests.model import RequestError
from kokuho.requests.ports import ExchangeRow, PremiumVersion, StoreConflict
from kokuho.requests.suspension import UseSuspended, check_use, partition_use, suspended_for

TODAY = date(2026, 4, 10)
DESK = Actor("S0201", "T-SOUDAN-01", workflow.PURPOSE)


def _suspend(store: InMemoryRequestStore, person_id: str, categories: list[str]) -> None:
    workflow.receive_request(DESK, f"R-{person_id}", person_id, "suspension", TODAY, "旅券",
                             {"categories": categories, "grounds": "目的外の利用のため"}, store=store)
    workflow.decide_request(DESK, person_id, f"R-{person_id}", "granted", TODAY, store=store)
    workflow.carry_out_request(DESK, person_id, f"R-{person_id}", TODAY, store=store)


def test_a_granted_suspension_stops_its_category_for_that_person_only() -> None:
    store = InMemoryRequestStore()
    check_use("linkage.provision", ["P1"], store)  # nothing suspended yet
    _suspend(store, "P1", ["linkage"])
    with pytest.raises(UseSuspended, match="linkage") as err:
        check_use("linkage.provision", ["P2", "P1"], store)
    assert "P1" not in str(err.value)  # how many, never who
    check_use("qualification.read", ["P1"], store)
    assert partition_use("linkage.query", ["P2", "P1"], store) == (["P2"], ["P1"])
    # more than a few persons: the index of every mark, same answer
    assert suspended_for(["P1", "P2", "P3", "P4", "P5"], "linkage", store) == ["P1"]
    assert suspended_for(["P1"], "requests", store) == []  # handling the requests is never suspended
    assert [op for _, _, op, _ in store.access] == [
        "receive_suspension", "read_request", "decide_suspension", "read_request", "carry_out_suspension"]


def test_a_step_on_a_stale_version_changes_nothing() -> None:
    store = InMemoryRequestStore()
    workflow.receive_request(DESK, "R-1", "P1", "suspension", TODAY, "旅券",
                             {"categories": ["collection"], "grounds": "理由"}, store=store)
    req, version = store.requests[("P1", "R-1")]
    workflow.decide_request(DESK, "P1", "R-1", "granted", TODAY, store=store)
    with pytest.raises(StoreConflict):
        store.save_step(DESK, req, version, "decide_suspension")
    assert store.requests[("P1", "R-1")][1] == 2 and store.suspensions() == {}


def test_the_worklist_and_the_inquiry_log_are_recorded_on_the_members_chain() -> None:
    store = InMemoryRequestStore()
    workflow.receive_request(DESK, "R-1", "P1", "disclosure", TODAY, "個人番号カード", {"scope": "全て"}, store=store)
    assert [r["request_id"] for r in workflow.due_requests(TODAY, DESK, store=store)] == ["R-1"]
    workflow.log_inquiry(DESK, "Q-1", TODAY, "電話", "誰が見たか", "P1", store=store)
    workflow.answer_inquiry(DESK, "Q-1", TODAY, "開示請求を案内した", TODAY + timedelta(days=1), store=store)
    assert [q.answer for q in workflow.inquiry_log(DESK, TODAY, TODAY, store=store)] == ["開示請求を案内した"]
    with pytest.raises(RequestError, match="after to"):
        workflow.inquiry_log(DESK, TODAY, TODAY - timedelta(days=1), store=store)
    lists = [(subjects, chain) for _, subjects, op, chain in store.access if op.startswith("list_")]
    assert lists == [(("P1",), "STAFF#S0201"), (("P1",), "STAFF#S0201")]


def test_a_disclosure_shows_premiums_only_to_the_payer_and_every_exchange_naming_them() -> None:
    records = InMemoryDisclosureRecords(
        householders={"H1": "P1"},
        premium_versions={("H1", 2026): [PremiumVersion(2026, 1, "確定", {"annual": 120_000}, (
            {"number": 1, "due": "2026-06-30", "amount": 12_000},), 0)]},
        exchanges={"P1": [ExchangeRow("provision", "北九州市", "401005", "別表1-2", "2026-04-01T10:00:00+09:00",
                                      None, "refused", (), ("所得",))]})
    shown = assessment_section("P1", "H1", [2025, 2026], records)
    assert [(r["年度"], r["版"], r["年額"], r["期別"]) for r in shown] == [
        (2026, 1, 120_000, [{"期": 1, "納期": "2026-06-30", "金額": 12_000}])]
    assert assessment_section("P2", "H1", [2026], records) == []  # a member who does not pay sees none
    (row,) = linkage_section("P1", records)
    assert (row["区分"], row["結果"], row["提供しなかった項目"]) == ("提供", "refused", ["所得"])
