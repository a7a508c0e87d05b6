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

A workflow batch's writes (`INDEX_CHAIN`): the batch first records its reads, naming every household of
the batch, in its own chain; each of its write records names households of that read and carries no
entries of its own — who-accessed finds the batch through its read record's entry, and the writes are
the records after it in that chain. One entry a household and batch instead of two (an annual run of a
million households writes a million entries fewer). Verify holds every subject of such a record to an
earlier record of its chain that names it and is indexed.

Pure: the entries' layout. They are written with their record by the writer's storage adapter
(kokuho.records.access_log: in the record's transaction when they fit, else right after it commits).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

SUBJECT_PREFIX = "SUBJ#"
INDEX_VERSION = "SUBJ#v2"  # the value a record's `subject_index` carries: its entries exist
INDEX_CHAIN = "SUBJ#v2/chain"  # its subjects' entries are those of an earlier record of its chain
COPIED = ("chain", "seq", "at", "staff_id", "terminal_id", "purpose", "category", "operation", "result")


def sort_key(record: Mapping[str, Any]) -> str:
    return f"{record['at']}#{record['chain']}#{int(record['seq']):010d}"


def chain_and_seq(sk: str) -> tuple[str, int]:
    """The record an entry's sort key names (`at` holds no '#'; a chain may)."""
    _, _, rest = sk.partition("#")
    chain, _, seq = rest.rpartition("#")
    return chain, int(seq) if seq.isdigit() else 0


def indexed_subjects(record: Mapping[str, Any]) -> list[str]:
    """The subjects that have an entry of this record (each once): all of them, or none when an earlier
    record of its chain indexes them (`INDEX_CHAIN`)."""
    if record.get("subject_index") == INDEX_CHAIN:
        return []
    return [str(s) for s in dict.fromkeys(record["subject_ids"])]


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
