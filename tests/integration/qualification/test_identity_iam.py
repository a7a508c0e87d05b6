"""The deployed identity path (IAM authorization) end to end: events shaped as API Gateway delivers an
IAM-signed call (`requestContext.identity`), the staff role only from the city's account, the session
name as the staff id, the terminal from the login broker's session (never a client header), its shape
checked, and where it came from recorded in the access records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from qualification_helpers import call, call_iam, iam_session

from kokuho.access.identity import TerminalSource, Unauthenticated, identity_of
from kokuho.access.records import records_by_staff, verify_all
from kokuho.access.sessions import register_session
from kokuho_local.local_api import CITY_ACCOUNT, rest_event

ROLE = f"arn:aws:iam::{CITY_ACCOUNT}:role/kokuho-staff"


def iam_event(arn: str, *, access_key: str = "ASIAKOKUHOTEST000001", account: str = CITY_ACCOUNT,
              headers: dict[str, str] | None = None) -> dict[str, Any]:
    """An IAM-signed call as API Gateway hands it to the function (built field by field, not by the
    package's builder, so the test holds the shape fixed)."""
    return {
        "resource": "/{proxy+}", "path": "/persons", "httpMethod": "GET",
        "headers": {"Host": "abc123.execute-api.ap-northeast-1.amazonaws.com", **(headers or {})},
        "requestContext": {
            "accountId": CITY_ACCOUNT, "apiId": "abc123", "stage": "v1", "authorizer": None,
            "identity": {
                "cognitoIdentityPoolId": None, "cognitoIdentityId": None, "apiKey": None, "principalOrgId": None,
                "cognitoAuthenticationType": None, "cognitoAuthenticationProvider": None,
                "accountId": account, "accessKey": access_key, "caller": "AROAKOKUHO:S0001",
                "user": "AROAKOKUHO:S0001", "userArn": arn, "sourceIp": "10.0.1.23",
                "userAgent": "kokuho-terminal", "vpceId": "vpce-0abc"},
        },
    }


def _register(access_key: str = "ASIAKOKUHOTEST000001", staff: str = "S0001", terminal: str = "T-KOKUHO-07",
              ttl: timedelta = timedelta(hours=1)) -> None:
    register_session(access_key, staff, terminal, ROLE, datetime.now(UTC) + ttl)


def test_the_terminal_of_an_iam_call_is_the_broker_session_s_never_a_header(embedded: None) -> None:
    arn = f"arn:aws:sts::{CITY_ACCOUNT}:assumed-role/kokuho-staff/S0001"
    forged = {"X-Kokuho-Terminal": "T-FORGED-99"}
    with pytest.raises(Unauthenticated):  # a signed call without a registered session: no terminal
        identity_of(iam_event(arn, headers=forged))
    _register()
    who = identity_of(iam_event(arn, headers=forged))
    assert (who.staff_id, who.terminal_id, who.terminal_source) == ("S0001", "T-KOKUHO-07",
                                                                    TerminalSource.LOGIN_SESSION)


def test_only_the_city_account_s_staff_role_and_live_sessions_of_that_member(embedded: None) -> None:
    _register()
    _register("ASIAKOKUHOTEST000002", ttl=timedelta(seconds=-1))  # expired (TTL deletion is lazy)
    good = f"arn:aws:sts::{CITY_ACCOUNT}:assumed-role/kokuho-staff/S0001"
    assert identity_of(iam_event(good)).staff_id == "S0001"
    refused = [
        iam_event("arn:aws:sts::210987654321:assumed-role/kokuho-staff/S0001"),  # same role, other account
        iam_event("arn:aws:sts::210987654321:assumed-role/kokuho-staff/S0001", account="210987654321"),
        iam_event(f"arn:aws:sts::{CITY_ACCOUNT}:assumed-role/kokuho-admin/S0001"),  # not the staff role
        iam_event(f"arn:aws:iam::{CITY_ACCOUNT}:user/admin"),  # a long-term user
        iam_event(f"arn:aws:sts::{CITY_ACCOUNT}:assumed-role/kokuho-staff/shared"),  # a shared session name
        iam_event(f"arn:aws:sts::{CITY_ACCOUNT}:assumed-role/kokuho-staff/S0002"),  # the key is S0001's
        iam_event(good, access_key="ASIAKOKUHOTEST000002"),  # the session has expired
    ]
    for event in refused:
        with pytest.raises(Unauthenticated):
            identity_of(event)


def test_the_city_account_is_the_deployed_setting_when_set(embedded: None, monkeypatch: pytest.MonkeyPatch) -> None:
    _register()
    monkeypatch.setenv("KOKUHO_CITY_ACCOUNT", "210987654321")  # the Api stack sets it from kokuho:account
    with pytest.raises(Unauthenticated):
        identity_of(iam_event(f"arn:aws:sts::{CITY_ACCOUNT}:assumed-role/kokuho-staff/S0001"))


@pytest.mark.parametrize("terminal", ["123456789012", "T-1234-5678-9012", "T-100000000000", "T 01", "T"])
def test_a_terminal_id_of_twelve_digits_or_a_bad_form_is_refused(terminal: str) -> None:
    event = rest_event("GET", "/persons", staff_id="S0001", terminal_id=terminal)  # TOKEN authorizer context
    with pytest.raises(Unauthenticated) as caught:
        identity_of(event)
    assert terminal not in str(caught.value)


def test_access_records_say_where_the_terminal_came_from(staffed: None) -> None:
    status, _, _ = call_iam("GET", "/persons", staff_id="S1001", query={"kana": "コクラ"})
    assert status == 200
    status, _, _ = call_iam("GET", "/persons", staff_id="S1006", query={"kana": "コクラ"})  # no grant
    assert status == 403
    assert call("GET", "/persons", staff_id="S1001", query={"kana": "コクラ"}, auth="token")[0] == 200
    sources = sorted((r.staff_id, r.result, r.terminal_source) for s in ("S1001", "S1006")
                     for r in records_by_staff(s))
    assert sources == [("S1001", "ok", "authorizer"), ("S1001", "ok", "login_session"),
                       ("S1006", "denied", "login_session")]
    _, _, breaks = verify_all()
    assert breaks == []  # the source is covered by the record's hash


def test_a_session_is_registered_by_the_broker_with_its_terminal_tag(embedded: None) -> None:
    session = iam_session("S0003", "T-KOKUHO-05")
    assert session.caller.user_arn == f"arn:aws:sts::{CITY_ACCOUNT}:assumed-role/kokuho-staff/S0003"
    event = rest_event("GET", "/persons", staff_id=None, terminal_id=None, caller=session.caller)
    assert event["requestContext"]["authorizer"] is None
    who = identity_of(event)
    assert (who.staff_id, who.terminal_id) == ("S0003", "T-KOKUHO-05")
