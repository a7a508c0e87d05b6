"""Lambdas of the receipt intake (statemachines/benefits_receipt_intake.asl.json; docs/receipt_files.md): the files
delivered listed; `{"key", "bucket"?}` takes one receipt file delivered under
receipts/incoming/ of the exchange bucket — stored per person-month (moved to processed/receipts/) or refused
naming line and field (moved to rejected/receipts/ with its reasons)."""

from __future__ import annotations

from typing import Any

import boto3

from kokuho.access.run_identity import acts_as_run, current_run
from kokuho.platform.observability import get_logger
from kokuho.platform.tables import BUCKETS_BY_LOGICAL, aws_region
from kokuho.receipts.files import list_receipt_files, take_object

logger = get_logger("benefits-receipt-intake")
WORKFLOW = "benefits-receipt-intake"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)
PURPOSE = "レセプトの取込 (国保法第36条)"


def _bucket(event: dict[str, Any]) -> str:
    return str(event.get("bucket") or BUCKETS_BY_LOGICAL["exchange"].name())


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def list_files(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"files": list_receipt_files(boto3.client("s3", region_name=aws_region()), _bucket(event or {}))}


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    key = str(event["key"])
    outcome = take_object(boto3.client("s3", region_name=aws_region()), _bucket(event), key,
                          run_id=current_run())
    if not outcome["accepted"]:
        logger.warning("receipt file refused", extra={"key": key, "errors": len(outcome["errors"])})
    else:
        logger.info("receipt file taken in", extra={"key": key, "applied": outcome.get("applied"),
                                                     "held": outcome.get("held")})
    return outcome
