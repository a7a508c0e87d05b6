"""Personal data reached under the name of who caused it (issue 11 item 1): inside `acting_as`, every
AWS request — boto3's and pynamodb's — is signed with the caller's own session of the data-access role,
assumed with SourceIdentity = the staff id and the session tags terminal, function, purpose; the session
is reused while valid, renewed before it expires, never handed to another member of staff; no session
without a source identity."""

from __future__ import annotations

import re
import time
from typing import Any

import boto3
import pytest
from fakes.recording_sts import RecordingSTS

from kokuho.access.data_role import (
    DURATION_SECONDS,
    REFRESH_MARGIN_SECONDS,
    ROLE_ENV,
    Caller,
    DataAccessRefused,
    DataAccessSessions,
    acting_as,
    source_identity,
)
from kokuho.platform.tables import AWS_REGION
from kokuho.records.access_store import StaffModel
from kokuho_local.embedded import EmbeddedAWS

ROLE = "arn:aws:iam::123456789012:role/kokuho-qualification-api-read-data"
CLERK = Caller("S0001", "T-KOKUHO-03", "qualification-api-read", "資格管理 (国保法第9条)")
OTHER = Caller("S0002", "T-KOKUHO-07", "qualification-api-read", "資格管理 (国保法第9条)")


def _signing_keys(client: Any) -> list[str]:
    """The access key id of every request the client sends (from its SigV4 Authorization header)."""
    seen: list[str] = []

    def keep(request: Any, **_: Any) -> None:
        found = re.search(r"Credential=([A-Z0-9]+)/", request.headers.get("Authorization", b"").decode()
                          if isinstance(request.headers.get("Authorization"), bytes)
                          else str(request.headers.get("Authorization", "")))
        if found:
            seen.append(found.group(1))

    client.meta.events.register("before-send", keep)
    return seen


def test_calls_inside_are_the_callers_session_with_source_identity_and_tags(aws: EmbeddedAWS) -> None:
    sts = RecordingSTS()
    sessions = DataAccessSessions(ROLE, lambda: sts)
    outside = boto3.client("sts", region_name=AWS_REGION).get_caller_identity()["Arn"]
    with acting_as(CLERK, sessions) as credentials:
        inside = boto3.client("sts", region_name=AWS_REGION).get_caller_identity()["Arn"]
        table = StaffModel._get_connection()  # pynamodb's own client signs as the caller too
        keys = _signing_keys(table.connection.client)
        StaffModel.count()
    assert inside == "arn:aws:sts::123456789012:assumed-role/kokuho-qualification-api-read-data/S0001"
    assert outside != inside
    assert keys and set(keys) == {credentials.access_key}
    request, = sts.requests
    assert (request["RoleArn"], request["SourceIdentity"], request["RoleSessionName"]) == (ROLE, "S0001", "S0001")
    assert {t["Key"]: t["Value"] for t in request["Tags"]} == {
        "kokuho-terminal": "T-KOKUHO-03", "kokuho-function": "qualification-api-read",
        "kokuho-purpose": "資格管理 _国保法第9条_"}
    # after the block, the function's own credentials again
    assert boto3.client("sts", region_name=AWS_REGION).get_caller_identity()["Arn"] == outside


def test_a_session_is_reused_while_valid_renewed_before_expiry_and_never_shared(aws: EmbeddedAWS) -> None:
    now = [time.time()]
    sts = RecordingSTS()
    sessions = DataAccessSessions(ROLE, lambda: sts, clock=lambda: now[0])
    first = sessions.credentials(CLERK)
    assert sessions.credentials(CLERK) is first  # the next request of the same member of staff
    other = sessions.credentials(OTHER)
    assert other.access_key != first.access_key  # another member of staff: their own session
    # the same member at another terminal: another session (its tags differ)
    assert sessions.credentials(Caller("S0001", "T-KOKUHO-04", CLERK.function, CLERK.purpose)) is not first
    assert sessions.assumed == 3
    # valid for DurationSeconds (900 s): still reused 10 minutes on, renewed 2 minutes before it ends
    now[0] += 600
    assert sessions.credentials(CLERK) is first
    now[0] += DURATION_SECONDS - REFRESH_MARGIN_SECONDS - 600 + 1
    renewed = sessions.credentials(CLERK)
    assert renewed is not first and renewed.access_key != first.access_key
    assert sessions.assumed == 4


def test_no_session_without_a_source_identity(aws: EmbeddedAWS) -> None:
    sts = RecordingSTS()
    sessions = DataAccessSessions(ROLE, lambda: sts)
    for bad in ("", "x", "S 0001", "a" * 65):
        with pytest.raises(DataAccessRefused):
            sessions.credentials(Caller(bad, "T1", "f", "p"))
    assert sts.requests == []
    for bad in ("", "123456789018"):  # nobody, or a My Number (a source identity is logged in clear)
        with pytest.raises(DataAccessRefused):
            source_identity(bad)
    assert source_identity("system:monthly") == "system.monthly"
    assert source_identity("S0001") == "S0001"


def test_without_a_configured_role_nothing_changes(aws: EmbeddedAWS, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ROLE_ENV, raising=False)
    before = boto3.client("sts", region_name=AWS_REGION).get_caller_identity()["Arn"]
    with acting_as(CLERK) as credentials:
        assert credentials is None
        assert boto3.client("sts", region_name=AWS_REGION).get_caller_identity()["Arn"] == before
