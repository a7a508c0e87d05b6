"""月次賦課 / 本算定 — the steps of the monthly-assessment state machine, wired to their adapters (called
by the thin handlers in functions/assessment/).

A run is identified by what it assesses — mode, fiscal year and month (run id "monthly-2024-12") —
not by the execution: starting the state machine again for the same month continues that run (a
new *pass*), and its summary, metrics and transfer are derived from what is stored for the run, so
a rerun after any failure reports exactly what a clean run would have. A rerun is always safe.

prepare_run          select the households, write the work list (kokuho.assessment.selection)
assess_batch         one batch (kokuho.assessment.batch; the engine through kokuho.assessment.compute)
record_failed_batch  a batch that still failed after its retries (kokuho.assessment.batch)
summarize_run        summary, status and the transfer to 介護保険課 (kokuho.assessment.summary,
                     kokuho.assessment.care_transfer)

Each step takes its ports (kokuho.assessment.ports); without them it uses `wired()`: the DynamoDB/S3
store (kokuho.records.assessment_store) and the transfer service. Unit tests pass in-memory fakes;
fault tests wrap the wired ports.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from kokuho.assessment import batch, selection, summary
from kokuho.assessment.ports import Ports
from kokuho.assessment.run_input import (
    DEFAULT_MAX_CONCURRENCY,
    RunInputError,
    assessment_deadline,
    run_id_of,
)
from kokuho.dates.fiscal_year import fiscal_year_of_month
from kokuho.requests.suspension import declare_use

__all__ = ["DEFAULT_MAX_CONCURRENCY", "RunInputError", "assess_batch", "assessment_deadline",
           "fiscal_year_of_month", "prepare_run", "record_failed_batch", "run_id_of", "summarize_run", "wired"]


@cache
def wired() -> Ports:
    """The production adapters (one per container)."""
    from kokuho.assessment.care_transfer import LinkageCareTransfers
    from kokuho.records.assessment_store import DynamoAssessmentStore

    return Ports(DynamoAssessmentStore(), LinkageCareTransfers())


def prepare_run(inp: dict[str, Any], *, execution_id: str, execution_name: str, now: datetime | None = None,
                ports: Ports | None = None) -> dict[str, Any]:
    declare_use("assessment.run")  # 利用停止: a statutory levy goes on (kokuho/data/requests/uses.v1.json)
    return selection.prepare_run((ports or wired()).store, inp, execution_name=execution_name, now=now)


def assess_batch(event: dict[str, Any], *, ports: Ports | None = None) -> dict[str, Any]:
    return batch.assess_batch((ports or wired()).store, event)


def record_failed_batch(event: dict[str, Any], *, ports: Ports | None = None) -> dict[str, Any]:
    return batch.record_failed_batch((ports or wired()).store, event)


def summarize_run(event: dict[str, Any], *, ports: Ports | None = None) -> dict[str, Any]:
    p = ports or wired()
    return summary.summarize_run(p.store, p.transfers, event)
