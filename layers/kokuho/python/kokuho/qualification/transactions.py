"""Write transactions and access records for the qualification API and the My Number vault.

One pynamodb Connection per container: creating a botocore client costs ~0.25 s (it loads the
service model), so a new client per request would dominate every request's latency.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from kokuho.access.records import AccessRecordError, Actor, record_access
from kokuho.records.base import table_meta

_CONNECTION: Connection | None = None


def connection() -> Connection:
    global _CONNECTION
    if _CONNECTION is None:
        _CONNECTION = Connection(region=table_meta("qualification").region)
    return _CONNECTION


def transaction() -> TransactWrite:
    return TransactWrite(connection=connection())


def record(actor: Actor, subject_ids: Sequence[str], category: str, operation: str, *,
           result: str = "ok", chain: str | None = None, attempts: int = 8) -> None:
    """An access record on its own (reads, refusals), through the shared connection; a concurrent
    append to the same chain is retried."""
    for attempt in range(attempts):
        try:
            with transaction() as tx:
                record_access(actor, subject_ids, category, operation, result=result, chain=chain,
                              transaction=tx)
            return
        except TransactWriteError:
            time.sleep(0.005 * (attempt + 1))
    raise AccessRecordError(f"could not append to access chain after {attempts} attempts")
