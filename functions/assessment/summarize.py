"""Lambda: run summary of the monthly assessment, emitted as powertools Metrics (EMF)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from kokuho.access.run_identity import acts_as_run
from kokuho.assessment.monthly import summarize_run
from kokuho.assessment.run_input import PURPOSE
from kokuho.platform.observability import get_logger

logger = get_logger("assessment-summarize")
WORKFLOW = "monthly-assessment"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)
metrics = Metrics(namespace="kokuho", service="monthly-assessment")


@metrics.log_metrics
@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    summary = summarize_run(event)
    metrics.add_dimension(name="mode", value=str(summary["mode"]))
    metrics.add_metric(name="HouseholdsAssessed", unit=MetricUnit.Count, value=summary["households_assessed"])
    metrics.add_metric(name="VersionsWritten", unit=MetricUnit.Count, value=summary["versions_written"])
    metrics.add_metric(name="Refunds", unit=MetricUnit.Count, value=summary["refunds"]["count"])
    failures = summary["failures"]
    metrics.add_metric(name="FailedHouseholds", unit=MetricUnit.Count,
                       value=failures["households_count"] + failures["household_ids_in_failed_batches"])
    metrics.add_metric(name="FailedBatches", unit=MetricUnit.Count, value=failures["batches_count"])
    metrics.add_metric(name="AnnualTotalYen", unit=MetricUnit.NoUnit, value=summary["annual_total"])
    logger.info("run summarized", extra={"run_id": summary["run_id"],
                                         "versions_written": summary["versions_written"]})
    return summary
