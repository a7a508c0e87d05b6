"""The request desk as deployed (issue 11 item 7): through the loopback API and moto's Lambda, each route
reaches the function of its concern, which acts with its catalog grants only — a disclosure carried out by
kokuho-qualification-api-requests reads the person's file, premiums, ledgers, 情報提供等記録 and access
records; a suspension it marks is then honoured by kokuho-qualification-api-read, which reads the marks."""

from __future__ import annotations

import base64
import json
from datetime import date

from kokuho.access.grants import Function, today_jst
from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff
from kokuho_local.embedded import EmbeddedAWS
from kokuho_local.local_api import LoopbackApi, api_function, sample_person

CLERK, DESK = "S3001", "S3004"


def _staff() -> None:
    for sid, functions in ((CLERK, (Function.READ_QUALIFICATION, Function.REGISTER_CHANGE)),
                           (DESK, (Function.REQUESTS_RECEIVE, Function.REQUESTS_READ, Function.REQUESTS_DECIDE,
                                   Function.REQUESTS_CARRY_OUT))):
        put_staff(StaffMember(sid, "職員", "国保年金課", date(2020, 4, 1), None))
        for i, fn in enumerate(functions):
            put_grant(Grant(sid, f"G{i}", fn.value, "開示等請求の処理", "個人情報保護法第76条", "国保年金課",
                            date(2020, 4, 1), date(2099, 3, 31), "S9001", "2020-04-01T09:00:00+09:00"))


def test_a_disclosure_and_a_suspension_through_the_deployed_functions(aws: EmbeddedAWS) -> None:
    _staff()
    api = LoopbackApi(lambda event: dict(aws.invoke(api_function(event), event)))
    person = sample_person("P0001", "H0001", 3, 1, relationship="世帯主", birth_date="1980-05-05", sex="1",
                           resident_from="2024-04-01")
    day = today_jst().isoformat()
    with api.serving():
        assert api.request("POST", "/persons", staff_id=CLERK, body=person).status == 201
        base = "/requests/persons/P0001"
        for rid, kind, details in (("R-1", "disclosure", None),
                                   ("R-2", "suspension", {"categories": ["qualification"], "grounds": "目的外利用"})):
            body: dict[str, object] = {"request_id": rid, "kind": kind, "verification": "旅券", "received_on": day}
            if details:
                body["details"] = details
            received = api.request("POST", base, staff_id=DESK, body=body)
            assert received.status == 201, received.body
            assert api.request("POST", f"{base}/{rid}/decision", staff_id=DESK,
                               body={"outcome": "granted"}).status == 200
            done = api.request("POST", f"{base}/{rid}/carrying-out", staff_id=DESK, body={})
            assert done.status == 200, done.body
        got = api.request("GET", f"{base}/R-1/disclosure", staff_id=DESK)
        read = api.request("GET", "/persons/P0001", staff_id=CLERK)
    assert got.status == 200, got.body
    document = json.loads(base64.b64decode(got.body["content_base64"]))
    assert document["本人"] == "P0001" and document["資格"]["氏名"] == person["name_kanji"]
    assert read.status == 403 and "利用停止" in read.body["error"]
