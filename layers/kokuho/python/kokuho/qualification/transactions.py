"""Write transactions and access records for the qualification API.

Transactions use the container's one pynamodb Connection (kokuho.records.base.connection): a botocore
client costs ~0.25 s (it loads the service model), so a new one per request would dominate latency.
"""

from __future__ import annotations

from collections.abc import Sequence

from kokuho.access.records import Actor, record_access
from kokuho.records.base import transaction as transaction  # re-exported: the API's transactions


def record(actor: Actor, subject_ids: Sequence[str], category: str, operation: str, *,
           result: str = "ok", chain: str | None = None, attempts: int = 8) -> None:
    """An access record on its own (reads, refusals); record_access retries a concurrent append to the
    same chain on the container's shared connection."""
    record_access(actor, subject_ids, category, operation, result=result, chain=chain, attempts=attempts)
