"""Lambda: the daily 督促 run (statemachines/collection_reminders.asl.json) — one 督促状 for every installment
unpaid after its due date; `{"on": "YYYY-MM-DD"}` runs it for another day (a missed day), else today in Tokyo."""

from __future__ import annotations

from typing import Any

from kokuho.access.run_identity import acts_as_run, current_run
from kokuho.access.run_inputs import only_fields
from kokuho.dates.tokyo import day_of_run
from kokuho.payments.service import run_reminders
from kokuho.platform.observability import get_logger

logger = get_logger("collection-reminders")
WORKFLOW = "collection-reminders"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)
PURPOSE = "督促 (地方自治法第231条の3)"


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    only_fields(event or {}, ("on",))  # the schedule's {} or a missed day's {"on"}: a typo ran today instead
    on = day_of_run(event)
    out = run_reminders(on=on, run_id=current_run())
    logger.info("reminders issued", extra={"reminders": out["reminders"], "late": out["late"]})
    return out
