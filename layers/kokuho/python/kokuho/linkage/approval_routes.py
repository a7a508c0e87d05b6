"""The approval routes of 自動応答不可 items (提供内容確認, seed III-6 リスク5), served by the one private
API (functions/qualification/api.py includes `router`):

  GET  /linkage/approvals                 the queue, oldest first, with a preview of what would be sent
  POST /linkage/approvals/{request_id}    body DecisionIn: approve, or refuse with a reason

The hosting API registers the two handlers below from its one route table (qualification.api.ROUTES:
path, grant, concern) and includes `router` for its exception handlers and shared context. It
authenticates the member of staff, checks the grant of Function.APPROVE_LINKAGE_PROVISION and puts the
`Actor` (staff id, terminal, the grant's purpose) in the resolver context under "actor" before these run;
they never see an unauthenticated or unauthorised call.
The body is validated by the resolver (pydantic, 422 with a reason) so the OpenAPI document covers it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import Field, model_validator

from kokuho.access.actor import authorised_actor
from kokuho.access.records import Actor, record_access
from kokuho.identity.redaction import looks_like_my_number, redact
from kokuho.identity.request_bodies import ClosedIn
from kokuho.linkage import provision

QUEUE_PATH = "/linkage/approvals"
DECISION_PATH = "/linkage/approvals/{request_id}"
CATEGORY = "linkage_provision"  # access-record category of everything these routes touch
REQUEST_ID = r"^[A-Za-z0-9_\-]{1,100}$"  # ProvisionRequest.request_id
MAX_PAGE = 50
REASON_MAX = 200  # what the workflow carries as the failure cause (SendTaskFailure)

router = Router()


class DecisionIn(ClosedIn):
    """A reviewer's decision on one held request. A refusal names its reason (recorded with it)."""

    decision: Literal["approve", "refuse"]
    reason: str | None = Field(default=None, min_length=1, max_length=REASON_MAX)

    @model_validator(mode="after")
    def _reason_rules(self) -> DecisionIn:
        if self.decision == "refuse" and not self.reason:
            raise ValueError("a refusal needs a reason")
        # The reason travels into the workflow history and the 情報提供等記録: never a number there.
        if self.reason and looks_like_my_number(self.reason):  # any shape, valid check digit or not
            raise ValueError("reason: must not contain a My Number")
        return self


def _actor() -> Actor:
    return authorised_actor(router.context, "approval")


def _error(status: int, reason: str) -> Response[dict[str, Any]]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON,
                    body={"error": redact(reason)})


def _refused_decision(exc: provision.DecisionError, result: str) -> None:
    """A decision that did not happen still leaves an access record of the attempt."""
    request_id = router.current_event.path.rstrip("/").rsplit("/", 1)[-1]
    record_access(_actor(), [f"REQ:{request_id}"], CATEGORY, "decide", result=result)


@router.exception_handler(provision.UnknownRequest)
def _unknown(exc: provision.UnknownRequest) -> Response[dict[str, Any]]:
    _refused_decision(exc, "not_found")
    return _error(404, str(exc))


@router.exception_handler(provision.NotAwaitingApproval)
def _not_waiting(exc: provision.NotAwaitingApproval) -> Response[dict[str, Any]]:
    _refused_decision(exc, "conflict")
    return _error(409, str(exc))


@router.exception_handler(provision.DecisionError)
def _rejected(exc: provision.DecisionError) -> Response[dict[str, Any]]:
    _refused_decision(exc, "rejected")
    return _error(422, str(exc))


def approval_queue(limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = MAX_PAGE) -> dict[str, Any]:
    actor = _actor()
    pending = provision.pending_approvals(actor, limit)  # records the reading of the previews
    if not pending:  # an empty look at the queue is recorded too, like every search
        record_access(actor, ["no-match"], CATEGORY, "read")
    return {"pending": pending}


def decide_request(request_id: Annotated[str, Path(pattern=REQUEST_ID)], body: DecisionIn) -> dict[str, Any]:
    import boto3

    # The task token is answered here: SendTaskSuccess resumes the provision, SendTaskFailure refuses it.
    return provision.decide(request_id, body.decision == "approve", _actor(), body.reason,
                            boto3.client("stepfunctions"))


__all__ = ["CATEGORY", "DECISION_PATH", "DecisionIn", "QUEUE_PATH", "approval_queue", "decide_request", "router"]
