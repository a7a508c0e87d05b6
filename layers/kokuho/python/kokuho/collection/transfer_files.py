"""One way to write a 全銀協 総合振込 file of money the city pays out — premium refunds (還付, kokuho.collection
.overpayments) and benefits (高額療養費, kokuho.benefits.payment): every ready item is marked filed in a file id first
(so an item is in one file only), then the payees whose accounts the file carries are recorded (`record`: an access
record of the export — a file that cannot be recorded does not leave), then the file is written from what is marked;
a run cut short after the marks writes (and records) the same file again. The format is kokuho.collection.zengin (one
writer). Pure: storage and the access records are the callables."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar

from kokuho.collection.zengin import Requester, Transfer, ZenginError, data_record, transfer_file
from kokuho.identity.mynumber import id_digest

T = TypeVar("T")


def customer_code(item_id: str) -> str:
    """顧客コード1 of a transfer (10 characters the format carries), read back from the bank's result."""
    return hashlib.sha256(item_id.encode()).hexdigest()[:10].upper()


def file_id_of(prefix: str, on: date, ids: Sequence[str]) -> str:
    """`RFF-D20240722-H3f09a1c2b7e`: a letter before each number — `RFF-20240722-1234ab…` held "20240722-1234",
    twelve digits (a valid My Number one file in two hundred) in the key, the run's answer and its log line."""
    return f"{prefix}-D{on:%Y%m%d}-H{id_digest(' '.join(ids))}"


def write_transfers(prefix: str, ready: Sequence[T], *, id_of: Callable[[T], str], transfer_of: Callable[[T], Transfer],
                    mark: Callable[[str, Sequence[T]], None], filed: Callable[[str], Sequence[T]],
                    amount_of: Callable[[T], int], requester: Requester, on: date,
                    put_file: Callable[[str, bytes], None], payee_of: Callable[[T], str],
                    record: Callable[[str, Sequence[str]], None]) -> dict[str, Any]:
    """Every `ready` item into one file `<prefix>-D<YYYYMMDD>-H<hash of the ids>`; returns its id, count, yen, bytes,
    and the items the format refuses (`refused`: id and field), which stay ready and go into no file.

    Each item is written as a record before any is marked: one the format cannot carry (an account holder's name
    with katakana that has no half-width form) would fail the file after the marks, leaving every item of the run
    marked filed in a file never written — and no later run takes a marked item again."""
    refused: list[dict[str, str]] = []
    items = []
    for item in sorted(ready, key=id_of):
        try:
            data_record(transfer_of(item), 0)
        except ZenginError as exc:
            refused.append({"id": id_of(item), "field": exc.field.rpartition(".")[2]})
            continue
        items.append(item)
    if not items:
        return {"file_id": None, "count": 0, "yen": 0, "refused": refused}
    file_id = file_id_of(prefix, on, [id_of(i) for i in items])
    mark(file_id, items)
    marked = sorted(filed(file_id), key=id_of)
    data = transfer_file(requester, on, [transfer_of(i) for i in marked])
    record(file_id, sorted({payee_of(i) for i in marked}))  # whose accounts leave in it, before it leaves
    put_file(file_id, data)
    return {"file_id": file_id, "count": len(marked), "yen": sum(amount_of(i) for i in marked), "bytes": len(data),
            "refused": refused}
