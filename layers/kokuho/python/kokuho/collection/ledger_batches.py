"""The write loop of the collection's daily runs (督促, 滞納整理): every ledger decided on its own, the writes
packed into transactions under DynamoDB's item limit, and a transaction lost to a concurrent writer decided
again from the ledgers as they are now (each measure has a derived id, so a run is safe to repeat)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from kokuho.collection.ports import CollectionStore, LedgerWrite, StoredLedger, WriteConflict

ATTEMPTS = 5

Decide = Callable[[Iterable[StoredLedger]], list[LedgerWrite]]


def items_of(write: LedgerWrite) -> int:
    """Transaction items one ledger write takes: the ledger itself and each measure put by its id."""
    return 1 + len(write.reminders) + len(write.late_charges) + len(write.arrears) + len(write.fees)


def apply_in_batches(store: CollectionStore, decide: Decide, *, actor: Any, chain: str,
                     items_per_transaction: int, attempts: int = ATTEMPTS) -> list[LedgerWrite]:
    """Decide every ledger of the store and apply the writes; returns the writes applied (as last decided)."""
    applied: list[LedgerWrite] = []
    batch: list[LedgerWrite] = []
    size = 0

    def flush() -> None:
        nonlocal batch, size
        for attempt in range(attempts):
            try:
                store.apply(batch, [], actor=actor, chain=chain)
                applied.extend(batch)
                break
            except WriteConflict:
                if attempt == attempts - 1:
                    raise
                # Another run (or a payment) got there first: decide these ledgers again as they are now.
                batch = decide(store.ledgers([w.key for w in batch]).values())
        batch, size = [], 0

    for lg in store.all_ledgers():
        for w in decide([lg]):
            items = items_of(w)
            if size + items > items_per_transaction and batch:
                flush()
            batch.append(w)
            size += items
    if batch:
        flush()
    return applied
