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
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder, Route
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from kokuho.access.data_role import acting_as, caller_of
from kokuho.access.grants import Function, authorize, grant_state, today_jst
from kokuho.access.identity import Unauthenticated, identity_of
from kokuho.access.limits import LimitExceeded, Reservation, reserve_page_and_persons, reserve_persons, settle
from kokuho.access.records import Actor
from kokuho.identity.mynumber import InvalidMyNumber, contains_my_number, count_my_numbers, mask
from kokuho.identity.redaction import looks_like_my_number, redact
from kokuho.linkage import approval_routes
from kokuho.payments import routes as collection_routes
from kokuho.platform.observability import get_logger
from kokuho.qualification import application as appsvc
from kokuho.qualification.history import ChangeRejected
from kokuho.qualification.model import BankAccount, Mailing, Person
from kokuho.qualification.transactions import record

if TYPE_CHECKING:
    from kokuho.access.search import Page

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
from .schemas import (
    ID,
    MAX_BODY_BYTES,
    MAX_DEPTH,
    MAX_NUMBER_CHARS,
    BodyRejected,
    CardIssueIn,
    CardRecoverIn,
    ContactIn,
    HouseholdChangeIn,
    IsoDate,
    LookupIn,
    MoveIn,
    MyNumberIn,
    PersonIn,
    QualificationIn,
    RenameIn,
    RevealIn,
    SimulationIn,
    strict_json,
)

logger = get_logger("qualification-api")

OPENAPI_PATH = "/openapi.json"
APPLICATION_JSON = "application/json"
PathId = Annotated[str, Path(pattern=ID)]

# What a route is about: the deployed stacks may serve each concern from its own function (each one a
# subset of ROUTES, so the split is derived from this table, never written again).
Concern = Literal["read", "register", "vault", "approval", "review", "collection", "meta"]


@dataclass(frozen=True)
class RouteSpec:
    """One route of the API. ROUTES is the only place routes are written: the resolver's routes, the
    grant checked before dispatch and the OpenAPI document are all derived from it."""

    method: str
    path: str  # OpenAPI template, {name} for a path parameter
    function: Function | None  # the grant it needs; None: any authenticated member of staff
    operation: str  # access-record operation of a refusal
    concern: Concern
    handler: Callable[..., Any]
    summary: str
    out: type[BaseModel]  # the body of success (responses.py)
    status: int = 200  # status of success
    category: str = "qualification"  # access-record category of a refusal of this route

    @property
    def resolver_path(self) -> str:
        return re.sub(r"\{(\w+)\}", r"<\1>", self.path)


class Refused(Exception):
    """A request refused before any handler runs (401, 400, 403, 404, 405 …)."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.headers = status, reason, headers or {}


def _url_has_my_number(event: dict[str, Any]) -> bool:
    """A My Number in any shape (valid or not) in the path, a query parameter's name or value (also
    percent-decoded), or a valid one in a header's name or value."""
    parts = [str(event.get("path") or "")]
    for name, value in (event.get("queryStringParameters") or {}).items():
        parts += [str(name), str(value)]
    for name, values in (event.get("multiValueQueryStringParameters") or {}).items():
        parts += [str(name), *(str(v) for v in values or [])]
    if any(looks_like_my_number(p) or looks_like_my_number(unquote(p)) for p in parts):
        return True
    headers = [(str(k), str(v)) for k, v in (event.get("headers") or {}).items()]
    for name, values in (event.get("multiValueHeaders") or {}).items():
        headers += [(str(name), str(v)) for v in values or []]
    # Values: a number standing on its own (a trace id's hex may hold twelve digits; no header value is
    # recorded: the identity is, and it is checked strictly below).
    if any(contains_my_number(k) or count_my_numbers(v) > 0 for k, v in headers):
        return True
    context = (event.get("requestContext") or {}).get("authorizer") or {}
    return isinstance(context, dict) and any(contains_my_number(str(v)) for v in context.values())


def _subject(params: dict[str, str]) -> str:
    if "person_id" in params:
        return params["person_id"]
    if "household_id" in params:
        return f"HH:{params['household_id']}"
    if "request_id" in params:
        return f"REQ:{params['request_id']}"
    if "payment_id" in params:
        return f"PAYMENT:{params['payment_id']}"
    if "refund_id" in params:
        return f"REFUND:{params['refund_id']}"
    return "none"


def served_concerns(function_name: str) -> frozenset[str] | None:
    """The concerns this deployed function serves (its catalog entry's api_concerns); None — every route —
    for a name outside the catalog's api functions (the in-process harnesses of tests and benchmarks)."""
    from kokuho.platform.catalog import FUNCTIONS_BY_LOGICAL

    spec = FUNCTIONS_BY_LOGICAL.get(function_name.removeprefix("kokuho-"))
    return frozenset(spec.api_concerns) if spec is not None and spec.api_concerns else None


def authorize_request(event: dict[str, Any], spec: RouteSpec | None, params: dict[str, str],
                      allowed_methods: Callable[[], list[str]], served: frozenset[str] | None = None) -> Actor:
    """The one admission step of every request, run on the route the resolver will dispatch to (so no
    spelling of a method or path reaches a handler around it): who is calling (401), no My Number in
    the URL (400), a route that exists and that this function serves (404, 405 with Allow), the grant of
    the route's function (403 and a denied access record). Returns the Actor the handlers act as; raises
    Refused otherwise."""
    try:
        who = identity_of(event)
    except Unauthenticated as exc:
        logger.info("refused: unauthenticated", extra={"reason": str(exc)})
        raise Refused(401, str(exc)) from exc
    if _url_has_my_number(event):
        # Refused before anything reads it: a My Number never travels in a URL (query string or path).
        logger.info("refused: a My Number in the URL or a header", extra={"staff_id": who.staff_id})
        raise Refused(400, "a My Number is never sent in a URL or a header; use the POST routes")
    if spec is None:
        methods = allowed_methods()
        if methods:
            raise Refused(405, "method not allowed on this path", {"Allow": ", ".join(methods)})
        raise Refused(404, "no such route")
    if served is not None and spec.concern not in served:
        # Another concern's function serves it (API Gateway never sends it here): as if it did not exist.
        logger.info("refused: route of another function", extra={"staff_id": who.staff_id, "route": spec.path})
        raise Refused(404, "no such route")
    if spec.function is None:
        return Actor(who.staff_id, who.terminal_id, "(authenticated)", who.terminal_source)
    decision = authorize(who.staff_id, spec.function)
    if not decision.allowed:
        record(Actor(who.staff_id, who.terminal_id, "(no active grant)", who.terminal_source), [_subject(params)],
               spec.category, spec.operation, result="denied")
        logger.info("refused: no grant", extra={"staff_id": who.staff_id, "route": spec.path})
        raise Refused(403, decision.reason)
    return Actor(who.staff_id, who.terminal_id, decision.purpose, who.terminal_source)


# --- volume limits (kokuho.access.limits): how much, once the grant has said what ---------------------

METRIC_NAMESPACE = "kokuho"
REFUSAL_METRIC = "VolumeLimitRefusals"  # the Api stack's alarm watches it


def _is_list(spec: RouteSpec) -> bool:
    return spec.method == "GET" and "{" not in spec.path


def reserve_volume(actor: Actor, spec: RouteSpec | None, params: dict[str, str],
                   event: dict[str, Any]) -> list[Reservation]:
    """Count the page of a search and reserve the persons the request can read at most (a list: its page
    size; one person or household: 1). Past a limit: an access record (result `limited`), the refusal
    metric, and Refused(429) with Retry-After."""
    if spec is None or spec.function is None:
        return []
    function = str(spec.function)
    query = {str(k): str(v) for k, v in (event.get("queryStringParameters") or {}).items()}
    size = query.get("limit", "")
    units = 1
    if _is_list(spec):
        # Before validation: only a short run of digits is read as a size (anything else reserves the most).
        units = min(int(size), appsvc.MAX_PAGE) if size.isdigit() and len(size) <= 3 and int(size) > 0 \
            else appsvc.MAX_PAGE
    try:
        if _is_list(spec):  # the page and its persons: one transaction, both or neither
            return reserve_page_and_persons(actor.staff_id, function, query, units)
        return [reserve_persons(actor.staff_id, function, units)]
    except LimitExceeded as exc:
        _record_limited(actor, spec, params, exc)
        raise Refused(429, str(exc), {"Retry-After": str(exc.retry_after_s)}) from exc


def _record_limited(actor: Actor, spec: RouteSpec, params: dict[str, str], exc: LimitExceeded) -> None:
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    subject = _subject(params)
    record(actor, [subject], spec.category, spec.operation, result="limited",
           chain=f"SEARCH#{actor.staff_id}" if subject == "none" else None)
    logger.warning("refused: volume limit", extra={"staff_id": actor.staff_id, "function": exc.function,
                                                   "limit": exc.kind, "route": spec.path})
    with single_metric(name=REFUSAL_METRIC, unit=MetricUnit.Count, value=1, namespace=METRIC_NAMESPACE,
                       default_dimensions={"api": "qualification"}):
        pass


def settle_volume(taken: list[Reservation], status: int, body: object) -> None:
    """Charge what the response holds: its list items, a household's members, else one person; nothing
    when it failed (a page that failed is not counted either)."""
    import json

    if not taken:
        return
    ok = 200 <= status < 300
    if isinstance(body, str | bytes):
        try:
            body = json.loads(body or "{}")
        except ValueError:
            body = {}
    listed = body.get("items") if isinstance(body, dict) else None
    members = body.get("members") if isinstance(body, dict) else None
    read = (len(listed) if isinstance(listed, list) else len(members) if isinstance(members, list) else 1) if ok else 0
    for r in taken:
        settle(r, (1 if ok else 0) if r.kind == "pages" else read)


def check_body(event: BaseProxyEvent) -> None:
    """A JSON body, as `application/json` (UTF-8), at most MAX_BODY_BYTES, parsed by strict_json before
    any model sees it (the parse is cached on the event: the resolver's validation reuses it)."""
    media = (event.get_header_value("content-type", default_value="", case_sensitive=False) or "").lower()
    kind, _, params = media.partition(";")
    charset = params.strip().removeprefix("charset=").strip().strip('"') if params.strip() else "utf-8"
    if kind.strip() != "application/json" or charset not in ("utf-8", "utf8"):
        raise Refused(415, "a body is sent as application/json (UTF-8)")
    # Media types are case-insensitive (RFC 9110); the resolver's own check is not: it sees the canonical form.
    for headers in (event.raw_event.get("headers") or {}, event.raw_event.get("multiValueHeaders") or {}):
        for key in [k for k in headers if k.lower() == "content-type"]:
            headers[key] = [APPLICATION_JSON] if isinstance(headers[key], list) else APPLICATION_JSON
    if len((event.decoded_body or "").encode("utf-8")) > MAX_BODY_BYTES:
        raise Refused(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        event.json_body  # noqa: B018  # parsed once, strictly; cached for the validation
    except (BodyRejected, UnicodeDecodeError) as exc:
        raise Refused(400, f"body refused: {exc}") from exc


class _AuthorizingResolver(APIGatewayRestResolver):
    """The powertools resolver, with authorize_request run on the very route it matched (including
    its not-found route) before the route's middlewares, validation and handler."""

    def _call_route(self, route: Route, route_arguments: dict[str, str]) -> ResponseBuilder:
        spec = _SPEC_OF.get(route.func)
        served = served_concerns(str(getattr(self.lambda_context, "function_name", "") or ""))
        try:
            actor = authorize_request(self.current_event.raw_event, spec, route_arguments,
                                      lambda: self._methods_of(route.path), served)
            taken = reserve_volume(actor, spec, route_arguments, self.current_event.raw_event)
        except Refused as exc:
            response = _error(exc.status, exc.reason, exc.headers)
            built: ResponseBuilder = self._response_builder_class(response=response, serializer=self._serializer,
                                                                  route=route)
            return built
        self.append_context(actor=actor, spec=spec)
        if spec is not None and spec.method == "POST":
            try:
                check_body(self.current_event)
            except Refused as exc:
                return self._response_builder_class(response=_error(exc.status, exc.reason),
                                                    serializer=self._serializer, route=route)
        # The route's reads and writes of personal data go out under the member of staff's own session of
        # the data-access role (SourceIdentity = staff id): CloudTrail names them, not this function.
        caller = caller_of(actor.staff_id, actor.terminal_id,
                           str(getattr(self.lambda_context, "function_name", "") or "qualification-api"), actor.purpose)
        with acting_as(caller):
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


def _actor() -> Actor:
    actor = app.context.get("actor")
    assert isinstance(actor, Actor)  # set by authorize_request before any handler
    return actor


# --- error mapping: a reason for the clerk, never the data -----------------------------------------


def _error(status: int, reason: str, headers: dict[str, str] | None = None) -> Response[dict[str, Any]]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON,
                    body={"error": redact(reason)}, headers=headers or None)


@app.exception_handler(RequestValidationError)
def _invalid(exc: RequestValidationError) -> Response[dict[str, Any]]:
    errors = [{"loc": [redact(str(p)) for p in e.get("loc", ())], "type": e.get("type"),
               "msg": redact(str(e.get("msg", "")))} for e in exc.errors()]
    return Response(status_code=422, content_type=content_types.APPLICATION_JSON,
                    body={"error": "invalid request", "detail": errors})


def _record_refused_write(result: str) -> None:
    """A registration refused after the person's data was read (rule, conflict, unknown id) leaves an
    access record of the attempt; reads record their own outcome in the application service."""
    spec = app.context.get("spec")
    if not isinstance(spec, RouteSpec) or spec.method != "POST":
        return
    record(_actor(), [_subject(app.context.get("_route_args") or {})], spec.category, spec.operation,
           result=result)


@app.exception_handler(ChangeRejected)
def _rejected(exc: ChangeRejected) -> Response[dict[str, Any]]:
    _record_refused_write("rejected")
    return _error(422, str(exc))


@app.exception_handler(InvalidMyNumber)
def _bad_number(exc: InvalidMyNumber) -> Response[dict[str, Any]]:
    return _error(422, f"my_number: {exc}")


@app.exception_handler(appsvc.NotFound)
def _not_found(exc: appsvc.NotFound) -> Response[dict[str, Any]]:
    _record_refused_write("not_found")
    return _error(404, str(exc))


@app.exception_handler(appsvc.Conflict)
def _conflict(exc: appsvc.Conflict) -> Response[dict[str, Any]]:
    _record_refused_write("conflict")
    return _error(409, str(exc))


@app.exception_handler(ServiceError)
def _service_error(exc: ServiceError) -> Response[dict[str, Any]]:
    # The resolver's own 4xx (no route for this path or method, …)
    return _error(int(exc.status_code), str(exc.msg))


@app.exception_handler(Exception)
def _unexpected(exc: Exception) -> Response[dict[str, Any]]:
    # The traceback goes to the log through the redaction filter; the caller learns nothing of it.
    logger.error("unexpected error", exc_info=exc, extra={"error_type": type(exc).__name__})
    return _error(500, "internal error: the request was not completed")


# --- routes -----------------------------------------------------------------------------------------


def openapi_document() -> dict[str, Any]:
    return _openapi_document()


@functools.cache
def _openapi_document() -> dict[str, Any]:
    # Generated once a container: the routes do not change after import (≈70 ms to generate).
    import json

    doc: dict[str, Any] = json.loads(app.get_openapi_json_schema())
    return doc


def search_persons(
    resident_code: Annotated[str | None, Query(pattern=r"^[0-9]{6,10}$")] = None,
    birth_date: Annotated[IsoDate | None, Query()] = None,
    postal_code: Annotated[str | None, Query(pattern=r"^[0-9]{3}-?[0-9]{4}$")] = None,
    address: Annotated[str | None, Query(max_length=120)] = None,
    kana: Annotated[str | None, Query(max_length=60)] = None,
    limit: Annotated[int, Query(ge=1, le=appsvc.MAX_PAGE)] = 20,
    page_token: Annotated[str | None, Query(max_length=600)] = None,
) -> dict[str, Any]:
    criteria = {"resident_code": resident_code, "birth_date": birth_date.isoformat() if birth_date else None,
                "postal_code": postal_code,
                "address": address, "kana": kana}
    return appsvc.search(_actor(), criteria, limit, page_token, today_jst())


def register_person(body: PersonIn) -> Response[dict[str, Any]]:
    person = Person(
        person_id=body.person_id, resident_code=body.resident_code, household_id=body.household_id,
        name_kanji=body.name_kanji, name_kana=body.name_kana, birth_date=body.birth_date, sex=body.sex,
        relationship=body.relationship, postal_code=body.postal_code, address=body.address, phone=body.phone,
        mailing=Mailing(**body.mailing.model_dump()) if body.mailing else None,
        bank_account=BankAccount(**body.bank_account.model_dump()) if body.bank_account else None,
        resident_from=body.resident_from,
    )
    stored = appsvc.register_person(_actor(), person, body.note, today_jst())
    return Response(201, content_types.APPLICATION_JSON,
                    appsvc.person_view(stored, today_jst(), ""))


def read_person(person_id: PathId) -> dict[str, Any]:
    return appsvc.read_person(_actor(), person_id, today_jst())


def _person_out(person: Person) -> dict[str, Any]:
    return appsvc.person_view(person, today_jst(), "")


def register_qualification(person_id: PathId, body: QualificationIn) -> dict[str, Any]:
    return _person_out(appsvc.register_qualification(
        _actor(), person_id, body.reason, body.cause_on, body.version, body.note, today_jst()))


def register_move(person_id: PathId, body: MoveIn) -> dict[str, Any]:
    return _person_out(appsvc.register_move(
        _actor(), person_id, body.postal_code, body.address, body.moved_on, body.version, body.note, today_jst()))


def register_rename(person_id: PathId, body: RenameIn) -> dict[str, Any]:
    return _person_out(appsvc.register_rename(
        _actor(), person_id, body.name_kanji, body.name_kana, body.changed_on, body.version, body.note,
        today_jst()))


def register_household_change(person_id: PathId, body: HouseholdChangeIn) -> dict[str, Any]:
    return _person_out(appsvc.register_household_change(
        _actor(), person_id, body.household_id, body.relationship, body.changed_on, body.new_householder_of_old,
        body.version, body.note, today_jst()))


def register_contact(person_id: PathId, body: ContactIn) -> dict[str, Any]:
    return _person_out(appsvc.register_contact(
        _actor(), person_id, body.changed_on, body.version, body.note, today_jst(), phone=body.phone,
        mailing=Mailing(**body.mailing.model_dump()) if body.mailing else None,
        bank_account=BankAccount(**body.bank_account.model_dump()) if body.bank_account else None,
        clear=frozenset(body.clear)))


def _card_out(card: Any) -> dict[str, Any]:
    return {"card_id": card.card_id, "person_id": card.person_id, "issued_on": card.issued_on.isoformat(),
            "valid_until": card.valid_until.isoformat(),
            "recovered_on": card.recovered_on.isoformat() if card.recovered_on else None,
            "recover_reason": card.recover_reason}


def issue_card(person_id: PathId, body: CardIssueIn) -> Response[dict[str, Any]]:
    card = appsvc.issue_card(_actor(), person_id, body.issued_on, body.version, body.note, today_jst())
    return Response(201, content_types.APPLICATION_JSON, _card_out(card))


def recover_card(person_id: PathId, card_id: PathId, body: CardRecoverIn) -> dict[str, Any]:
    return _card_out(appsvc.recover_card(_actor(), person_id, card_id, body.recovered_on, body.reason,
                                         body.version, body.note, today_jst()))


def store_number(person_id: PathId, body: MyNumberIn) -> Response[dict[str, Any]]:
    from kokuho.identity.vault import store_my_number

    if appsvc.repo.get_person(person_id) is None:
        raise appsvc.NotFound("no such person")
    # Stored, already this person's, or held for the review list (it differs from the number held, or
    # another person holds it): one answer, so the register grant is no oracle of who holds a number.
    # The access record keeps the outcome; the review list is for the review grant's holders.
    store_my_number(person_id, body.my_number, _actor())
    return Response(202, content_types.APPLICATION_JSON,
                    {"person_id": person_id, "result": "accepted", "my_number": mask(body.my_number)})


def reveal_number(person_id: PathId, body: RevealIn) -> Response[dict[str, Any]]:
    from kokuho.identity.vault import RevealDenied, VaultError, reveal_my_number

    actor = _actor()
    try:
        number = reveal_my_number(person_id, Actor(actor.staff_id, actor.terminal_id, body.purpose,
                                                   actor.terminal_source))
    except RevealDenied as exc:
        return _error(403, str(exc))
    except VaultError as exc:
        return _error(404, str(exc))
    # The one response that carries the number: never cached, never logged.
    return Response(200, content_types.APPLICATION_JSON, {"person_id": person_id, "my_number": number},
                    headers={"Cache-Control": "no-store"})


def lookup_number(body: LookupIn) -> dict[str, Any]:
    from kokuho.identity.vault import find_person_by_my_number

    person_id = find_person_by_my_number(body.my_number, _actor())
    if person_id is None:
        raise appsvc.NotFound("no person holds that number")
    return {"person_id": person_id, "my_number": mask(body.my_number)}


def number_review_list(limit: Annotated[int, Query(ge=1, le=appsvc.MAX_PAGE)] = 50) -> dict[str, Any]:
    from kokuho.identity.vault import vault

    entries = vault().review_list(limit)
    subjects = [e.person_id for e in entries] or ["no-match"]
    record(_actor(), subjects, "my_number", "review_list", chain=f"SEARCH#{_actor().staff_id}")
    return {"items": [vars(e) for e in entries]}


def read_household(household_id: PathId) -> dict[str, Any]:
    return appsvc.read_household(_actor(), household_id, today_jst())


def simulate(household_id: PathId, body: SimulationIn) -> dict[str, Any]:
    from kokuho.premium import CaseError, RateFileError

    incomes = {k: v.model_dump() for k, v in (body.incomes or {}).items()}
    try:
        return appsvc.simulate(_actor(), household_id, body.fiscal_year, incomes, today_jst())
    except (CaseError, RateFileError) as exc:
        raise ChangeRejected(str(exc)) from exc


def permission_review(
    limit: Annotated[int, Query(ge=1, le=appsvc.MAX_PAGE)] = 50,
    page_token: Annotated[str | None, Query(max_length=100, pattern=r"^[A-Za-z0-9\-#]+$")] = None,
) -> dict[str, Any]:
    from kokuho.access.staff import page_grants, staff_profiles

    grants, token = page_grants(limit, page_token)
    staff = staff_profiles({g.staff_id for g in grants})
    today = today_jst()
    items = [{
        "staff_id": g.staff_id, "staff_name": staff[g.staff_id].name if g.staff_id in staff else None,
        "staff_department": staff[g.staff_id].department if g.staff_id in staff else None,
        "grant_id": g.grant_id, "function": g.function, "purpose": g.purpose, "legal_basis": g.legal_basis,
        "department": g.department, "valid_from": g.valid_from.isoformat(),
        "valid_until": g.valid_until.isoformat(), "granted_by": g.granted_by, "granted_at": g.granted_at,
        "state": grant_state(g, staff.get(g.staff_id), today).value,
    } for g in grants]
    record(_actor(), [f"STAFF:{g.staff_id}" for g in grants] or ["no-match"], "permissions", "review",
                  chain=f"SEARCH#{_actor().staff_id}")
    return {"as_of": today.isoformat(), "items": items, "next_token": token}


def _access_search(search_of: Callable[[str, str, str, Actor], list[dict[str, Any]] | Page], key: str,
                   subject: str, date_from: date, date_to: date) -> dict[str, Any]:
    """One access-record search (kokuho.access.search), itself recorded; a bad period is a 422 with its reason.
    A search that pages answers its page and the next page's token."""
    from kokuho.access.search import Page, SearchError

    try:
        found = search_of(subject, date_from.isoformat(), date_to.isoformat(), _actor())
    except SearchError as exc:
        raise ChangeRejected(str(exc)) from exc
    answer = {key: subject, "from_date": date_from.isoformat(), "to_date": date_to.isoformat()}
    if isinstance(found, Page):
        return {**answer, "records": found.rows, "next_token": found.next_token}
    return {**answer, "records": found}


def who_accessed(person_id: PathId, date_from: Annotated[IsoDate, Query(alias="from")],
                 date_to: Annotated[IsoDate, Query(alias="to")],
                 limit: Annotated[int, Query(ge=1, le=appsvc.MAX_PAGE)] = 50,
                 page_token: Annotated[str | None, Query(max_length=400, pattern=r"^[A-Za-z0-9_\-]+$")] = None,
                 ) -> dict[str, Any]:
    """アクセス記録の点検, a page at a time: each request is itself recorded, as an access to the person
    (kokuho.access.search)."""
    from kokuho.access import search

    return _access_search(functools.partial(search.who_accessed_page, limit=limit, page_token=page_token), "person_id",
                          person_id, date_from, date_to)


def staff_activity(staff_id: PathId, date_from: Annotated[IsoDate, Query(alias="from")],
                   date_to: Annotated[IsoDate, Query(alias="to")]) -> dict[str, Any]:
    from kokuho.access import search

    return _access_search(search.staff_activity, "staff_id", staff_id, date_from, date_to)


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
              staff_activity, "Every access record of one member of staff between two dates; recorded",
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
    headers = {"Cache-Control": {"description": "no-store", "schema": {"type": "string"}}} \
        if spec.handler is reveal_number else None
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
        out[403] = _json_response(f"No active grant of {spec.function.value} (recorded as denied)", ErrorOut)
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
    return app.resolve(event, context)


__all__ = ["ROUTES", "RouteSpec", "app", "authorize_request", "concern_of", "handler", "reserve_volume",
           "served_concerns", "settle_volume"]
