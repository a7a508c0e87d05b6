"""Catalog entries of the benefits area (給付): the receipt-file intake."""

from __future__ import annotations

from kokuho.platform.catalog.model import FunctionSpec, StateMachineSpec

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
)
STATE_MACHINES: tuple[StateMachineSpec, ...] = ()
