"""Catalog entries of the benefits area (給付): the receipt-file intake and its daily run, the monthly benefit run."""

from __future__ import annotations

from kokuho.platform.catalog.model import FunctionSpec, Schedule, StateMachineSpec

FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "benefits-receipt-intake", "benefits.receipt_intake.handler",
        "給付: validate one receipt file of the 国保連合会 whole and store it per person-month, a month outside the "
        "person's insured periods held for review, or refuse it naming line and field",
        # qualification read: the persons' insured periods; exchange write: the file moves out of
        # receipts/incoming/ to processed/ or rejected/ (with its reasons)
        tables={"receipts": "write", "qualification": "read", "access_log": "write"}, buckets={"exchange": "write"},
        timeout_seconds=900, memory_mb=1024, reserved_concurrency=2,
    ),
    FunctionSpec(
        "benefits-receipt-list", "benefits.receipt_intake.list_files",
        "給付: list the receipt files delivered under receipts/incoming/ of the exchange bucket",
        buckets={"exchange": "read"},
    ),
    FunctionSpec(
        "benefits-run-prepare", "benefits.benefit_run.prepare",
        "給付: the monthly benefit run's households (a receipt in the 24 months before the run month), in batches",
        # qualification read: each person's household (the read recorded)
        tables={"receipts": "write", "qualification": "read", "access_log": "write"}, timeout_seconds=300,
        memory_mb=1024,
        reserved_concurrency=2,
    ),
    FunctionSpec(
        "benefits-run-batch", "benefits.benefit_run.batch",
        "給付: decide one batch of household-months' 高額療養費 (brackets from the stored incomes, 多数回, the yearly "
        "outpatient cap) and write each changed month's new version with its access record",
        # qualification read: households, members, incomes; federation read: the 高額該当 months carried over
        tables={"receipts": "write", "qualification": "read", "federation": "read", "access_log": "write"},
        timeout_seconds=300, memory_mb=1024, reserved_concurrency=4,
    ),
    FunctionSpec(
        "benefits-run-summarize", "benefits.benefit_run.summarize",
        "給付: the monthly benefit run's figures from its batches' stored outcomes",
        tables={"receipts": "write"}, timeout_seconds=300, reserved_concurrency=2,
    ),
)
STATE_MACHINES: tuple[StateMachineSpec, ...] = (
    StateMachineSpec(
        "benefits-receipt-intake", "benefits_receipt_intake.asl.json",
        "レセプトの取込: every delivered receipt file stored whole or refused whole",
        substitutions={"ReceiptListFunction": ("function", "benefits-receipt-list"),
                       "ReceiptIntakeFunction": ("function", "benefits-receipt-intake")},
        # the 国保連合会's monthly file comes on a business day of its own choosing: looked for every morning
        schedules=(Schedule("cron(30 7 * * ? *)", {}, "daily receipt-file intake, 07:30 Asia/Tokyo"),),
    ),
    StateMachineSpec(
        "benefits-monthly-run", "benefits_monthly_run.asl.json",
        "高額療養費の月次算定: every household-month of the 24 months before the run month decided, new versions only",
        substitutions={"PrepareFunction": ("function", "benefits-run-prepare"),
                       "BatchFunction": ("function", "benefits-run-batch"),
                       "SummarizeFunction": ("function", "benefits-run-summarize")},
        # the 国保連合会's receipt file comes in the first days of the month (taken daily at 07:30): the run
        # follows on the 20th, when it is in
        schedules=(Schedule("cron(0 3 20 * ? *)", {}, "monthly benefit run, the 20th 03:00 Asia/Tokyo"),),
    ),
)
