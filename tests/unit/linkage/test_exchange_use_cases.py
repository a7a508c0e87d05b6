"""Provision, query results and retention (kokuho.linkage.provision, .query, .exchange_records, .retention)
on the in-memory fakes of their ports (tests/fakes/exchange_store.py, code_store.py) and the sandbox
network: no moto. The workflows on the embedded AWS: tests/integration/linkage/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fakes.code_store import InMemoryCodeStore
from fakes.exchange_store import InMemoryExchangeStore

from kokuho.access.actor import Actor
from kokuho.linkage import network, provision
from kokuho.linkage.exchange_ports import QueryResult
from kokuho.linkage.exchange_records import Exchange, record_exchange, records_for_request
from kokuho.linkage.network import city_body
from kokuho.linkage.provision import (
    NotAwaitingApproval,
    Reason,
    decide,
    park_for_approval,
    pending_approvals,
    provide,
    receive_request,
    refuse,
    register_copy,
    register_network_key,
    send_reply,
)
from kokuho.linkage.query import purge_expired_results, results_of
from kokuho.linkage.retention import purge_exchange_records
from kokuho_local.sandbox import SandboxNetwork, SandboxRequester

CLERK = Actor("S0001", "T1", "情報連携")
REVIEWER = Actor("S0100", "T2", "情報提供の承認")
REF = "10000000017"
COPY: dict[str, Any] = {"insurer_number": "401000", "qualification_status": "insured",
                        "qualification_acquired_on": "2020-04-01", "copay_ratio": "3割"}


class Sfn:
    """The workflow's task tokens as a reviewer's decision resumes them."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send_task_success(self, taskToken: str, output: str) -> None:  # noqa: N803 (the client's names)
        self.sent.append(("success", taskToken))

    def send_task_failure(self, taskToken: str, error: str, cause: str) -> None:  # noqa: N803
        self.sent.append(("failure", taskToken))


class World:
    def __init__(self) -> None:
        self.store, self.codes, self.net = InMemoryExchangeStore(), InMemoryCodeStore(), SandboxNetwork()
        self.kyokai = SandboxRequester("全国健康保険協会福岡支部", "全国健康保険協会", self.net)
        self.pref = SandboxRequester("福岡県", "都道府県知事", self.net)
        register_network_key(self.net.signing_public, store=self.store)
        self.codes.put_once("P1", self.net.issue_code(city_body(), REF), "2026-05-01T00:00:00+00:00", "network")
        register_copy("P1", COPY, CLERK, store=self.store)

    def receive(self, req: dict[str, Any]) -> dict[str, Any]:
        return receive_request(req, store=self.store, code_store=self.codes)


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    w = World()
    monkeypatch.setattr(network, "_gateway", w.net)
    # no 利用停止 in these tests (the requests desk's table; honoured end to end in tests/integration/requests)
    monkeypatch.setattr(provision, "partition_use", lambda use, ids: (list(ids), []))
    yield w


def _outcomes(w: World, request_id: str) -> list[tuple[str, str | None]]:
    return sorted((r.outcome, r.reason) for r in records_for_request(request_id, store=w.store))


def test_an_automatic_item_is_provided_once_recorded_and_sent_the_same_every_time(world: World) -> None:
    req = world.kyokai.make_request("2", REF, city_body())
    accepted = world.receive(req)
    assert (accepted["decision"], accepted["needs_approval"]) == ("accepted", False)
    assert provide(req["request_id"], store=world.store) == {"request_id": req["request_id"], "status": "provided"}
    assert provide(req["request_id"], store=world.store)["status"] == "provided"  # a retry commits nothing more
    reply = send_reply(req["request_id"], store=world.store)
    assert world.kyokai.open_reply(reply)["fields"]["insurer_number"] == "401000"
    assert send_reply(req["request_id"], store=world.store) == reply  # the same bytes again
    assert world.store.reply(req["request_id"]).sent_at
    (rec,) = records_for_request(req["request_id"], store=world.store)
    assert (rec.outcome, rec.person_id, rec.permit_id) == ("provided", "P1", req["permit"]["permit_id"])
    assert "copay_ratio" not in json.loads(rec.fields_sent)  # not an allowed field of item 2
    assert world.store.access.count(("system:linkage-provision", ("P1",), "linkage_provision", "provide")) == 1


def test_a_reused_permit_is_refused_and_a_rerun_of_the_refusal_records_nothing_more(world: World) -> None:
    first = world.kyokai.make_request("2", REF, city_body())
    assert world.receive(first)["decision"] == "accepted"
    again = world.kyokai.make_request("2", REF, city_body(), permit=first["permit"])
    refused = world.receive(again)
    assert refused["reply"]["reason"] == Reason.PERMIT_REUSED.value
    assert world.receive(again) == refused  # the operator's rerun
    assert _outcomes(world, again["request_id"]) == [("refused", "permit_reused")]
    assert world.store.request(again["request_id"]) is None


def test_when_the_access_log_fails_a_provision_commits_nothing_and_the_retry_provides(world: World) -> None:
    req = world.kyokai.make_request("6", REF, city_body())
    world.receive(req)
    world.store.fail_access = True
    with pytest.raises(RuntimeError, match="not committed"):
        provide(req["request_id"], store=world.store)
    assert world.store.request(req["request_id"]).status == "received"  # not provided without its record
    assert records_for_request(req["request_id"], store=world.store) == [] and world.store.replies == {}
    world.store.fail_access = False
    assert provide(req["request_id"], store=world.store)["status"] == "provided"
    assert _outcomes(world, req["request_id"]) == [("provided", None)]


def test_an_item_held_for_approval_leaves_only_after_a_persons_decision_and_once(world: World) -> None:
    req = world.pref.make_request("13", REF, city_body())
    assert world.receive(req)["needs_approval"] is True
    # without an approval, the provide step refuses (defence in depth) and closes the request once
    park_for_approval(req["request_id"], "token-1", store=world.store)
    (queued,) = pending_approvals(REVIEWER, store=world.store)
    assert queued["request_id"] == req["request_id"] and queued["preview"]["fields"]["copay_ratio"] == "3割"
    assert ("S0100", ("P1",), "linkage_provision", "read") in world.store.access  # reading the preview
    sfn = Sfn()
    assert decide(req["request_id"], True, REVIEWER, None, sfn, store=world.store)["status"] == "approved"
    with pytest.raises(NotAwaitingApproval):
        decide(req["request_id"], False, Actor("S0300", "T3", "承認"), "重複", sfn, store=world.store)
    assert sfn.sent == [("success", "token-1")] and pending_approvals(store=world.store) == []
    assert provide(req["request_id"], store=world.store)["status"] == "provided"
    (rec,) = records_for_request(req["request_id"], store=world.store)
    assert (rec.outcome, rec.approved_by) == ("provided", "S0100")
    # a late refusal (a timeout racing the approval) records nothing more
    refuse(req["request_id"], Reason.APPROVAL_TIMEOUT, store=world.store)
    assert _outcomes(world, req["request_id"]) == [("provided", None)]


def test_a_request_timed_out_waiting_is_refused_once_with_every_field_withheld(world: World) -> None:
    req = world.pref.make_request("13", REF, city_body())
    world.receive(req)
    park_for_approval(req["request_id"], "token-1", store=world.store)
    reply = refuse(req["request_id"], Reason.APPROVAL_TIMEOUT, store=world.store)
    assert refuse(req["request_id"], Reason.APPROVAL_TIMEOUT, store=world.store) == reply
    assert _outcomes(world, req["request_id"]) == [("refused", "approval_timeout")]
    assert pending_approvals(store=world.store) == []
    assert provide(req["request_id"], store=world.store) == reply  # closed: nothing leaves


def test_query_results_are_read_until_they_expire_and_purged_after(world: World) -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    for rid, days in (("Q1", -1), ("Q2", 10)):
        expires = now + timedelta(days=days)
        world.store.put_result(QueryResult("P1", rid, "48", "BODY", '{"x": 1}', "2026-05-01T00:00:00+00:00",
                                           int(expires.timestamp()), expires.isoformat(timespec="seconds")))
    assert [r["request_id"] for r in results_of("P1", now, store=world.store)] == ["Q2"]
    assert purge_expired_results(now, store=world.store) == 1
    assert [r.request_id for r in world.store.results_of("P1")] == ["Q2"]


def test_exchange_records_are_purged_after_seven_years_and_not_a_day_before(world: World) -> None:
    def record(rid: str, at: datetime) -> None:
        record_exchange(Exchange("query", city_body(), "BODY", "48", rid, at.isoformat(), "received"),
                        at, store=world.store)

    record("OLD", datetime(2019, 5, 31, 14, 0, tzinfo=UTC))  # 2019-05-31 23:00 in Japan
    record("KEPT", datetime(2019, 5, 31, 15, 0, tzinfo=UTC))  # 2019-06-01 00:00 in Japan
    out = purge_exchange_records(datetime(2026, 5, 31, 15, 0, tzinfo=UTC) - timedelta(minutes=1),
                                 store=world.store)  # 2026-05-31 23:59 in Japan
    assert out["records_deleted"] == 1
    assert records_for_request("OLD", store=world.store) == []
    assert len(records_for_request("KEPT", store=world.store)) == 1
