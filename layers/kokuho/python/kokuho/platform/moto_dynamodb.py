"""Two narrow fixes to moto's DynamoDB for the embedded AWS, active only inside `embedded_aws()`.

1. Thread safety. Distributed Map iterations run on threads and moto's backend is not thread-safe
   (a TransactWriteItems deep-copies a table while another thread writes to it: "dictionary changed
   size during iteration"). Every DynamoDB request is serialised by one lock. Real DynamoDB is
   concurrent; the GIL makes the lock cost little here.
2. TransactWriteItems rollback cost. moto (5.2, models/__init__.py `transact_write_items`) backs up a
   table by deep-copying the WHOLE table once per item of the transaction, so a transaction costs
   O(items × table size) — minutes for a city-sized table. Here the items the transaction touches are
   backed up instead (under the lock nothing else can change them) and moto's own whole-table copy is
   made a no-op; on any failure those items are put back exactly as they were, then moto's error is
   re-raised unchanged. Conditions, errors and results are moto's own.
"""

from __future__ import annotations

import copy
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

DDB_LOCK = threading.RLock()


def _keys(table: Any, op_type: str, op: dict[str, Any]) -> tuple[Any, Any] | None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    source = op.get("Item") if op_type == "Put" else op.get("Key")
    if not isinstance(source, dict) or table.hash_key_attr not in source:
        return None
    hash_key = DynamoType(source[table.hash_key_attr])
    range_key = None
    if table.range_key_attr is not None:
        if table.range_key_attr not in source:
            return None
        range_key = DynamoType(source[table.range_key_attr])
    return hash_key, range_key


@contextmanager
def patched_dynamodb() -> Iterator[None]:
    from moto.dynamodb import models as ddb_models
    from moto.dynamodb.responses import DynamoHandler

    original_call = DynamoHandler.call_action
    original_transact = ddb_models.DynamoDBBackend.transact_write_items
    # moto's module sees this instead of `copy` while a transaction runs (under the lock only)
    no_table_copy = types.SimpleNamespace(deepcopy=lambda value, memo=None: value, copy=copy.copy)

    def call_action(self: Any) -> Any:
        with DDB_LOCK:
            return original_call(self)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        with DDB_LOCK:
            backup: list[tuple[Any, Any, Any, Any]] = []
            for entry in transact_items:
                if len(entry) != 1:
                    continue  # moto raises its own error for this, before changing anything
                op_type, op = next(iter(entry.items()))
                table = self.tables.get(op.get("TableName")) if isinstance(op, dict) else None
                if table is None:
                    continue
                keys = _keys(table, op_type, op)
                if keys is not None:
                    backup.append((table, *keys, copy.deepcopy(table.get_item(*keys))))
            ddb_models.copy = no_table_copy  # type: ignore[assignment]
            try:
                return original_transact(self, transact_items)  # type: ignore[no-any-return]
            except BaseException:
                for table, hash_key, range_key, before in reversed(backup):
                    if before is None:
                        table.delete_item(hash_key, range_key)
                    elif range_key is not None:
                        table.items[hash_key][range_key] = before
                    else:
                        table.items[hash_key] = before
                raise
            finally:
                ddb_models.copy = copy  # type: ignore[assignment]

    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
    ddb_models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    try:
        yield
    finally:
        DynamoHandler.call_action = original_call  # type: ignore[method-assign]
        ddb_models.DynamoDBBackend.transact_write_items = original_transact  # type: ignore[method-assign]
