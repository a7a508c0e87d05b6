"""The access area's use cases — authorize (kokuho.access.grants), the login sessions, the volume limits and
the security team's searches — on the in-memory fakes of their ports (tests/fakes/access_stores.py): no
moto. The same through the API on the embedded AWS: tests/integration/qualification/
test_qualification_authz.py, test_identity_iam.py, test_volume_limits.py, tests/integration/access/."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from fakes.access_stores import InMemoryAccessLog, InMemorySessionStore, InMemoryStaffStore, InMemoryUsageStore

from kokuho.access import limits, search, sessions
from kokuho.access.actor import Actor
from kokuho.access.grants import Function, authorize
from kokuho.access.identity import Unauthenticated
from kokuho.access.ports import SessionExists
from kokuho.access.staff import Grant, StaffMember, page_grants, put_grant, put_staff, staff_profiles

TODAY = date(2026, 11, 30)
AUDITOR = Actor("S0900", "T-AUDIT-01", search.PURPOSE)


def _grant(staff_id: str, grant_id: str, function: Function, *, until: date = date(2027, 3, 31),
           department: str = "保険年金課") -> Grant:
    return Grant(staff_id, grant_id, function.value, "資格管理", "国保法第9条", department, date(2026, 4, 1), until,
                 "S0001", "2026-04-01T00:00:00+00:00")


@pytest.fixture
def staff() -> InMemoryStaffStore:
    store = InMemoryStaffStore()
    put_staff(StaffMember("S0100", "北九 花子", "保険年金課", date(2026, 4, 1), None), store=store)
    put_grant(_grant("S0100", "G1", Function.READ_QUALIFICATION), store=store)
    put_grant(_grant("S0100", "G2", Function.REGISTER_CHANGE, until=date(2026, 11, 29)), store=store)
    return store


def test_authorize_allows_only_an_active_grant_and_denies_by_default(staff: InMemoryStaffStore) -> None:
    assert authorize("S0100", Function.READ_QUALIFICATION, on=TODAY, store=staff).allowed
    expired = authorize("S0100", Function.REGISTER_CHANGE, on=TODAY, store=staff)
    assert not expired.allowed and "not active" in expired.reason
    assert authorize("S0100", Function.ISSUE_CARD, on=TODAY, store=staff).reason == "no grant of issue_card"
    assert authorize("S0999", Function.READ_QUALIFICATION, on=TODAY, store=staff).reason == "unknown member of staff"
    named = authorize("S0100", Function.READ_QUALIFICATION, purpose="ほかの目的", on=TODAY, store=staff)
    assert not named.allowed and "purpose" in named.reason
    assert staff.loads == 5  # one read of the staff store a decision
    # moved to another department (異動): every grant stops at once
    put_staff(StaffMember("S0100", "北九 花子", "税務課", date(2026, 4, 1), None), store=staff)
    assert not authorize("S0100", Function.READ_QUALIFICATION, on=TODAY, store=staff).allowed


def test_the_review_list_pages_over_every_grant(staff: InMemoryStaffStore) -> None:
    put_grant(_grant("S0200", "G1", Function.ISSUE_CARD), store=staff)
    first, token = page_grants(2, None, store=staff)
    assert [(g.staff_id, g.grant_id) for g in first] == [("S0100", "G1"), ("S0100", "G2")] and token
    rest, _ = page_grants(2, token, store=staff)
    assert [(g.staff_id, g.grant_id) for g in rest] == [("S0200", "G1")]
    assert set(staff_profiles({"S0100", "S0200"}, store=staff)) == {"S0100"}


def test_a_session_names_its_terminal_only_while_it_lives_and_for_its_member() -> None:
    store = InMemorySessionStore()
    expires = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    sessions.register_session("ASIAKEY1", "S0100", "T-KOKUHO-01", "arn:role", expires, store=store)
    before = (expires - timedelta(seconds=1)).timestamp()
    assert sessions.session_terminal("ASIAKEY1", "S0100", now=before, store=store) == "T-KOKUHO-01"
    assert sessions.session_terminal("ASIAKEY1", "S0200", now=before, store=store) is None  # another member
    assert sessions.session_terminal("ASIAKEY1", "S0100", now=expires.timestamp(), store=store) is None
    assert sessions.session_terminal("ASIAKEY9", "S0100", now=before, store=store) is None
    with pytest.raises(SessionExists):  # never overwritten
        sessions.register_session("ASIAKEY1", "S0200", "T-KOKUHO-02", "arn:role", expires, store=store)
    with pytest.raises(Unauthenticated):  # a shared id is never registered
        sessions.register_session("ASIAKEY2", "kokuho", "T-KOKUHO-02", "arn:role", expires, store=store)
    assert set(store.sessions) == {"ASIAKEY1"}


class _CountedSessions(InMemorySessionStore):
    """The fake, counting the reads that reach it."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get_session(self, access_key_id: str):  # type: ignore[no-untyped-def]
        self.reads += 1
        return super().get_session(access_key_id)


def test_a_live_session_is_read_once_a_container_and_an_unknown_key_every_time() -> None:
    # A registered session never changes (put only if absent, removed by TTL after it expires): the
    # container keeps what it read for the session's life, and still checks member and expiry each time.
    store = _CountedSessions()
    expires = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    before = (expires - timedelta(seconds=1)).timestamp()
    assert sessions.session_terminal("ASIAKEY3", "S0100", now=before, store=store) is None
    sessions.register_session("ASIAKEY3", "S0100", "T-KOKUHO-01", "arn:role", expires, store=store)
    for _ in range(3):
        assert sessions.session_terminal("ASIAKEY3", "S0100", now=before, store=store) == "T-KOKUHO-01"
    assert sessions.session_terminal("ASIAKEY3", "S0200", now=before, store=store) is None  # another member
    assert sessions.session_terminal("ASIAKEY3", "S0100", now=expires.timestamp(), store=store) is None
    assert store.reads == 2  # the unknown key's read, then the registered session's first
    assert sessions.session_terminal("ASIAKEY9", "S0100", now=before, store=store) is None
    assert sessions.session_terminal("ASIAKEY9", "S0100", now=before, store=store) is None
    assert store.reads == 4  # an unknown key is read again each time (its session may be registered since)
    other = _CountedSessions()  # another store (a new embedded AWS) knows nothing of this one's sessions
    assert sessions.session_terminal("ASIAKEY3", "S0100", now=before, store=other) is None
    assert other.reads == 1


def test_persons_are_counted_per_hour_and_a_settlement_charges_what_was_read() -> None:
    store = InMemoryUsageStore()
    now = 1_764_495_000.0  # within one hour window
    limit = limits.load_limits().of("S0100", "read_qualification").persons_per_hour
    taken = limits.reserve_persons("S0100", "read_qualification", limit - 5, now=now, store=store)
    limits.settle(taken, limit - 10, store=store)  # read fewer than reserved: the rest comes back
    limits.reserve_persons("S0100", "read_qualification", 10, now=now, store=store)
    with pytest.raises(limits.LimitExceeded) as refused:
        limits.reserve_persons("S0100", "read_qualification", 1, now=now, store=store)
    assert refused.value.kind == "persons_per_hour" and refused.value.retry_after_s > 0
    assert limits.usage("S0100", store=store) == {f"read_qualification#persons#{int(now) // 3600 * 3600}": limit}
    limits.reserve_persons("S0100", "read_qualification", 1, now=now + 3600, store=store)  # the next hour


def test_a_search_page_and_its_persons_are_taken_together_or_not_at_all() -> None:
    store = InMemoryUsageStore()
    now = 1_764_495_000.0
    criteria = {"kana": "キタ"}
    pages = limits.load_limits().of("S0100", "read_qualification").search_pages_per_query
    assert pages is not None
    for _ in range(pages):
        limits.reserve_page_and_persons("S0100", "read_qualification", criteria, 20, now=now, store=store)
    before = dict(store.counters)
    with pytest.raises(limits.LimitExceeded) as refused:
        limits.reserve_page_and_persons("S0100", "read_qualification", criteria, 20, now=now, store=store)
    assert refused.value.kind == "search_pages_per_query" and store.counters == before  # no persons taken
    other = {"kana": "ミナミ"}  # another search has its own pages, but the persons are the member's
    with pytest.raises(limits.LimitExceeded) as refused:
        limits.reserve_page_and_persons("S0100", "read_qualification", other, 300, now=now, store=store)
    assert refused.value.kind == "persons_per_hour" and store.counters == before  # no page counted


def _entry(at: str, chain: str, seq: int) -> tuple[str, str]:
    row = {"at": at, "chain": chain, "seq": seq, "staff_id": "S0100", "terminal_id": "T1", "purpose": "資格管理",
           "category": "qualification", "operation": "read", "result": "ok", "subjects": 1, "record_hash": "h"}
    return f"{at}#{chain}#{seq:010d}", json.dumps(row, ensure_ascii=False)


def test_who_accessed_pages_are_recorded_first_and_bounded_by_dates() -> None:
    log = InMemoryAccessLog()
    log.entries["P1"] = dict(_entry(f"2026-11-{d:02d}T01:00:00.000000+00:00", "SUBJECT#P1", d) for d in (1, 2, 3, 9))
    page = search.who_accessed_page("P1", "2026-11-01", "2026-11-03", AUDITOR, limit=2, store=log)
    assert [r["seq"] for r in page.rows] == [1, 2] and page.next_token
    rest = search.who_accessed_page("P1", "2026-11-01", "2026-11-03", AUDITOR, limit=2, page_token=page.next_token,
                                    store=log)
    assert [r["seq"] for r in rest.rows] == [3] and rest.next_token is None
    with pytest.raises(search.SearchError, match="page_token"):  # a token of another person's search
        search.who_accessed_page("P2", "2026-11-01", "2026-11-03", AUDITOR, page_token=page.next_token, store=log)
    assert [r["seq"] for r in search.who_accessed("P1", "2026-11-01", "2026-11-10", AUDITOR, store=log)] == [1, 2, 3, 9]
    assert log.recorded == [("S0900", ("P1",), "access_records", "search_subject")] * 3
    with pytest.raises(search.SearchError, match="before"):
        search.who_accessed("P1", "2026-11-30", "2026-11-01", AUDITOR, store=log)
    assert len(log.recorded) == 3  # a search asked wrongly reads nothing and records nothing


def test_staff_activity_lists_one_members_records_in_the_period_recorded_first() -> None:
    log = InMemoryAccessLog()
    base = {"terminal_id": "T1", "purpose": "資格管理", "category": "qualification", "operation": "read",
            "result": "ok", "extra": "not shown", "hash": "h"}
    log.records = [{**base, "at": "2026-11-02T00:00:00+00:00", "staff_id": "S0100", "subject_ids": ["P1"],
                    "chain": "SUBJECT#P1", "seq": 2},
                   {**base, "at": "2026-11-01T00:00:00+00:00", "staff_id": "S0100", "subject_ids": ["P2"],
                    "chain": "SUBJECT#P2", "seq": 1},
                   {**base, "at": "2026-11-01T00:00:00+00:00", "staff_id": "S0200", "subject_ids": ["P3"],
                    "chain": "SUBJECT#P3", "seq": 1}]
    rows = search.staff_activity("S0100", "2026-11-01", "2026-11-30", AUDITOR, store=log)
    assert [r["subject_ids"] for r in rows] == [["P2"], ["P1"]] and set(rows[0]) == set(search.STAFF_FIELDS)
    # the search, then the persons its rows showed (their own history shows it), before the answer
    assert log.recorded == [("S0900", ("STAFF:S0100",), "access_records", "search_staff"),
                            ("S0900", ("P1", "P2"), "access_records", "search_staff_shown")]


def test_a_staff_search_shows_in_the_history_of_each_person_its_rows_name() -> None:
    # `audit staff S0100` (and each API page of it) named only STAFF:S0100: the persons whose records it showed the
    # security team never saw it in their own history (who accessed me, the disclosure). One record a page names
    # them (distinct, SHOWN_PER_RECORD at most), not one a row; a page naming nobody adds none.
    log = InMemoryAccessLog()
    base = {"terminal_id": "T1", "purpose": "賦課", "category": "assessment", "operation": "write", "result": "ok",
            "staff_id": "S0100"}
    subjects = [f"H{i:04d}" for i in range(search.SHOWN_PER_RECORD + 5)]
    log.records = [{**base, "at": f"2026-11-01T0{k}:00:00+00:00", "subject_ids": part, "chain": f"run#{k}",
                    "seq": 1} for k, part in enumerate((subjects[:300], subjects[200:], ["H0001", "STAFF:S0100"]))]
    page = search.staff_activity_page("S0100", "2026-11-01", "2026-11-01", AUDITOR, limit=2, store=log)
    shown = [r for r in log.recorded if r[3] == "search_staff_shown"]
    assert [len(r[1]) for r in shown] == [search.SHOWN_PER_RECORD, 5] and len(page.rows) == 2
    assert [s for r in shown for s in r[1]] == subjects
    for person in ("H0000", "H0504"):
        assert [r["operation"] for r in search.who_accessed(person, "2026-11-01", "2026-12-31", AUDITOR, store=log)
                ][:1] == ["search_staff_shown"]
    log.recorded.clear()
    rest = search.staff_activity_page("S0100", "2026-11-01", "2026-11-01", AUDITOR, limit=2,
                                      page_token=page.next_token, store=log)
    assert [r["subject_ids"] for r in rest.rows] == [["H0001", "STAFF:S0100"]]
    assert log.recorded[1:] == [("S0900", ("H0001",), "access_records", "search_staff_shown")]
    log.recorded.clear()
    assert search.staff_activity("S0100", "2026-10-01", "2026-10-31", AUDITOR, store=log) == []
    assert [r[3] for r in log.recorded] == ["search_staff"]


def test_a_search_for_a_day_is_that_day_in_japan() -> None:
    # The office's day is Tokyo's (kokuho.dates.tokyo): "who accessed P1 on 2 November" asked for the UTC day, so it
    # missed 00:00-08:59 of the 2nd in Japan (the 1st after 15:00 UTC) and answered 09:00-23:59 of the 3rd instead.
    times = ["2026-11-01T14:59:59.999999+00:00",  # 1 Nov 23:59:59 in Japan
             "2026-11-01T15:00:00.000000+00:00",  # 2 Nov 00:00
             "2026-11-02T14:59:59.999999+00:00",  # 2 Nov 23:59:59
             "2026-11-02T15:00:00.000000+00:00"]  # 3 Nov 00:00
    log = InMemoryAccessLog()
    log.entries["P1"] = dict(_entry(at, "SUBJECT#P1", seq) for seq, at in enumerate(times, start=1))
    base = {"terminal_id": "T1", "purpose": "資格管理", "category": "qualification", "operation": "read",
            "result": "ok", "subject_ids": ["P1"], "chain": "SUBJECT#P1", "hash": "h"}
    log.records = [{**base, "at": at, "staff_id": "S0100", "seq": seq} for seq, at in enumerate(times, start=1)]
    day = "2026-11-02"
    assert [r["seq"] for r in search.who_accessed("P1", day, day, AUDITOR, store=log)] == [2, 3]
    assert [r["seq"] for r in search.who_accessed_page("P1", day, day, AUDITOR, store=log).rows] == [2, 3]
    assert [r["seq"] for r in search.staff_activity("S0100", day, day, AUDITOR, store=log)] == [2, 3]
    assert [r["seq"] for r in search.staff_activity_page("S0100", day, day, AUDITOR, store=log).rows] == [2, 3]


@pytest.mark.parametrize("bad", [("2026-W48-3", "2026-11-30"), ("2026-11-01", "2026-W48-3"),
                                 ("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31"),
                                 ("1799-12-31", "1800-01-01")])
def test_a_period_is_two_days_as_yyyy_mm_dd_the_records_can_hold(bad: tuple[str, str]) -> None:
    # '2026-W48-3' (an ISO week date, ten characters) was read as 24 November; a period ending 9999-12-31 or starting
    # in year 1 overflowed (OverflowError: the CLI's traceback, the API's 500) instead of a refusal naming the field.
    log = InMemoryAccessLog()
    for search_of in (search.who_accessed, search.staff_activity):
        with pytest.raises(search.SearchError, match="from and to"):
            search_of("P1" if search_of is search.who_accessed else "S0100", *bad, AUDITOR, store=log)
    assert log.recorded == []


@pytest.mark.parametrize("written", ["2026-W48-3", "20261130", "２０２６-１１-３０", "2026-11-30 ", "2026-02-30"])
def test_the_audit_export_day_is_written_yyyy_mm_dd(written: str) -> None:
    # `kokuho audit export --day 2026-W48-3` exported 25 November's records (a week date passed the length check)
    from kokuho.access.export import ExportError, parse_day

    with pytest.raises(ExportError, match="YYYY-MM-DD"):
        parse_day(written)
    assert parse_day("2026-11-30") == date(2026, 11, 30)
