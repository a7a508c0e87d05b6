"""Lambdas of the 滞納整理 workflow (statemachines/collection_arrears.asl.json): the run of the day's mode
(`daily`: pledges checked, a missed plan payment flagged; `demand`: the month's 催告; `write_off`: the year-end
不納欠損), then the 収納率 statistics of the fiscal year made and stored for the API. `{"on": "YYYY-MM-DD"}`
runs them for another day, else today in Tokyo; `{"fiscal_year": Y}` makes another year's figures."""

from __future__ import annotations

from typing import Any

from kokuho.access.run_identity import acts_as_run, current_run
from kokuho.access.run_inputs import one_of, only_fields, whole_number
from kokuho.collection.arrears_runs import MODES
from kokuho.dates.fiscal_year import fiscal_year_of
from kokuho.dates.tokyo import day_of_run
from kokuho.payments import arrears_service
from kokuho.platform.observability import get_logger

logger = get_logger("collection-arrears")
WORKFLOW = "collection-arrears"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)


@acts_as_run(WORKFLOW, arrears_service.ARREARS_PURPOSE)
@logger.inject_lambda_context(log_event=False)
def run(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # the schedules' {"mode"}, or a missed day's {"on"}; a typo ran the daily mode and rode on in the output
    only_fields(event or {}, ("on", "mode", "fiscal_year"))
    on = day_of_run(event)
    mode = one_of(event or {}, "mode", MODES, "daily")
    out = arrears_service.run_arrears(on=on, mode=mode, run_id=current_run())
    logger.info("arrears run", extra={k: out[k] for k in ("mode", "pledges_missed", "demands", "written_off")})
    return {**{k: v for k, v in (event or {}).items() if k not in out}, **out}


@acts_as_run(WORKFLOW, arrears_service.STATISTICS_PURPOSE)
@logger.inject_lambda_context(log_event=False)
def statistics(event: dict[str, Any], context: Any) -> dict[str, Any]:
    on = day_of_run(event)
    fiscal_year = whole_number(event or {}, "fiscal_year", fiscal_year_of(on), 2000, 2100)
    out = arrears_service.run_statistics(fiscal_year=fiscal_year, as_of=on, run_id=current_run())
    logger.info("collection statistics", extra=out)
    return {"run": event, "statistics": out}
