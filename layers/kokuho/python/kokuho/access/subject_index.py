"""The index of access records by subject (whose data): one small entry per (subject, record), in the
access-log table itself, so "who accessed person X between two dates" is one query on `SUBJ#<X>`,
not a scan.

Why entries and not a GSI: a record names many subjects (a batch names up to hundreds of households)
and a GSI indexes one key per item. Why in the same table: the writers already hold PutItem on it, and
nothing else may write there.

An entry is a pure function of its record and the subject (`entry_of`): it repeats what the security
team reads (when, who, terminal, purpose, what, result) and the record's hash, so a search needs no
second read and `kokuho audit verify` checks every entry against its record — and, for every record
that says it was indexed (its `subject_index` attribute, written at creation and under the record's
hash), that each of its subjects has its entry. Entries are append-only like the records: only ever
put on a key nobody holds (`attribute_not_exists`).

Why one `row` attribute (JSON) and not one attribute per field: a search returns up to a page of
entries, and every attribute costs on each side of the wire (DynamoDB's item size and read units, the
SDK's parsing, moto's copying) — three attributes instead of fifteen made a page about three times
cheaper (benchmarks/who_accessed.py). Version 2 of the index (`SUBJ#v2`); version 1 (one attribute a
field) was replaced before any deployment.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from kokuho.records.access_log import SubjectIndexModel as SubjectIndexModel  # re-exported: callers name it here
from kokuho.records.base import connection

SUBJECT_PREFIX = "SUBJ#"
INDEX_VERSION = "SUBJ#v2"  # the value a record's `subject_index` carries: its entries exist
# A DynamoDB transaction holds at most 100 items; a caller's transaction may add a few items after
# the record (a marker), so entries join it only when this many places are left over.
TRANSACTION_LIMIT = 100
RESERVED_FOR_CALLER = 4
COPIED = ("chain", "seq", "at", "staff_id", "terminal_id", "purpose", "category", "operation", "result")


def sort_key(record: Mapping[str, Any]) -> str:
    return f"{record['at']}#{record['chain']}#{int(record['seq']):010d}"


def chain_and_seq(sk: str) -> tuple[str, int]:
    """The record an entry's sort key names (`at` holds no '#'; a chain may)."""
    _, _, rest = sk.partition("#")
    chain, _, seq = rest.rpartition("#")
    return chain, int(seq) if seq.isdigit() else 0


def entry_of(record: Mapping[str, Any], subject: str) -> dict[str, Any]:
    """The index entry of `record` (its stored attributes) for one of its subjects."""
    row = {name: record[name] for name in COPIED}
    row.update(seq=int(row["seq"]), subjects=len(record["subject_ids"]), record_hash=str(record["hash"]))
    return {"pk": f"{SUBJECT_PREFIX}{subject}", "sk": sort_key(record),
            "row": json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"))}


def row_of(subject: str, row: str) -> dict[str, Any]:
    """An entry as the security team reads it: the record's displayed fields, for `subject`."""
    fields: dict[str, Any] = json.loads(row)
    fields["subject_id"] = subject
    return fields


def entries_of(record: Mapping[str, Any]) -> list[SubjectIndexModel]:
    # A subject named twice in one record is one entry (the same key).
    return [SubjectIndexModel(**entry_of(record, s)) for s in dict.fromkeys(record["subject_ids"])]


def transaction_size(transaction: TransactWrite) -> int:
    return (len(transaction._put_items) + len(transaction._update_items) + len(transaction._delete_items)
            + len(transaction._condition_check_items))


def fits(transaction: TransactWrite, count: int) -> bool:
    return transaction_size(transaction) + count + RESERVED_FOR_CALLER <= TRANSACTION_LIMIT


def add_to(transaction: TransactWrite, entries: Sequence[SubjectIndexModel]) -> None:
    for entry in entries:
        transaction.save(entry, condition=SubjectIndexModel.pk.does_not_exist())


def write_after(entries: Sequence[SubjectIndexModel]) -> None:
    """Entries of a record already committed (too many to join its transaction): in transactions of
    100; an entry already there (a rerun) is left as it is — its content is a function of the record."""
    for first in range(0, len(entries), TRANSACTION_LIMIT):
        part = entries[first:first + TRANSACTION_LIMIT]
        try:
            with TransactWrite(connection=connection()) as tx:
                add_to(tx, part)
        except TransactWriteError:
            for entry in part:  # one of them exists: put the others one by one
                try:
                    entry.save(condition=SubjectIndexModel.pk.does_not_exist())
                except PutError:
                    pass


def index_after_commit(transaction: TransactWrite, entries: Sequence[SubjectIndexModel]) -> None:
    """Write the entries once the caller's transaction has committed (pynamodb commits in `__exit__`
    through `_commit`; a transaction that fails writes none, and its retry builds a new record)."""
    commit = transaction._commit

    def commit_then_index() -> Any:
        response = commit()
        write_after(entries)
        return response

    setattr(transaction, "_commit", commit_then_index)  # noqa: B010 (mypy refuses assigning a method)
