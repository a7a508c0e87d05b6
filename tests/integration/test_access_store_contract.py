"""One contract, two adapters, for the access area's ports (kokuho.access.ports): the in-memory fakes the
use cases' unit tests run on (tests/fakes/access_stores.py) and the pynamodb adapters
(kokuho.records.access_store) behave alike where the use cases rely on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fakes.access_stores import InMemoryAccessLog, InMemorySessionStore, InMemoryStaffStore, InMemoryUsageStore

from kokuho.access.actor import Actor
from kokuho.access.ports import SessionExists, StaffSession, Take
from kokuho.access.staff import Grant, StaffMember


@pytest.fixture(params=["fake", "pynamodb"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "fake":
        yield "fake"
        return
    from kokuho_local.embedded import embedded_aws

    with embedded_aws():
        yield "pynamodb"


def _stores(backend: str) -> tuple[Any, Any, Any, Any]:
    if backend == "fake":
        return InMemoryStaffStore(), InMemorySessionStore(), InMemoryUsageStore(), InMemoryAccessLog()
    from kokuho.records.access_store import PynamoAccessLog, PynamoSessionStore, PynamoStaffStore, PynamoUsageStore

    return PynamoStaffStore(), PynamoSessionStore(), PynamoUsageStore(), PynamoAccessLog()


def _grant(staff_id: str, grant_id: str) -> Grant:
    return Grant(staff_id, grant_id, "read_qualification", "資格管理", "国保法第9条", "保険年金課", date(2026, 4, 1),
                 date(2027, 3, 31), "S0001", "2026-04-01T00:00:00+00:00")


def test_staff_and_grants_read_back_alike(backend: str) -> None:
    staff, _, _, _ = _stores(backend)
    member = StaffMember("S0100", "北九 花子", "保険年金課", date(2026, 4, 1), None)
    assert staff.load_staff("S0100") == (None, [])
    staff.put_staff(member)
    staff.put_staff(StaffMember("S0100", "北九 花子", "税務課", date(2026, 4, 1), date(2027, 3, 31)))  # 異動
    for staff_id, grant_id in (("S0100", "G2"), ("S0100", "G1"), ("S0200", "G1")):
        staff.put_grant(_grant(staff_id, grant_id))
    got, grants = staff.load_staff("S0100")
    assert got == StaffMember("S0100", "北九 花子", "税務課", date(2026, 4, 1), date(2027, 3, 31))
    assert [g.grant_id for g in grants] == ["G1", "G2"] and grants[0] == _grant("S0100", "G1")
    seen, token, pages = [], None, 0
    while True:
        page, token = staff.page_grants(2, token)
        seen += [(g.staff_id, g.grant_id) for g in page]
        pages += 1
        if token is None:
            break
    assert seen == [("S0100", "G1"), ("S0100", "G2"), ("S0200", "G1")] and pages == 2
    assert set(staff.staff_profiles({"S0100", "S0200"})) == {"S0100"}


def test_sessions_are_registered_once(backend: str) -> None:
    _, sessions, _, _ = _stores(backend)
    session = StaffSession("ASIAKEY1", "S0100", "T-KOKUHO-01", "arn:aws:iam::1:role/r", "2026-11-30T00:00:00+00:00",
                           1_764_500_000)
    assert sessions.get_session("ASIAKEY1") is None
    sessions.put_session(session)
    with pytest.raises(SessionExists):
        sessions.put_session(StaffSession("ASIAKEY1", "S0200", "T-KOKUHO-02", "arn", "2026-11-30", 1))
    assert sessions.get_session("ASIAKEY1") == session


def test_counters_stay_within_their_limits_and_take_all_or_none(backend: str) -> None:
    _, _, usage, _ = _stores(backend)
    persons, pages = ("USAGE#S0100", "f#persons#0"), ("USAGE#S0100", "f#pages#q#0")
    assert usage.take(Take(persons, 8, 10), 99)
    assert not usage.take(Take(persons, 3, 10), 99)
    usage.add(persons, -2)
    assert usage.take(Take(persons, 4, 10), 99)
    assert usage.take_all([Take(pages, 1, 1), Take(persons, 1, 10)], 99) == 1  # persons refuse: nothing taken
    assert usage.take_all([Take(pages, 1, 1), Take(persons, 0, 10)], 99) is None
    assert usage.take_all([Take(pages, 1, 1), Take(persons, 0, 10)], 99) == 0  # the page refuses first
    assert usage.usage("S0100") == {"f#pages#q#0": 1, "f#persons#0": 10}
    assert usage.usage("S0200") == {}


def test_the_access_log_reads_back_what_was_recorded(backend: str) -> None:
    _, _, _, log = _stores(backend)
    auditor = Actor("S0900", "T-AUDIT-01", "点検")
    for _ in range(3):
        log.record(auditor, ["P1"], "access_records", "search_subject")
    pages = list(log.subject_entries("P1", "2000-01-01", "2999-12-31~", 2, None))
    assert len(pages) == 1 and len(pages[0][0]) == 2 and pages[0][1] is not None
    rest = list(log.subject_entries("P1", "2000-01-01", "2999-12-31~", 2, pages[0][1]))
    assert len(rest[0][0]) == 1
    every = [e for page, _ in log.subject_entries("P1", "2000-01-01", "2999-12-31~", None, None) for e in page]
    assert [sk.rpartition("#")[2] for _, sk, _ in every] == ["0000000001", "0000000002", "0000000003"]
    rows = log.staff_records("S0900", "2000-01-01", "2999-12-31~")
    assert [(r["seq"], r["subject_ids"], r["operation"]) for r in rows] == [(n, ["P1"], "search_subject")
                                                                           for n in (1, 2, 3)]
    assert {r["chain"] for r in rows} == {"SUBJECT#P1"}
    first, cursor = log.staff_records_page("S0900", "2000-01-01", "2999-12-31~", 2, None)
    assert [r["seq"] for r in first] == [1, 2] and cursor is not None
    rest, end = log.staff_records_page("S0900", "2000-01-01", "2999-12-31~", 2, cursor)
    assert ([r["seq"] for r in rest], end) == ([3], None)
    assert log.staff_records_page("S0900", "2000-01-01", "2999-12-31~", 3, None)[1] is None  # exactly a page
    api = Actor("S0901", "T-AUDIT-02", "点検", chain="API#read_access_records#20261130-abcdefghijklmnop")
    log.record(api, ["P2"], "access_records", "search_subject")  # an API request: its container's own chain
    assert [r["chain"] for r in log.staff_records("S0901", "2000-01-01", "2999-12-31~")] == [api.chain]


def test_the_access_log_is_exported_anchored_and_verified_alike(backend: str) -> None:
    from datetime import UTC, datetime

    from kokuho.access.chain import Anchor

    _, _, _, log = _stores(backend)
    clerk = Actor("S0001", "T-KOKUHO-03", "資格管理")
    for subject in ("P1", "P1", "P2"):
        log.record(clerk, [subject], "qualification", "read")
    rows = log.day_records(datetime.now(UTC).date().isoformat())
    assert sorted((r["chain"], r["seq"], r["subject_ids"], r["staff_id"]) for r in rows) == [
        ("SUBJECT#P1", 1, ["P1"], "S0001"), ("SUBJECT#P1", 2, ["P1"], "S0001"), ("SUBJECT#P2", 1, ["P2"], "S0001")]
    assert log.day_records("2000-01-01") == []
    hashes = {(r["chain"], r["seq"]): r["hash"] for r in rows}
    heads, at_anchor = log.heads({"SUBJECT#P1": 1, "SUBJECT#P9": 3})
    assert heads == {"SUBJECT#P1": (2, hashes[("SUBJECT#P1", 2)]), "SUBJECT#P2": (1, hashes[("SUBJECT#P2", 1)])}
    assert at_anchor == {"SUBJECT#P1": hashes[("SUBJECT#P1", 1)]}
    assert log.verify({}) == (2, 3, [])
    # a chain a digest anchored that is gone, and one whose anchored head is not the record there now
    chains, records, breaks = log.verify({"SUBJECT#P9": Anchor(3, "x", "d-1"), "SUBJECT#P1": Anchor(2, "y", "d-1")})
    assert (chains, records) == (3, 3)
    assert sorted((b.chain, b.seq, b.reason.split(":")[0]) for b in breaks) == [
        ("SUBJECT#P1", 2, "head rewritten"), ("SUBJECT#P9", 3, "chain deleted")]
