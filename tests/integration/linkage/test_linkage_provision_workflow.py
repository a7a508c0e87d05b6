"""情報提供 workflow on the embedded AWS (moto's Step Functions interpreter, handlers in-process):
permitted list and permit checks, every refusal recorded, 自動応答不可 held for a person, replies only
the requester can open, no My Number anywhere in what moves or is recorded."""

from __future__ import annotations

import json
import secrets
import uuid
from contextlib import AbstractContextManager
from typing import Any

import pytest
from linkage_world import COPY, PERSONS, REVIEWER, World

from kokuho.identity.mynumber import count_my_numbers
from kokuho.linkage.crypto import DecryptionFailed, KeyPair, generate_signing_key, sign_permit
from kokuho.linkage.exchange_records import records_for_request
from kokuho.linkage.network import city_body
from kokuho.linkage.permitted_list import load_permitted_list
from kokuho.records.linkage import RequestModel
from kokuho_local.sandbox import SandboxNetwork, wait_pending

REF = PERSONS["P100"][0]


def run(world: World, request: dict[str, Any]) -> Any:
    return world.aws.run_state_machine("linkage-provision", request, name=f"prov-{secrets.token_hex(4)}",
                                       timeout_s=120)


def only_record(request_id: str) -> Any:
    (rec,) = records_for_request(request_id)
    return rec


def test_auto_item_replies_only_allowed_fields_that_only_the_requester_can_open(world: World) -> None:
    req = world.kyokai.make_request("2", REF, city_body())
    reply = run(world, req)
    assert reply["status"] == "provided"
    body = world.kyokai.open_reply(reply)
    allowed = set(load_permitted_list().item("2").fields)
    assert set(body["fields"]) <= allowed
    assert body["fields"]["insurer_number"] == "401000"
    assert body["fields"]["benefit_payments"] == COPY["benefit_payments"]
    for not_allowed in ("premium_paid", "income_bracket", "premium_assessed", "insured_symbol_number"):
        assert not_allowed not in body["fields"]
    with pytest.raises(DecryptionFailed):
        world.pref.open_reply(reply)  # another body's key cannot open it
    rec = only_record(req["request_id"])
    assert (rec.direction, rec.outcome, rec.requester_body, rec.provider_body, rec.item) == (
        "provision", "provided", "全国健康保険協会福岡支部", city_body(), "2")
    assert rec.requested_at == req["requested_at"] and rec.provided_at
    assert rec.person_id == "P100" and rec.permit_id == req["permit"]["permit_id"]
    assert set(json.loads(rec.fields_sent)) == set(body["fields"])
    assert json.loads(rec.fields_withheld) == ["qualification_lost_on"]  # not held for an insured person


def _forged_permit(world: World, req: dict[str, Any]) -> dict[str, Any]:
    private, _ = generate_signing_key()
    permit = dict(req["permit"])
    permit["signature"] = sign_permit(private, permit)
    return permit


@pytest.mark.parametrize("case, reason", [
    ("wrong_requester", "wrong_requester"),
    ("unknown_item", "unknown_item"),
    ("item_not_provided", "item_not_provided"),
    ("missing_permit", "missing_permit"),
    ("forged_permit", "invalid_permit"),
    ("permit_for_another_person", "permit_mismatch"),
    ("unknown_code", "unknown_code"),
    ("key_substituted", "key_not_the_requesters"),
    ("malformed", "malformed_request"),
])
def test_refusals_reply_with_the_reason_and_are_recorded(world: World, case: str, reason: str) -> None:
    if case == "wrong_requester":  # item 2 is for 全国健康保険協会, not a prefecture
        req = world.pref.make_request("2", REF, city_body())
    elif case == "unknown_item":
        req = world.kyokai.make_request("999", REF, city_body())
    elif case == "item_not_provided":  # printed in 別紙1, not a provision item
        req = world.kyokai.make_request("5", REF, city_body())
        req["requester_kind"] = req["permit"]["requester_kind"] = "厚生労働大臣"
    elif case == "missing_permit":
        req = world.kyokai.make_request("2", REF, city_body(), with_permit=False)
    elif case == "forged_permit":
        req = world.kyokai.make_request("2", REF, city_body())
        req["permit"] = _forged_permit(world, req)
    elif case == "permit_for_another_person":
        other = world.kyokai.make_request("2", PERSONS["P200"][0], city_body())
        req = world.kyokai.make_request("2", REF, city_body(), permit=other["permit"])
    elif case == "unknown_code":  # the network knows the person, the city never registered them
        req = world.kyokai.make_request("2", "10000000999", city_body())
    elif case == "key_substituted":  # someone in between swaps in their own key: refused
        req = world.kyokai.make_request("2", REF, city_body(), public_key=KeyPair.generate().public_b64)
    else:
        req = world.kyokai.make_request("2", REF, city_body())
        req["unexpected"] = "field"
    reply = run(world, req)
    assert reply == {"request_id": req["request_id"], "status": "refused", "reason": reason}
    rec = only_record(req["request_id"])
    assert (rec.outcome, rec.reason, rec.provided_at) == ("refused", reason, None)
    assert json.loads(rec.fields_sent) == []


def test_a_permit_is_used_once(world: World) -> None:
    first = world.kyokai.make_request("2", REF, city_body())
    assert run(world, first)["status"] == "provided"
    again = world.kyokai.make_request("2", REF, city_body(), permit=first["permit"])
    assert run(world, again) == {"request_id": again["request_id"], "status": "refused", "reason": "permit_reused"}
    assert only_record(again["request_id"]).reason == "permit_reused"


def test_permit_of_another_network_key_is_refused(world: World) -> None:
    stranger = SandboxNetwork()
    stranger.register_body(world.kyokai.body_id, world.kyokai.kind)
    req = world.kyokai.make_request("2", REF, city_body())
    req["permit"] = stranger.issue_permit(world.kyokai.body_id, "2", city_body(), req["code"])
    assert run(world, req)["reason"] == "invalid_permit"


# --- 自動応答不可 -------------------------------------------------------------------------------------


def _start(world: World, req: dict[str, Any]) -> str:
    return world.aws.start_state_machine("linkage-provision", req, name=f"prov-{secrets.token_hex(4)}")


def _decide(world: World, request_id: str, decision: str, staff: str = REVIEWER,
            reason: str | None = None) -> Any:
    """A member of staff's decision, at the private API (their session is who they are); a refusal raises."""
    body = {"decision": decision, **({"reason": reason} if reason is not None else {})}
    status, out = _api(world, "POST", f"/linkage/approvals/{request_id}", staff=staff, body=body)
    if status != 200:
        raise RuntimeError(f"{status}: {json.dumps(out, ensure_ascii=False)}")
    return out


def test_no_auto_item_waits_for_a_person_and_leaves_only_after_approval(world: World) -> None:
    row = load_permitted_list().item("158")
    assert not row.auto_response and row.no_auto_reason
    req = world.pref.make_request("158", REF, city_body())
    arn = _start(world, req)
    pending = wait_pending(req["request_id"])
    assert set(pending["preview"]["fields"]) <= set(row.fields)  # the reviewer sees exactly what would go
    assert world.aws.client("stepfunctions").describe_execution(executionArn=arn)["status"] == "RUNNING"
    assert records_for_request(req["request_id"]) == []  # nothing provided, nothing recorded yet
    assert _decide(world, req["request_id"], "approve") == {"request_id": req["request_id"], "status": "approved"}
    reply = world.aws.wait_execution(arn, timeout_s=120)
    assert reply["status"] == "provided"
    assert world.pref.open_reply(reply)["fields"]["specific_disease_certificate"] is False
    rec = only_record(req["request_id"])
    assert (rec.outcome, rec.approved_by) == ("provided", REVIEWER)


def test_no_auto_item_refused_by_staff_is_recorded_with_the_reason(world: World) -> None:
    req = world.pref.make_request("13", REF, city_body())
    arn = _start(world, req)
    wait_pending(req["request_id"])
    with pytest.raises(RuntimeError, match="reason"):
        _decide(world, req["request_id"], "refuse")  # a refusal needs a reason
    _decide(world, req["request_id"], "refuse", reason="照会対象者の同意確認中")
    reply = world.aws.wait_execution(arn, timeout_s=120)
    assert reply == {"request_id": req["request_id"], "status": "refused", "reason": "approval_refused"}
    rec = only_record(req["request_id"])
    assert rec.outcome == "refused" and rec.reason.startswith("approval_refused")
    assert "envelope" not in reply


def _approval_timeout(world: World, seconds: int) -> AbstractContextManager[None]:
    """A short approval deadline, set on the check function as a deployment would (its environment)."""
    return world.aws.function_environment("linkage-provision-check",
                                          KOKUHO_LINKAGE_APPROVAL_TIMEOUT_SECONDS=str(seconds))


def test_approval_needs_a_granted_person(world: World) -> None:
    req = world.pref.make_request("13", REF, city_body())
    with _approval_timeout(world, 2):
        arn = _start(world, req)
        wait_pending(req["request_id"])
        with pytest.raises(RuntimeError, match="^403"):
            _decide(world, req["request_id"], "approve", staff="S9998")  # no grant
        with pytest.raises(RuntimeError, match="individual"):  # a workflow is no member of staff
            _decide(world, req["request_id"], "approve", staff="system:batch")
        reply = world.aws.wait_execution(arn, timeout_s=120)
    assert reply["reason"] == "approval_timeout"


def test_approval_timeout_refuses_and_records(world: World) -> None:
    with _approval_timeout(world, 1):
        req = world.pref.make_request("173の2", REF, city_body())
        reply = run(world, req)
    assert reply == {"request_id": req["request_id"], "status": "refused", "reason": "approval_timeout"}
    rec = only_record(req["request_id"])
    assert (rec.outcome, rec.reason, rec.provided_at) == ("refused", "approval_timeout", None)
    assert json.loads(rec.fields_withheld) == list(load_permitted_list().item("173の2").fields)


def test_provide_step_itself_refuses_an_unapproved_no_auto_item(world: World) -> None:
    # Defence in depth: even invoked directly, bypassing the approval state, nothing leaves.
    with _approval_timeout(world, 2):
        req = world.pref.make_request("42", REF, city_body())
        arn = _start(world, req)
        wait_pending(req["request_id"])
        out = world.aws.invoke("linkage-provision-provide", {"request_id": req["request_id"]})
        world.aws.wait_execution(arn, timeout_s=120)
    assert out == {"request_id": req["request_id"], "status": "refused", "reason": "not_approved"}
    assert all(r.outcome == "refused" for r in records_for_request(req["request_id"]))


# --- no My Number in any payload -------------------------------------------------------------------


def test_no_payload_contains_a_my_number(world: World) -> None:
    """Scans everything that moved or was stored by the workflows above: execution inputs, outputs and
    state transitions, the linkage tables, and the decrypted replies."""
    req = world.kyokai.make_request("6", REF, city_body())
    reply = run(world, req)
    refused = run(world, world.pref.make_request("2", PERSONS["P200"][0], city_body()))
    texts = [json.dumps(req, ensure_ascii=False), json.dumps(reply, ensure_ascii=False),
             json.dumps(refused, ensure_ascii=False), json.dumps(world.kyokai.open_reply(reply), ensure_ascii=False)]
    sfn = world.aws.client("stepfunctions")
    arn = world.aws.state_machine_arn("linkage-provision")
    executions = sfn.list_executions(stateMachineArn=arn)["executions"]
    assert len(executions) >= 2  # these two, and those of any earlier test in this process
    for ex in executions:
        texts.append(json.dumps(world.aws.history(ex["executionArn"]), ensure_ascii=False, default=str))
    ddb = world.aws.client("dynamodb")
    for logical in ("linkage", "linkage_records"):
        texts.append(json.dumps(ddb.scan(TableName=world.aws.table_name(logical))["Items"], ensure_ascii=False))
    blob = "\n".join(texts)
    for _, number in PERSONS.values():
        assert number not in blob
    assert count_my_numbers(blob) == 0


def test_every_no_auto_item_is_refused_by_the_provide_step_without_an_approval(world: World) -> None:
    from kokuho.linkage.provision import provide, receive_request
    from kokuho_local.sandbox import SandboxRequester

    mayor = SandboxRequester("福岡市長", "市町村長", world.net)
    held = [r for r in load_permitted_list().provision_items() if not r.auto_response]
    assert len(held) >= 10
    for row in held:
        requester = world.pref if "都道府県知事" in row.requester_kinds else mayor
        req = requester.make_request(row.item, REF, city_body())
        accepted = receive_request(req)
        assert accepted["decision"] == "accepted" and accepted["needs_approval"] is True, row.item
        assert provide(req["request_id"]) == {"request_id": req["request_id"], "status": "refused",
                                              "reason": "not_approved"}


def test_a_workflow_cannot_approve(world: World) -> None:
    from kokuho.access.records import Actor
    from kokuho.linkage.provision import DecisionError, decide

    with pytest.raises(DecisionError, match="person"):
        decide("any", True, Actor("system:x", "stepfunctions", "p"), None, world.aws.client("stepfunctions"))


# --- the approval through the private API (qualification-api serves the approval routes) ------------

GRANT_PURPOSE = "情報提供内容の確認 (自動応答不可)"  # the reviewer's grant (linkage_world)


def _rest_event(method: str, path: str, staff: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """An API Gateway REST (v1) proxy event of the private API, identity in the authorizer context."""
    return {
        "resource": "/{proxy+}", "path": path, "httpMethod": method,
        "headers": {"Content-Type": "application/json", "Host": "abc123.execute-api.ap-northeast-1.amazonaws.com"},
        "multiValueHeaders": {"Content-Type": ["application/json"]},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.lstrip("/")}, "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "resourcePath": "/{proxy+}", "httpMethod": method,
            "path": f"/v1{path}", "stage": "v1", "requestId": str(uuid.uuid4()), "protocol": "HTTP/1.1",
            "requestTimeEpoch": 1732600000000,
            "identity": {"sourceIp": "10.0.1.23", "vpceId": "vpce-0abc", "userAgent": "kokuho-terminal"},
            "authorizer": {"principalId": staff, "staff_id": staff, "terminal_id": "T-KOKUHO-07"},
        },
        "body": json.dumps(body, ensure_ascii=False) if body is not None else None, "isBase64Encoded": False,
    }


def _api(world: World, method: str, path: str, staff: str = REVIEWER,
         body: dict[str, Any] | None = None) -> tuple[int, Any]:
    resp = world.aws.invoke("qualification-api-approval", _rest_event(method, path, staff, body))
    return int(resp["statusCode"]), json.loads(resp["body"] or "null")


def _held(world: World, item: str) -> tuple[dict[str, Any], str]:
    """A 自動応答不可 request parked for a person (the sandbox's ids never hold a twelve-digit run, which
    the API would refuse in a URL)."""
    req = world.pref.make_request(item, REF, city_body())
    arn = _start(world, req)
    wait_pending(req["request_id"])
    return req, arn


def _ops(request_subject: str) -> list[tuple[str, str, str, str, str]]:
    from kokuho.access.records import records_of_subject

    return [(r.staff_id, r.category, r.operation, r.result, r.purpose)
            for r in records_of_subject(request_subject)]


def test_a_held_provision_is_approved_through_the_private_api_then_provided(world: World) -> None:
    from kokuho.access.records import records_by_staff

    req, arn = _held(world, "165")
    status, queue = _api(world, "GET", "/linkage/approvals")
    assert status == 200
    (held,) = [p for p in queue["pending"] if p["request_id"] == req["request_id"]]
    assert set(held["preview"]["fields"]) <= set(load_permitted_list().item("165").fields)
    # the reviewer's reading of the previews is recorded, under the purpose of the reviewer's grant
    assert any((r.category, r.operation, r.purpose) == ("linkage_provision", "read", GRANT_PURPOSE)
               for r in records_by_staff(REVIEWER))

    path = f"/linkage/approvals/{req['request_id']}"
    status, out = _api(world, "POST", path, body={"decision": "maybe"})
    assert status == 422 and out["error"] == "invalid request"
    assert RequestModel.get(f"REQ#{req['request_id']}", "REQUEST").status == "awaiting_approval"

    status, out = _api(world, "POST", path, body={"decision": "approve"})
    assert (status, out) == (200, {"request_id": req["request_id"], "status": "approved"})
    reply = world.aws.wait_execution(arn, timeout_s=120)
    assert reply["status"] == "provided"
    assert set(world.pref.open_reply(reply)["fields"]) <= set(load_permitted_list().item("165").fields)
    rec = only_record(req["request_id"])
    assert (rec.outcome, rec.approved_by) == ("provided", REVIEWER)
    state = RequestModel.get(f"REQ#{req['request_id']}", "REQUEST")
    assert state.preview is None and state.status == "provided"  # the reviewer's copy is not kept
    ops = _ops("P100")
    assert (REVIEWER, "linkage_provision", "approve", "ok", GRANT_PURPOSE) in ops
    assert ("system:linkage-provision", "linkage_provision", "provide", "ok") in [o[:4] for o in ops]

    # decided once: a second decision is a conflict, an unknown id is not found; both leave a record
    status, out = _api(world, "POST", path, body={"decision": "refuse", "reason": "重複"})
    assert status == 409 and "not awaiting approval" in out["error"]
    assert _api(world, "POST", "/linkage/approvals/R-no-such-request", body={"decision": "approve"})[0] == 404
    assert (REVIEWER, "linkage_provision", "decide", "conflict") in [o[:4] for o in _ops(f"REQ:{req['request_id']}")]
    assert (REVIEWER, "linkage_provision", "decide", "not_found") in [o[:4] for o in _ops("REQ:R-no-such-request")]
    assert only_record(req["request_id"]).outcome == "provided"  # nothing changed by the late refusal


def test_a_held_provision_refused_through_the_private_api_is_recorded_with_the_reason(world: World) -> None:
    req, arn = _held(world, "13")
    path = f"/linkage/approvals/{req['request_id']}"
    for body in ({"decision": "refuse"}, {"decision": "refuse", "reason": "   "},
                 {"decision": "refuse", "reason": "番号 123456789018 の件"}, {"decision": "approve", "extra": 1}):
        status, out = _api(world, "POST", path, body=body)
        assert status == 422, body  # a refusal names a reason, without a number; nothing decided
        assert "123456789018" not in json.dumps(out, ensure_ascii=False)
    assert world.aws.client("stepfunctions").describe_execution(executionArn=arn)["status"] == "RUNNING"

    status, out = _api(world, "POST", path, body={"decision": "refuse", "reason": "照会対象者の同意確認中"})
    assert (status, out) == (200, {"request_id": req["request_id"], "status": "refused"})
    reply = world.aws.wait_execution(arn, timeout_s=120)
    assert reply == {"request_id": req["request_id"], "status": "refused", "reason": "approval_refused"}
    rec = only_record(req["request_id"])
    assert (rec.outcome, rec.reason, rec.provided_at) == ("refused", "approval_refused: 照会対象者の同意確認中", None)
    assert json.loads(rec.fields_sent) == []
    state = RequestModel.get(f"REQ#{req['request_id']}", "REQUEST")
    assert (state.status, state.decided_by, state.decision_reason) == ("refused", REVIEWER, "照会対象者の同意確認中")
    assert (REVIEWER, "linkage_provision", "refuse", "ok", GRANT_PURPOSE) in _ops("P100")


def test_the_approval_routes_need_an_individual_with_the_approval_grant(world: World) -> None:
    from kokuho.access.records import records_by_staff

    req, arn = _held(world, "158")
    path = f"/linkage/approvals/{req['request_id']}"
    assert _api(world, "GET", "/linkage/approvals", staff="S9999")[0] == 403  # no grant
    assert _api(world, "POST", path, staff="S9999", body={"decision": "approve"})[0] == 403
    assert _api(world, "POST", path, staff="admin", body={"decision": "approve"})[0] == 401  # shared id
    denied = [(r.category, r.operation, r.result) for r in records_by_staff("S9999")]
    assert denied.count(("linkage_provision", "approval_queue", "denied")) == 1
    assert denied.count(("linkage_provision", "decide", "denied")) == 1
    assert RequestModel.get(f"REQ#{req['request_id']}", "REQUEST").status == "awaiting_approval"
    # still held for the person with the grant
    assert _api(world, "POST", path, body={"decision": "approve"})[0] == 200
    assert world.aws.wait_execution(arn, timeout_s=120)["status"] == "provided"


def test_two_reviewers_deciding_at_once_one_decision_stands(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from kokuho.access.records import Actor
    from kokuho.linkage import provision
    from kokuho.records.linkage_exchange import PynamoExchangeStore

    req, arn = _held(world, "13")
    store = PynamoExchangeStore()
    stale = store.request(req["request_id"])
    assert _api(world, "POST", f"/linkage/approvals/{req['request_id']}", body={"decision": "approve"})[0] == 200
    # the other reviewer read the request just before: their write finds it decided
    monkeypatch.setattr(store, "request", lambda request_id: stale)
    other = Actor("S0300", "T-KOKUHO-08", GRANT_PURPOSE)
    with pytest.raises(provision.NotAwaitingApproval, match="someone else"):
        provision.decide(req["request_id"], False, other, "重複", world.aws.client("stepfunctions"), store=store)
    monkeypatch.undo()
    assert world.aws.wait_execution(arn, timeout_s=120)["status"] == "provided"
    assert RequestModel.get(f"REQ#{req['request_id']}", "REQUEST").decided_by == REVIEWER


def test_codes_are_issued_by_the_network_per_body_and_never_from_my_number(world: World) -> None:
    from linkage_world import CLERK

    from kokuho.linkage.codes import CodeRegistrationRefused, code_of, person_of_code, register_code

    code = code_of("P100")
    assert code and code.isalpha() and person_of_code(code) == "P100"
    assert register_code("P100", REF, world.net, CLERK) == code  # idempotent
    assert world.kyokai.code_for(REF) != code  # another body holds another 符号 for the same person
    with pytest.raises(CodeRegistrationRefused):
        register_code("P300", PERSONS["P100"][1], world.net, CLERK)  # a My Number is not a reference
    assert code_of("P300") is None


# --- every provision recorded, exactly once (crashes injected at each step) --------------------------


def _outcomes(request_id: str) -> list[tuple[str, str | None]]:
    return sorted((r.outcome, r.reason) for r in records_for_request(request_id))


def _provide_accesses(person_id: str) -> int:
    from kokuho.access.records import records_of_chain

    return sum(1 for r in records_of_chain(f"SUBJECT#{person_id}") if r.operation == "provide")


def test_a_crash_during_encryption_is_retried_and_leaves_one_record_and_one_reply(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from kokuho.linkage import provision

    real, calls = provision.encrypt_for, []

    def crash_once(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise MemoryError("killed while encrypting")
        return real(*args)

    monkeypatch.setattr(provision, "encrypt_for", crash_once)
    before = _provide_accesses("P200")
    req = world.kyokai.make_request("2", PERSONS["P200"][0], city_body())
    reply = run(world, req)
    assert reply["status"] == "provided" and len(calls) == 2
    assert world.kyokai.open_reply(reply)["fields"]["insurer_number"] == "401000"
    assert _outcomes(req["request_id"]) == [("provided", None)]
    assert world.net.delivered[req["request_id"]] == (world.kyokai.body_id, reply)
    assert _provide_accesses("P200") == before + 1


def test_a_crash_in_the_provide_step_commits_nothing_and_the_operators_rerun_provides_once(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from kokuho.records import linkage_exchange
    from kokuho_local.embedded import ExecutionFailed

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("access log unavailable")

    # the store's access records fail: after encryption, before anything is committed
    monkeypatch.setattr(linkage_exchange, "record_access", crash)
    req = world.kyokai.make_request("6", REF, city_body())
    with pytest.raises(ExecutionFailed):
        run(world, req)
    state = RequestModel.get(f"REQ#{req['request_id']}", "REQUEST", consistent_read=True)
    assert state.status == "received"  # not "provided" without its record
    assert records_for_request(req["request_id"]) == [] and req["request_id"] not in world.net.delivered
    monkeypatch.undo()
    reply = run(world, req)  # the operator reruns the same request: it resumes, not "permit_reused"
    assert reply["status"] == "provided" and world.kyokai.open_reply(reply)["item"] == "6"
    assert _outcomes(req["request_id"]) == [("provided", None)]


def test_a_reply_that_was_not_sent_is_sent_by_the_rerun_the_same_and_recorded_once(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from kokuho.records.linkage import ReplyOutboxModel
    from kokuho_local.embedded import ExecutionFailed

    def network_down(requester_body: str, reply: dict[str, Any]) -> None:
        raise ConnectionError("intermediate server unreachable")

    monkeypatch.setattr(world.net, "deliver_reply", network_down)
    req = world.kyokai.make_request("2", REF, city_body())
    with pytest.raises(ExecutionFailed):
        run(world, req)
    # the record and the reply were committed together; the reply waits in the outbox
    assert _outcomes(req["request_id"]) == [("provided", None)]
    waiting = ReplyOutboxModel.get(f"REQ#{req['request_id']}", "REPLY", consistent_read=True)
    assert waiting.sent_at is None and req["request_id"] not in world.net.delivered
    monkeypatch.undo()
    reply = run(world, req)  # rerun: the same reply (not a second encryption), no new record
    assert reply == json.loads(waiting.reply)
    assert world.net.delivered[req["request_id"]] == (world.kyokai.body_id, reply)
    assert world.kyokai.open_reply(reply)["fields"]["insurer_number"] == "401000"
    assert run(world, req) == reply  # and again: still one reply, one record
    assert _outcomes(req["request_id"]) == [("provided", None)]
    assert ReplyOutboxModel.get(f"REQ#{req['request_id']}", "REPLY").sent_at


def test_a_send_that_fails_once_is_retried_by_the_workflow(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    real, calls = world.net.deliver_reply, []

    def flaky(requester_body: str, reply: dict[str, Any]) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise TimeoutError("no answer from the intermediate server")
        real(requester_body, reply)

    monkeypatch.setattr(world.net, "deliver_reply", flaky)
    req = world.kyokai.make_request("2", REF, city_body())
    reply = run(world, req)
    assert reply["status"] == "provided" and len(calls) == 2
    assert _outcomes(req["request_id"]) == [("provided", None)]


def test_a_rerun_of_a_refused_request_answers_the_same_refusal_without_a_second_record(world: World) -> None:
    with _approval_timeout(world, 1):
        req = world.pref.make_request("173の2", REF, city_body())
        first = run(world, req)
    assert run(world, req) == first == {"request_id": req["request_id"], "status": "refused",
                                        "reason": "approval_timeout"}
    assert _outcomes(req["request_id"]) == [("refused", "approval_timeout")]


@pytest.mark.parametrize("point", [
    "00" * 32,  # all zero
    "01" + "00" * 31,  # u = 1
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",  # a point of order 8
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # u = p - 1, of order 2
])
def test_a_low_order_requester_key_is_refused_at_the_check_and_recorded(world: World, point: str) -> None:
    from kokuho.linkage.crypto import b64e
    from kokuho_local.sandbox import SandboxRequester

    # the network registered the key (so it is "the requester's"): the check itself must refuse it
    weak = SandboxRequester(f"全国健康保険協会{point[:4]}支部", "全国健康保険協会", world.net,
                            keys=KeyPair(bytes(32), b64e(bytes.fromhex(point))))
    req = weak.make_request("2", REF, city_body())
    reply = run(world, req)
    assert reply == {"request_id": req["request_id"], "status": "refused", "reason": "invalid_public_key"}
    assert _outcomes(req["request_id"]) == [("refused", "invalid_public_key")]


def test_a_refusal_at_the_check_is_recorded_once_through_a_crash_and_a_rerun(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from kokuho.linkage import provision

    real, calls = provision._refusal_reply, []

    def crash_after_the_record(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("killed after recording")
        return real(*args)

    monkeypatch.setattr(provision, "_refusal_reply", crash_after_the_record)
    req = world.kyokai.make_request("2", REF, city_body(), with_permit=False)
    expected = {"request_id": req["request_id"], "status": "refused", "reason": "missing_permit"}
    assert run(world, req) == expected and len(calls) == 2  # retried by the workflow
    assert run(world, req) == expected  # the operator's rerun
    assert _outcomes(req["request_id"]) == [("refused", "missing_permit")]
    malformed = {**world.kyokai.make_request("2", REF, city_body()), "unexpected": "field"}
    run(world, malformed)
    run(world, malformed)
    assert _outcomes(malformed["request_id"]) == [("refused", "malformed_request")]
    other = {**malformed, "unexpected": "another field"}  # another request: its own record
    run(world, other)
    assert len(records_for_request(malformed["request_id"])) == 2


def test_a_held_provision_is_decided_at_the_private_api_alone(world: World) -> None:
    """The linkage-approval function took the approver from its payload ({"staff_id": …, "terminal_id": …}): whoever
    could invoke it approved a 自動応答不可 provision as any member holding the grant — the person's data left the city,
    the 情報提供等記録 and CloudTrail naming that member. A direct invocation proves no one's identity (Lambda passes
    none): no function but the private API's approval concern answers the parked request, where the member of staff
    is their login session."""
    from kokuho.platform.catalog import FUNCTIONS

    assert [f.logical for f in FUNCTIONS if "linkage-provision" in f.answers_task_tokens_of] == [
        "qualification-api-approval"]
    req, arn = _held(world, "13")
    assert RequestModel.get(f"REQ#{req['request_id']}", "REQUEST").status == "awaiting_approval"
    assert _api(world, "POST", f"/linkage/approvals/{req['request_id']}",
                body={"decision": "refuse", "reason": "試験"})[0] == 200
    assert world.aws.wait_execution(arn, timeout_s=120)["status"] == "refused"
