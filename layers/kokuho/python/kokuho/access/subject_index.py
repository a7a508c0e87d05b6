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

Shared entries (`SUBJ#v3`, issue 14 item 1): a record's subjects whose ids differ only in their last two
characters (one bucket, `bucket_of`: `H0001200` … `H0001299`) and of which it names at least
`SHARED_FROM` share one entry, `SUBJS#<bucket>`, whose `m` lists their last two characters (the bucket
is the rest); the others keep entries of their own. A workflow batch reads households in the order of
their ids (Prepare's work list), so an annual run's read record of 100 households leaves one or two
entries instead of a hundred — few enough to commit in the record's own transaction — for about 0.04
write units a household instead of 2.0 (a run of a million households: ≈ 2 million write units fewer,
and locally a hundred items fewer a batch for the embedded AWS to handle). Who accessed X reads X's own
partition and its bucket's, the latter filtered on `m` holding X's last two characters: besides X's own,
it reads the bucket's shared entries that do not name X — each names `SHARED_FROM` of the bucket's ids
at least (a bucket of digits holds a hundred), so at most ten for one naming X, and about none for an
annual run's (each names the whole bucket). A record's displayed fields are the same for each of its
subjects, so the entry's row serves them all. `kokuho audit verify` expects exactly the entries a
record's subjects give, so a shared entry deleted, edited, or with a subject taken out of `m` is named.

Why not a table of its own, written by BatchWriteItem (1.0 a household): IAM cannot limit BatchWriteItem
to puts, so the run's role could delete entries — detectable by verify from the hash-chained records, but
shared entries cost 0.04 against its 1.0, keep the access log put-only for every writer, and commit with
their record (README, Protections: access records).

Pure: the entries' layout. They are written with their record by the writer's storage adapter
(kokuho.records.access_log: in the record's transaction when they fit, else right after it commits).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

SUBJECT_PREFIX = "SUBJ#"
SHARED_PREFIX = "SUBJS#"  # an entry shared by the subjects of one bucket ('SUBJ#…' never equals 'SUBJS#…')
INDEX_V2 = "SUBJ#v2"  # a record's `subject_index`: an entry of its own for each of its subjects
INDEX_VERSION = "SUBJ#v3"  # entries of its own, or shared by two or more of its subjects of one bucket
INDEX_CHAIN = "SUBJ#v2/chain"  # its subjects' entries are those of an earlier record of its chain
INDEXED = (INDEX_V2, INDEX_VERSION)  # the values saying a record's subjects have entries of the record
SHARED_FROM = 10  # the subjects of one bucket a record names share an entry when they are this many or more
MEMBER_CHARS = 2  # a bucket: the ids that differ only in their last MEMBER_CHARS characters
COPIED = ("chain", "seq", "at", "staff_id", "terminal_id", "purpose", "category", "operation", "result")


def sort_key(record: Mapping[str, Any]) -> str:
    return f"{record['at']}#{record['chain']}#{int(record['seq']):010d}"


def chain_and_seq(sk: str) -> tuple[str, int]:
    """The record an entry's sort key names (`at` holds no '#'; a chain may)."""
    _, _, rest = sk.partition("#")
    chain, _, seq = rest.rpartition("#")
    return chain, int(seq) if seq.isdigit() else 0


def bucket_of(subject: str) -> tuple[str, str] | None:
    """(bucket, member) of `subject`: its id but the last two characters, and those two; None for an id of
    two characters or fewer (never shared)."""
    if len(subject) <= MEMBER_CHARS:
        return None
    return subject[:-MEMBER_CHARS], subject[-MEMBER_CHARS:]


def partitions_of(subject: str) -> tuple[str, tuple[str, str] | None]:
    """Where the entries naming `subject` are: its own partition, and its bucket's shared one with the member
    its entries list (None: none)."""
    bucket = bucket_of(subject)
    return f"{SUBJECT_PREFIX}{subject}", None if bucket is None else (f"{SHARED_PREFIX}{bucket[0]}", bucket[1])


def indexed_subjects(record: Mapping[str, Any]) -> list[str]:
    """The subjects that have an entry of this record (each once): all of them, or none when an earlier
    record of its chain indexes them (`INDEX_CHAIN`) or the record is older than the index."""
    if record.get("subject_index") not in INDEXED:
        return []
    return [str(s) for s in dict.fromkeys(record["subject_ids"])]


def _row(record: Mapping[str, Any]) -> str:
    row = {name: record[name] for name in COPIED}
    row.update(seq=int(row["seq"]), subjects=len(record["subject_ids"]), record_hash=str(record["hash"]))
    return json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def entry_of(record: Mapping[str, Any], subject: str) -> dict[str, Any]:
    """The index entry of `record` (its stored attributes) for one of its subjects, of its own."""
    return {"pk": f"{SUBJECT_PREFIX}{subject}", "sk": sort_key(record), "row": _row(record)}


def entries_of(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every index entry of `record` (their stored attributes): one a subject, except that the subjects of
    one bucket of which a `SUBJ#v3` record names `SHARED_FROM` or more share one (`m`: their last two
    characters, sorted)."""
    subjects = indexed_subjects(record)
    if not subjects:
        return []
    sk, row = sort_key(record), _row(record)
    if record.get("subject_index") != INDEX_VERSION:
        return [{"pk": f"{SUBJECT_PREFIX}{s}", "sk": sk, "row": row} for s in subjects]
    buckets: dict[str | None, list[str]] = {}
    for subject in subjects:
        bucket = bucket_of(subject)
        buckets.setdefault(None if bucket is None else bucket[0], []).append(subject)
    entries: list[dict[str, Any]] = []
    for name, members in buckets.items():
        if name is not None and len(members) >= SHARED_FROM:
            entries.append({"pk": f"{SHARED_PREFIX}{name}", "sk": sk, "row": row,
                            "m": sorted(s[-MEMBER_CHARS:] for s in members)})
        else:
            entries.extend({"pk": f"{SUBJECT_PREFIX}{s}", "sk": sk, "row": row} for s in members)
    return entries


def is_entry(item: Mapping[str, Any]) -> bool:
    """An item of the log that is an index entry (of its own or shared), by its key and its row."""
    pk = str(item.get("pk", ""))
    return "row" in item and (pk.startswith(SUBJECT_PREFIX) or pk.startswith(SHARED_PREFIX))


def subjects_of(entry: Mapping[str, Any]) -> list[str]:
    """The subjects an entry names: its partition's, or the members of a shared one."""
    pk = str(entry["pk"])
    if pk.startswith(SHARED_PREFIX):
        members, bucket = entry.get("m"), pk.removeprefix(SHARED_PREFIX)
        return [f"{bucket}{s}" for s in members] if isinstance(members, list) else []
    return [pk.removeprefix(SUBJECT_PREFIX)]


def row_of(subject: str, row: str) -> dict[str, Any]:
    """An entry as the security team reads it: the record's displayed fields, for `subject`."""
    fields: dict[str, Any] = json.loads(row)
    fields["subject_id"] = subject
    return fields
