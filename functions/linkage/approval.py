"""Lambda `linkage-approval`: refuses every direct invocation. Staff review 自動応答不可 requests (III-6 リスク5)
through the private API only (qualification-api serves GET /linkage/approvals and POST
/linkage/approvals/{request_id}, kokuho.linkage.approval_routes), where their login session is who they are.

It took the approver from its payload ({"action": "pending" | "decide", "staff_id", "terminal_id", …}): whoever
could invoke it approved a provision as any member holding Function.APPROVE_LINKAGE_PROVISION — the person's data
left the city, the 情報提供等記録 and CloudTrail (source identity) naming that member — and listed the held
previews as them. A direct invocation carries no proof of who asks (Lambda passes none), so none is taken.
"""

from __future__ import annotations

from typing import Any

from kokuho.platform.observability import get_logger

logger = get_logger("linkage-approval")


class ApprovalDenied(PermissionError):
    """A direct invocation acting for a member of staff: refused (the message names no one and no data)."""


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logger.warning("refused: a direct invocation naming a member of staff", extra={
        "action": str(event.get("action")) if isinstance(event, dict) and event.get("action") in (
            "pending", "decide") else None})
    raise ApprovalDenied("a member of staff reviews 自動応答不可 requests through the private API "
                         "(GET/POST /linkage/approvals), as their login session: a direct invocation names no one "
                         "it can prove")
