"""A body refused before it is read (not JSON, not application/json, too large, not base64 of UTF-8) reads no
one: it does not use up the member's hourly allowance of persons. The person the route reserves (kokuho.access.limits)
is given back, as for every other request that read nothing; it stayed charged, so a few malformed bodies refused
the member's next, valid, registration with 429."""

from __future__ import annotations

import pytest
from qualification_helpers import call, register_couple

from kokuho.access import limits
from kokuho.access.grants import Function

CLERK = "S1002"


def test_refused_bodies_do_not_use_up_the_members_allowance(staffed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    register_couple(CLERK)
    status, out, _ = call("POST", "/persons/P0001/qualification", staff_id=CLERK,
                          body={"reason": "move_in", "cause_on": "2024-04-01", "version": 1})
    assert status == 200, out
    small = limits.parse_limits({"window_seconds": 3600, "functions": {
        f.value: {"persons_per_hour": 3 if f is Function.ISSUE_CARD else 10**6, "search_pages_per_query": 50}
        for f in Function}})
    monkeypatch.setattr(limits, "load_limits", lambda version=1: small)
    version = out["version"]
    for raw_body in ("not json", '{"issued_on": "2024-05-01", "version": 1, "version": 1}', "{" * 5000):
        status, _, _ = call("POST", "/persons/P0001/cards", staff_id=CLERK, raw_body=raw_body)
        assert status == 400
    status, out, _ = call("POST", "/persons/P0001/cards", staff_id=CLERK,
                          body={"issued_on": "2024-05-01", "version": version})
    assert status == 201, out
