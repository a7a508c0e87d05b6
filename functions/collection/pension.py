"""Lambda: the daily pension run (statemachines/collection_pension.asl.json) — 特別徴収 decided and written into
the ledgers, then the 特別徴収依頼 file to the insurer; `{"on": "YYYY-MM-DD"}` runs it for another day (a missed
day), else today in Tokyo."""

from __future__ import annotations

from typing import Any

from kokuho.access.run_identity import acts_as_run, current_run
from kokuho.access.run_inputs import only_fields
from kokuho.dates.tokyo import day_of_run
from kokuho.payments.pension_service import PURPOSE, run_pension_deduction
from kokuho.platform.observability import get_logger

logger = get_logger("collection-pension")
WORKFLOW = "collection-pension"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    only_fields(event or {}, ("on",))  # the schedule's {} or a missed day's {"on"}: a typo ran today instead
    out = run_pension_deduction(on=day_of_run(event), run_id=current_run())
    logger.info("pension run", extra={k: out[k] for k in ("fiscal_year", "started", "stopped", "provisional_opened")}
                | {"rows": out["request_file"]["rows"]})
    return out
