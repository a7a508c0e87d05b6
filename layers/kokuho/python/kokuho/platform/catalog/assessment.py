"""Catalog entries of the assessment area (賦課): the monthly assessment workflow and its functions."""

from __future__ import annotations

from kokuho.platform.catalog.model import FunctionSpec, Schedule, StateMachineSpec
from kokuho.platform.catalog.qualification import VAULT_FUNCTION

# The monthly Distributed Map runs at most this many batches at once (kokuho.assessment.monthly caps its
# MaxConcurrency here), and the batch function reserves exactly that: the Map can never take the
# concurrency the counter API and the other functions have reserved.
BATCH_CONCURRENCY = 200

FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "assessment-prepare", "assessment.prepare.handler",
        "Monthly assessment: select changed households, write the pre-batched work list to S3",
        tables={"assessment": "write", "access_log": "write"}, buckets={"work": "write"},
        timeout_seconds=300, memory_mb=1024, reserved_concurrency=2,
    ),
    FunctionSpec(
        "assessment-batch", "assessment.batch.handler",
        "Monthly assessment: compute and conditionally write one batch of households' assessment versions "
        "(each the ledger's charge, 調定, which collection reads from it; a 更正 downwards marks the ledger for "
        "the overpayment run)",
        tables={"assessment": "write", "collection": "write", "idempotency": "write", "access_log": "write"},
        # a batch (≤ MAX_BATCH_SIZE households) takes seconds; the state machine's retry after a
        # timeout waits longer than this (the idempotency record stays in progress until then), and
        # the Map child's retries must all fit in an EXPRESS execution's five minutes
        timeout_seconds=40, memory_mb=1024, reserved_concurrency=BATCH_CONCURRENCY,
    ),
    FunctionSpec(
        "assessment-record-failure", "assessment.failure.handler",
        "Monthly assessment: record a batch that failed after its retries, with its household ids",
        tables={"assessment": "write"}, reserved_concurrency=10,  # failed batches of one run, at once
        timeout_seconds=10,  # one item written; inside the Map child's five minutes (EXPRESS)
    ),
    FunctionSpec(
        "assessment-summarize", "assessment.summarize.handler",
        "Monthly assessment: run summary, metrics, and the 保険料賦課情報 transfer to 介護保険課 (transfer service)",
        tables={"assessment": "write", "transfers": "write", "access_log": "write"},
        timeout_seconds=300, reserved_concurrency=2,
    ),
    FunctionSpec(
        "assessment-case-intake", "assessment.intake.handler",
        "賦課用世帯情報 intake: validate a whole household-case file from the exchange bucket, then apply it",
        tables={"assessment": "write", "access_log": "write"},
        buckets={"exchange": "read"}, timeout_seconds=900, memory_mb=1024, reserved_concurrency=2,
        invokes=(VAULT_FUNCTION,),  # the file's My Numbers go to the vault, which alone holds them
    ),
)

STATE_MACHINES: tuple[StateMachineSpec, ...] = (
    StateMachineSpec(
        "monthly-assessment", "monthly_assessment.asl.json",
        "月次賦課 / 本算定: changed (or all) households → Distributed Map over batches → summary",
        substitutions={
            "PrepareFunctionArn": ("function", "assessment-prepare"),
            "BatchFunctionArn": ("function", "assessment-batch"),
            "RecordFailureFunctionArn": ("function", "assessment-record-failure"),
            "SummarizeFunctionArn": ("function", "assessment-summarize"),
            "WorkBucket": ("bucket", "work"),
            # a child is one batch call and its retries: EXPRESS when deployed (no STANDARD transition
            # quota, priced by duration); its worst course, every retry used, stays within EXPRESS's five
            # minutes (tests/integration/test_monthly_batch_timeout.py)
            "MapChildExecutionType": ("map_execution_type", "EXPRESS"),
        },
        schedules=(
            # Monthly 更正 run: the 1st at 02:00 JST, households whose change is not yet assessed.
            Schedule("cron(0 2 1 * ? *)", {"mode": "monthly"}, "月次賦課 (更正)"),
            # 本算定: mid-June after the resident-tax income data arrives, every household.
            Schedule("cron(0 2 15 6 ? *)", {"mode": "annual"}, "本算定 (annual assessment)"),
        ),
        distributed_map_buckets=("work",),
    ),
)
