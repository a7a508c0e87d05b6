"""Lambda of the bank's 振込不能 notices (docs/payment_files.md, "振込不能 results"), a step of the payment-file
intake (statemachines/collection_payment_intake.asl.json: the files under payments/incoming/transfer_returns/): one
notice validated whole and matched to the refund or benefit transfer file and items it answers — each item no longer
paid (the refund held again, the benefit payment returned), moved to processed/payments/ — or refused naming line
and field (moved to rejected/payments/ with its reasons), nothing changed. `{"key"}` takes one file."""

from __future__ import annotations

from typing import Any

import boto3

from kokuho.access.run_identity import acts_as_run, current_run
from kokuho.dates.tokyo import today_jst
from kokuho.payments.files import TRANSFER_RETURNS, take_object
from kokuho.platform.observability import get_logger
from kokuho.platform.tables import BUCKETS_BY_LOGICAL, aws_region

logger = get_logger("collection-transfer-returns")
WORKFLOW = "collection-payment-intake"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)
PURPOSE = "振込不能の処理"


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    key = str(event["key"])
    bucket = str(event.get("bucket") or BUCKETS_BY_LOGICAL["exchange"].name())
    outcome = take_object(boto3.client("s3", region_name=aws_region()), bucket, key, TRANSFER_RETURNS,
                          run_id=current_run(), received_on=today_jst())
    if not outcome["accepted"]:
        logger.warning("振込不能 notice refused", extra={"key": key, "errors": len(outcome["errors"])})
    else:
        logger.info("振込不能 notice taken in", extra={"key": key, "returned": outcome.get("returned"),
                                                       "duplicate": outcome.get("duplicate")})
    return outcome
