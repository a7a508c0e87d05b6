"""Lambda: record a batch that failed after its retries (Catch of the Distributed Map item)."""

from __future__ import annotations

from typing import Any

from kokuho.assessment.monthly import record_failed_batch
from kokuho.platform.observability import get_logger

logger = get_logger("assessment-record-failure")


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    out = record_failed_batch(event)
    logger.error("batch failed after retries", extra={"batch_id": out["batch_id"],
                                                      "households": out["households"]})
    return out
