"""A POST body API Gateway hands over base64-encoded (`isBase64Encoded`: a binary media type, or a client that sent
one) is decoded before anything reads it. On every POST route of the table: a body that is not base64, or is base64
of bytes that are not UTF-8 text, is refused with 400 and a reason, and changes nothing — it raised out of the
handler instead (API Gateway answers 502, the Lambda logs an invocation error) after the grant had been checked;
the same JSON sent base64-encoded is read as the plain one."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from qualification_helpers import _caller, lift_volume_limits, seed_member_with_every_grant

from kokuho.platform.tables import TABLES
from kokuho_local.local_api import api_context, rest_event

STAFF = "S3001"
BODIES = {"not-base64": "!!!not base64@@", "latin-1": base64.b64encode(b"\xff\xfe{}").decode(),
          "utf-16": base64.b64encode('{"note": "x"}'.encode("utf-16")).decode()}


def _post(path: str, raw_body: str) -> dict[str, Any]:
    from qualification.api import handler

    event = rest_event("POST", path, staff_id=STAFF, caller=_caller(STAFF, "T-KOKUHO-01"), raw_body=raw_body)
    event["isBase64Encoded"] = True
    return handler(event, api_context())  # type: ignore[arg-type]


def _counts() -> dict[str, int]:
    from qualification_helpers import item_counts

    return item_counts(*(t.logical for t in TABLES))


def _post_paths() -> list[str]:
    from qualification.api import ROUTES

    return [re.sub(r"\{(\w+)\}", lambda m: "2024" if m.group(1) == "fiscal_year" else "X0001", r.path)
            for r in ROUTES if r.method == "POST"]


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_every_post_route_refuses_a_base64_body_it_cannot_decode(staffed: None, monkeypatch: pytest.MonkeyPatch,
                                                                  kind: str) -> None:
    lift_volume_limits(monkeypatch)
    seed_member_with_every_grant(STAFF)
    before = _counts()
    answers = {path: _post(path, BODIES[kind]) for path in _post_paths()}
    assert len(answers) >= 20  # the table's POST routes
    wrong = {p: r["statusCode"] for p, r in answers.items()
             if r["statusCode"] != 400 or "base64" not in (r.get("body") or "")}
    assert wrong == {}
    after = _counts()
    # nothing written; the login's session and the member's volume counter (reserved before any body is read,
    # as for every body refused) are not the data
    changed = {t for t in before if before[t] != after[t]} - {"access_log", "staff_sessions", "api_usage"}
    assert changed == set()


def test_json_sent_base64_encoded_is_read_as_the_plain_body(staffed: None) -> None:
    seed_member_with_every_grant(STAFF)
    body = base64.b64encode(b'{"issued_on": "2024-05-01", "version": 1}').decode()
    answer = _post("/persons/P0404/cards", body)
    assert (answer["statusCode"], answer["body"]) == (404, '{"error":"no such person"}')
