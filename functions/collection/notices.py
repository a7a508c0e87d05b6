"""Lambda: the print run of the 納入通知書 (statemachines/collection_notices.asl.json), after the annual run —
every ledger of the fiscal year into the work bucket in parts with the print manifest.
`{"fiscal_year": Y, "issued_on": "YYYY-MM-DD", "per_part": N}`, each optional: by default the fiscal year of
today in Tokyo, issued today, 500 notices a part."""

from __future__ import annotations

from datetime import date
from typing import Any

from kokuho.access.run_identity import acts_as_run
from kokuho.collection.arrears_runs import fiscal_year_of
from kokuho.dates.tokyo import today_jst
from kokuho.notices.print_run import PER_PART
from kokuho.payments import notice_service
from kokuho.platform.observability import get_logger

logger = get_logger("collection-notices")
WORKFLOW = "collection-notices"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)


def _int(event: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = event.get(name, default)
    if type(value) is not int or not low <= value <= high:
        raise ValueError(f"{name}: must be an integer from {low} to {high}")
    return value


@acts_as_run(WORKFLOW, notice_service.PURPOSE)
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    event = event or {}
    try:
        issued_on = date.fromisoformat(str(event["issued_on"])) if event.get("issued_on") \
            else today_jst()
    except ValueError:
        raise ValueError("issued_on: must be a date YYYY-MM-DD") from None
    fiscal_year = _int(event, "fiscal_year", fiscal_year_of(issued_on), 2000, 2100)
    per_part = _int(event, "per_part", PER_PART, 1, 5_000)
    out = notice_service.print_payment_notices(fiscal_year=fiscal_year, issued_on=issued_on,
                                               run_id=context.aws_request_id, per_part=per_part)
    logger.info("notices printed", extra={k: out[k] for k in ("print_id", "notices", "pages", "parts", "unaddressed")})
    return out
