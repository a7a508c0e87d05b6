"""The transfer store wired to its adapter (kokuho.records.linkage_transfers), one per container: what
kokuho.linkage.transfers uses unless a store is passed (unit tests pass tests/fakes/transfer_store.py)."""

from __future__ import annotations

from functools import cache

from kokuho.linkage.transfer_ports import TransferStore


@cache
def wired() -> TransferStore:
    from kokuho.records.linkage_transfers import PynamoTransferStore

    return PynamoTransferStore()
