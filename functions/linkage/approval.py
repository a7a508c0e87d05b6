"""Lambda: staff review of 自動応答不可 requests (III-6 リスク5) — list the queue, approve or refuse.

Routes (private REST API, proxy integration; `router` can be included in the API's resolver):
  GET  /linkage/approvals                      the queue with a preview of what would be sent
  POST /linkage/approvals/{request_id}         body {"decision": "approve"|"refuse", "reason": "..."}
The staff id and terminal come from the authorizer context. Also invocable directly with
{"action": "pending" | "decide", "staff_id", "terminal_id", "request_id", "decision", "reason"}.
"""

from __future__ import annotations

from typing import Any, cast

import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, ForbiddenError
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from kokuho.access.records import Actor
from kokuho.linkage import provision
from kokuho.platform.observability import get_logger

logger = get_logger("linkage-approval")
router = Router()
GRANT = "approve_linkage_provision"  # 自動応答不可の提供内容確認
PURPOSE = "情報提供内容の確認 (自動応答不可)"


def _authorize(staff_id: str) -> None:
    from kokuho.access.grants import authorize

    if not authorize(staff_id, GRANT).allowed:
        raise ForbiddenError(f"no active grant of {GRANT}")


def _staff() -> Actor:
    event = cast(APIGatewayProxyEvent, router.current_event)
    ctx = dict(event.request_context.authorizer.raw_event or {})
    staff_id, terminal = ctx.get("staff_id"), ctx.get("terminal_id")
    if not staff_id or not terminal:
        raise ForbiddenError("staff identity missing")
    _authorize(str(staff_id))
    return Actor(staff_id=str(staff_id), terminal_id=str(terminal), purpose=PURPOSE)


@router.get("/linkage/approvals")
def list_pending() -> dict[str, Any]:
    return {"pending": provision.pending_approvals(_staff())}


@router.post("/linkage/approvals/<request_id>")
def decide_route(request_id: str) -> dict[str, Any]:
    staff = _staff()
    body = router.current_event.json_body or {}
    if body.get("decision") not in ("approve", "refuse"):
        raise BadRequestError("decision must be approve or refuse")
    try:
        return provision.decide(request_id, body["decision"] == "approve", staff, body.get("reason"),
                                boto3.client("stepfunctions"))
    except provision.DecisionError as e:
        raise BadRequestError(str(e)) from None


app = APIGatewayRestResolver()
app.include_router(router)


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "httpMethod" in event:
        return app.resolve(event, context)
    staff = Actor(staff_id=str(event["staff_id"]), terminal_id=str(event["terminal_id"]), purpose=PURPOSE)
    _authorize(staff.staff_id)
    if event.get("action") == "pending":
        return {"pending": provision.pending_approvals(staff)}
    return provision.decide(str(event["request_id"]), event.get("decision") == "approve", staff,
                            event.get("reason"), boto3.client("stepfunctions"))
