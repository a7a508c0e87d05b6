"""Lambda: record a batch that failed after its retries (Catch of the Distributed Map item)."""

from __future__ import annotations

from typing import Any

from kokuho.access.run_identity import acts_as_run
from kokuho.assessment.monthly import record_failed_batch
from kokuho.assessment.run_input import PURPOSE
from kokuho.platform.observability import get_logger

logger = get_logger("assessment-record-failure")
WORKFLOW = "monthly-assessment"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    out = record_failed_batch(event)
    logger.error("batch failed after retries", extra={"batch_id": out["batch_id"],
                                                      "households": out["households"]})
    return out
