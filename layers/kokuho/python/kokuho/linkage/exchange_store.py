"""The exchanges store wired to its adapter (kokuho.records.linkage_exchange), one per container: what
kokuho.linkage.provision, .query, .exchange_records and .retention use unless a store is passed (unit
tests pass tests/fakes/exchange_store.py)."""

from __future__ import annotations

from functools import cache

from kokuho.linkage.exchange_ports import ExchangeStore


@cache
def wired() -> ExchangeStore:
    from kokuho.records.linkage_exchange import PynamoExchangeStore

    return PynamoExchangeStore()


def store_or_wired(store: ExchangeStore | None) -> ExchangeStore:
    return store if store is not None else wired()
