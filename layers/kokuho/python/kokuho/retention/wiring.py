"""The retention area wired to its adapter: the legal holds on the requests table (kokuho.records.legal_holds)."""

from __future__ import annotations

from kokuho.retention.hold_ports import HoldStore


def hold_store() -> HoldStore:
    from kokuho.records.legal_holds import PynamoHoldStore

    return PynamoHoldStore()
