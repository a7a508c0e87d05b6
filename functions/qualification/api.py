"""Private REST API of qualification management (資格管理) — thin: authenticate, authorize, parse,
call kokuho.qualification.application, respond.

Every request: identity from `requestContext.identity` (IAM, as deployed) or `.authorizer` (TOKEN)
(kokuho.access.identity) → 401 without an individual staff id; the route's function (ROUTES, the one
table of who may call what) checked against the caller's grants at request time → 403 and a denied
access record; the member's volume limits of that function (kokuho.access.limits) → 429 and a limited
access record; then the powertools resolver
validates the input against the pydantic models (422 with a reason, nothing written). My Number is
accepted only in POST bodies of its dedicated routes and shown only by /my-number/reveal.
The approval of 自動応答不可 provisions (kokuho.linkage.approval_routes) is served here too: one private
API, one identity and grant check for every route.

This module is the router: the one route table (ROUTES), the resolver that runs the admission on the
route it matched, the error mapping and the entry point. The rest, by what it does: admission.py (who,
what, how much, which body), person_routes.py (persons and households: search, read, registrations,
cards, simulation), vault_routes.py (My Number: the vault's calls), review_routes.py (permission review,
access-record searches), request_routes.py (the request desk: 開示・訂正・利用停止, 問い合わせ),
views.py (what is answered), context.py (the actor of the request), spec.py
(what a route is).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder, Route
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from kokuho.access.data_role import acting_as, caller_of
from kokuho.access.grants import Function
from kokuho.access.limits import LimitExceeded
from kokuho.access.staff import one_read_a_request
from kokuho.access.volume_ports import deferred
from kokuho.identity.mynumber import InvalidMyNumber
from kokuho.identity.redaction import redact
from kokuho.linkage import approval_routes
from kokuho.payments import arrears_routes, notice_routes
from kokuho.payments import routes as collection_routes
from kokuho.platform.observability import get_logger
from kokuho.platform.request_ids import lambda_ids, serving
from kokuho.programmes import routes as health_routes
from kokuho.qualification import application as appsvc
from kokuho.qualification.history import ChangeRejected
from kokuho.qualification.transactions import record
from kokuho.receipts import benefit_routes, claim_routes
from kokuho.requests.suspension import UseSuspended
from kokuho.retention import routes as hold_routes

from . import context, request_routes
from .admission import (
    Refused,
    authorize_request,
    check_body,
    deferred_charge,
    reserve_volume,
    served_concerns,
    settle_volume,
    subject_of,
    volume_refused,
)
from .context import current_actor
from .person_routes import (
    issue_card,
    read_household,
    read_person,
    recover_card,
    register_contact,
    register_household_change,
    register_move,
    register_person,
    register_qualification,
    register_rename,
    search_persons,
    simulate,
)
from .responses import (
    ApprovalQueueOut,
    CardOut,
    DecisionOut,
    ErrorOut,
    HouseholdOut,
    NumberShownOut,
    OpenAPIDocumentOut,
    PermissionReviewOut,
    PersonOut,
    PersonReadOut,
    RejectedOut,
    ReviewListOut,
    SearchOut,
    SimulationOut,
    StaffActivityOut,
    StoreOut,
    WhoAccessedOut,
)
from .review_routes import permission_review, staff_activity, who_accessed
from .schemas import (
    MAX_BODY_BYTES,
    MAX_DEPTH,
    MAX_NUMBER_CHARS,
    strict_json,
)
from .spec import APPLICATION_JSON, OPENAPI_PATH, Concern, RouteSpec
from .vault_routes import lookup_number, number_review_list, reveal_number, store_number
from .views import error

logger = get_logger("qualification-api")


class _AuthorizingResolver(APIGatewayRestResolver):
    """The powertools resolver, with authorize_request run on the very route it matched (including
    its not-found route) before the route's middlewares, validation and handler."""

    def _call_route(self, route: Route, route_arguments: dict[str, str]) -> ResponseBuilder:
        with one_read_a_request():  # the member's grants: read once by this request, whoever asks
            return self._admit_and_call(route, route_arguments)

    def _admit_and_call(self, route: Route, route_arguments: dict[str, str]) -> ResponseBuilder:
        spec = _SPEC_OF.get(route.func)
        function = str(getattr(self.lambda_context, "function_name", "") or "")
        served = served_concerns(function)
        try:
            actor = authorize_request(self.current_event.raw_event, spec, route_arguments,
                                      lambda: self._methods_of(route.path), served, function or "qualification-api")
            taken = reserve_volume(actor, spec, route_arguments, self.current_event.raw_event)
        except Refused as exc:
            response = error(exc.status, exc.reason, exc.headers)
            built: ResponseBuilder = self._response_builder_class(response=response, serializer=self._serializer,
                                                                  route=route)
            return built
        self.append_context(actor=actor, spec=spec)
        if spec is not None and spec.method == "POST":
            try:
                check_body(self.current_event)
            except Refused as exc:
                settle_volume(taken, exc.status, None)  # a body refused unread read no one: the reservation back
                return self._response_builder_class(response=error(exc.status, exc.reason),
                                                    serializer=self._serializer, route=route)
        # The route's reads and writes of personal data go out under the member of staff's own session of
        # the data-access role (SourceIdentity = staff id): CloudTrail names them, not this function.
        caller = caller_of(actor.staff_id, actor.terminal_id, function or "qualification-api", actor.purpose)
        with acting_as(caller), deferred(deferred_charge(taken)):
            out: ResponseBuilder = super()._call_route(route, route_arguments)
        settle_volume(taken, out.response.status_code, out.response.body)
        logger.info("request", extra={"staff_id": actor.staff_id, "terminal_id": actor.terminal_id,
                                      "terminal_source": actor.terminal_source,
                                      "method": spec.method if spec else None,
                                      "route": spec.path if spec else None,
                                      "status": out.response.status_code})
        return out

    def _methods_of(self, path: str) -> list[str]:
        return sorted({r.method for r in self._static_routes + self._dynamic_routes if r.rule.match(path)})


app = _AuthorizingResolver(enable_validation=True, json_body_deserializer=strict_json)
app.configure_openapi(
    title="kokuho qualification API (資格管理)", version="1.0.0",
    description="Private API: search and read insured persons and households, register changes, cards, counter "
                "simulation, permission review, approval of 自動応答不可 provisions. No bulk export. Every "
                f"request is signed (SigV4) with the member of staff's IAM session; a body is application/json "
                f"of at most {MAX_BODY_BYTES} bytes.",
    # API Gateway's IAM authorization: the staff member's session credentials sign each request.
    security_schemes={"sigv4": APIKey.model_validate({
        "type": "apiKey", "name": "Authorization", "in": APIKeyIn.header.value,
        "description": "AWS SigV4 (IAM) of the member of staff's session",
        "openapi_extensions": {"x-amazon-apigateway-authtype": "awsSigv4"}})},
    security=[{"sigv4": []}],
)
context.bind(app)


# --- error mapping: a reason for the clerk, never the data -----------------------------------------


@app.exception_handler(RequestValidationError)
def _invalid(exc: RequestValidationError) -> Response[dict[str, Any]]:
    errors = [{"loc": [redact(str(p)) for p in e.get("loc", ())], "type": e.get("type"),
               "msg": redact(str(e.get("msg", "")))} for e in exc.errors()]
    return Response(status_code=422, content_type=content_types.APPLICATION_JSON,
                    body={"error": "invalid request", "detail": errors})


def _record_refused_write(result: str, read: tuple[str, ...] = ()) -> None:
    """A registration refused after the person's data was read (rule, conflict, unknown id) leaves an
    access record of the attempt, naming the route's subject and the persons whose data the refusal read and
    answered from (`read`: who-accessed of them finds it); reads record their own outcome in the application
    service."""
    spec = app.context.get("spec")
    if not isinstance(spec, RouteSpec) or spec.method != "POST":
        return
    subject = subject_of(app.context.get("_route_args") or {})
    record(current_actor(), [subject, *(p for p in dict.fromkeys(read) if p != subject)], spec.category,
           spec.operation, result=result)


@app.exception_handler(ChangeRejected)
def _rejected(exc: ChangeRejected) -> Response[dict[str, Any]]:
    _record_refused_write("rejected", exc.read)
    return error(422, str(exc))


@app.exception_handler(InvalidMyNumber)
def _bad_number(exc: InvalidMyNumber) -> Response[dict[str, Any]]:
    return error(422, f"my_number: {exc}")


@app.exception_handler(appsvc.NotFound)
def _not_found(exc: appsvc.NotFound) -> Response[dict[str, Any]]:
    _record_refused_write("not_found")
    return error(404, str(exc))


@app.exception_handler(appsvc.Conflict)
def _conflict(exc: appsvc.Conflict) -> Response[dict[str, Any]]:
    _record_refused_write("conflict", exc.read)
    return error(409, str(exc))


@app.exception_handler(LimitExceeded)
def _limited(exc: LimitExceeded) -> Response[dict[str, Any]]:
    # A search past a limit, refused in its record's transaction (the store recorded it as `limited`)
    volume_refused(exc)
    return error(429, str(exc), {"Retry-After": str(exc.retry_after_s)})


@app.exception_handler(UseSuspended)
def _suspended(exc: UseSuspended) -> Response[dict[str, Any]]:
    # 利用停止 (kokuho.requests.honoured recorded the attempt as `suspended`): the reason, never who
    return error(403, str(exc))


@app.exception_handler(ServiceError)
def _service_error(exc: ServiceError) -> Response[dict[str, Any]]:
    # The resolver's own 4xx (no route for this path or method, …)
    return error(int(exc.status_code), str(exc.msg))


def _record_failure() -> None:
    """A request admitted (its actor known) that failed unexpectedly may have read a person's data before it
    failed: its attempt is recorded (result `error`, the route's subject), reads and writes alike — a read is
    otherwise recorded only once it succeeds. Never masks the failure: a record that cannot be written is logged."""
    spec, actor = app.context.get("spec"), app.context.get("actor")
    if not isinstance(spec, RouteSpec) or actor is None or spec.function is None:
        return
    try:
        record(current_actor(), [subject_of(app.context.get("_route_args") or {})], spec.category, spec.operation,
               result="error")
    except Exception as exc:  # noqa: BLE001 - the request has failed already; its record's failure is logged
        logger.error("the failed request's access record was not written", extra={"error_type": type(exc).__name__})


@app.exception_handler(Exception)
def _unexpected(exc: Exception) -> Response[dict[str, Any]]:
    # The traceback goes to the log through the redaction filter; the caller learns nothing of it.
    logger.error("unexpected error", exc_info=exc, extra={"error_type": type(exc).__name__})
    _record_failure()
    return error(500, "internal error: the request was not completed")


# --- the OpenAPI document (a route of this router) ---------------------------------------------------


def openapi_document() -> dict[str, Any]:
    return _openapi_document()


@functools.cache
def _openapi_document() -> dict[str, Any]:
    # Generated once a container: the routes do not change after import (≈70 ms to generate).
    import json

    doc: dict[str, Any] = json.loads(app.get_openapi_json_schema())
    return doc


# --- the one route table ---------------------------------------------------------------------------

F = Function
# The one table of who may call what (route × function × concern); the authorization matrix, the
# routing tests and the OpenAPI document read it.
ROUTES: tuple[RouteSpec, ...] = (
    RouteSpec("GET", OPENAPI_PATH, None, "openapi", "meta", openapi_document, "This API's OpenAPI document",
              OpenAPIDocumentOut),
    RouteSpec("GET", "/persons", F.READ_QUALIFICATION, "search", "read", search_persons,
              "Search insured persons (by 住民コード, birth date, postal code + address, kana)", SearchOut),
    RouteSpec("POST", "/persons", F.REGISTER_CHANGE, "register_person", "register", register_person,
              "Register a person (宛名) and their household membership", PersonOut, 201),
    RouteSpec("GET", "/persons/{person_id}", F.READ_QUALIFICATION, "read", "read", read_person,
              "A person with qualification history and cards", PersonReadOut),
    RouteSpec("POST", "/persons/{person_id}/qualification", F.REGISTER_CHANGE, "qualification", "register",
              register_qualification, "Register 取得 or 喪失 (the reason says which)", PersonOut),
    RouteSpec("POST", "/persons/{person_id}/moves", F.REGISTER_CHANGE, "move", "register", register_move,
              "Register 転居 (move within the city)", PersonOut),
    RouteSpec("POST", "/persons/{person_id}/name", F.REGISTER_CHANGE, "rename", "register", register_rename,
              "Register 氏名変更", PersonOut),
    RouteSpec("POST", "/persons/{person_id}/household", F.REGISTER_CHANGE, "household_change", "register",
              register_household_change, "Register 世帯変更", PersonOut),
    RouteSpec("POST", "/persons/{person_id}/contact", F.REGISTER_CHANGE, "contact_change", "register",
              register_contact, "Register a change of phone, 送付先 or 公金受取口座", PersonOut),
    RouteSpec("POST", "/persons/{person_id}/cards", F.ISSUE_CARD, "card_issue", "register", issue_card,
              "Issue a 資格確認書", CardOut, 201),
    RouteSpec("POST", "/persons/{person_id}/cards/{card_id}/recovery", F.ISSUE_CARD, "card_recover", "register",
              recover_card, "Recover a 資格確認書", CardOut),
    RouteSpec("POST", "/persons/{person_id}/my-number", F.REGISTER_MY_NUMBER, "store", "vault", store_number,
              "Store a person's My Number (never overwritten; one answer whether stored or held for review)",
              StoreOut, 202),
    RouteSpec("POST", "/persons/{person_id}/my-number/reveal", F.REVEAL_MY_NUMBER, "reveal", "vault",
              reveal_number, "Show a person's My Number (purpose recorded)", NumberShownOut),
    RouteSpec("POST", "/my-number/lookup", F.LOOKUP_MY_NUMBER, "lookup", "vault", lookup_number,
              "Find a person by My Number (POST body only)", NumberShownOut),
    RouteSpec("GET", "/my-number/review", F.RESOLVE_MY_NUMBER_REVIEW, "review_list", "vault", number_review_list,
              "確認リスト: My Numbers held for review (masked)", ReviewListOut),
    RouteSpec("GET", "/households/{household_id}", F.READ_QUALIFICATION, "read", "read", read_household,
              "A household with members past and present and history", HouseholdOut),
    RouteSpec("POST", "/households/{household_id}/simulation", F.SIMULATE_PREMIUM, "simulate", "read", simulate,
              "窓口試算 of a household's premium", SimulationOut),
    RouteSpec("GET", "/permissions/review", F.REVIEW_PERMISSIONS, "review", "review", permission_review,
              "権限設定状況の一覧表: every grant and its state today", PermissionReviewOut),
    # アクセス記録の点検 (the security team): served with the permission review (concern "review").
    RouteSpec("GET", "/access-records/persons/{person_id}", F.READ_ACCESS_RECORDS, "search_subject", "review",
              who_accessed, "Who accessed a person's data between two dates (from, to: YYYY-MM-DD, both "
              "included); the search is itself recorded", WhoAccessedOut, category="access_records"),
    RouteSpec("GET", "/access-records/staff/{staff_id}", F.READ_ACCESS_RECORDS, "search_staff", "review",
              staff_activity, "The access records of one member of staff between two dates, a page at a time "
              "(limit, page_token); each page recorded",
              StaffActivityOut, category="access_records"),
    # The approval of 自動応答不可 provisions (kokuho.linkage.approval_routes): same identity and grant check.
    RouteSpec("GET", approval_routes.QUEUE_PATH, F.APPROVE_LINKAGE_PROVISION, "approval_queue", "approval",
              approval_routes.approval_queue,
              "自動応答不可: requests held for a person, oldest first, with what would be sent", ApprovalQueueOut,
              category=approval_routes.CATEGORY),
    RouteSpec("POST", approval_routes.DECISION_PATH, F.APPROVE_LINKAGE_PROVISION, "decide", "approval",
              approval_routes.decide_request,
              "自動応答不可: approve (the workflow provides) or refuse with a reason (recorded)", DecisionOut,
              category=approval_routes.CATEGORY),
    # 収納 (kokuho.payments.routes): the unmatched queue and its resolution, the account of a held refund.
    RouteSpec("GET", collection_routes.QUEUE_PATH, F.COLLECTION_READ, "unmatched_queue", "collection",
              collection_routes.unmatched_queue, "未消込: payments that matched no installment, oldest first",
              collection_routes.UnmatchedListOut, category=collection_routes.CATEGORY),
    RouteSpec("POST", collection_routes.RESOLVE_PATH, F.COLLECTION_RECORD, "resolve_unmatched", "collection",
              collection_routes.resolve_unmatched,
              "未消込: assign a payment to a household's ledger of a fiscal year, or return it (recorded)",
              collection_routes.ResolvedOut, category=collection_routes.CATEGORY),
    RouteSpec("POST", collection_routes.REFUND_ACCOUNT_PATH, F.COLLECTION_RECORD, "refund_account", "collection",
              collection_routes.name_refund_account,
              "還付: the account the payer names for a refund held without a 公金受取口座 (recorded)",
              collection_routes.RefundAccountOut, category=collection_routes.CATEGORY),
    # 開示・訂正・利用停止の請求と問い合わせ (request_routes: the desk's routes, a grant per step).
    *request_routes.ROUTES,
    # 保存期間の停止 (legal holds, beside `kokuho retention`): served with the request desk's routes (the holds
    # are kept on the requests table); a grant of its own
    RouteSpec("GET", hold_routes.HOLD_PATH, F.LEGAL_HOLD, "read_hold", "requests", hold_routes.read_hold,
              "保存期間の停止: the legal hold in force on the person, if any (recorded)", hold_routes.HoldOut,
              category=hold_routes.CATEGORY),
    RouteSpec("POST", hold_routes.HOLD_PATH, F.LEGAL_HOLD, "legal_hold", "requests", hold_routes.change_hold,
              "保存期間の停止: place a legal hold on the person's records (a reason), or lift it (recorded)",
              hold_routes.HoldOut, category=hold_routes.CATEGORY),
    # 滞納整理 and 収納率 (kokuho.payments.arrears_routes): served with the collection routes.
    RouteSpec("GET", arrears_routes.ARREARS_PATH, F.COLLECTION_READ, "read_arrears", "collection",
              arrears_routes.read_arrears, "滞納整理: each installment's status, unpaid amount and 2-year limit, and "
              "the measures recorded (as_of: YYYY-MM-DD, today if not given)", arrears_routes.ArrearsOut,
              category=arrears_routes.CATEGORY),
    RouteSpec("POST", arrears_routes.ACTION_PATH, F.ARREARS_ACTION, "arrears_action", "collection",
              arrears_routes.record_arrears_action, "滞納整理: record a 催告, 納付相談, 分納誓約 (a plan of amounts "
              "and dates) or 差押 (a decision with its basis) on a ledger (recorded)", arrears_routes.ActionRecordedOut,
              201, category=arrears_routes.CATEGORY),
    RouteSpec("POST", arrears_routes.APPROVAL_PATH, F.ARREARS_APPROVE, "arrears_approve", "collection",
              arrears_routes.decide_arrears_action, "滞納整理: a second member approves (or refuses, with a reason) "
              "a measure entered late; never the member who entered it (recorded)",
              arrears_routes.DecisionRecordedOut, 201, category=arrears_routes.CATEGORY),
    # 納入通知書 of one ledger (kokuho.payments.notice_routes): served with the collection routes.
    RouteSpec("GET", notice_routes.NOTICE_PATH, F.COLLECTION_READ, "read_notice", "collection",
              notice_routes.read_notice, "納入通知書 of a ledger as the payer receives it: PDF (base64, SHA-256), "
              "addressed to the 送付先, slips of what is unpaid on issued_on (today if not given); recorded",
              notice_routes.NoticeOut, category=notice_routes.CATEGORY),
    RouteSpec("GET", arrears_routes.STATISTICS_PATH, F.COLLECTION_READ, "read_statistics", "collection",
              arrears_routes.read_statistics, "収納率 of a fiscal year (現年度分, 滞納繰越分; per ward and month) and "
              "the arrears aging, as last made by the arrears workflow", arrears_routes.StatisticsOut,
              category=arrears_routes.CATEGORY),
    # 保健事業 (kokuho.programmes.routes): the person's wish about the 医療費通知, honoured by its print run.
    RouteSpec("GET", health_routes.OPT_OUT_PATH, F.HEALTH_READ, "read_opt_out", "health", health_routes.read_opt_out,
              "医療費通知: whether the person has opted out (recorded)", health_routes.OptOutOut,
              category=health_routes.CATEGORY),
    RouteSpec("POST", health_routes.OPT_OUT_PATH, F.HEALTH_RECORD, "record_opt_out", "health",
              health_routes.record_opt_out, "医療費通知: record the person's wish — opted out, or back in (recorded)",
              health_routes.OptOutOut, category=health_routes.CATEGORY),
    RouteSpec("GET", health_routes.RATES_PATH, F.HEALTH_READ, "read_rates", "health", health_routes.read_rates,
              "特定健診 受診率 of a fiscal year per ward and age band (vouchers issued, used, rate), as last made by "
              "the voucher and attendance runs; recorded", health_routes.RatesOut, category=health_routes.CATEGORY),
    # 給付 (kokuho.receipts.benefit_routes): the 高額療養費 of a household, its 支給申請 and 差止.
    RouteSpec("GET", benefit_routes.BENEFITS_PATH, F.BENEFITS_READ, "read_benefits", "benefits",
              benefit_routes.read_benefits, "高額療養費: each benefit month (owed, paid, claimed back, due), the "
              "applications, 差止, payments and 返還金 claims with their status and 5-year limit (as_of: YYYY-MM-DD)",
              benefit_routes.BenefitsOut, category=benefit_routes.CATEGORY),
    RouteSpec("POST", benefit_routes.APPLICATION_PATH, F.BENEFITS_RECORD, "benefit_application", "benefits",
              benefit_routes.record_application, "支給申請: the months, the account or the 公金受取口座, the consent "
              "to offset against unpaid premiums (recorded; the same application again is stored once)",
              benefit_routes.RecordedOut, 201, category=benefit_routes.CATEGORY),
    RouteSpec("POST", benefit_routes.APPLICATION_APPROVAL_PATH, F.BENEFITS_APPROVE, "benefit_application_approval",
              "benefits", benefit_routes.decide_late_application, "支給申請: a second member approves (or refuses, "
              "with a reason) an application entered late that keeps a lapsed right; never the member who entered it "
              "(recorded)", benefit_routes.RecordedOut, 201, category=benefit_routes.CATEGORY),
    RouteSpec("POST", benefit_routes.WITHHOLDING_PATH, F.BENEFITS_WITHHOLD, "benefit_withholding", "benefits",
              benefit_routes.record_withholding, "差止 (国保法第63条の2): a decision with its basis, of some months or "
              "every month, or its lifting (recorded)", benefit_routes.RecordedOut, 201,
              category=benefit_routes.CATEGORY),
    RouteSpec("POST", benefit_routes.REPAYMENT_PATH, F.BENEFITS_RECORD, "benefit_repayment", "benefits",
              benefit_routes.record_repayment, "返還金: a repayment of a claim (once by its id; never more than is "
              "unpaid), its status and renewed 5-year limit (recorded)", benefit_routes.RepaymentOut, 201,
              category=benefit_routes.CATEGORY),
    # 療養費・出産育児一時金・葬祭費 (kokuho.receipts.claim_routes): a claim filed, decided (its notice), read.
    RouteSpec("POST", claim_routes.CLAIMS_PATH, F.BENEFITS_RECORD, "file_other_claim", "benefits",
              claim_routes.file_other_claim, "療養費・出産育児一時金・葬祭費: file a claim (the person, the event's "
              "day, the documents, what its kind needs, the payee's account); the same claim again is stored once",
              claim_routes.ClaimFiledOut, 201, category=claim_routes.CATEGORY),
    RouteSpec("GET", claim_routes.CLAIM_PATH, F.BENEFITS_READ, "read_other_claim", "benefits",
              claim_routes.read_other_claim, "療養費・出産育児一時金・葬祭費: a claim, its decision and its payment "
              "(recorded; the account masked)", claim_routes.OtherClaimOut, category=claim_routes.CATEGORY),
    RouteSpec("POST", claim_routes.DECISION_PATH, F.BENEFITS_DECIDE, "decide_other_claim", "benefits",
              claim_routes.decide_other_claim, "療養費・出産育児一時金・葬祭費: decide a claim once — 支給 (the amount "
              "by the rules of the event's fiscal year, a payment for the 総合振込 file) or 不支給 (the reasons); the "
              "decision notice (PDF, base64, SHA-256) in the answer", claim_routes.ClaimDecisionOut,
              category=claim_routes.CATEGORY),
    RouteSpec("POST", claim_routes.APPROVAL_PATH, F.BENEFITS_APPROVE, "other_claim_approval", "benefits",
              claim_routes.decide_late_other_claim, "療養費・出産育児一時金・葬祭費: a second member approves (or "
              "refuses, with a reason) a claim entered late that keeps a lapsed right; never the member who entered "
              "it (recorded)", claim_routes.ClaimFiledOut, 201, category=claim_routes.CATEGORY),
    RouteSpec("GET", claim_routes.NOTICE_PATH, F.BENEFITS_READ, "read_other_claim_notice", "benefits",
              claim_routes.read_other_claim_notice, "療養費・出産育児一時金・葬祭費: the decision notice of a decided "
              "claim again (PDF, base64, SHA-256; the same bytes; recorded)", claim_routes.ClaimNoticeOut,
              category=claim_routes.CATEGORY),
)
_SPEC_OF: dict[Callable[..., Any], RouteSpec] = {spec.handler: spec for spec in ROUTES}
assert len(_SPEC_OF) == len(ROUTES), "one handler per route"


def _json_response(description: str, model: type[BaseModel],
                   headers: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description, "content": {APPLICATION_JSON: {"model": model}}}
    if headers:
        out["headers"] = headers
    return out


def responses_of(spec: RouteSpec) -> dict[int, Any]:
    """Every status the route answers, derived from the table (what authorize_request, check_body, the
    validation and the exception handlers above return for it)."""
    success = {200: "OK", 201: "Created", 202: "Accepted: stored, or held for the review list"}[spec.status]
    headers = {"Cache-Control": {"description": "no-store: never kept by a terminal or a proxy (every answer)",
                                 "schema": {"type": "string"}}}
    out: dict[int, Any] = {
        spec.status: _json_response(success, spec.out, headers),
        400: _json_response("Refused before use: twelve digits in the URL" + (
            f"; a body nested deeper than {MAX_DEPTH} levels, with a number longer than {MAX_NUMBER_CHARS} "
            "characters, a duplicate key, NaN/Infinity or not JSON" if spec.method == "POST" else ""), ErrorOut),
        401: _json_response("No individual staff identity (staff id and terminal id) on the request", ErrorOut),
        404: _json_response("No such person, household, card or request (or no such route)", ErrorOut),
        405: _json_response("Another method than this path's", ErrorOut,
                            {"Allow": {"description": "the path's methods", "schema": {"type": "string"}}}),
        422: _json_response("Not acceptable: a rule of the file, or fields that failed validation", RejectedOut),
        # The member's volume limit of the route's function (kokuho.access.limits), or the stage throttle.
        429: _json_response("Past this member's volume limit of the function (recorded as limited), or the "
                            "stage's throttle: try later", ErrorOut,
                            {"Retry-After": {"description": "seconds until the limit's hour ends",
                                             "schema": {"type": "string"}}}),
    }
    if spec.function is not None:
        out[403] = _json_response(f"No active grant of {spec.function.value} (recorded as denied), or a "
                                  "利用停止 of the person's data for this use (recorded as suspended)", ErrorOut)
    if spec.method == "POST":
        out[409] = _json_response("The record changed since it was read (version) or was decided already",
                                  ErrorOut)
        out[413] = _json_response(f"The body is larger than {MAX_BODY_BYTES} bytes", ErrorOut)
        out[415] = _json_response("The body is not sent as application/json (UTF-8)", ErrorOut)
    return dict(sorted(out.items()))


for _spec in ROUTES:
    app.route(_spec.resolver_path, method=_spec.method, summary=_spec.summary, status_code=_spec.status,
              operation_id=_spec.handler.__name__, responses=responses_of(_spec))(_spec.handler)
# The approval router contributes its exception handlers and shares the context (the actor).
app.include_router(approval_routes.router)
app.include_router(collection_routes.router)
app.include_router(arrears_routes.router)
app.include_router(notice_routes.router)
app.include_router(health_routes.router)
app.include_router(benefit_routes.router)
app.include_router(claim_routes.router)
app.include_router(hold_routes.router)


def concern_of(method: str, path: str) -> Concern | None:
    """The concern of the route a request would reach (the resolver's own matching), None for none: how
    local runs pick the function API Gateway would invoke."""
    for route in app._static_routes + app._dynamic_routes:
        if route.method == method.upper() and route.rule.match(path):
            spec = _SPEC_OF.get(route.func)
            return spec.concern if spec is not None else None
    return None


# --- entry point ------------------------------------------------------------------------------------


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # the request's ids go into its access records and its AWS calls' userAgent: the two join (issue 11)
    request_context = event.get("requestContext") if isinstance(event, dict) else None
    api_request_id = request_context.get("requestId") if isinstance(request_context, dict) else None
    with serving(lambda_ids(context, api_request_id=api_request_id)):
        response = app.resolve(event, context)
    return never_stored(response)


NO_STORE = "no-store"


def never_stored(response: dict[str, Any]) -> dict[str, Any]:
    """Every answer says `Cache-Control: no-store`: personal data never stays in a terminal's or a proxy's cache
    (端末に業務用データが残らない, assessment III-3 リスク4) — refusals too, which name the route's subject."""
    if "headers" in response and isinstance(response["headers"], dict):
        response["headers"]["Cache-Control"] = NO_STORE
    headers = response.get("multiValueHeaders")
    if isinstance(headers, dict):
        headers["Cache-Control"] = [NO_STORE]
    elif "headers" not in response:
        response["multiValueHeaders"] = {"Cache-Control": [NO_STORE]}
    return response


__all__ = ["ROUTES", "RouteSpec", "app", "authorize_request", "concern_of", "handler", "reserve_volume",
           "served_concerns", "settle_volume"]
