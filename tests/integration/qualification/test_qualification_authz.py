"""Who may call what: every route called by every role, the expectation read from ONE table
(qualification.api.ROUTES × qualification_helpers.roles()); grants that end, staff who move or retire (frozen time);
the permission review list; the API surface (OpenAPI document, no bulk export, no My Number in URLs)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from freezegun import freeze_time
from openapi_spec_validator import validate
from qualification_helpers import DEPT, PURPOSE, active_functions, call, roles

from kokuho.access.records import records_by_staff

SAMPLE = {"person_id": "P0001", "household_id": "H0001", "card_id": "P0001-C0003", "request_id": "R0001",
          "staff_id": "S1002", "inquiry_id": "Q0001"}
MINIMAL_BODY = {"my_number": "123456789018"}
UNAUTHENTICATED = [None, "admin", "ADMIN01", "kyotsu", "guest0001", "s1002", "S-1002", "shared", "SYSTEM01"]


def _path(template: str) -> str:
    for k, v in SAMPLE.items():
        template = template.replace("{" + k + "}", v)
    return template


def _seed_person() -> None:
    body = {"person_id": "P0001", "resident_code": "10000001", "household_id": "H0001", "name_kanji": "北九 太郎",
            "name_kana": "キタキュウ タロウ", "birth_date": "1975-06-15", "sex": "1", "relationship": "世帯主",
            "postal_code": "803-8501", "address": "北九州市小倉北区城内1-1", "resident_from": "2024-04-01"}
    assert call("POST", "/persons", staff_id="S1002", body=body)[0] == 201


def test_route_by_role_matrix(staffed: None) -> None:
    from qualification.api import ROUTES

    _seed_person()
    mismatches: list[str] = []
    denied_expected: dict[str, int] = {}
    for route in ROUTES:
        path = _path(route.path)
        body = MINIMAL_BODY if route.method == "POST" else None
        for name, role in roles().items():
            allowed = route.function is None or route.function.value in active_functions(role)
            status, out, _ = call(route.method, path, staff_id=role.staff_id, body=body)
            if allowed and status in (401, 403):
                mismatches.append(f"{route.method} {route.path} {name}: expected allowed, got {status}")
            if not allowed:
                denied_expected[role.staff_id] = denied_expected.get(role.staff_id, 0) + 1
                if status != 403:
                    mismatches.append(f"{route.method} {route.path} {name}: expected 403, got {status}")
            if status >= 500:
                mismatches.append(f"{route.method} {route.path} {name}: {status}")
        for sid in UNAUTHENTICATED:
            status, _, _ = call(route.method, path, staff_id=sid, body=body)
            if status != 401:
                mismatches.append(f"{route.method} {route.path} id {sid!r}: expected 401, got {status}")
        status, _, _ = call(route.method, path, staff_id="S1002", terminal_id=None, body=body)
        if status != 401:
            mismatches.append(f"{route.method} {route.path}: no terminal, expected 401, got {status}")
    assert mismatches == []
    # every refusal left a denied access record naming the member of staff
    for sid, n in denied_expected.items():
        denied = [r for r in records_by_staff(sid) if r.result == "denied"]
        assert len(denied) == n, sid


def _grant_with_end(valid_until: date, staff_until: date | None = None, department: str = DEPT) -> None:
    from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff

    put_staff(StaffMember("S2001", "期限 太郎", department, date(2020, 4, 1), staff_until))
    put_grant(Grant("S2001", "G1", "read_qualification", PURPOSE, "国保法第9条", DEPT, date(2024, 4, 1),
                    valid_until, "S9001", "2024-04-01T09:00:00+09:00"))


def _can_read() -> int:
    return call("GET", "/persons", staff_id="S2001", query={"kana": "キ"})[0]


def test_a_grant_stops_at_the_end_of_its_last_day_in_japan(staffed: None) -> None:
    _grant_with_end(date(2025, 3, 31))
    with freeze_time("2025-03-31T14:59:59Z"):  # 23:59:59 JST on the last day
        assert _can_read() == 200
    with freeze_time("2025-03-31T15:00:00Z"):  # 00:00 JST the next day: gone, no job ran
        assert _can_read() == 403


def test_retirement_and_a_move_end_every_grant_at_once(staffed: None) -> None:
    from kokuho.access.staff import StaffMember, put_staff

    _grant_with_end(date(2099, 3, 31))
    with freeze_time("2025-06-01T03:00:00Z"):
        assert _can_read() == 200
        put_staff(StaffMember("S2001", "期限 太郎", "税務課", date(2020, 4, 1), None))  # 異動
        assert _can_read() == 403
        put_staff(StaffMember("S2001", "期限 太郎", DEPT, date(2020, 4, 1), date(2025, 5, 31)))  # 退職
        assert _can_read() == 403


def test_permission_review_list_shows_every_grant_with_its_state(staffed: None) -> None:
    _grant_with_end(date(2025, 3, 31))
    with freeze_time("2025-06-01T03:00:00Z"):
        items: list[dict] = []
        token = None
        while True:
            query = {"limit": "7"} | ({"page_token": token} if token else {})
            status, out, _ = call("GET", "/permissions/review", staff_id="S1005", query=query)
            assert status == 200, out
            items += out["items"]
            token = out["next_token"]
            if not token:
                break
    states = {(i["staff_id"], i["function"]): i["state"] for i in items}
    assert states[("S2001", "read_qualification")] == "expired"
    assert states[("S1002", "register_change")] == "active"
    assert states[("S1008", "read_qualification")] == "not_yet_valid"
    assert states[("S1009", "read_qualification")] == "staff_inactive"  # retired
    assert states[("S1010", "read_qualification")] == "staff_inactive"  # moved
    expected = sum(len(r.functions) for r in roles().values()) + 1
    assert len(items) == expected


def test_openapi_document_is_valid_and_the_surface_has_no_bulk_export(staffed: None) -> None:
    from qualification.api import OPENAPI_PATH, ROUTES

    status, doc, _ = call("GET", OPENAPI_PATH, staff_id="S1006")
    assert status == 200
    validate(doc)
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    declared = {(r.method, r.path) for r in ROUTES}
    assert documented == declared
    # the 自動応答不可 approval is part of this one private API, its body documented by its model
    assert {("GET", "/linkage/approvals"), ("POST", "/linkage/approvals/{request_id}")} <= documented
    # two body models of one name are told apart by module path: a client then sees internal module names
    assert not [n for n in doc["components"]["schemas"] if "__" in n]
    decision = doc["components"]["schemas"]["DecisionIn"]
    assert decision["required"] == ["decision"] and decision["additionalProperties"] is False
    assert "text/csv" not in json.dumps(doc)  # nothing is served as a file
    for p in doc["paths"]:
        assert not any(word in p.lower() for word in ("export", "csv", "download", "bulk", "dump")), p
    for p, ops in doc["paths"].items():
        for op in ops.values():
            for param in op.get("parameters", []):
                assert "my_number" not in param["name"], p  # never in a URL
            maxes = [param["schema"].get("maximum") for param in op.get("parameters", [])
                     if param["name"] == "limit"]
            assert all(m is not None and m <= 50 for m in maxes)  # pages have a fixed maximum


@pytest.mark.parametrize("query", [{"kana": "123456789018"}, {"address": "x 123456789018"}])
def test_twelve_digits_in_a_query_string_are_refused(staffed: None, query: dict[str, str]) -> None:
    status, out, resp = call("GET", "/persons", staff_id="S1001", query=query)
    assert status == 400 and "123456789018" not in resp["body"]


def test_the_approval_queue_read_and_a_decision_on_nothing_are_recorded(staffed: None) -> None:
    """The approver (Function.APPROVE_LINKAGE_PROVISION) on an empty queue: the look is recorded like any
    search; a decision on an unknown request is 404 and the attempt is recorded; a bad body is 422."""
    status, out, _ = call("GET", "/linkage/approvals", staff_id="S1011")
    assert (status, out) == (200, {"pending": []})
    status, out, _ = call("POST", "/linkage/approvals/R0001", staff_id="S1011", body={"decision": "approve"})
    assert status == 404 and out == {"error": "no such request"}
    status, _, _ = call("POST", "/linkage/approvals/R0001", staff_id="S1011", body={"decision": "refuse"})
    assert status == 422  # a refusal needs a reason
    ops = [(r.category, r.operation, r.result, r.subject_ids) for r in records_by_staff("S1011")]
    assert ("linkage_provision", "read", "ok", ["no-match"]) in ops
    assert ("linkage_provision", "decide", "not_found", ["REQ:R0001"]) in ops
    assert all(r.purpose == PURPOSE for r in records_by_staff("S1011"))  # the grant's purpose
