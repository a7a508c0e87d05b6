"""Catalog entries of the benefits area (給付): the receipt-file intake and its daily run."""

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
)
