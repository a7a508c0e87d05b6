"""Admission of a request, before any handler runs: who is calling (401), no My Number in the URL (400),
a route that exists and that this function serves (404, 405), the grant of the route's function (403 and
a denied access record), the member's volume limits (429 and a limited access record), and a body that
is strict JSON (400, 413, 415). What the router runs on the route it matched (qualification.api)."""

from __future__ import annotations

import binascii
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from kokuho.access.grants import authorize
from kokuho.access.identity import Unauthenticated, identity_of
from kokuho.access.limits import (
    LimitExceeded,
    Reservation,
    defer_page_and_persons,
    reserve_page_and_persons,
    reserve_persons,
    settle,
)
from kokuho.access.records import Actor, own_chain
from kokuho.access.volume_ports import DeferredCharge
from kokuho.identity.mynumber import contains_my_number, count_my_numbers
from kokuho.identity.redaction import looks_like_my_number
from kokuho.platform.observability import get_logger
from kokuho.qualification import application as appsvc
from kokuho.qualification.transactions import record

from .schemas import (
    MAX_BODY_BYTES,
    BodyRejected,
)
from .spec import APPLICATION_JSON, RouteSpec

logger = get_logger("qualification-api")


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


def subject_of(params: dict[str, str]) -> str:
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
    if "staff_id" in params:  # a member's activity (the security team's search): as the search records it
        return f"STAFF:{params['staff_id']}"
    return "none"


def served_concerns(function_name: str) -> frozenset[str] | None:
    """The concerns this deployed function serves (its catalog entry's api_concerns); None — every route —
    for a name outside the catalog's api functions (the in-process harnesses of tests and benchmarks)."""
    from kokuho.platform.catalog import FUNCTIONS_BY_LOGICAL

    spec = FUNCTIONS_BY_LOGICAL.get(function_name.removeprefix("kokuho-"))
    return frozenset(spec.api_concerns) if spec is not None and spec.api_concerns else None


def authorize_request(event: dict[str, Any], spec: RouteSpec | None, params: dict[str, str],
                      allowed_methods: Callable[[], list[str]], served: frozenset[str] | None = None,
                      function: str = "qualification-api") -> Actor:
    """The one admission step of every request, run on the route the resolver will dispatch to (so no
    spelling of a method or path reaches a handler around it): who is calling (401), no My Number in
    the URL (400), a route that exists and that this function serves (404, 405 with Allow), the grant of
    the route's function (403 and a denied access record). Returns the Actor the handlers act as; raises
    Refused otherwise. Every access record of the request goes to the container's own chain of
    `function` (kokuho.access.records.own_chain: no head to read)."""
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
    chain = own_chain(function)
    if spec.function is None:
        return Actor(who.staff_id, who.terminal_id, "(authenticated)", who.terminal_source, chain)
    decision = authorize(who.staff_id, spec.function)
    if not decision.allowed:
        record(Actor(who.staff_id, who.terminal_id, "(no active grant)", who.terminal_source, chain),
               [subject_of(params)], spec.category, spec.operation, result="denied")
        logger.info("refused: no grant", extra={"staff_id": who.staff_id, "route": spec.path})
        raise Refused(403, decision.reason)
    return Actor(who.staff_id, who.terminal_id, decision.purpose, who.terminal_source, chain)


# --- volume limits (kokuho.access.limits): how much, once the grant has said what ---------------------

METRIC_NAMESPACE = "kokuho"
REFUSAL_METRIC = "VolumeLimitRefusals"  # the Api stack's alarm watches it


# Routes whose one access record is written by the qualification store, which takes the deferred volume
# charge in that record's transaction (kokuho.access.volume_ports): the person search, the busiest list.
CHARGED_WITH_THE_RECORD = frozenset({("GET", "/persons")})


def deferred_charge(taken: Sequence[Reservation | DeferredCharge]) -> DeferredCharge | None:
    return next((t for t in taken if isinstance(t, DeferredCharge)), None)


def volume_refused(exc: LimitExceeded) -> None:
    """The refusal's log line and metric (its access record is written by whoever refused)."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    logger.warning("refused: volume limit", extra={"function": exc.function, "limit": exc.kind})
    with single_metric(name=REFUSAL_METRIC, unit=MetricUnit.Count, value=1, namespace=METRIC_NAMESPACE,
                       default_dimensions={"api": "qualification"}):
        pass


def _is_list(spec: RouteSpec) -> bool:
    return spec.method == "GET" and "{" not in spec.path


def reserve_volume(actor: Actor, spec: RouteSpec | None, params: dict[str, str],
                   event: dict[str, Any]) -> list[Reservation | DeferredCharge]:
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
        if (spec.method, spec.path) in CHARGED_WITH_THE_RECORD:
            # the page and the persons its record names, in the record's own transaction (no request here)
            return [defer_page_and_persons(actor.staff_id, function, query, units)]
        if _is_list(spec):  # the page and its persons: one transaction, both or neither
            return reserve_page_and_persons(actor.staff_id, function, query, units)
        return [reserve_persons(actor.staff_id, function, units)]
    except LimitExceeded as exc:
        record_limited(actor, spec, params, exc)
        raise Refused(429, str(exc), {"Retry-After": str(exc.retry_after_s)}) from exc


def record_limited(actor: Actor, spec: RouteSpec, params: dict[str, str], exc: LimitExceeded) -> None:
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    subject = subject_of(params)
    record(actor, [subject], spec.category, spec.operation, result="limited",
           chain=f"SEARCH#{actor.staff_id}" if subject == "none" else None)
    logger.warning("refused: volume limit", extra={"staff_id": actor.staff_id, "function": exc.function,
                                                   "limit": exc.kind, "route": spec.path})
    with single_metric(name=REFUSAL_METRIC, unit=MetricUnit.Count, value=1, namespace=METRIC_NAMESPACE,
                       default_dimensions={"api": "qualification"}):
        pass


def settle_volume(taken: Sequence[Reservation | DeferredCharge], status: int, body: object) -> None:
    """Charge what the response holds: its list items, a household's members, else one person; nothing
    when it failed (a page that failed is not counted either). A deferred charge was taken with the
    record (or the request failed before recording: nothing read, nothing charged)."""
    import json

    charge = deferred_charge(taken)
    if charge is not None and not charge.taken and 200 <= status < 300:
        # Served without the record that takes the charge: a wiring fault, charged now and reported.
        logger.error("deferred volume charge not taken", extra={"status": status})
        from kokuho.access import stores

        for take in charge.takes(1):
            stores.usage().add(take.key, take.units)
    taken = [t for t in taken if isinstance(t, Reservation)]
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
    try:  # base64 (isBase64Encoded) of UTF-8 text, or it raised out of the handler: a 502 after the grant
        text = event.decoded_body or ""
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise Refused(400, "body refused: isBase64Encoded, but not base64 of UTF-8 text") from exc
    if len(text.encode("utf-8")) > MAX_BODY_BYTES:
        raise Refused(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        event.json_body  # noqa: B018  # parsed once, strictly; cached for the validation
    except (BodyRejected, UnicodeDecodeError) as exc:
        raise Refused(400, f"body refused: {exc}") from exc

