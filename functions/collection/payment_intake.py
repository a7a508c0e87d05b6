"""Lambda: a payment file (口座振替 results, 収納データ, 特別徴収 results) from the exchange bucket — validated
whole, matched and applied to the ledgers, or refused naming line and field (docs/payment_files.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import boto3

from kokuho.payments.service import take_payment_file
from kokuho.platform.observability import get_logger
from kokuho.platform.tables import BUCKETS_BY_LOGICAL, aws_region

logger = get_logger("collection-payment-intake")


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    bucket = str(event.get("bucket") or BUCKETS_BY_LOGICAL["exchange"].name())
    key, kind = str(event["key"]), str(event["kind"])
    body = boto3.client("s3", region_name=aws_region()).get_object(Bucket=bucket, Key=key)["Body"].read()
    outcome = take_payment_file(kind, body, key=key, run_id=context.aws_request_id,
                                received_on=datetime.now(ZoneInfo("Asia/Tokyo")).date())
    if not outcome["accepted"]:
        logger.warning("payment file refused", extra={"key": key, "errors": len(outcome["errors"])})
    else:
        logger.info("payment file taken in", extra={"key": key, "applied": outcome.get("applied"),
                                                     "unmatched": outcome.get("unmatched")})
    return outcome
