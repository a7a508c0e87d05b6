"""Lambdas of the payment-file intake (statemachines/collection_payment_intake.asl.json; docs/payment_files.md):
the files delivered under payments/incoming/<kind>/ of the exchange bucket listed, then each validated whole,
matched and applied to the ledgers (moved to processed/payments/) or refused naming line and field (moved to
rejected/payments/ with its reasons). `{"key", "kind"?}` takes one file (the kind from its folder if not given)."""

from __future__ import annotations

from typing import Any

import boto3

from kokuho.access.run_identity import acts_as_run, current_run
from kokuho.dates.tokyo import today_jst
from kokuho.payments.files import TRANSFER_RETURNS, kind_of, list_payment_files, take_object
from kokuho.platform.observability import get_logger
from kokuho.platform.tables import BUCKETS_BY_LOGICAL, aws_region

logger = get_logger("collection-payment-intake")
WORKFLOW = "collection-payment-intake"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)
PURPOSE = "収納 (納付の消込)"


def _bucket(event: dict[str, Any]) -> str:
    return str(event.get("bucket") or BUCKETS_BY_LOGICAL["exchange"].name())


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def list_files(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"files": list_payment_files(boto3.client("s3", region_name=aws_region()), _bucket(event or {}))}


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    key = str(event["key"])
    kind = str(event.get("kind") or kind_of(key))
    if kind == TRANSFER_RETURNS:  # not this function's (it may not write the benefit payments): the file stays
        raise ValueError("a 振込不能 notice is taken by collection-transfer-returns")
    outcome = take_object(boto3.client("s3", region_name=aws_region()), _bucket(event), key, kind,
                          run_id=current_run(), received_on=today_jst())
    if not outcome["accepted"]:
        logger.warning("payment file refused", extra={"key": key, "errors": len(outcome["errors"])})
    else:
        logger.info("payment file taken in", extra={"key": key, "applied": outcome.get("applied"),
                                                     "unmatched": outcome.get("unmatched")})
    return outcome
