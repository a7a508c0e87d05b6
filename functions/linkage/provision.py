"""Lambdas of the provision workflow (statemachines/linkage_provision.asl.json): check, park for
approval (.waitForTaskToken), provide (commit record + reply to the outbox), send (from the outbox),
refuse. Thin: parse, call kokuho.linkage.provision, respond."""

from __future__ import annotations

from typing import Any

from kokuho.access.run_identity import acts_as_run
from kokuho.linkage import provision
from kokuho.linkage.provision import SYSTEM
from kokuho.platform.observability import get_logger

logger = get_logger("linkage-provision")
WORKFLOW = "linkage-provision"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)


@acts_as_run(WORKFLOW, SYSTEM.purpose)
@logger.inject_lambda_context(log_event=False)
def check(event: dict[str, Any], context: Any) -> dict[str, Any]:
    out = provision.receive_request(event)
    logger.info("request judged", extra={"request_id": out.get("request_id") or out.get("reply", {}).get(
        "request_id"), "decision": out["decision"], "reason": out.get("reply", {}).get("reason")})
    return out


@acts_as_run(WORKFLOW, SYSTEM.purpose)
@logger.inject_lambda_context(log_event=False)
def park(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return provision.park_for_approval(str(event["request_id"]), str(event["task_token"]))


@acts_as_run(WORKFLOW, SYSTEM.purpose)
@logger.inject_lambda_context(log_event=False)
def provide(event: dict[str, Any], context: Any) -> dict[str, Any]:
    out = provision.provide(str(event["request_id"]))
    logger.info("request committed", extra={"request_id": out["request_id"], "status": out["status"]})
    return out


@acts_as_run(WORKFLOW, SYSTEM.purpose)
@logger.inject_lambda_context(log_event=False)
def send(event: dict[str, Any], context: Any) -> dict[str, Any]:
    out = provision.send_reply(str(event["request_id"]))
    logger.info("reply sent", extra={"request_id": out["request_id"], "status": out["status"]})
    return out


@acts_as_run(WORKFLOW, SYSTEM.purpose)
@logger.inject_lambda_context(log_event=False)
def refuse(event: dict[str, Any], context: Any) -> dict[str, Any]:
    cause = (event.get("error") or {}).get("Cause")
    out = provision.refuse(str(event["request_id"]), provision.Reason(event["reason"]),
                           str(cause) if cause else None)
    logger.info("request refused", extra={"request_id": out["request_id"], "reason": out["reason"]})
    return out
