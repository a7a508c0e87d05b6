"""Lambdas of the 国保連合会 file exchange: list incoming files, intake one file (validate whole,
apply idempotently or reject to rejected/ with a reason), export the outgoing files."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3

from kokuho.access.run_identity import acts_as_run
from kokuho.access.run_inputs import InputRefused, one_of, only_fields
from kokuho.dates.tokyo import day_of_run, month_of_run, today_jst
from kokuho.linkage import federation
from kokuho.platform.observability import get_logger
from kokuho.platform.tables import BUCKETS_BY_LOGICAL

logger = get_logger("linkage-federation")
WORKFLOW = "linkage-federation"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)
PURPOSE = "国保連合会とのファイル交換"


def _bucket() -> str:
    return BUCKETS_BY_LOGICAL["exchange"].name()


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def list_incoming(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"keys": federation.list_incoming(boto3.client("s3"), _bucket())}


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def intake(event: dict[str, Any], context: Any) -> dict[str, Any]:
    out = federation.intake_object(boto3.client("s3"), _bucket(), str(event["key"]))
    logger.info("federation file", extra={"key": out["key"], "status": out["status"], "records": out["records"],
                                          "errors": out["errors"][:5]})
    return out


EXPORT_KINDS = ("QUALCONT", "KOGAKU")


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def export(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """{"kind": "QUALCONT", "day"?: "YYYY-MM-DD"} (default yesterday in Japan) or
    {"kind": "KOGAKU", "month"?: "YYYY-MM"} (default the previous month)."""
    today = today_jst()
    # Checked before anything is read: the month makes the file's id, its key and its record chain.
    only_fields(event, ("kind", "day", "month"))
    # A file is written once under its period's name: a period not yet ended would be sent with what it held so
    # far, and its own export, once it ended, refused (a file of that name exists with other content).
    if one_of(event, "kind", EXPORT_KINDS, "") == "KOGAKU":
        month = month_of_run(event, "month", (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m"))
        if month >= today.strftime("%Y-%m"):
            raise InputRefused("month: a month not yet ended (its file is written once, when it has ended)")
        return federation.export_carry_over(federation.wired_source(), month, boto3.client("s3"), _bucket())
    day = day_of_run(event, "day") if event.get("day") is not None else today - timedelta(days=1)
    if day >= today:
        raise InputRefused("day: a day not yet ended (its file is written once, when it has ended)")
    return federation.export_qualification(federation.wired_source(), day, boto3.client("s3"), _bucket())
