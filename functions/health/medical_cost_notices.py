"""Lambda: the print run of the 医療費通知 (statemachines/health_medical_cost_notices.asl.json; issue 13 item 7).
`{"fiscal_year": Y, "round": 1|2, "per_part": N}` prints that round; `{}` (the daily schedule) prints the round
whose day of issue is today in Tokyo, if any (the days are data: kokuho/data/health/medical_cost_notices.json)."""

from __future__ import annotations

from typing import Any

from kokuho.access.run_identity import acts_as_run, current_run
from kokuho.access.run_inputs import InputRefused, only_fields, whole_number
from kokuho.dates.tokyo import today_jst
from kokuho.health.periods import PeriodError, notice_round, round_due
from kokuho.notices.print_run import PER_PART
from kokuho.platform.observability import get_logger
from kokuho.programmes import medical_cost_notices as run

logger = get_logger("health-medical-cost-notices")
WORKFLOW = "health-medical-cost-notices"  # the run's workflow: its data-access session's terminal tag



@acts_as_run(WORKFLOW, run.PURPOSE)
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    event = event or {}
    only_fields(event, {"fiscal_year", "round", "per_part"})
    fiscal_year = whole_number(event, "fiscal_year", None, 2000, 2100)
    number = whole_number(event, "round", None, 1, 2)
    per_part = whole_number(event, "per_part", PER_PART, 1, 5_000) or PER_PART
    if (fiscal_year is None) != (number is None):
        raise InputRefused("round: fiscal_year and round go together")
    today = today_jst()
    try:
        chosen = notice_round(fiscal_year, number) if fiscal_year is not None and number is not None \
            else round_due(today)
    except PeriodError as exc:
        if fiscal_year is None:
            raise  # the data lacks today's year: a fault of the data, not of the input
        raise InputRefused(str(exc)) from None  # a round the data does not hold: asking again cannot help
    if chosen is None:
        return run.nothing_due(today)
    out = run.print_medical_cost_notices(chosen, run_id=current_run(), per_part=per_part)
    logger.info("medical cost notices printed",
                extra={k: out[k] for k in ("print_id", "notices", "pages", "parts", "opted_out", "unaddressed")})
    return out
