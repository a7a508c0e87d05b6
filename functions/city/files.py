"""Lambdas of the city-file intake (住民基本台帳の異動, 所得, 生活保護, 介護保険): list the waiting files,
take one file whole (validate, apply or reject, move it out). docs/city_intake_files.md."""

from __future__ import annotations

from typing import Any

import boto3

from kokuho.access.run_identity import acts_as_run, current_run
from kokuho.dates.tokyo import today_jst
from kokuho.intake import objects
from kokuho.platform.observability import get_logger
from kokuho.platform.tables import BUCKETS_BY_LOGICAL, aws_region

logger = get_logger("city-intake")
WORKFLOW = "city-intake"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)
PURPOSE = "住民基本台帳・所得・生活保護・介護保険の異動の取込 (国保法第76条)"
RESERVE_MS = 90_000  # stop applying with this much time left: the last transaction and the answer fit


def _bucket() -> str:
    return BUCKETS_BY_LOGICAL["exchange"].name()


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def list_incoming(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"keys": objects.list_incoming(boto3.client("s3", region_name=aws_region()), _bucket())}


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def intake(event: dict[str, Any], context: Any) -> dict[str, Any]:
    out = objects.intake_object(boto3.client("s3", region_name=aws_region()), _bucket(), str(event["key"]),
                                run_id=current_run(), today=today_jst(),
                                out_of_time=lambda: context.get_remaining_time_in_millis() < RESERVE_MS)
    logger.info("city file", extra={"key": out["key"], "kind": out["kind"], "status": out["status"],
                                    "errors": len(out.get("errors", []))})
    return out
