"""Capacity units of the DynamoDB requests made to the embedded AWS, counted as DynamoDB bills them.

moto answers every request with a constant ConsumedCapacity, so the units are counted here from what is
read and written: each request is metered inside moto's request handler (under the embedded AWS's
DynamoDB lock, so nothing changes between the item as it was and the item as it is), from the items of
the table itself, sized by DynamoDB's rules
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
an attribute's size is its name's UTF-8 bytes plus its value's (strings: UTF-8 bytes; numbers: one byte
per two significant digits plus one; binary: raw bytes; null and Boolean: one byte; lists and maps:
3 bytes plus their elements, each with one byte more).

Write request units (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/provisioned-capacity-mode.html
and on-demand-capacity-mode.html): one per 1 KB of the larger of the item before and after a put or
update (of the item deleted for a delete), at least one, also when a condition fails; twice that inside
TransactWriteItems (a ConditionCheck counted as a transactional write of the item checked). Each global
secondary index the write changes costs its own index write units (an entry put, updated, or — when an
index key changes — deleted and put again), sized by the entry: the item for an index projecting ALL; the
keys for a KEYS_ONLY one, whose entry is written only when its keys appear, change or go.

Read request units: one per 4 KB of an item read strongly consistently (half eventually consistent,
twice transactionally); a query or scan per request, from the total size of the items it returns,
rounded up to 4 KB once.

Local-only (benchmarks): never shipped in the layer.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

KB = 1024
READ_UNIT = 4 * KB


def value_size(value: dict[str, Any]) -> int:
    """Size in bytes of one AttributeValue in wire form ({"S": …}, {"N": …}, {"M": {…}}, …)."""
    (kind, v), = value.items()
    if kind == "S":
        return len(v.encode("utf-8"))
    if kind == "N":
        return number_size(v)
    if kind == "B":
        return len(v) if isinstance(v, bytes | bytearray) else len(_b64(v))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode("utf-8")) for s in v)
    if kind == "NS":
        return sum(number_size(n) for n in v)
    if kind == "BS":
        return sum(len(b) if isinstance(b, bytes | bytearray) else len(_b64(b)) for b in v)
    if kind == "L":
        return 3 + sum(1 + value_size(e) for e in v)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + value_size(e) for k, e in v.items())
    raise ValueError(f"unknown attribute type {kind}")


def _b64(v: str) -> bytes:
    import base64

    return base64.b64decode(v)


def number_size(text: str) -> int:
    """One byte per two significant digits (leading and trailing zeroes trimmed), plus one."""
    digits = format(abs(Decimal(text)), "f").replace(".", "").strip("0")
    return (len(digits) + 1) // 2 + 1


def item_size(item: dict[str, dict[str, Any]] | None) -> int:
    """Size of an item in wire form: each attribute's name and value."""
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + value_size(v) for name, v in item.items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / KB))


def read_units(size: int) -> int:
    return max(1, math.ceil(size / READ_UNIT))


@dataclass
class Meter:
    """Units per table and per operation, since the meter was started."""

    wru: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # table → write units
    index_wru: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # table → index writes
    rru: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # table → read units
    by_op: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # "Op table" → units
    items_written: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    requests: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def write_units(self) -> float:
        return sum(self.wru.values()) + sum(self.index_wru.values())

    @property
    def read_units(self) -> float:
        return sum(self.rru.values())

    def snapshot(self) -> dict[str, Any]:
        return {"write_units": self.write_units, "table_write_units": sum(self.wru.values()),
                "index_write_units": sum(self.index_wru.values()), "read_units": self.read_units,
                "by_table_write": dict(self.wru), "by_table_index_write": dict(self.index_wru),
                "by_table_read": dict(self.rru), "by_op": dict(self.by_op),
                "items_written": dict(self.items_written), "requests": dict(self.requests)}

    def reset(self) -> None:
        for d in (self.wru, self.index_wru, self.rru, self.by_op, self.items_written, self.requests):
            d.clear()


def _short(table: str) -> str:
    return table


class _Tables:
    """Key schema and index key attributes of the backend's tables."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend

    def table(self, name: str) -> Any:
        return self.backend.get_table(name)

    def key_of(self, name: str, item: dict[str, Any]) -> dict[str, Any]:
        t = self.table(name)
        return {k: item[k] for k in t.table_key_attrs if k in item}

    def current(self, name: str, key: dict[str, Any]) -> dict[str, Any] | None:
        try:
            if any(k not in key for k in self.table(name).table_key_attrs):
                return None  # what moto's get_item refuses, without building its error (a projected query's items)
            found = self.backend.get_item(name, key)
        except Exception:  # noqa: BLE001 - a missing table or a bad key: moto raises its own error on the call
            return None
        return None if found is None else dict(found.to_json()["Attributes"])

    def index_writes(self, name: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> int:
        """Index write units of one item's change: an ALL index's entry is the item, rewritten whenever the
        item changes; a KEYS_ONLY index's entry is the index and table keys, written only when they appear,
        change or go."""
        table = self.table(name)
        units = 0
        for index in table.global_indexes:
            keys = [s["AttributeName"] for s in index.schema]
            keys_only = (index.projection or {}).get("ProjectionType") == "KEYS_ONLY"
            entry_keys = list(dict.fromkeys([*keys, *table.table_key_attrs]))

            def entry(item: dict[str, Any], keys_only: bool = keys_only,
                      entry_keys: list[str] = entry_keys) -> dict[str, Any]:
                return {k: item[k] for k in entry_keys if k in item} if keys_only else item

            had = before is not None and all(k in before for k in keys)
            has = after is not None and all(k in after for k in keys)
            if had and has:
                assert before is not None and after is not None
                if any(before[k] != after[k] for k in keys):
                    units += write_units(item_size(entry(before))) + write_units(item_size(entry(after)))
                elif entry(before) != entry(after):
                    units += write_units(max(item_size(entry(before)), item_size(entry(after))))
            elif had:
                assert before is not None
                units += write_units(item_size(entry(before)))
            elif has:
                assert after is not None
                units += write_units(item_size(entry(after)))
        return units


def _meter_write(meter: Meter, tables: _Tables, op: str, name: str, key: dict[str, Any],
                 run: Any, factor: int = 1, written: dict[str, Any] | None = None) -> Any:
    """`written`: the item a put leaves when it succeeds (its request's own item: not read back)."""
    before = tables.current(name, key)
    done = False
    try:
        result = run()
        done = True
        return result
    finally:
        after = written if done and written is not None else tables.current(name, key)
        units = factor * write_units(max(item_size(before), item_size(after)) if op != "Delete"
                                     else item_size(before))
        idx = tables.index_writes(name, before, after)
        with meter.lock:
            meter.wru[name] += units
            meter.index_wru[name] += idx
            meter.by_op[f"{op} {name} {_kind(key)}"] += units + idx
            meter.items_written[name] += 1


def _kind(key: dict[str, Any]) -> str:
    """The kind of item a key names: its partition key's prefix (`HHCASE`, `ASSESS`, `SUBJ`, …)."""
    pk: Any = next(iter(key.values()), {}) if key else {}
    value = str(next(iter(pk.values()), "")) if isinstance(pk, dict) else ""
    return value.split("#", 1)[0] if "#" in value else "-"


@contextmanager
def metered() -> Iterator[Meter]:
    """Meter every DynamoDB request made to moto (in this process) while the context is open."""
    from moto.dynamodb.responses import DynamoHandler

    meter = Meter()
    originals = {name: getattr(DynamoHandler, name) for name in (
        "put_item", "update_item", "delete_item", "batch_write_item", "transact_write_items",
        "get_item", "batch_get_item", "query", "scan", "transact_get_items")}

    def count(op: str) -> None:
        with meter.lock:
            meter.requests[op] += 1

    def put_item(self: Any) -> Any:
        count("PutItem")
        name = self.body["TableName"]
        t = _Tables(self.dynamodb_backend)
        return _meter_write(meter, t, "PutItem", name, t.key_of(name, self.body["Item"]),
                            lambda: originals["put_item"](self), written=self.body["Item"])

    def update_item(self: Any) -> Any:
        count("UpdateItem")
        name = self.body["TableName"]
        return _meter_write(meter, _Tables(self.dynamodb_backend), "UpdateItem", name, self.body["Key"],
                            lambda: originals["update_item"](self))

    def delete_item(self: Any) -> Any:
        count("DeleteItem")
        name = self.body["TableName"]
        return _meter_write(meter, _Tables(self.dynamodb_backend), "Delete", name, self.body["Key"],
                            lambda: originals["delete_item"](self))

    def batch_write_item(self: Any) -> Any:
        count("BatchWriteItem")
        t = _Tables(self.dynamodb_backend)
        touched = []
        for name, requests in self.body["RequestItems"].items():
            for r in requests:
                if "PutRequest" in r:
                    key = t.key_of(name, r["PutRequest"]["Item"])
                    touched.append(("BatchPut", name, key, t.current(name, key)))
                else:
                    key = r["DeleteRequest"]["Key"]
                    touched.append(("Delete", name, key, t.current(name, key)))
        try:
            return originals["batch_write_item"](self)
        finally:
            _account(meter, t, touched, 1)

    def transact_write_items(self: Any) -> Any:
        count("TransactWriteItems")
        t = _Tables(self.dynamodb_backend)
        touched = []
        for entry in self.body["TransactItems"]:
            (op, spec), = entry.items()
            name = spec["TableName"]
            key = t.key_of(name, spec["Item"]) if op == "Put" else spec["Key"]
            touched.append(("Delete" if op == "Delete" else f"Tx{op}", name, key, t.current(name, key)))
        try:
            return originals["transact_write_items"](self)
        finally:
            _account(meter, t, touched, 2)

    def get_item(self: Any) -> Any:
        count("GetItem")
        name = self.body["TableName"]
        t = _Tables(self.dynamodb_backend)
        units = read_units(item_size(t.current(name, self.body["Key"])))
        _read(meter, "GetItem", name, units * (1.0 if self.body.get("ConsistentRead") else 0.5))
        return originals["get_item"](self)

    def batch_get_item(self: Any) -> Any:
        count("BatchGetItem")
        t = _Tables(self.dynamodb_backend)
        for name, spec in self.body["RequestItems"].items():
            factor = 1.0 if spec.get("ConsistentRead") else 0.5
            _read(meter, "BatchGetItem", name,
                  sum(read_units(item_size(t.current(name, k))) for k in spec["Keys"]) * factor)
        return originals["batch_get_item"](self)

    def transact_get_items(self: Any) -> Any:
        count("TransactGetItems")
        t = _Tables(self.dynamodb_backend)
        for entry in self.body["TransactItems"]:
            spec = entry["Get"]
            _read(meter, "TransactGetItems", spec["TableName"],
                  2.0 * read_units(item_size(t.current(spec["TableName"], spec["Key"]))))
        return originals["transact_get_items"](self)

    def _paged(op: str) -> Any:
        def handler(self: Any) -> Any:
            count(op)
            result = originals[op.lower()](self)
            name = self.body["TableName"]
            t = _Tables(self.dynamodb_backend)
            items = (getattr(result, "result", None) or {}).get("Items", []) if result is not None else []
            # the full items (a projection reads, and is billed for, the whole item) — of an index projecting
            # ALL; a KEYS_ONLY index's entries are their keys
            index = next((ix for ix in t.table(name).global_indexes if ix.name == self.body.get("IndexName")), None)
            if index is not None and (index.projection or {}).get("ProjectionType") == "KEYS_ONLY":
                keys = {s["AttributeName"] for s in index.schema} | set(t.table(name).table_key_attrs)
                size = sum(item_size({k: v for k, v in i.items() if k in keys}) for i in items)
            else:
                size = sum(item_size(t.current(name, t.key_of(name, i)) or i) for i in items)
            consistent = bool(self.body.get("ConsistentRead")) and not self.body.get("IndexName")
            _read(meter, op, name, read_units(size) * (1.0 if consistent else 0.5))
            return result
        return handler

    patched = {"put_item": put_item, "update_item": update_item, "delete_item": delete_item,
               "batch_write_item": batch_write_item, "transact_write_items": transact_write_items,
               "get_item": get_item, "batch_get_item": batch_get_item, "transact_get_items": transact_get_items,
               "query": _paged("Query"), "scan": _paged("Scan")}
    for name, fn in patched.items():
        setattr(DynamoHandler, name, fn)
    try:
        yield meter
    finally:
        for name, fn in originals.items():
            setattr(DynamoHandler, name, fn)


def _read(meter: Meter, op: str, name: str, units: float) -> None:
    with meter.lock:
        meter.rru[name] += units
        meter.by_op[f"{op} {name}"] += units


def _account(meter: Meter, t: _Tables, touched: list[tuple[str, str, dict[str, Any], Any]], factor: int) -> None:
    """Units of a batch or transaction's items, from each item before and after (a cancelled
    transaction leaves every item as it was: billed as the items it would have written)."""
    for op, name, key, before in touched:
        after = t.current(name, key)
        if op == "Delete":
            size = item_size(before)
        else:
            size = max(item_size(before), item_size(after))
        units = factor * write_units(size)
        idx = t.index_writes(name, before, after) if op != "TxConditionCheck" else 0
        with meter.lock:
            meter.wru[name] += units
            meter.index_wru[name] += idx
            meter.by_op[f"{op} {name} {_kind(key)}"] += units + idx
            meter.items_written[name] += 0 if op == "TxConditionCheck" else 1
