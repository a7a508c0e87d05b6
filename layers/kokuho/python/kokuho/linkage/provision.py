"""Provision (情報提供) on request from another body, step by step as the provision workflow runs it:

1. `receive_request`: the request (requester, 別紙1 item, 符号, 情報提供許可証, requester's public key)
   is judged against the permitted list and the permit (`judge_request`, pure); a refusal is
   recorded with its reason; an accepted request consumes its permit (one use only).
2. `park_for_approval`: an item flagged 自動応答不可 waits for a person (III-6 リスク5): the task token
   and a preview of exactly what would be sent are stored for the reviewer.
3. `decide`: a member of staff approves or refuses (SendTaskSuccess / SendTaskFailure).
4. `provide`: builds only the item's allowed fields from the provision copy (副本), encrypts them to
   the requester's key and commits, in ONE transaction, the request's "provided" state, the
   情報提供等記録, the access record and the encrypted reply in the outbox. It re-checks the approval
   itself, so a 自動応答不可 item cannot leave without one whatever path led here.
5. `send_reply`: hands the outbox's reply to the network (idempotent on the request id) and marks it
   sent; the workflow retries it. Every reply that leaves has its record and every record its reply.
6. `refuse`: a refusal after acceptance (approval refused or timed out) is recorded, with the request's
   final state, in one transaction, once.

An operator's rerun of a failed execution with the same request resumes where it stopped (from the
stored state: not yet provided → provide; provided → send the same reply again; refused → the same
refusal, not recorded again) instead of refusing it as a reused permit.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kokuho.access.actor import Actor
from kokuho.identity.mynumber import contains_my_number
from kokuho.identity.redaction import looks_like_my_number, redact
from kokuho.linkage import codes
from kokuho.linkage.code_ports import CodeStore
from kokuho.linkage.crypto import encrypt_for, exchange_aad, key_id, parse_public_key, verify_permit_signature
from kokuho.linkage.exchange_ports import Decision, ExchangeStore, Reply, RequestState, StoredKey
from kokuho.linkage.exchange_records import Exchange, exchange_record, now_iso, record_exchange
from kokuho.linkage.exchange_store import store_or_wired
from kokuho.linkage.fields import select_allowed
from kokuho.linkage.network import city_body, gateway
from kokuho.linkage.permitted_list import PermittedList, load_permitted_list
from kokuho.requests.suspension import partition_use

SYSTEM = Actor(staff_id="system:linkage-provision", terminal_id="stepfunctions", purpose="情報提供 (番号法第19条第8号)")
DEFAULT_APPROVAL_TIMEOUT_SECONDS = 3 * 24 * 3600  # a reviewer has three days, then the request is refused
# Working state (request, consumed permit) is deleted by TTL after this; permits expire long before, so a
# permit cannot come back usable. The 情報提供等記録 in linkage_records is what is kept (7 years).
STATE_TTL_SECONDS = 400 * 24 * 3600
COMMIT_ATTEMPTS = 8  # a commit loses only to a concurrent append to the person's access chain: try again


class Reason(StrEnum):
    """Why a request is refused (recorded with the refusal)."""

    MALFORMED = "malformed_request"
    UNKNOWN_ITEM = "unknown_item"  # not in 別紙1
    ITEM_NOT_PROVIDED = "item_not_provided"  # in 別紙1, not among the city's provision items
    WRONG_REQUESTER = "wrong_requester"  # requester kind not listed for the item
    MISSING_PERMIT = "missing_permit"
    INVALID_PERMIT = "invalid_permit"  # signature does not verify against the network key
    PERMIT_MISMATCH = "permit_mismatch"  # permit is for another requester, item, person or provider
    PERMIT_EXPIRED = "permit_expired"
    PERMIT_REUSED = "permit_reused"
    INVALID_KEY = "invalid_public_key"
    KEY_MISMATCH = "key_not_the_requesters"  # not the key the network holds for the requester
    UNKNOWN_CODE = "unknown_code"  # no person holds this 符号
    APPROVAL_REFUSED = "approval_refused"
    APPROVAL_TIMEOUT = "approval_timeout"
    NOT_APPROVED = "not_approved"  # reached provision without an approval (defence in depth)
    USE_SUSPENDED = "use_suspended"  # 利用停止: the person's linkage use is suspended (kokuho.requests)


class Permit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    permit_id: str = Field(min_length=1, max_length=100)
    requester_body: str
    requester_kind: str
    requester_key_id: str  # fingerprint of the requester's key as registered with the network
    provider_body: str
    item: str
    code: str
    issued_at: str
    expires_at: str
    signature: str


class ProvisionRequest(BaseModel):
    """An inbound query as the network delivers it. No My Number: the person is named by 符号."""

    model_config = ConfigDict(extra="forbid")
    request_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_\-]+$")
    requester_body: str = Field(min_length=1, max_length=100)
    requester_kind: str = Field(min_length=1, max_length=60)
    item: str = Field(min_length=1, max_length=20)
    code: str = Field(min_length=1, max_length=100)
    requester_public_key: str = Field(min_length=1, max_length=200)
    requested_at: str
    permit: Permit | None = None

    @model_validator(mode="after")
    def _no_my_number(self) -> ProvisionRequest:
        # These texts go into access records and the 情報提供等記録: a number in any shape is malformed.
        for name in ("request_id", "requester_body", "requester_kind", "item", "code", "requested_at"):
            if contains_my_number(getattr(self, name)):
                raise ValueError(f"{name}: must not contain a My Number")
        return self


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    reason: Reason | None = None
    needs_approval: bool = False


def judge_request(req: ProvisionRequest, plist: PermittedList, provider_body: str,
                  network_public_key: str | None, now: datetime, person_known: bool) -> Verdict:
    """Pure judgement of a request, in a fixed order so the recorded reason is the first failing check."""
    row = plist.rows.get(req.item)
    if row is None:
        return Verdict(False, Reason.UNKNOWN_ITEM)
    if not row.provision:
        return Verdict(False, Reason.ITEM_NOT_PROVIDED)
    if req.requester_kind not in row.requester_kinds:
        return Verdict(False, Reason.WRONG_REQUESTER)
    p = req.permit
    if p is None:
        return Verdict(False, Reason.MISSING_PERMIT)
    if not network_public_key or not verify_permit_signature(network_public_key, p.model_dump()):
        return Verdict(False, Reason.INVALID_PERMIT)
    if (p.requester_body, p.requester_kind, p.item, p.code, p.provider_body) != (
            req.requester_body, req.requester_kind, req.item, req.code, provider_body):
        return Verdict(False, Reason.PERMIT_MISMATCH)
    try:
        expired = datetime.fromisoformat(p.expires_at) <= now
    except ValueError:
        return Verdict(False, Reason.INVALID_PERMIT)
    if expired:
        return Verdict(False, Reason.PERMIT_EXPIRED)
    try:
        parse_public_key(req.requester_public_key)
    except ValueError:
        return Verdict(False, Reason.INVALID_KEY)
    if key_id(req.requester_public_key) != p.requester_key_id:
        return Verdict(False, Reason.KEY_MISMATCH)
    if not person_known:
        return Verdict(False, Reason.UNKNOWN_CODE)
    return Verdict(True, needs_approval=not row.auto_response)


# --- service steps -------------------------------------------------------------------------------


def network_public_key(*, store: ExchangeStore | None = None) -> str | None:
    held = store_or_wired(store).key("NETWORK")
    return held.public_key if held is not None else None


def register_network_key(public_key: str, *, store: ExchangeStore | None = None) -> None:
    """Trust anchor: the network's permit-signing key (set at deployment from the network's notice)."""
    store_or_wired(store).put_key("NETWORK", StoredKey(public_key, now_iso()), once=False)


def approval_timeout_seconds() -> int:
    return int(os.environ.get("KOKUHO_LINKAGE_APPROVAL_TIMEOUT_SECONDS", DEFAULT_APPROVAL_TIMEOUT_SECONDS))


def _refusal_reply(request_id: str, reason: Reason) -> dict[str, Any]:
    return {"request_id": request_id, "status": "refused", "reason": reason.value}


def _safe_str(event: dict[str, Any], key: str, default: str = "unknown") -> str:
    """A field of a request that failed validation, fit to record: short, and never a 12-digit run."""
    value = event.get(key)
    return redact(value)[:100] if isinstance(value, str) and value else default  # redact, then cut


def receive_request(event: dict[str, Any], now: datetime | None = None, *, store: ExchangeStore | None = None,
                    code_store: CodeStore | None = None) -> dict[str, Any]:
    """Step 1. Returns {"decision": "accepted", "needs_approval", "approval_timeout_seconds", ...}
    or {"decision": "refused", "reply": {...}} after recording the refusal."""
    store = store_or_wired(store)
    now = now or datetime.now(UTC)
    plist = load_permitted_list()
    try:
        req = ProvisionRequest.model_validate(event)
    except ValidationError:
        rid = _safe_str(event, "request_id")
        record_exchange(Exchange("provision", _safe_str(event, "requester_body"), city_body(),
                                 _safe_str(event, "item"), rid, now_iso(), "refused",
                                 reason=Reason.MALFORMED.value),
                        once_key=json.dumps(event, sort_keys=True, ensure_ascii=False, default=str), store=store)
        return {"decision": "refused", "reply": _refusal_reply(rid, Reason.MALFORMED)}
    person_id = codes.person_of_code(req.code, store=code_store)
    resumed = _resume(req, person_id, store)
    if resumed is not None:
        return resumed
    verdict = judge_request(req, plist, city_body(), network_public_key(store=store), now, person_id is not None)
    allowed = plist.rows[req.item].fields if req.item in plist.rows else ()
    if not verdict.accepted:
        assert verdict.reason is not None
        return _refuse_new(req, person_id, verdict.reason, allowed, store)
    assert req.permit is not None
    expires_at = int(now.timestamp()) + STATE_TTL_SECONDS
    state = RequestState(
        request_id=req.request_id, status="received", item=req.item, requester_body=req.requester_body,
        requester_kind=req.requester_kind, requester_public_key=req.requester_public_key,
        permit_id=req.permit.permit_id, person_id=person_id, received_at=now_iso(), requested_at=req.requested_at,
        expires_at=expires_at)
    if not store.accept(state, permit_expires_at=expires_at):
        return _refuse_new(req, person_id, Reason.PERMIT_REUSED, allowed, store)
    return {"decision": "accepted", "request_id": req.request_id, "item": req.item,
            "needs_approval": verdict.needs_approval, "approval_timeout_seconds": approval_timeout_seconds()}


def _resume(req: ProvisionRequest, person_id: str | None, store: ExchangeStore) -> dict[str, Any] | None:
    """The same request again (an operator's rerun after a failed execution: same id, permit, requester,
    key and person as accepted before): carry on from the stored state. Anything else is judged anew (a
    permit under another request id is a reused permit)."""
    state = store.request(req.request_id)
    if state is None:
        return None
    if req.permit is None or (state.permit_id, state.requester_body, state.requester_public_key, state.item,
                              state.person_id) != (req.permit.permit_id, req.requester_body,
                                                   req.requester_public_key, req.item, person_id):
        return None
    if state.status == "provided":
        return {"decision": "resume_send", "request_id": req.request_id, "item": req.item}
    if state.status == "refused":
        return {"decision": "refused", "reply": refuse(req.request_id, _stored_reason(state), store=store)}
    row = load_permitted_list().item(state.item)
    return {"decision": "accepted", "request_id": req.request_id, "item": req.item,
            "needs_approval": not row.auto_response and state.status != "approved",
            "approval_timeout_seconds": approval_timeout_seconds()}


def _stored_reason(state: RequestState) -> Reason:
    try:
        return Reason(state.decision_reason or "")
    except ValueError:  # the reviewer's own words: a refusal by staff
        return Reason.APPROVAL_REFUSED


def _refuse_new(req: ProvisionRequest, person_id: str | None, reason: Reason,
                allowed: tuple[str, ...], store: ExchangeStore) -> dict[str, Any]:
    # Keyed on the request as received: the same request again (a rerun) is not a second refusal record.
    record_exchange(Exchange("provision", req.requester_body, city_body(), req.item, req.request_id,
                             req.requested_at, "refused", person_id=person_id,
                             permit_id=req.permit.permit_id if req.permit else None, reason=reason.value,
                             fields_withheld=list(allowed)),
                    once_key=f"{reason.value}\n{req.model_dump_json()}", store=store)
    return {"decision": "refused", "reply": _refusal_reply(req.request_id, reason)}


class UnknownRequestState(LookupError):
    """A workflow step named a request that was never accepted (the workflow fails the step)."""


def _load(request_id: str, store: ExchangeStore) -> RequestState:
    state = store.request(request_id)
    if state is None:
        raise UnknownRequestState(f"no request {request_id}")
    return state


def _copy_of(person_id: str, store: ExchangeStore) -> dict[str, Any]:
    data = store.copy_of(person_id)
    return dict(json.loads(data)) if data is not None else {}


def park_for_approval(request_id: str, task_token: str, *, store: ExchangeStore | None = None) -> dict[str, Any]:
    """Step 2: keep the token and a preview of exactly what would be sent, for the reviewer."""
    store = store_or_wired(store)
    state = _load(request_id, store)
    allowed = load_permitted_list().item(state.item).fields
    assert state.person_id is not None
    sent, withheld = select_allowed(_copy_of(state.person_id, store), allowed)
    store.record(SYSTEM, [state.person_id], "linkage_provision", "read")
    store.park(request_id, task_token, json.dumps({"fields": sent, "withheld": withheld}, ensure_ascii=False),
               queued_at=state.received_at)
    return {"request_id": request_id, "status": "awaiting_approval"}


def pending_approvals(reviewer: Actor | None = None, limit: int | None = None, *,
                      store: ExchangeStore | None = None) -> list[dict[str, Any]]:
    """The approval queue: requests awaiting a person, oldest first (at most `limit`), with the preview
    to review. A reviewer's reading of the previews is an access to those persons' data and is recorded."""
    store = store_or_wired(store)
    out = []
    for s in store.pending(limit):
        out.append({"request_id": s.request_id, "item": s.item, "requester_body": s.requester_body,
                    "received_at": s.received_at, "person_id": s.person_id,
                    "preview": json.loads(s.preview or "{}")})
    subjects = sorted({str(p["person_id"]) for p in out if p["person_id"]})
    if reviewer is not None and subjects:
        store.record(reviewer, subjects, "linkage_provision", "read", chain=f"STAFF#{reviewer.staff_id}")
    return out


class DecisionError(ValueError):
    pass


class UnknownRequest(DecisionError):
    """No request of that id (the API answers 404)."""


class NotAwaitingApproval(DecisionError):
    """Decided already, or the wait ended first (the API answers 409)."""


def decide(request_id: str, approve: bool, staff: Actor, reason: str | None, sfn: Any, *,
           store: ExchangeStore | None = None) -> dict[str, Any]:
    """Step 3: a member of staff approves or refuses a parked request; resumes the workflow."""
    store = store_or_wired(store)
    if staff.staff_id.startswith("system:"):
        raise DecisionError("an approval is a person's decision, not a workflow's")
    if not approve and not (reason and reason.strip()):
        raise DecisionError("a refusal needs a reason")
    if reason and looks_like_my_number(reason):  # it goes into the workflow and the 情報提供等記録
        raise DecisionError("reason: must not contain a My Number")
    state = store.request(request_id)
    if state is None:
        raise UnknownRequest("no such request")
    if state.status != "awaiting_approval" or not state.task_token:
        raise NotAwaitingApproval(f"request is {state.status}, not awaiting approval")
    at = now_iso()
    if not store.decide(request_id, Decision("approved" if approve else "refused", staff.staff_id, at,
                                             reason or "")):
        # Another reviewer decided it a moment earlier: theirs stands.
        raise NotAwaitingApproval("request was decided by someone else first")
    assert state.person_id is not None
    store.record(staff, [state.person_id], "linkage_provision", "approve" if approve else "refuse")
    try:
        if approve:
            sfn.send_task_success(taskToken=state.task_token,
                                  output=json.dumps({"approved_by": staff.staff_id, "approved_at": at}))
        else:
            sfn.send_task_failure(taskToken=state.task_token, error="Refused", cause=(reason or "")[:200])
    except Exception as exc:
        # The Step Functions client handed in answers an error (botocore's ClientError, which carries the
        # service's `response`) when the wait ended first (timeout): the workflow refuses and records;
        # this decision is void. Anything else is not ours to interpret.
        if not isinstance(getattr(exc, "response", None), dict):
            raise
        raise NotAwaitingApproval("the request is no longer waiting for approval (timed out)") from None
    return {"request_id": request_id, "status": "approved" if approve else "refused"}


def refuse(request_id: str, reason: Reason, detail: str | None = None, *,
           store: ExchangeStore | None = None) -> dict[str, Any]:
    """Step 6: an accepted request ends without provision (approval refused or timed out, or not
    approved). The final state and the 情報提供等記録 commit together, once: a retry or a rerun after the
    request was closed records nothing more and answers the refusal as recorded."""
    store = store_or_wired(store)
    for _ in range(COMMIT_ATTEMPTS):
        state = _load(request_id, store)
        if state.closed_at:
            return _refusal_reply(request_id, _stored_reason(state))
        if reason is Reason.APPROVAL_REFUSED and not detail and state.decided_by:
            # The reviewer's reason as decide() stored it: the record does not depend on the failure cause
            # reaching this step (moto's SendTaskFailure drops it; AWS truncates it).
            detail = state.decision_reason
        closed_at = now_iso()
        # a request refused by its reviewer (or provided) keeps its status and the reviewer's reason
        status_reason = reason.value if state.status not in ("refused", "provided") else None
        text = reason.value if not detail else f"{reason.value}: {detail[:200]}"
        record = exchange_record(Exchange(
            "provision", state.requester_body, city_body(), state.item, request_id, state.requested_at, "refused",
            person_id=state.person_id, permit_id=state.permit_id, reason=text,
            fields_withheld=list(load_permitted_list().item(state.item).fields), approved_by=None))
        if store.close_refused(state, status_reason, closed_at, record):
            return _refusal_reply(request_id, reason)
        # closed by a concurrent attempt (seen on the next look) or a transient conflict: look again
    raise ProvisionNotCommitted(f"request {request_id}: refusal not committed after {COMMIT_ATTEMPTS} attempts")


class ProvisionNotCommitted(RuntimeError):
    """The commit kept losing to concurrent writers; the workflow retries the step (nothing was written)."""


def provide(request_id: str, *, store: ExchangeStore | None = None) -> dict[str, Any]:
    """Step 4: only the allowed fields, encrypted to the requester; the request's state, the 情報提供等記録,
    the access record and the reply in the outbox commit in one transaction. A crash before the commit
    leaves nothing (the step is retried, or the operator reruns); after it, `send_reply` sends."""
    store = store_or_wired(store)
    for _ in range(COMMIT_ATTEMPTS):
        state = _load(request_id, store)
        if state.status == "provided":
            return {"request_id": request_id, "status": "provided"}  # committed by an earlier attempt
        row = load_permitted_list().item(state.item)
        if state.closed_at or (not row.auto_response and (state.status != "approved" or not state.decided_by)):
            return refuse(request_id, Reason.NOT_APPROVED, store=store)
        assert state.person_id is not None
        if partition_use("linkage.provision", [state.person_id])[1]:
            # recorded in the 情報提供等記録 with the reason
            return refuse(request_id, Reason.USE_SUSPENDED, store=store)
        sent, withheld = select_allowed(_copy_of(state.person_id, store), row.fields)
        provided_at = now_iso()
        plaintext = json.dumps({"request_id": request_id, "item": state.item, "provider_body": city_body(),
                                "provided_at": provided_at, "fields": sent},
                               ensure_ascii=False, sort_keys=True).encode("utf-8")
        envelope = encrypt_for(state.requester_public_key, plaintext, exchange_aad(request_id, state.item))
        reply = {"request_id": request_id, "status": "provided", "item": state.item, "provided_at": provided_at,
                 "envelope": envelope}
        record = exchange_record(Exchange(
            "provision", state.requester_body, city_body(), state.item, request_id, state.requested_at, "provided",
            person_id=state.person_id, permit_id=state.permit_id, provided_at=provided_at,
            fields_sent=sorted(sent), fields_withheld=withheld, approved_by=state.decided_by))
        outbox = Reply(request_id, state.requester_body, record.record_id, json.dumps(reply, ensure_ascii=False),
                       provided_at, int(state.expires_at))
        if store.close_provided(state, provided_at, record, outbox, SYSTEM, "linkage_provision", "provide"):
            return {"request_id": request_id, "status": "provided"}
        # a concurrent attempt committed (seen on the next look) or the access chain moved: look again
    raise ProvisionNotCommitted(f"request {request_id}: provision not committed after {COMMIT_ATTEMPTS} attempts")


def send_reply(request_id: str, *, store: ExchangeStore | None = None) -> dict[str, Any]:
    """Step 5: the committed reply, handed to the network (idempotent: the same bytes every time), marked
    sent; returned as the workflow's answer."""
    store = store_or_wired(store)
    out = store.reply(request_id)
    reply: dict[str, Any] = json.loads(out.reply)
    gateway().deliver_reply(out.requester_body, reply)
    if out.sent_at is None:
        store.mark_sent(request_id, now_iso())
    return reply


def register_copy(person_id: str, data: dict[str, Any], actor: Actor, *, store: ExchangeStore | None = None) -> None:
    """情報提供データベース: store the person's provision copy (副本), validated against the vocabulary."""
    from kokuho.linkage.fields import validate_fields

    store = store_or_wired(store)
    clean = validate_fields(data)
    store.put_copy(person_id, json.dumps(clean, ensure_ascii=False), now_iso())
    store.record(actor, [person_id], "linkage_copy", "write")
