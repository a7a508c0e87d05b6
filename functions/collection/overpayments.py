"""Lambdas of the refund workflow (statemachines/collection_refunds.asl.json): the overpayment run (充当, then
還付 to the 公金受取口座 a linkage query stored, else held) and the 総合振込 refund file of every ready refund.
`{"on": "YYYY-MM-DD"}` runs them for another day, else today in Tokyo."""

from __future__ import annotations

from typing import Any

from kokuho.access.run_identity import acts_as_run, current_run
from kokuho.access.run_inputs import only_fields
from kokuho.dates.tokyo import day_of_run
from kokuho.payments import service
from kokuho.platform.observability import get_logger

logger = get_logger("collection-refunds")
WORKFLOW = "collection-refunds"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)
PURPOSE = "還付・充当 (地方税法第17条・第17条の2)"


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def run(event: dict[str, Any], context: Any) -> dict[str, Any]:
    only_fields(event or {}, ("on",))  # the schedule's {} or a missed day's {"on"}: a typo ran today instead
    on = day_of_run(event)
    out = service.run_overpayments(on=on, run_id=current_run())
    logger.info("overpayments disbursed", extra={k: out[k] for k in ("payers", "appropriated", "refunds", "held")})
    return {"on": on.isoformat(), **out}


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def refund_file(event: dict[str, Any], context: Any) -> dict[str, Any]:
    on = day_of_run(event)
    out = service.write_refund_file(on=on, run_id=current_run())
    logger.info("refund file", extra={"refunds": out["refunds"], "file_id": out["file_id"]})
    return {"on": on.isoformat(), "run": {k: v for k, v in event.items() if k != "on"}, **out}
