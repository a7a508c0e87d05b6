"""Catalog entries of the collection area (収納): payment-file intake."""

from __future__ import annotations

from kokuho.platform.catalog.model import FunctionSpec, StateMachineSpec

FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "collection-payment-intake", "collection.payment_intake.handler",
        "収納: validate one payment file (口座振替 results, 収納データ, 特別徴収 results) whole, match it and "
        "apply it to the ledgers, or refuse it naming line and field",
        tables={"collection": "write", "access_log": "write"}, buckets={"exchange": "read"},
        # a 100,000-line file is matched in well under a second and written in chunks of 90 items
        timeout_seconds=900, memory_mb=1024, reserved_concurrency=2,
    ),
)

STATE_MACHINES: tuple[StateMachineSpec, ...] = ()
