"""The served OpenAPI document says what the API really answers (issue 8 item 8): every status a route
returns is documented for it, every documented body schema is closed, the IAM (SigV4) security scheme is
declared, and real responses — a whole working day through every route, and its refusals — validate
against the document."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from qualification_helpers import REVEAL_PURPOSE, call

from kokuho.receipts import claim_routes

CLERK, READER, COUNTER, OFFICER, AUDITOR, APPROVER = "S1002", "S1001", "S1003", "S1004", "S1005", "S1011"
NUM_A, NUM_B = "123456789018", "023456789013"


def _doc() -> dict[str, Any]:
    from qualification.api import OPENAPI_PATH

    status, doc, _ = call("GET", OPENAPI_PATH, staff_id="S1006")
    assert status == 200
    return doc


def _operation(doc: dict[str, Any], method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    """The operation of the document; for a method the path does not have, any of the path's (its 405)."""
    import re

    for template, ops in doc["paths"].items():
        rx = "^" + re.sub(r"\{\w+\}", "[^/]+", template) + "$"
        if re.match(rx, path):
            return template, ops.get(method.lower()) or next(iter(ops.values()))
    return None


def _ledger(household_id: str, fiscal_year: int, payer_id: str) -> None:
    """A ledger (the assessment's charge) for the collection routes to read."""

    from kokuho.collection.ledger import charge_from_version
    from kokuho.premium.installments import split_equally
    from kokuho_local.ledger_seed import seed_ledger

    months = [f"{fiscal_year}-{m:02d}" for m in range(6, 13)] + [f"{fiscal_year + 1}-{m:02d}" for m in range(1, 4)]
    seed_ledger(charge_from_version(household_id, fiscal_year, version=1, payer_id=payer_id, annual=50_000,
                                    installments=split_equally(50_000, months)))


class Checker:
    """Calls the API and checks each answer against the served document."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.seen: set[tuple[str, str, int]] = set()
        self.problems: list[str] = []

    def __call__(self, method: str, path: str, staff_id: str | None, body: Any = None,
                 query: dict[str, str] | None = None, expect: int | None = None, **kw: Any) -> dict[str, Any]:
        status, out, resp = call(method, path, staff_id=staff_id, body=body, query=query, **kw)
        where = f"{method} {path} → {status}"
        if expect is not None and status != expect:
            self.problems.append(f"{where}: expected {expect}: {out}")
        found = _operation(self.doc, method, path)
        if found is None:
            self.problems.append(f"{where}: no such operation in the document")
            return out
        template, op = found
        self.seen.add((method, template, status))
        documented = op["responses"].get(str(status))
        if documented is None:
            self.problems.append(f"{where}: status not documented (has {sorted(op['responses'])})")
            return out
        content = documented.get("content", {}).get("application/json")
        if content is None:
            self.problems.append(f"{where}: no JSON body documented")
            return out
        schema = {**content["schema"], "components": self.doc["components"]}
        for error in Draft202012Validator(schema).iter_errors(out):
            self.problems.append(f"{where}: {error.json_path}: {error.message[:200]}")
        return out


def _person(pid: str, rel: str, hh: str = "H0001") -> dict[str, Any]:
    return {"person_id": pid, "resident_code": f"10{pid[1:]:0>6}", "household_id": hh, "name_kanji": f"北九 {pid}",
            "name_kana": "キタキュウ タロウ", "birth_date": "1975-06-15", "sex": "1", "relationship": rel,
            "postal_code": "803-8501", "address": "北九州市小倉北区城内1-1", "resident_from": "2024-04-01",
            "phone": "093-582-2111", "bank_account": {"bank_code": "0001", "branch_code": "001",
                                                    "account_type": "普通", "account_number": "1234567",
                                                    "holder_kana": "キタキュウ タロウ"}}


def test_the_document_is_valid_closed_and_declares_iam(staffed: None) -> None:
    from qualification.api import ROUTES

    doc = _doc()
    validate(doc)
    assert doc["components"]["securitySchemes"]["sigv4"]["x-amazon-apigateway-authtype"] == "awsSigv4"
    assert doc["security"] == [{"sigv4": []}]
    for route in ROUTES:
        op = doc["paths"][route.path][route.method.lower()]
        statuses = {int(s) for s in op["responses"]}
        expected = {route.status, 400, 401, 404, 405, 422, 429}
        expected |= {403} if route.function is not None else set()
        expected |= {409, 413, 415} if route.method == "POST" else set()
        assert statuses == expected, (route.method, route.path)
    # every object schema the responses use is closed (only a history entry's `detail`, the preview's
    # fields and the document's own sections are free-form)
    open_ok = {("HistoryEntryOut", "detail"), ("PreviewOut", "fields")}
    used = {s for s in json.dumps([op["responses"] for ops in doc["paths"].values() for op in ops.values()])
            .split('"') if s.startswith("#/components/schemas/")}
    pending = [u.rsplit("/", 1)[1] for u in used]
    closed: set[str] = set()
    while pending:
        name = pending.pop()
        if name in closed:
            continue
        closed.add(name)
        schema = doc["components"]["schemas"][name]
        if schema.get("type") == "object":
            assert schema.get("additionalProperties") is False, name
            for prop, sub in schema.get("properties", {}).items():
                text = json.dumps(sub)
                pending += [s.rsplit("/", 1)[1] for s in text.split('"') if s.startswith("#/components/schemas/")]
                if (name, prop) not in open_ok and name != "OpenAPIDocumentOut":
                    assert '"additionalProperties": true' not in text and not (
                        '"type": "object"' in text and "additionalProperties" not in text
                        and "properties" not in text), (name, prop)


def test_real_responses_validate_against_the_document(staffed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # the claim below is entered on 1 July 2024, while its right lives (entered after its lapse, with its received_on
    # of 2024-06-20, it would be refused: kokuho.benefits.late_entry)
    monkeypatch.setattr(claim_routes, "today_jst", lambda: date(2024, 7, 1))
    from qualification.api import ROUTES

    api = Checker(_doc())
    api("GET", "/openapi.json", "S1006", expect=200)
    api("POST", "/persons", CLERK, _person("P0001", "世帯主"), expect=201)
    api("POST", "/persons", CLERK, _person("P0002", "妻"), expect=201)
    api("POST", "/persons", CLERK, _person("P0001", "世帯主"), expect=409)
    api("POST", "/persons/P0001/qualification", CLERK, {"reason": "move_in", "cause_on": "2024-04-01",
                                                        "version": 1}, expect=200)
    api("POST", "/persons/P0002/qualification", CLERK, {"reason": "move_in", "cause_on": "2024-04-01",
                                                        "version": 1}, expect=200)
    api("POST", "/persons/P0001/qualification", CLERK, {"reason": "move_in", "cause_on": "2024-04-01",
                                                        "version": 1}, expect=409)
    api("POST", "/persons/P0001/moves", CLERK, {"postal_code": "802-0001", "address": "北九州市小倉北区浅野1-1",
                                                "moved_on": "2024-05-01", "version": 2, "note": "転居届"}, expect=200)
    api("POST", "/persons/P0001/name", CLERK, {"name_kanji": "北九 一郎", "name_kana": "キタキュウ イチロウ",
                                               "changed_on": "2024-05-02", "version": 3}, expect=200)
    api("POST", "/persons/P0001/contact", CLERK, {
        "mailing": {"name": "北九 花子", "postal_code": "802-0001", "address": "北九州市小倉北区浅野2-2"},
        "clear": ["phone"], "changed_on": "2024-05-03", "version": 4}, expect=200)
    api("POST", "/persons/P0002/household", CLERK, {"household_id": "H0002", "relationship": "世帯主",
                                                    "changed_on": "2024-06-01", "version": 2}, expect=200)
    card = api("POST", "/persons/P0001/cards", CLERK, {"issued_on": "2024-05-04", "version": 5}, expect=201)
    api("POST", f"/persons/P0001/cards/{card['card_id']}/recovery", CLERK,
        {"recovered_on": "2024-05-05", "reason": "reissue", "version": 6}, expect=200)
    api("POST", "/persons/P0001/my-number", OFFICER, {"my_number": NUM_A}, expect=202)
    api("POST", "/persons/P0002/my-number", OFFICER, {"my_number": NUM_A}, expect=202)  # held for review
    api("POST", "/persons/P0001/my-number/reveal", OFFICER, {"purpose": REVEAL_PURPOSE}, expect=200)
    api("POST", "/persons/P0001/my-number/reveal", OFFICER, {"purpose": "別の目的"}, expect=403)
    api("POST", "/my-number/lookup", OFFICER, {"my_number": NUM_A}, expect=200)
    api("POST", "/my-number/lookup", OFFICER, {"my_number": NUM_B}, expect=404)
    api("GET", "/my-number/review", "S1012", expect=200)
    api("GET", "/persons/P0001", READER, expect=200)
    api("GET", "/persons/P9999", READER, expect=404)
    api("GET", "/persons", READER, query={"kana": "きたきゅう", "limit": "1"}, expect=200)
    api("GET", "/persons", READER, query={"birth_date": "1975-06-15"}, expect=200)
    api("GET", "/persons", READER, query={"birth_date": "1975-02-30"}, expect=422)
    api("GET", "/persons", READER, query={"kana": "x" + NUM_B}, expect=400)
    api("GET", "/households/H0001", READER, expect=200)
    api("GET", "/households/H0002", READER, expect=200)
    api("POST", "/households/H0001/simulation", COUNTER, {"fiscal_year": 2024, "incomes": {
        "P0001": {"total": 3_000_000, "salary": 3_000_000}}}, expect=200)
    api("POST", "/households/H0001/simulation", COUNTER, {"fiscal_year": 2024, "incomes": {
        "P0009": {"total": 1}}}, expect=422)
    api("GET", "/permissions/review", AUDITOR, query={"limit": "5"}, expect=200)
    api("GET", "/linkage/approvals", APPROVER, expect=200)
    api("POST", "/linkage/approvals/R0001", APPROVER, {"decision": "approve"}, expect=404)
    api("POST", "/linkage/approvals/R0001", APPROVER, {"decision": "refuse"}, expect=422)
    today = datetime.now(UTC).date().isoformat()
    api("GET", "/access-records/persons/P0001", "S1013", query={"from": "2024-01-01", "to": today}, expect=200)
    api("GET", "/access-records/persons/P0001", "S1013", query={"from": today, "to": "2024-01-01"}, expect=422)
    api("GET", f"/access-records/staff/{CLERK}", "S1013", query={"from": "2024-01-01", "to": today}, expect=200)
    api("GET", "/collection/unmatched", "S1014", expect=200)
    api("POST", "/collection/unmatched/SN-MADO-R1", "S1014", {"action": "return"}, expect=404)
    api("POST", "/collection/unmatched/SN-MADO-R1", "S1014", {"action": "assign"}, expect=422)
    api("POST", "/collection/refunds/RF-1/account", "S1014", {"bank_code": "0005", "branch_code": "123",
        "account_type": "普通", "account_number": "7654321", "holder_kana": "ヤマダ　タロウ"}, expect=409)
    # the request desk (開示等請求, 問い合わせ)
    until = (datetime.now(UTC).date() + timedelta(days=40)).isoformat()
    api("POST", "/requests/persons/P0001", "S1015", {"request_id": "R-0001", "kind": "disclosure",
                                                    "verification": "旅券", "received_on": today}, expect=201)
    api("POST", "/requests/persons/P0001", "S1015", {"request_id": "R-0001", "kind": "disclosure",
                                                    "verification": "旅券", "received_on": today}, expect=409)
    api("GET", "/requests/due", "S1015", expect=200)
    api("GET", "/requests/persons/P0001/R-0001", "S1015", expect=200)
    api("GET", "/requests/persons/P0002/R-0001", "S1015", expect=404)
    api("POST", "/requests/persons/P0001/R-0001/extension", "S1016", {"until": until, "reason": "記録が多いため"},
        expect=200)
    api("POST", "/requests/persons/P0001/R-0001/decision", "S1016", {"outcome": "refused"}, expect=422)
    api("POST", "/requests/persons/P0001/R-0001/decision", "S1016", {"outcome": "granted"}, expect=200)
    api("POST", "/requests/persons/P0001/R-0001/carrying-out", "S1016", {}, expect=200)
    api("GET", "/requests/persons/P0001/R-0001/disclosure", "S1016", query={"format": "pdf"}, expect=200)
    api("POST", "/requests/inquiries", "S1015", {"inquiry_id": "Q-0001", "received_on": today, "channel": "電話",
                                                 "question": "開示請求の方法"}, expect=201)
    api("POST", "/requests/inquiries/Q-0001/answer", "S1015", {"received_on": today, "answer": "案内した"},
        expect=200)
    api("GET", "/requests/inquiries", "S1015", query={"from": today, "to": today}, expect=200)
    _ledger("H0001", 2024, "P0001")
    api("GET", "/collection/arrears/H0001/2024", "S1017", query={"as_of": "2024-08-01"}, expect=200)
    api("GET", "/collection/arrears/H0009/2024", "S1017", expect=404)
    api("POST", "/collection/arrears/H0001/2024/actions", "S1017", {"kind": "納付相談", "note": "電話で相談",
                                                                   "on": "2024-08-01"}, expect=201)
    api("POST", "/collection/arrears/H0001/2024/actions", "S1017", {"kind": "差押", "on": "2024-08-01"}, expect=422)
    api("POST", "/collection/arrears/H0001/2024/actions/BN-none/approval", "S1033", {"decision": "approve"},
        expect=422)  # no measure of that id awaits approval
    api("GET", "/collection/statistics/2024", "S1017", expect=404)
    api("GET", "/collection/notices/H0001/2024", "S1014", query={"issued_on": "2024-06-15"}, expect=200)
    api("GET", "/collection/notices/H0009/2024", "S1014", expect=404)
    api("GET", "/health/persons/P0001/medical-cost-notice", "S1030", expect=200)
    api("POST", "/health/persons/P0001/medical-cost-notice", "S1030", {"opted_out": True, "received_on": today},
        expect=200)
    api("POST", "/health/persons/P9999/medical-cost-notice", "S1030", {"opted_out": True, "received_on": today},
        expect=404)
    api("GET", "/health/checkups/2024/rates", "S1030", expect=404)
    # 給付 (高額療養費): no benefit decided for H0001, so an application is refused; a 差止 and its lifting
    api("GET", "/benefits/H0001", "S1018", expect=200)
    api("GET", "/benefits/H0009", "S1018", expect=404)
    api("POST", "/benefits/H0001/applications", "S1018", {"application_id": "A-1", "months": ["2024-10"],
                                                          "public_funds_account": True}, expect=422)
    api("POST", "/benefits/H0001/applications/A-none/approval", "S1034", {"decision": "approve"},
        expect=422)  # no application of that id awaits approval
    api("POST", "/benefits/H0001/withholdings", "S1019", {"action": "withhold", "decision_id": "D-1",
                                                          "basis": "国保法第63条の2"}, expect=201)
    api("POST", "/benefits/H0001/withholdings", "S1019", {"action": "withhold", "decision_id": "D-1",
                                                          "basis": "国保法第63条の2"}, expect=409)
    api("POST", "/benefits/H0001/claims/BR-H0001-2024-10-1/repayments", "S1018",
        {"repayment_id": "R-1", "on": "2025-01-10", "amount": 1_000}, expect=404)
    # 療養費・出産育児一時金・葬祭費: a claim filed, decided, read, its notice
    claim = {"kind": "葬祭費", "person_id": "P0001", "event_on": "2024-06-02", "received_on": "2024-06-20",
             "chief_mourner": "北九 花子", "account": {"bank_code": "0001", "branch_code": "002",
                                                    "account_type": "普通", "account_number": "1234567",
                                                    "holder_kana": "キタキユウ　ハナコ"}}
    claim_id = api("POST", "/benefits/H0001/other-claims", "S1018", claim, expect=201)["claim_id"]
    api("POST", "/benefits/H0001/other-claims", "S1018", {**claim, "chief_mourner": None}, expect=422)
    api("POST", f"/benefits/H0001/other-claims/{claim_id}/approval", "S1034", {"decision": "approve"},
        expect=422)  # filed in time: nothing awaits approval
    api("GET", f"/benefits/H0001/other-claims/{claim_id}/notice", "S1018", expect=404)
    api("POST", f"/benefits/H0001/other-claims/{claim_id}/decision", "S1031", {"decided_on": "2024-07-01"},
        expect=200)
    api("POST", f"/benefits/H0001/other-claims/{claim_id}/decision", "S1031", {}, expect=409)
    api("GET", f"/benefits/H0001/other-claims/{claim_id}", "S1018", expect=200)
    api("GET", f"/benefits/H0001/other-claims/{claim_id}/notice", "S1018", expect=200)
    # 保存期間の停止: a legal hold placed, refused twice, read, lifted
    api("POST", "/retention/holds/P0001", "S1032", {"action": "hold", "reason": "訴訟"}, expect=200)
    api("POST", "/retention/holds/P0001", "S1032", {"action": "hold", "reason": "監査"}, expect=409)
    api("POST", "/retention/holds/P0002", "S1032", {"action": "hold"}, expect=422)
    api("GET", "/retention/holds/P0001", "S1032", expect=200)
    api("POST", "/retention/holds/P0001", "S1032", {"action": "lift"}, expect=200)
    api("GET", "/retention/holds/P0001", "S1018", expect=403)
    # refusals before any handler
    api("GET", "/persons/P0001", None, expect=401)
    api("GET", "/persons/P0001", COUNTER.replace("3", "6"), expect=403)
    api("DELETE", "/persons/P0001", READER, expect=405)
    api("POST", "/persons/P0001/moves", CLERK, raw_body='{"version": 1, "version": 2}', expect=400)
    api("POST", "/persons/P0001/moves", CLERK, raw_body='{"note": "' + "x" * 20_000 + '"}', expect=413)
    api("POST", "/persons/P0001/moves", CLERK, {"moved_on": "2024-05-01T00:00:00", "version": 9}, expect=422)
    assert api.problems == []
    # the day went through every route of the table
    assert {(r.method, r.path) for r in ROUTES} <= {(m, p) for m, p, _ in api.seen}


@pytest.mark.parametrize("content_type", ["text/plain"])
def test_a_415_is_documented_and_shaped(staffed: None, content_type: str) -> None:
    from qualification.api import handler

    from kokuho_local.local_api import api_context, rest_event

    event = rest_event("POST", "/persons/P0001/moves", staff_id=CLERK, body={"version": 1})
    event["headers"]["Content-Type"] = content_type
    event["multiValueHeaders"]["Content-Type"] = [content_type]
    resp = handler(event, api_context())  # type: ignore[arg-type]
    doc = _doc()
    assert resp["statusCode"] == 415
    schema = doc["paths"]["/persons/{person_id}/moves"]["post"]["responses"]["415"]["content"]["application/json"]
    Draft202012Validator({**schema["schema"], "components": doc["components"]}).validate(json.loads(resp["body"]))
