"""Lambda of the receipt intake (docs/receipt_files.md): `{"key", "bucket"?}` takes one receipt file delivered under
receipts/incoming/ of the exchange bucket — stored per person-month (moved to processed/receipts/) or refused
naming line and field (moved to rejected/receipts/ with its reasons)."""

from __future__ import annotations

from typing import Any

import boto3

from kokuho.platform.observability import get_logger
from kokuho.platform.tables import BUCKETS_BY_LOGICAL, aws_region
from kokuho.receipts.files import take_object

logger = get_logger("benefits-receipt-intake")


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    key = str(event["key"])
    bucket = str(event.get("bucket") or BUCKETS_BY_LOGICAL["exchange"].name())
    outcome = take_object(boto3.client("s3", region_name=aws_region()), bucket, key, run_id=context.aws_request_id)
    if not outcome["accepted"]:
        logger.warning("receipt file refused", extra={"key": key, "errors": len(outcome["errors"])})
    else:
        logger.info("receipt file taken in", extra={"key": key, "applied": outcome.get("applied"),
                                                     "held": outcome.get("held")})
    return outcome
