"""Routes of the request desk (concern "requests"; assessment V 開示・訂正・利用停止, 問い合わせ): each a thin
call of kokuho.requests.workflow, which checks the rules and writes each step with its access record.

  POST /requests/persons/{person_id}                                  receive (requests_receive)
  GET  /requests/due                                                  undecided, due first (requests_read)
  GET  /requests/persons/{person_id}/{request_id}                     one request (requests_read)
  POST /requests/persons/{person_id}/{request_id}/extension           extend with reason (requests_decide)
  POST /requests/persons/{person_id}/{request_id}/decision            grant, part, refuse (requests_decide)
  POST /requests/persons/{person_id}/{request_id}/carrying-out        do what was granted (requests_carry_out)
  GET  /requests/persons/{person_id}/{request_id}/disclosure          the disclosure, JSON or PDF (requests_carry_out)
  GET  /requests/inquiries  POST /requests/inquiries  POST /requests/inquiries/{inquiry_id}/answer   (inquiry_log)

A rule refused is a 422 naming the field (kokuho.requests.model.RequestError), an unknown request a 404 (a
request is found under its own person only), a step someone else wrote meanwhile a 409. A date of a step
defaults to today (Asia/Tokyo) and is never in the future."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import Field, model_validator

from kokuho.access.grants import Function, today_jst
from kokuho.qualification import application as appsvc
from kokuho.qualification.history import ChangeRejected
from kokuho.requests import workflow
from kokuho.requests.model import CHANNELS, SUSPENDABLE, Kind, Outcome, RequestError, Verification
from kokuho.requests.ports import StoreConflict

from .context import current_actor
from .responses import Closed
from .schemas import ID, IsoDate, Strict
from .spec import PathId, RouteSpec

RECEIVE_PATH = "/requests/persons/{person_id}"
DUE_PATH = "/requests/due"
REQUEST_PATH = "/requests/persons/{person_id}/{request_id}"
EXTENSION_PATH = f"{REQUEST_PATH}/extension"
DECISION_PATH = f"{REQUEST_PATH}/decision"
CARRY_OUT_PATH = f"{REQUEST_PATH}/carrying-out"
DISCLOSURE_PATH = f"{REQUEST_PATH}/disclosure"
INQUIRIES_PATH = "/requests/inquiries"
ANSWER_PATH = "/requests/inquiries/{inquiry_id}/answer"
CATEGORY = "requests"
MAX_PAGE = 50

Reason = Annotated[str, Field(min_length=1, max_length=500)]
LongText = Annotated[str, Field(min_length=1, max_length=2000)]


@contextmanager
def _as_api_errors() -> Iterator[None]:
    """The workflow's refusals as the API's own (422 with the field, 404, 409; the router records them)."""
    try:
        yield
    except RequestError as exc:
        raise ChangeRejected(str(exc)) from None
    except workflow.NotFound as exc:
        raise appsvc.NotFound(str(exc)) from None
    except StoreConflict as exc:
        raise appsvc.Conflict(str(exc)) from None


class _Dated(Strict):
    on: IsoDate | None = None  # the day of the step; today (Asia/Tokyo) when left out

    @model_validator(mode="after")
    def _not_in_the_future(self) -> _Dated:
        for name in ("on", "received_on"):
            value = getattr(self, name, None)
            if isinstance(value, date) and value > today_jst():
                raise ValueError(f"{name}: a day in the future")
        return self

    @property
    def day(self) -> date:
        return self.on or today_jst()


# --- bodies ------------------------------------------------------------------------------------------

class RequestDetailsIn(Strict):
    """What the request asks: a correction's field and new values; a suspension's categories and grounds;
    a disclosure's scope. Which fields a kind takes is the workflow's rule (422 naming the field)."""

    field: Literal["name", "address", "contact"] | None = None
    name_kanji: Annotated[str | None, Field(max_length=200)] = None
    name_kana: Annotated[str | None, Field(max_length=200)] = None
    postal_code: Annotated[str | None, Field(max_length=200)] = None
    address: Annotated[str | None, Field(max_length=200)] = None
    phone: Annotated[str | None, Field(max_length=200)] = None
    categories: Annotated[list[Literal[SUSPENDABLE]] | None, Field(min_length=1, max_length=len(SUSPENDABLE))] = None  # type: ignore[valid-type]
    grounds: Reason | None = None
    scope: Reason | None = None


class RequestReceiveIn(_Dated):
    request_id: Annotated[str, Field(pattern=ID)]
    kind: Kind
    verification: Verification  # 本人確認: how the requester's identity was verified
    received_on: IsoDate  # the day the written request (指定様式) arrived
    details: RequestDetailsIn | None = None


class RequestExtensionIn(_Dated):
    until: IsoDate
    reason: Reason


class RequestDecisionIn(_Dated):
    outcome: Outcome
    reason: Reason | None = None


class RequestCarryOutIn(_Dated):
    pass


class InquiryIn(_Dated):
    inquiry_id: Annotated[str, Field(pattern=ID)]
    received_on: IsoDate
    channel: Literal[CHANNELS]  # type: ignore[valid-type]
    question: LongText
    person_id: Annotated[str | None, Field(pattern=ID)] = None


class InquiryAnswerIn(_Dated):
    received_on: IsoDate  # the day the inquiry was logged (its key in the log)
    answer: LongText


# --- responses ---------------------------------------------------------------------------------------

class RequestDetailsOut(Closed):
    field: str | None = None
    name_kanji: str | None = None
    name_kana: str | None = None
    postal_code: str | None = None
    address: str | None = None
    phone: str | None = None
    categories: list[str] | None = None
    grounds: str | None = None
    scope: str | None = None


class RequestExtensionOut(Closed):
    until: str
    reason: str
    decided_on: str
    by: str


class RequestDecisionOut(Closed):
    outcome: Outcome
    reason: str | None
    decided_on: str
    by: str
    late: bool  # decided after the period


class ContinuingUseOut(Closed):
    use: str
    description: str
    basis: str  # the law that keeps the use going under the suspension


class RequestResultOut(Closed):
    json_sha256: str | None = None
    pdf_sha256: str | None = None
    sections: list[str] | None = None
    corrected: str | None = None
    suspended: list[str] | None = None
    continues: list[ContinuingUseOut] | None = None


class RequestOut(Closed):
    request_id: str
    person_id: str
    kind: Kind
    received_on: str
    received_by: str
    verification: Verification
    details: RequestDetailsOut
    extension: RequestExtensionOut | None
    decision: RequestDecisionOut | None
    carried_out_on: str | None
    carried_out_by: str | None
    result: RequestResultOut
    status: Literal["received", "extended", "decided", "carried_out", "closed"]
    decide_by: str  # the legal period's last day (30 days from receipt, or the extension's)


class DueOut(Closed):
    request_id: str
    person_id: str
    kind: Kind
    received_on: str
    decide_by: str
    extended: bool
    overdue: bool


class DueListOut(Closed):
    as_of: str
    items: list[DueOut]
    more: bool  # more undecided requests than this page: the ones due later


class DisclosureFileOut(Closed):
    request_id: str
    format: Literal["json", "pdf"]
    media_type: str
    sha256: str  # the same as the request's result: what was handed over
    content_base64: str


class InquiryOut(Closed):
    inquiry_id: str
    received_on: str
    received_by: str
    channel: str
    question: str
    person_id: str | None
    answered_on: str | None
    answered_by: str | None
    answer: str | None


class InquiryListOut(Closed):
    from_date: str
    to_date: str
    items: list[InquiryOut]


# --- handlers ----------------------------------------------------------------------------------------

def receive_request(person_id: PathId, body: RequestReceiveIn) -> Response[dict[str, Any]]:
    details = body.details.model_dump(exclude_none=True) if body.details else None
    with _as_api_errors():
        req = workflow.receive_request(current_actor(), body.request_id, person_id, body.kind.value,
                                       body.received_on, body.verification.value, details)
    return Response(201, content_types.APPLICATION_JSON, req.to_json())


def due_requests(limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = MAX_PAGE) -> dict[str, Any]:
    today = today_jst()
    rows = workflow.due_requests(today, current_actor(), limit=limit)  # the persons shown recorded, no others
    return {"as_of": today.isoformat(), "items": rows[:limit], "more": len(rows) > limit}


def read_request(person_id: PathId, request_id: PathId) -> dict[str, Any]:
    with _as_api_errors():
        return workflow.read_request(current_actor(), person_id, request_id).to_json()


def extend_request(person_id: PathId, request_id: PathId, body: RequestExtensionIn) -> dict[str, Any]:
    with _as_api_errors():
        return workflow.extend_request(current_actor(), person_id, request_id, body.until, body.reason,
                                       body.day).to_json()


def decide_on_request(person_id: PathId, request_id: PathId, body: RequestDecisionIn) -> dict[str, Any]:
    with _as_api_errors():
        return workflow.decide_request(current_actor(), person_id, request_id, body.outcome.value, body.day,
                                       body.reason).to_json()


def carry_out_request(person_id: PathId, request_id: PathId, body: RequestCarryOutIn) -> dict[str, Any]:
    with _as_api_errors():
        req, _ = workflow.carry_out_request(current_actor(), person_id, request_id, body.day)
    return req.to_json()


def download_disclosure(person_id: PathId, request_id: PathId,
                        fmt: Annotated[Literal["json", "pdf"], Query(alias="format")] = "json") -> dict[str, Any]:
    with _as_api_errors():
        body, media_type = workflow.disclosure_file(current_actor(), person_id, request_id, fmt)
    return {"request_id": request_id, "format": fmt, "media_type": media_type,
            "sha256": hashlib.sha256(body).hexdigest(), "content_base64": base64.b64encode(body).decode("ascii")}


def inquiry_log(date_from: Annotated[IsoDate, Query(alias="from")],
                date_to: Annotated[IsoDate, Query(alias="to")]) -> dict[str, Any]:
    with _as_api_errors():
        items = workflow.inquiry_log(current_actor(), date_from, date_to)
    return {"from_date": date_from.isoformat(), "to_date": date_to.isoformat(), "items": [i.to_json() for i in items]}


def log_inquiry(body: InquiryIn) -> Response[dict[str, Any]]:
    with _as_api_errors():
        inquiry = workflow.log_inquiry(current_actor(), body.inquiry_id, body.received_on, body.channel,
                                       body.question, body.person_id)
    return Response(201, content_types.APPLICATION_JSON, inquiry.to_json())


def answer_inquiry(inquiry_id: PathId, body: InquiryAnswerIn) -> dict[str, Any]:
    with _as_api_errors():
        return workflow.answer_inquiry(current_actor(), inquiry_id, body.received_on, body.answer,
                                       body.day).to_json()



# --- this desk's part of the one route table (qualification.api.ROUTES) ------------------------------

def _routes() -> tuple[RouteSpec, ...]:
    F = Function

    def spec(method: str, path: str, function: Function, operation: str, handler: Any, summary: str,
             out: Any, status: int = 200) -> RouteSpec:
        return RouteSpec(method, path, function, operation, "requests", handler, summary, out, status,
                         category=CATEGORY)

    return (
        spec("POST", RECEIVE_PATH, F.REQUESTS_RECEIVE, "receive", receive_request,
             "開示・訂正・利用停止請求の受付: the request, how identity was verified; due in 30 days", RequestOut, 201),
        spec("GET", DUE_PATH, F.REQUESTS_READ, "list_due", due_requests,
             "Undecided requests, the one due first first, with their legal deadline (overdue marked)", DueListOut),
        spec("GET", REQUEST_PATH, F.REQUESTS_READ, "read_request", read_request,
             "One request of a person, with its steps", RequestOut),
        spec("POST", EXTENSION_PATH, F.REQUESTS_DECIDE, "extend", extend_request,
             "Extend the period once (at most 30 more days, before it runs out) with the reason told to the "
             "requester", RequestOut),
        spec("POST", DECISION_PATH, F.REQUESTS_DECIDE, "decide", decide_on_request,
             "Decide: granted, partial or refused (anything but a full grant with its reason)", RequestOut),
        spec("POST", CARRY_OUT_PATH, F.REQUESTS_CARRY_OUT, "carry_out", carry_out_request,
             "Do what was granted: the disclosure (kept as handed over), the correction (with history), the "
             "suspension mark", RequestOut),
        spec("GET", DISCLOSURE_PATH, F.REQUESTS_CARRY_OUT, "read_disclosure", download_disclosure,
             "The disclosure as handed over (format=json or pdf, base64), checked against its recorded SHA-256",
             DisclosureFileOut),
        spec("GET", INQUIRIES_PATH, F.INQUIRY_LOG, "list_inquiries", inquiry_log,
             "問い合わせ: the inquiry log between two days of receipt (from, to: YYYY-MM-DD)", InquiryListOut),
        spec("POST", INQUIRIES_PATH, F.INQUIRY_LOG, "log_inquiry", log_inquiry,
             "問い合わせ: log an inquiry (date, channel, question)", InquiryOut, 201),
        spec("POST", ANSWER_PATH, F.INQUIRY_LOG, "answer_inquiry", answer_inquiry,
             "問い合わせ: record the answer and its date", InquiryOut),
    )


ROUTES = _routes()
