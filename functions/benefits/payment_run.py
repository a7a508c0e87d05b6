"""Lambdas of the benefit payment run (statemachines/benefits_payment_run.asl.json; docs/benefit_payment.md): pay
(each household's payments, offsets, 返還金 claims and 勧奨 of the day), the 総合振込 file of the ready payments, the
day's notices. `{"on": "YYYY-MM-DD"}` runs them for another day, else today in Tokyo."""

from __future__ import annotations

from typing import Any

from kokuho.access.run_identity import acts_as_run, current_run
from kokuho.access.run_inputs import only_fields
from kokuho.dates.tokyo import day_of_run
from kokuho.platform.observability import get_logger
from kokuho.receipts import benefit_payment
from kokuho.receipts.benefit_payment import PURPOSE

logger = get_logger("benefits-payment-run")
WORKFLOW = "benefits-payment-run"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def pay(event: dict[str, Any], context: Any) -> dict[str, Any]:
    only_fields(event or {}, ("on",))  # the schedule's {} or a missed day's {"on"}: a typo paid today instead
    on = day_of_run(event)
    out = benefit_payment.pay(on=on, run_id=current_run())
    logger.info("benefit payments planned", extra=out)
    return out


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def transfer_file(event: dict[str, Any], context: Any) -> dict[str, Any]:
    on = day_of_run(event)
    out = benefit_payment.write_file(on=on, run_id=current_run())
    logger.info("benefit transfer file", extra={"file_id": out["file_id"], "count": out["count"]})
    return {**out, "run": {k: v for k, v in event.items() if k != "on"}}


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def notices(event: dict[str, Any], context: Any) -> dict[str, Any]:
    on = day_of_run(event)
    out = benefit_payment.notices(on=on, run_id=current_run())
    logger.info("benefit notices printed", extra=out)
    return {**out, "on": on.isoformat(), "transfer": {k: v for k, v in event.items() if k != "on"}}
