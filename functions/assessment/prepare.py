"""Lambda: Prepare step of the monthly assessment (select households, write the work list)."""

from __future__ import annotations

from typing import Any

from kokuho.access.run_identity import acts_as_run
from kokuho.assessment.monthly import prepare_run
from kokuho.assessment.run_input import PURPOSE
from kokuho.platform.observability import get_logger

logger = get_logger("assessment-prepare")
WORKFLOW = "monthly-assessment"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    out = prepare_run(event.get("input") or {}, execution_id=str(event.get("execution_id", "")),
                      execution_name=str(event["execution_name"]))
    logger.info("work list written", extra={"run_id": out["run_id"], "households": out["households"],
                                            "batches": out["batches"]})
    return out
