"""Lambdas of the monthly benefit run (statemachines/benefits_monthly_run.asl.json; docs/benefit_run.md): prepare
(the households of the window, in batches), one batch (decided and written, idempotent), the summary."""

from __future__ import annotations

from typing import Any

from kokuho.access.run_identity import acts_as_run
from kokuho.platform.observability import get_logger
from kokuho.receipts import benefit_run
from kokuho.receipts.benefit_run import PURPOSE

logger = get_logger("benefits-monthly-run")
WORKFLOW = "benefits-monthly-run"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def prepare(event: dict[str, Any], context: Any) -> dict[str, Any]:
    out = benefit_run.prepare(event)
    logger.info("benefit run prepared", extra={"run_id": out["run_id"], "households": out["households"],
                                               "batches": len(out["batches"])})
    return out


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    out = benefit_run.run_batch(event)
    logger.info("benefit batch decided", extra=out)
    return out


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def summarize(event: dict[str, Any], context: Any) -> dict[str, Any]:
    out = benefit_run.summarize(event)
    logger.info("benefit run summarized", extra={"run_id": out["run_id"], "status": out["status"],
                                                 "versions_written": out["versions_written"]})
    return out
