"""Lambda: the print runs of statemachines/collection_notices.asl.json.

The 納入通知書, after the annual run — every ledger of the fiscal year into the work bucket in parts with the
print manifest. `{"fiscal_year": Y, "issued_on": "YYYY-MM-DD", "per_part": N}`, each optional: by default the
fiscal year of today in Tokyo, issued today, 500 notices a part.

The 決定通知書 and 変更通知書 of an assessment run (kokuho.payments.assessment_notices), one step of the state
machine a call: `{"notices": "assessment", "step": "prepare", "input": {"assessment_run": id, "fiscal_year": Y,
"issued_on": …, "per_part": N}}` (each optional), then `"step": "part"` with `print_id` and `part`, then
`"step": "finish"`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from kokuho.access.run_identity import acts_as_run, current_run
from kokuho.access.run_inputs import InputRefused, only_fields, run_fields, whole_number
from kokuho.dates.fiscal_year import fiscal_year_of
from kokuho.dates.tokyo import day_of_run
from kokuho.notices.print_run import PER_PART
from kokuho.payments import assessment_notices, notice_service
from kokuho.platform.observability import get_logger

logger = get_logger("collection-notices")
WORKFLOW = "collection-notices"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)


def _issued_on(event: Mapping[str, Any]) -> date:
    return day_of_run(event, "issued_on")


ASSESSMENT_FIELDS = ("notices", "assessment_run", "issued_on", "fiscal_year", "per_part")


def _assessment(event: dict[str, Any], context: Any) -> dict[str, Any]:
    step = event.get("step")
    if step == "prepare":
        inp = run_fields(event.get("input") or {}, ASSESSMENT_FIELDS)  # the execution's input
        run = inp.get("assessment_run")
        if run is not None and (not isinstance(run, str) or not 1 <= len(run) <= 58):
            raise InputRefused("assessment_run: must be an assessment run id")
        issued_on = _issued_on(inp)
        fiscal_year = whole_number(inp, "fiscal_year", fiscal_year_of(issued_on), 2000, 2100)
        return assessment_notices.prepare(issued_on=issued_on, assessment_run=run, fiscal_year=fiscal_year,
                                          per_part=whole_number(inp, "per_part", PER_PART, 1, 5_000))
    if step == "part":
        out = assessment_notices.print_assessment_part(print_id=str(event["print_id"]),
                                                       part=whole_number(event, "part", 0, 1, 100_000),
                                                       run_id=current_run())
        logger.info("notice part", extra=out)
        return out
    if step == "finish":
        out = assessment_notices.finish(print_id=event.get("print_id"))
        logger.info("assessment notices printed", extra={k: out.get(k) for k in ("print_id", "notices", "pages")})
        return {**out, "assessment_run": event.get("assessment_run"), "new_notices": event.get("new_notices")}
    raise InputRefused("step: must be prepare, part or finish")



@acts_as_run(WORKFLOW, notice_service.PURPOSE)
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    event = event or {}
    if event.get("notices") == "assessment":
        return _assessment(event, context)
    # The state machine sends anything else here, to the 納入通知書 print of the whole year: a misspelt kind or
    # field is refused, never printed as that.
    if "notices" in event:
        raise InputRefused("notices: must be \"assessment\" (none: the 納入通知書)")
    only_fields(event, ("issued_on", "fiscal_year", "per_part"))
    issued_on = _issued_on(event)
    fiscal_year = whole_number(event, "fiscal_year", fiscal_year_of(issued_on), 2000, 2100)
    per_part = whole_number(event, "per_part", PER_PART, 1, 5_000)
    out = notice_service.print_payment_notices(fiscal_year=fiscal_year, issued_on=issued_on,
                                               run_id=current_run(), per_part=per_part)
    logger.info("notices printed", extra={k: out[k] for k in ("print_id", "notices", "pages", "parts", "unaddressed")})
    return out
