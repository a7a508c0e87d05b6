"""Lambda: retention purge of the linkage area — 情報提供等記録 past 7 years, expired query results."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kokuho.access.run_identity import acts_as_run
from kokuho.linkage.retention import purge_exchange_records
from kokuho.platform.observability import get_logger

logger = get_logger("linkage-retention")
WORKFLOW = "linkage-retention"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)
PURPOSE = "保存期間を過ぎた記録の消去"


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The clock is never taken from the input: a scheduled purge cannot be told to purge early.
    out = purge_exchange_records(datetime.now(UTC))
    logger.info("linkage retention purge", extra=out)
    return out
