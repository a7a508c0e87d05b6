"""A run's input and identity: which months and years may be assessed, and the checks of the input.

A run is identified by what it assesses — mode, fiscal year and month (run id "monthly-2024-2024-12") —
not by the execution: starting the state machine again for the same month continues that run.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kokuho.access.actor import Actor
from kokuho.access.run_inputs import InputRefused
from kokuho.dates.fiscal_year import fiscal_year_of_month
from kokuho.dates.months import is_month
from kokuho.platform.catalog.assessment import BATCH_CONCURRENCY

PURPOSE = "賦課 (国保法第76条)"
STAFF_ID = "system:monthly-assessment"
DEFAULT_BATCH_SIZE = 100
MAX_BATCH_SIZE = 1000  # well within the batch function's timeout (see the catalog)
# The batch function's reserved concurrency: a wider Map would only be throttled, never faster.
DEFAULT_MAX_CONCURRENCY = BATCH_CONCURRENCY
# 国保法第110条の2: no 賦課決定 from the day two years after the day after the year's first due date
ASSESSMENT_LIMIT_YEARS = 2


# The run's input is invalid (message names the field): the one refusal the workflows never retry.
RunInputError = InputRefused


def actor(execution_id: str) -> Actor:
    """The workflow as the actor of its access records and transfers."""
    return Actor(staff_id=STAFF_ID, terminal_id=execution_id or "local", purpose=PURPOSE)




def assessment_deadline(fiscal_year: int) -> str:
    """The last month in which the fiscal year may still be assessed (国保法第110条の2).

    Two years from the day after the year's first due date (the June installment): a 更正 as of
    June two years on is the last one.
    """
    from kokuho.premium.ages import month_label
    from kokuho.premium.installments import FIRST_DUE_INDEX

    return month_label(fiscal_year + ASSESSMENT_LIMIT_YEARS, FIRST_DUE_INDEX)


def assessment_limit_day(fiscal_year: int) -> date:
    """The first day no 賦課決定 of the fiscal year may be made (国保法第110条の2): two years after the day after
    the year's first due date (the June installment's 納期限, moved past closed days: domain.md §6), counted as
    民法 第143条 does — FY2024: due Monday 1 July 2024 (30 June a Sunday), from 2 July 2026."""
    from kokuho.collection.due_dates import due_date
    from kokuho.retention.classes import due_date as years_after

    return years_after(date.fromordinal(due_date(fiscal_year, 1).toordinal() + 1), ASSESSMENT_LIMIT_YEARS)


def year_closed_on(fiscal_year: int, day: date) -> bool:
    """Whether a 賦課決定 of the fiscal year made on `day` (in Japan) is barred (国保法第110条の2)."""
    return day >= assessment_limit_day(fiscal_year)


def closed_year_note(fiscal_year: int, households: int) -> dict[str, Any]:
    """What the run's summary tells staff of a closed year's changes it left: how many, from which day the
    year can no longer be assessed and why — no household named (the list is the case index's)."""
    from kokuho.collection.due_dates import due_date

    return {"households": households, "no_assessment_from": assessment_limit_day(fiscal_year).isoformat(),
            "basis": f"国民健康保険法第110条の2: FY{fiscal_year} is past its 賦課期間 — no 賦課決定 (assessment or "
                     f"更正, up or down) two years after the day after its first due date "
                     f"{due_date(fiscal_year, 1).isoformat()}; the change is not charged, the year stays as billed"}


def run_id_of(mode: str, fiscal_year: int, as_of_month: str) -> str:
    return f"{mode}-{fiscal_year}-{as_of_month}"


def check_month(value: Any, field: str) -> str:
    if not is_month(value):
        raise RunInputError(f"{field}: must be a month YYYY-MM")
    return value


def positive_int(value: Any, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise RunInputError(f"{field}: must be a positive integer")
    return value


def check_year_and_month(fiscal_year: int, as_of_month: str) -> None:
    if fiscal_year > fiscal_year_of_month(as_of_month):
        raise RunInputError(f"fiscal_year: FY{fiscal_year} has not begun as of {as_of_month}")
    if as_of_month > assessment_deadline(fiscal_year):
        raise RunInputError(f"fiscal_year: FY{fiscal_year} can no longer be assessed as of {as_of_month} "
                            f"(国保法第110条の2: last month {assessment_deadline(fiscal_year)})")
