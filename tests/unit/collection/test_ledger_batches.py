"""The daily runs' write loop (kokuho.collection.ledger_batches): writes packed under the transaction's item
limit, and a transaction lost to a concurrent writer decided again from the ledgers as they are then."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pytest
from fakes.collection_store import InMemoryCollectionStore

from kokuho.collection.ledger import charge_from_version
from kokuho.collection.ledger_batches import apply_in_batches
from kokuho.collection.ports import LedgerWrite, StoredLedger, UnmatchedPayment, WriteConflict
from kokuho.premium.installments import split_equally

MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]


class CountingStore(InMemoryCollectionStore):
    def __init__(self, conflicts: int = 0) -> None:
        super().__init__()
        self.conflicts = conflicts
        self.transactions: list[list[Any]] = []

    def apply(self, writes: Sequence[LedgerWrite], unmatched: Sequence[UnmatchedPayment], *, actor: Any,
              chain: str) -> None:
        if self.conflicts:
            self.conflicts -= 1
            raise WriteConflict("a concurrent writer")
        self.transactions.append([w.key for w in writes])
        super().apply(writes, unmatched, actor=actor, chain=chain)


def city(store: CountingStore, households: int) -> CountingStore:
    for n in range(households):
        store.put_charge(charge_from_version(f"H{n}", 2024, version=1, payer_id=f"H{n}-P1", annual=100_000,
                                             installments=split_equally(100_000, MONTHS)))
    return store


def decide(ledgers: Iterable[StoredLedger]) -> list[LedgerWrite]:
    # two measures a ledger: three items with the ledger itself
    return [LedgerWrite((lg.charge.household_id, lg.charge.fiscal_year), lg.charge.payer_id,
                        reminders=[{"id": f"{lg.charge.household_id}#r{i}", "installment": i} for i in (1, 2)])
            for lg in ledgers]


def test_writes_are_packed_under_the_item_limit_of_a_transaction() -> None:
    store = city(CountingStore(), 5)
    applied = apply_in_batches(store, decide, actor="system:test", chain="test#2024-08-06",
                               items_per_transaction=7)
    assert [len(t) for t in store.transactions] == [2, 2, 1]
    assert sorted(w.key for w in applied) == [(f"H{n}", 2024) for n in range(5)]


def test_a_lost_transaction_is_decided_again_and_the_run_gives_up_after_its_attempts() -> None:
    store = city(CountingStore(conflicts=2), 2)
    applied = apply_in_batches(store, decide, actor="system:test", chain="test#2024-08-06",
                               items_per_transaction=90)
    assert len(store.transactions) == 1 and len(applied) == 2
    with pytest.raises(WriteConflict):
        apply_in_batches(city(CountingStore(conflicts=5), 1), decide, actor="system:test", chain="c",
                         items_per_transaction=90)
