"""The access records through the private API for the security team (issue 11 item 6): who accessed a
person, what a member of staff accessed — only with the READ_ACCESS_RECORDS grant, each search itself
recorded, a bad period refused with its reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from qualification_helpers import call

from kokuho.access.records import Actor, record_access
from kokuho.access.search import who_accessed
from kokuho.dates.tokyo import today_jst

SECURITY, CLERK, AUDITOR = "S1013", "S1002", "S1005"
# The searches take days in Japan (kokuho.access.search.date_range): today is Tokyo's, whatever the clock's zone.
TODAY = today_jst().isoformat()
YESTERDAY = (today_jst() - timedelta(days=1)).isoformat()
PERIOD = {"from": YESTERDAY, "to": TODAY}


def _accesses() -> None:
    record_access(Actor(CLERK, "T-KOKUHO-02", "資格管理"), ["P0001"], "qualification", "read")
    record_access(Actor("system:monthly", "exec-1", "月次賦課"), ["H0009", "P0001"], "assessment", "write",
                  chain="run-1#b-0")


def test_security_team_sees_who_accessed_a_person_and_the_search_is_recorded(staffed: None) -> None:
    _accesses()
    status, out, _ = call("GET", "/access-records/persons/P0001", staff_id=SECURITY, query=PERIOD)
    assert status == 200, out
    assert (out["person_id"], out["from_date"], out["to_date"]) == ("P0001", YESTERDAY, TODAY)
    assert [(r["staff_id"], r["operation"], r["subjects"]) for r in out["records"]] == [
        (CLERK, "read", 1), ("system:monthly", "write", 2), (SECURITY, "search_subject", 1)]
    # the API's search is in the person's history, with the terminal of the call
    seen = who_accessed("P0001", TODAY, TODAY, Actor("A0001", "T-SEC-01", "点検"))
    assert (seen[2]["staff_id"], seen[2]["category"], seen[2]["terminal_id"]) == (
        SECURITY, "access_records", "T-KOKUHO-01")


def test_who_accessed_comes_a_page_at_a_time(staffed: None) -> None:
    for operation in ("read", "update", "read"):
        record_access(Actor(CLERK, "T-KOKUHO-02", "資格管理"), ["P0001"], "qualification", operation)
    status, out, _ = call("GET", "/access-records/persons/P0001", staff_id=SECURITY, query={**PERIOD, "limit": "2"})
    assert status == 200, out
    assert [r["operation"] for r in out["records"]] == ["read", "update"] and out["next_token"]
    status, out, _ = call("GET", "/access-records/persons/P0001", staff_id=SECURITY,
                          query={**PERIOD, "limit": "2", "page_token": out["next_token"]})
    assert status == 200, out
    assert [r["operation"] for r in out["records"]] == ["read", "search_subject"] and out["next_token"]
    for bad in ({"limit": "0"}, {"limit": "51"}, {"page_token": "bm90IGEga2V5"}):
        status, out, _ = call("GET", "/access-records/persons/P0001", staff_id=SECURITY, query={**PERIOD, **bad})
        assert status == 422, out


def test_security_team_sees_one_member_of_staffs_activity(staffed: None) -> None:
    _accesses()
    status, out, _ = call("GET", f"/access-records/staff/{CLERK}", staff_id=SECURITY, query=PERIOD)
    assert status == 200, out
    assert [(r["subject_ids"], r["operation"]) for r in out["records"]] == [(["P0001"], "read")]


def test_one_member_of_staffs_activity_comes_a_page_at_a_time(staffed: None) -> None:
    # The whole period in one answer read every record of the member before answering: a busy clerk's month (300
    # persons an hour) outgrew what API Gateway and Lambda answer (29 s, 6 MB), and the search failed after reading
    # it all. A page at a time, as who-accessed: at most `limit` (1-50) records, the next page's token, each page
    # recorded as a search of the member's activity.
    for operation in ("read", "update", "read", "issue"):
        record_access(Actor(CLERK, "T-KOKUHO-02", "資格管理"), ["P0001"], "qualification", operation)
    seen: list[str] = []
    token: str | None = None
    for _ in range(3):
        query = {**PERIOD, "limit": "3"} | ({"page_token": token} if token else {})
        status, out, _ = call("GET", f"/access-records/staff/{CLERK}", staff_id=SECURITY, query=query)
        assert status == 200, out
        assert len(out["records"]) <= 3
        seen += [r["operation"] for r in out["records"]]
        token = out["next_token"]
        if token is None:
            break
    assert seen == ["read", "update", "read", "issue"]
    searches = [r for r in who_accessed(f"STAFF:{CLERK}", YESTERDAY, TODAY, Actor("A0001", "T-SEC-01", "点検"))
                if r["staff_id"] == SECURITY]
    assert len(searches) == 2  # each page recorded
    for bad in ({"limit": "0"}, {"limit": "51"}, {"page_token": "bm90IGEga2V5"}):
        status, out, _ = call("GET", f"/access-records/staff/{CLERK}", staff_id=SECURITY, query={**PERIOD, **bad})
        assert status == 422, out
    # a token of another member's activity does not continue this one
    status, out, _ = call("GET", f"/access-records/staff/{CLERK}", staff_id=SECURITY, query={**PERIOD, "limit": "1"})
    status, out, _ = call("GET", f"/access-records/staff/{SECURITY}", staff_id=SECURITY,
                          query={**PERIOD, "page_token": out["next_token"]})
    assert status == 422, out


def test_only_the_grant_opens_the_access_records(staffed: None) -> None:
    from kokuho.access.records import records_by_staff

    for staff_id in (CLERK, AUDITOR):
        for path in ("/access-records/persons/P0001", f"/access-records/staff/{CLERK}"):
            assert call("GET", path, staff_id=staff_id, query=PERIOD)[0] == 403
    # a refused look at a member's activity names that member (STAFF:<id>), as the search and the CLI's refusal
    # do — it named 'none', so the attempt was in no one's history
    assert [(r.operation, r.subject_ids) for r in records_by_staff(AUDITOR) if r.result == "denied"] == [
        ("search_subject", ["P0001"]), ("search_staff", [f"STAFF:{CLERK}"])]


def test_a_bad_period_is_refused_with_its_reason(staffed: None) -> None:
    status, out, _ = call("GET", "/access-records/persons/P0001", staff_id=SECURITY,
                          query={"from": TODAY, "to": YESTERDAY})
    assert (status, out["error"]) == (422, "to: before from")
    status, _, _ = call("GET", "/access-records/persons/P0001", staff_id=SECURITY, query={"from": TODAY})
    assert status == 422


def test_the_routes_data_calls_go_out_under_the_staff_members_own_session(
        staffed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """issue 11 item 1: with the data-access role configured, the request's reads of personal data are
    signed with a session of that role whose source identity is the member of staff."""
    from moto.sts.models import sts_backends

    role = "arn:aws:iam::123456789012:role/kokuho-qualification-api-review-data"
    monkeypatch.setenv("KOKUHO_DATA_ACCESS_ROLE_ARN", role)
    _accesses()
    signed: list[str] = []
    import botocore.handlers

    def keep(request: Any, **_: Any) -> None:
        if request.context.get("signing", {}).get("request_credentials") is not None:
            signed.append(request.context["signing"]["request_credentials"].access_key)

    botocore.handlers.BUILTIN_HANDLERS.append(("before-sign", keep))
    for model in _models():
        model._connection = None  # new clients: they take the handler above
    try:
        status, out, _ = call("GET", "/access-records/persons/P0001", staff_id=SECURITY, query=PERIOD)
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(("before-sign", keep))
    assert status == 200, out
    sessions = [r for r in sts_backends["123456789012"]["aws"].assumed_roles if r.role_arn == role]
    assert [r.session_name for r in sessions] == [SECURITY]
    assert signed and set(signed) == {sessions[0].access_key_id}


def _models() -> list[Any]:
    from pynamodb.models import Model

    found, stack = [], [Model]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        found.append(cls)
    return found
