"""Lambdas of the query workflow (statemachines/linkage_query.asl.json): prepare (符号 + permit),
send through the network gateway, receive (decrypt, validate, store with expiry, record)."""

from __future__ import annotations

from typing import Any

import boto3

from kokuho.access.run_identity import acts_as_run
from kokuho.access.run_inputs import run_fields, text
from kokuho.linkage import query
from kokuho.linkage.network import gateway
from kokuho.linkage.query import SYSTEM
from kokuho.platform.observability import get_logger

logger = get_logger("linkage-query")
WORKFLOW = "linkage-query"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)


@acts_as_run(WORKFLOW, SYSTEM.purpose)
@logger.inject_lambda_context(log_event=False)
def prepare(event: dict[str, Any], context: Any) -> dict[str, Any]:
    given = run_fields(event, ("person_id", "item", "provider_body"))  # the StartExecution input: InputRefused
    return query.prepare_query(text(given, "person_id"), text(given, "item"), text(given, "provider_body"),
                               gateway())


@logger.inject_lambda_context(log_event=False)
def send(event: dict[str, Any], context: Any) -> dict[str, Any]:
    reply = gateway().send_query(query.outbound(event))
    return {"query": event, "reply": reply}


@acts_as_run(WORKFLOW, SYSTEM.purpose)
@logger.inject_lambda_context(log_event=False)
def receive(event: dict[str, Any], context: Any) -> dict[str, Any]:
    out = query.receive_reply(event["query"], event["reply"], boto3.client("kms"))
    logger.info("query reply", extra={"request_id": out["request_id"], "status": out["status"]})
    return out
