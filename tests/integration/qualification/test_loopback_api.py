"""The loopback HTTP adapter of the private API (kokuho.qualification.local_api.LoopbackApi): an HTTP
request on 127.0.0.1 becomes the REST proxy event API Gateway would send, and reaches the api
function through moto's Lambda; identity is the authorizer's (signed), grants are the function's."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import date
from typing import Any

import pytest

from kokuho.access.identity import sign_identity
from kokuho.access.records import records_by_staff
from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff
from kokuho.platform.embedded import EmbeddedAWS
from kokuho.qualification.local_api import API_FUNCTION, LoopbackApi, sample_person

CLERK, NO_GRANTS = "S3001", "S3002"


def test_an_http_request_becomes_the_proxy_event_with_the_authorizer_context() -> None:
    seen: list[dict[str, Any]] = []

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        seen.append(event)
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": '{"ok": "はい"}'}

    api = LoopbackApi(invoke)
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


def _staff() -> None:
    put_staff(StaffMember(CLERK, "窓口 一郎", "国保年金課", date(2020, 4, 1), None))
    put_staff(StaffMember(NO_GRANTS, "窓口 次郎", "国保年金課", date(2020, 4, 1), None))
    for i, fn in enumerate(("read_qualification", "register_change")):
        put_grant(Grant(CLERK, f"G{i}", fn, "国民健康保険の資格管理", "番号法第9条第1項", "国保年金課",
                        date(2020, 4, 1), date(2099, 3, 31), "S9001", "2020-04-01T09:00:00+09:00"))


def test_round_trip_through_moto_lambda_and_refusals(aws: EmbeddedAWS) -> None:
    _staff()
    api = LoopbackApi(lambda event: dict(aws.invoke(API_FUNCTION, event)))
    person = sample_person("P0001", "H0001", 3, 1, relationship="世帯主", birth_date="1980-05-05", sex="1",
                           resident_from="2024-04-01")
    with api.serving():
        created = api.request("POST", "/persons", staff_id=CLERK, body=person)
        found = api.request("GET", "/persons", staff_id=CLERK, query={"kana": person["name_kana"].split()[0]})
        read = api.request("GET", "/persons/P0001", staff_id=CLERK)
        denied = api.request("GET", "/persons/P0001", staff_id=NO_GRANTS)
        forged = api.request("GET", "/persons/P0001", staff_id=None)
        api_forged = urllib.request.Request(api.url + "/persons/P0001", headers={
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
    assert [c[2] for c in api.calls] == [201, 200, 200, 403, 401, 401]
