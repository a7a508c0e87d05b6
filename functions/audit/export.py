"""Lambda of the access-export state machine (daily): one UTC day's access records to the audit bucket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kokuho.access.export import EXPORTER, ExportError, export_day_to_bucket, parse_day
from kokuho.access.run_identity import acts_as_run
from kokuho.access.run_inputs import InputRefused, run_fields
from kokuho.platform.observability import get_logger

logger = get_logger("access-export")
WORKFLOW = "access-export"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)


@acts_as_run(WORKFLOW, EXPORTER.purpose)
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """`{"day": "YYYY-MM-DD"}` exports that day (a rerun or a catch-up); no day: yesterday, UTC. Any other field, or
    a day of another form, is refused before anything is read (a misspelt day exported yesterday instead)."""
    day_text = run_fields(event, ("day",)).get("day")
    if day_text is not None and not isinstance(day_text, str):
        raise InputRefused("day: a date as YYYY-MM-DD")
    try:
        day = parse_day(day_text) if day_text else (datetime.now(UTC) - timedelta(days=1)).date()
    except ExportError as exc:
        raise InputRefused(str(exc)) from None
    out = export_day_to_bucket(day)
    logger.info("access records exported", extra=out)
    return out
