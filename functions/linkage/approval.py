"""Lambda: staff review of 自動応答不可 requests (III-6 リスク5) by direct invocation — the demo, tests
and operators' tooling. Staff at a terminal use the private API instead (qualification-api serves
GET /linkage/approvals and POST /linkage/approvals/{request_id}, kokuho.linkage.approval_routes).

Event: {"action": "pending" | "decide", "staff_id", "terminal_id", "request_id", "decision": "approve" |
"refuse", "reason"}. The member of staff must hold an active grant of
Function.APPROVE_LINKAGE_PROVISION; a refusal needs a reason.
"""

from __future__ import annotations

from typing import Any

import boto3

from kokuho.access.data_role import acting_as, caller_of
from kokuho.access.grants import Function, authorize
from kokuho.access.records import Actor
from kokuho.linkage import provision
from kokuho.platform.observability import get_logger
from kokuho.platform.request_ids import lambda_ids, serving

logger = get_logger("linkage-approval")
GRANT = Function.APPROVE_LINKAGE_PROVISION
PURPOSE = "情報提供内容の確認 (自動応答不可)"


class ApprovalDenied(PermissionError):
    """No active grant of the approval function; the message names the function, never data."""


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "httpMethod" in event:
        # This function is not behind API Gateway; a proxy event here is a wiring mistake.
        raise ValueError("the approval routes are served by the private API (qualification-api)")
    staff = Actor(staff_id=str(event["staff_id"]), terminal_id=str(event["terminal_id"]), purpose=PURPOSE)
    # as the member of staff (source identity: their id), as the private API's routes are (issue 11 item 1)
    caller = caller_of(staff.staff_id, staff.terminal_id, str(getattr(context, "function_name", "") or
                                                            "linkage-approval"), PURPOSE)
    with serving(lambda_ids(context)), acting_as(caller):
        if not authorize(staff.staff_id, GRANT).allowed:
            raise ApprovalDenied(f"no active grant of {GRANT}")
        if event.get("action") == "pending":
            return {"pending": provision.pending_approvals(staff)}
        return provision.decide(str(event["request_id"]), event.get("decision") == "approve", staff,
                                event.get("reason"), boto3.client("stepfunctions"))
