"""The loopback HTTP adapter of the private API (kokuho_local.local_api.LoopbackApi): an HTTP
request on 127.0.0.1 becomes the REST proxy event API Gateway would send, and reaches the api
function through moto's Lambda; identity is IAM's (a SigV4-signed call of the staff member's login
session, what the Api stack deploys) or a TOKEN authorizer's; grants are the function's. Like API Gateway
it serves connections concurrently, cuts idle and short-bodied ones off, keeps the function's headers,
and answers bad bodies and unknown methods itself."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from datetime import date
from typing import Any

import pytest

from kokuho.access.identity import sign_identity
from kokuho.access.records import records_by_staff
from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff
from kokuho_local.embedded import EmbeddedAWS
from kokuho_local.local_api import CITY_ACCOUNT, LoopbackApi, api_function, sample_person

CLERK, NO_GRANTS, OFFICER = "S3001", "S3002", "S3003"


def _echo(seen: list[dict[str, Any]]) -> Any:
    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        seen.append(event)
        return {"statusCode": 200, "headers": {"X-Single": "1"},
                "multiValueHeaders": {"Content-Type": ["application/json"], "Cache-Control": ["no-store"]},
                "body": '{"ok": "はい"}'}
    return invoke


def test_an_iam_signed_http_request_becomes_the_proxy_event_api_gateway_sends(embedded: None) -> None:
    seen: list[dict[str, Any]] = []
    api = LoopbackApi(_echo(seen))
    with api.serving():
        resp = api.request("POST", "/persons/P1/moves", staff_id=CLERK, terminal_id="T-KOKUHO-09",
                           query={"kana": "コクラ タロウ"}, body={"address": "北九州市小倉北区城内1-1"})
        unsigned = api.request("GET", "/persons", staff_id=None)
        session = api.login(CLERK, "T-KOKUHO-09")
        url = api.url + "/persons/P1/moves"
        body = json.dumps({"address": "北九州市小倉北区城内1-1"}).encode("utf-8")
        headers = api.signed_headers(session, "POST", url, body, {"Content-Type": "application/json"})
        tampered = urllib.request.Request(url, data=body.replace(b"1-1", b"9-9"), method="POST", headers=headers)
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(tampered, timeout=10)
    assert (resp.status, resp.body) == (200, {"ok": "はい"})
    assert caught.value.code == 401 and unsigned.status == 401
    (event,) = seen  # neither the unsigned nor the tampered request reached the function
    identity = event["requestContext"]["identity"]
    assert event["requestContext"]["authorizer"] is None
    assert identity["userArn"] == f"arn:aws:sts::{CITY_ACCOUNT}:assumed-role/kokuho-staff/{CLERK}"
    assert identity["accountId"] == CITY_ACCOUNT and identity["accessKey"] == session.access_key
    assert identity["caller"].endswith(f":{CLERK}") and identity["sourceIp"] == "127.0.0.1"
    assert event["queryStringParameters"] == {"kana": "コクラ タロウ"}


def test_an_http_request_becomes_the_proxy_event_with_the_authorizer_context() -> None:
    seen: list[dict[str, Any]] = []

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        seen.append(event)
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": '{"ok": "はい"}'}

    api = LoopbackApi(invoke, auth="token")
    with api.serving():
        assert api.url.startswith("http://127.0.0.1:")
        resp = api.request("POST", "/persons/P1/moves", staff_id=CLERK, terminal_id="T-KOKUHO-09",
                           query={"kana": "コクラ タロウ"}, body={"address": "北九州市小倉北区城内1-1"})
        unsigned = api.request("GET", "/persons", staff_id=None)
        url = api.url
    assert (resp.status, resp.body) == (200, {"ok": "はい"})
    (event,) = seen  # the unsigned request never reached the function
    assert (event["httpMethod"], event["path"]) == ("POST", "/persons/P1/moves")
    assert event["queryStringParameters"] == {"kana": "コクラ タロウ"}
    assert event["body"] == '{"address": "北九州市小倉北区城内1-1"}'
    assert event["requestContext"]["authorizer"]["staff_id"] == CLERK
    assert event["requestContext"]["authorizer"]["terminal_id"] == "T-KOKUHO-09"
    assert event["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"
    assert unsigned.status == 401
    with pytest.raises(urllib.error.URLError):  # served only inside the block
        urllib.request.urlopen(url + "/persons", timeout=2)


def _raw(api: LoopbackApi, data: bytes, wait_s: float = 5.0) -> bytes:
    """What the server answers on one raw connection to `data` (until it closes or `wait_s` passes)."""
    host, port = api.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait_s) as conn:
        conn.sendall(data)
        out = b""
        try:
            while chunk := conn.recv(65536):
                out += chunk
        except TimeoutError:
            pass
        return out


def test_an_idle_keep_alive_connection_blocks_nobody_and_is_cut_off(embedded: None) -> None:
    seen: list[dict[str, Any]] = []
    api = LoopbackApi(_echo(seen))
    api.idle_timeout_s = 1.0
    with api.serving():
        api.login(CLERK)
        host, port = api.url.removeprefix("http://").split(":")
        idle = socket.create_connection((host, int(port)), timeout=10)  # connects, then says nothing
        try:
            t = time.monotonic()
            served = api.request("GET", "/persons", staff_id=CLERK)
            assert served.status == 200 and time.monotonic() - t < 0.9  # not behind the idle one
            assert idle.recv(1) == b""  # the server closed the idle connection
            assert time.monotonic() - t < 5
        finally:
            idle.close()
        short = _raw(api, b"POST /persons HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\": 1")
    assert short.startswith(b"HTTP/1.1 408")
    assert len(seen) == 1  # the short body never reached the function


def test_the_function_s_headers_reach_the_terminal(embedded: None) -> None:
    api = LoopbackApi(_echo([]))
    with api.serving():
        resp = api.request("POST", "/persons/P1/my-number/reveal", staff_id=CLERK, body={"purpose": "x"})
    assert resp.headers["content-type"] == "application/json"
    assert resp.headers["cache-control"] == "no-store" and resp.headers["x-single"] == "1"


def test_a_body_that_is_not_utf8_is_a_400_and_an_unknown_method_a_405_after_authentication(
        embedded: None) -> None:
    seen: list[dict[str, Any]] = []
    api = LoopbackApi(_echo(seen))
    with api.serving():
        session = api.login(CLERK)
        url = api.url + "/persons"

        def send(method: str, body: bytes | None, signed: bool = True) -> int:
            headers = {"Content-Type": "application/json"}
            if signed:
                headers = api.signed_headers(session, method, url, body, headers)
            try:
                with urllib.request.urlopen(urllib.request.Request(url, data=body, method=method,
                                                                   headers=headers), timeout=10) as r:
                    return int(r.status)
            except urllib.error.HTTPError as err:
                return err.code

        statuses = (send("POST", "{\"name_kanji\": \"北九\"}".encode("shift_jis")),
                    send("PROPFIND", None, signed=False), send("PROPFIND", None), send("BREW", b"{}"))
    assert statuses == (400, 401, 405, 405)
    assert seen == []


def _staff() -> None:
    put_staff(StaffMember(CLERK, "窓口 一郎", "国保年金課", date(2020, 4, 1), None))
    put_staff(StaffMember(NO_GRANTS, "窓口 次郎", "国保年金課", date(2020, 4, 1), None))
    put_staff(StaffMember(OFFICER, "番号 三郎", "国保年金課", date(2020, 4, 1), None))
    for i, fn in enumerate(("read_qualification", "register_change")):
        put_grant(Grant(CLERK, f"G{i}", fn, "国民健康保険の資格管理", "番号法第9条第1項", "国保年金課",
                        date(2020, 4, 1), date(2099, 3, 31), "S9001", "2020-04-01T09:00:00+09:00"))
    for i, (fn, purpose) in enumerate((("register_my_number", "国民健康保険の資格管理"),
                                       ("reveal_my_number", "資格取得届の本人確認"))):
        put_grant(Grant(OFFICER, f"G{i}", fn, purpose, "番号法第9条第1項", "国保年金課",
                        date(2020, 4, 1), date(2099, 3, 31), "S9001", "2020-04-01T09:00:00+09:00"))


def test_round_trip_through_moto_lambda_and_refusals(aws: EmbeddedAWS) -> None:
    _staff()
    api = LoopbackApi(lambda event: dict(aws.invoke(api_function(event), event)))
    person = sample_person("P0001", "H0001", 3, 1, relationship="世帯主", birth_date="1980-05-05", sex="1",
                           resident_from="2024-04-01")
    with api.serving():
        created = api.request("POST", "/persons", staff_id=CLERK, body=person)
        found = api.request("GET", "/persons", staff_id=CLERK, query={"kana": person["name_kana"].split()[0]})
        read = api.request("GET", "/persons/P0001", staff_id=CLERK)
        denied = api.request("GET", "/persons/P0001", staff_id=NO_GRANTS)
        forged = api.request("GET", "/persons/P0001", staff_id=None)
        api_forged = urllib.request.Request(api.url + "/persons/P0001", headers={  # a token, not a signature
            "X-Kokuho-Identity": sign_identity(CLERK, "T-KOKUHO-01", "another key")})
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(api_forged, timeout=10)
    assert created.status == 201, created.body
    assert found.status == 200 and [p["person_id"] for p in found.body["items"]] == ["P0001"]
    assert read.status == 200 and read.body["name_kanji"] == person["name_kanji"]
    assert [h["kind"] for h in read.body["history"]] == ["registered"]
    assert denied.status == 403
    assert forged.status == 401 and caught.value.code == 401
    clerk = [(r.operation, r.result) for r in records_by_staff(CLERK)]
    assert sorted(clerk) == [("read", "ok"), ("register_person", "ok"), ("search", "ok")]
    assert [(r.operation, r.result) for r in records_by_staff(NO_GRANTS)] == [("read", "denied")]
    assert {r.terminal_source for r in records_by_staff(CLERK)} == {"login_session"}
    assert [c[2] for c in api.calls] == [201, 200, 200, 403, 401, 401]
    assert read.headers["content-type"] == "application/json"


def test_a_reveal_is_never_cached(aws: EmbeddedAWS) -> None:
    from kokuho.identity.mynumber import check_digit

    _staff()
    api = LoopbackApi(lambda event: dict(aws.invoke(api_function(event), event)))
    person = sample_person("P0002", "H0002", 4, 1, relationship="世帯主", birth_date="1981-05-05", sex="2",
                           resident_from="2024-04-01")
    number = "37210406251"
    number += str(check_digit(number))
    with api.serving():
        assert api.request("POST", "/persons", staff_id=CLERK, body=person).status == 201
        stored = api.request("POST", "/persons/P0002/my-number", staff_id=OFFICER, body={"my_number": number})
        shown = api.request("POST", "/persons/P0002/my-number/reveal", staff_id=OFFICER,
                            body={"purpose": "資格取得届の本人確認"})
    assert stored.status == 202, stored.body.get("error")
    assert shown.status == 200 and shown.body["my_number"] == number  # compared, never printed
    assert shown.headers["cache-control"] == "no-store"


def test_through_moto_lambda_the_function_acts_as_the_member_of_staff(aws: EmbeddedAWS) -> None:
    """issue 11 item 1: the api function's data calls go out under its data-access role, one session per
    member of staff, named by their id (moto's STS keeps the sessions)."""
    from moto.sts.models import sts_backends

    _staff()
    api = LoopbackApi(lambda event: dict(aws.invoke(api_function(event), event)))
    person = sample_person("P0001", "H0001", 3, 1, relationship="世帯主", birth_date="1980-05-05", sex="1",
                           resident_from="2024-04-01")
    with api.serving():
        assert api.request("POST", "/persons", staff_id=CLERK, body=person).status == 201
        assert api.request("GET", "/persons/P0001", staff_id=CLERK).status == 200
        assert api.request("GET", "/persons/P0001", staff_id=CLERK).status == 200
        assert api.request("GET", "/persons/P0001", staff_id=OFFICER).status in (200, 403)
    sessions = [(r.role_arn.rsplit("/", 1)[1], r.session_name)
                for r in sts_backends["123456789012"]["aws"].assumed_roles if r.role_arn.endswith("-data")]
    # one session per member of staff and function, reused by the next request of the same member
    assert sorted(set(sessions)) == sorted(sessions)
    assert ("kokuho-qualification-api-register-data", CLERK) in sessions
    assert ("kokuho-qualification-api-read-data", CLERK) in sessions
