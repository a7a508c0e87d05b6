"""The access log (table "access_log"): the pynamodb models of the hash-chained access records and their
subject index entries, and the adapter of the writer's port (kokuho.access.ports.AccessRecordStore):
the record appended in the caller's TransactWrite or in one of its own. What the records mean, how they
are chained and indexed: kokuho.access.records and kokuho.access.subject_index.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from kokuho.access.ports import AccessRecord, ChainTaken, PendingWrites
from kokuho.access.subject_index import chain_and_seq, partitions_of
from kokuho.access.subject_index import entries_of as index_entries_of
from kokuho.records.base import Gsi1, TableModel, connection, table_meta

CHAIN_PREFIX = "CHAIN#"
RECORD_PREFIX = "REC#"


class AccessRecordModel(TableModel):
    """One access record: pk CHAIN#<chain>, sk REC#<seq>; gsi1 STAFF#<staff> / time, for the security team."""

    Meta = table_meta("access_log")
    chain = UnicodeAttribute()
    seq = NumberAttribute()
    at = UnicodeAttribute()
    staff_id = UnicodeAttribute()
    terminal_id = UnicodeAttribute()
    terminal_source = UnicodeAttribute(null=True)
    purpose = UnicodeAttribute()
    subject_ids = ListAttribute(of=UnicodeAttribute)  # type: ignore[arg-type]
    category = UnicodeAttribute()
    operation = UnicodeAttribute()
    result = UnicodeAttribute()
    prev_hash = UnicodeAttribute()
    hash = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    # Written at creation, under the hash: this record's subjects have index entries (subject_index.py);
    # records older than the index have none and are not expected to.
    subject_index = UnicodeAttribute(null=True)
    # The ids of the request that caused the access (kokuho.platform.request_ids): the Lambda request id
    # (its AWS calls' CloudTrail userAgent carries it), the API Gateway request id, the workflow run.
    request_id = UnicodeAttribute(null=True)
    api_request_id = UnicodeAttribute(null=True)
    run_id = UnicodeAttribute(null=True)
    by_staff = Gsi1["AccessRecordModel"]()


class SubjectIndexModel(TableModel):
    """pk SUBJ#<subject>, sk <at>#<chain>#<seq>, row: what the security team reads of the record (JSON); a
    shared entry: pk SUBJS#<bucket>, m the last two characters of the bucket's ids the record names
    (kokuho.access.subject_index)."""

    Meta = table_meta("access_log")
    row = UnicodeAttribute()
    m = ListAttribute(of=UnicodeAttribute, null=True)  # type: ignore[arg-type]


# A DynamoDB transaction holds at most 100 items; a caller's transaction may add a few items after
# the record (a marker), so index entries join it only when this many places are left over.
TRANSACTION_LIMIT = 100
RESERVED_FOR_CALLER = 4


def _record_key(chain: str, seq: int) -> tuple[str, str]:
    return f"{CHAIN_PREFIX}{chain}", f"{RECORD_PREFIX}{seq:010d}"


def entries_of(record: Mapping[str, Any]) -> list[SubjectIndexModel]:
    # A subject named twice in one record is one entry (the same key); the subjects of one bucket share one;
    # none for a batch's write record, indexed by its chain's read (subject_index.INDEX_CHAIN).
    return [SubjectIndexModel(**entry) for entry in index_entries_of(record)]


def transaction_size(transaction: TransactWrite) -> int:
    return (len(transaction._put_items) + len(transaction._update_items) + len(transaction._delete_items)
            + len(transaction._condition_check_items))


def _fits(transaction: TransactWrite, count: int) -> bool:
    return transaction_size(transaction) + count + RESERVED_FOR_CALLER <= TRANSACTION_LIMIT


def _add_entries(transaction: TransactWrite, entries: Sequence[SubjectIndexModel]) -> None:
    for entry in entries:
        transaction.save(entry, condition=SubjectIndexModel.pk.does_not_exist())


def write_entries_after(entries: Sequence[SubjectIndexModel]) -> None:
    """Entries of a record already committed (too many to join its transaction): in transactions of
    100; an entry already there (a rerun) is left as it is — its content is a function of the record.

    Transactions, although DynamoDB bills a transactional write twice: one conditional PutItem an entry
    would halve their write units but is a request an entry, ≈ 1 ms of CPU each on the embedded AWS
    (+1.0-1.4 CPU-s a 1,000-household run, measured). An annual run's batch no longer comes here: its
    households, read in the order of their ids, share an entry a bucket (kokuho.access.subject_index),
    which fits the record's transaction; scattered subjects (a monthly run's) still do."""
    for first in range(0, len(entries), TRANSACTION_LIMIT):
        part = entries[first:first + TRANSACTION_LIMIT]
        try:
            with TransactWrite(connection=connection()) as tx:
                _add_entries(tx, part)
        except TransactWriteError:
            for entry in part:  # one of them exists: put the others one by one
                try:
                    entry.save(condition=SubjectIndexModel.pk.does_not_exist())
                except PutError:
                    pass


def _after_commit(transaction: TransactWrite, then: Callable[[bool], None]) -> None:
    """Call `then(committed)` once the transaction commits or fails (pynamodb commits in `__exit__`
    through `_commit`; a transaction that fails writes nothing, and its retry builds a new record)."""
    commit = transaction._commit

    def commit_then() -> Any:
        try:
            response = commit()
        except BaseException:
            then(False)
            raise
        then(True)
        return response

    setattr(transaction, "_commit", commit_then)  # noqa: B010 (mypy refuses assigning a method)


def _add_record(transaction: TransactWrite, item: Mapping[str, Any], settled: Callable[[bool], None]) -> None:
    record = AccessRecordModel(**item)
    # The only write there is: a put of a key nobody holds yet. A concurrent writer that took the same
    # seq makes this condition fail, never overwrites.
    transaction.save(record, condition=AccessRecordModel.pk.does_not_exist())
    if int(item["seq"]) > 1:
        # ... appended to the record it links to, as it is now: a head held wrongly fails here.
        transaction.condition_check(AccessRecordModel, *_record_key(str(item["chain"]), int(item["seq"]) - 1),
                                    condition=AccessRecordModel.hash == item["prev_hash"])
    # Its subject index entries: in the same transaction when they fit (the record and its entries
    # commit together), else right after the transaction commits (a batch naming many households).
    entries = entries_of(item)
    if not entries or _fits(transaction, len(entries)):
        _add_entries(transaction, entries)
        _after_commit(transaction, settled)
    else:
        def settle_then_index(committed: bool) -> None:
            settled(committed)
            if committed:
                write_entries_after(entries)
        _after_commit(transaction, settle_then_index)


def _partition(pk: str, member: str | None, low: str | None, high: str | None, start_after: str | None,
               page: int | None, consistent: bool) -> Iterator[dict[str, Any]]:
    """The raw entries of one partition with sort keys in [low, high] after `start_after`, oldest first, a
    query of `page` items at a time; of a shared partition, only those whose `m` lists `member`."""
    table = SubjectIndexModel._get_connection()
    start = None if start_after is None else {"pk": {"S": pk}, "sk": {"S": start_after}}
    condition = None if low is None or high is None else SubjectIndexModel.sk.between(low, high)
    # DynamoDB reads (and bills) the entries the filter drops (kokuho.access.subject_index: how many at most)
    naming = None if member is None else SubjectIndexModel.m.contains(member)
    while True:
        answer = table.query(pk, condition, naming, limit=page, exclusive_start_key=start,
                             consistent_read=consistent)
        yield from answer.get("Items", [])
        start = answer.get("LastEvaluatedKey")
        if start is None:
            return


def entries_naming(subject: str, low: str | None, high: str | None, start_after: str | None = None,
                   page: int | None = None, consistent: bool = True) -> Iterator[dict[str, Any]]:
    """The raw index entries naming `subject` — its own and its bucket's shared ones that list it — with sort
    keys in [low, high] after `start_after`, oldest first (the two partitions merged by sort key: a record
    names a subject in one entry only)."""
    own, shared = partitions_of(subject)
    parts = [_partition(own, None, low, high, start_after, page, consistent)]
    if shared is not None:
        parts.append(_partition(shared[0], shared[1], low, high, start_after, page, consistent))
    return heapq.merge(*parts, key=lambda item: str(item["sk"]["S"]))


def entry_keys(subject: str, low: str | None, high: str | None) -> list[str]:
    return [str(item["sk"]["S"]) for item in entries_naming(subject, low, high)]


class PynamoAccessRecords:
    """`kokuho.access.ports.AccessRecordStore` on the access_log table; pending writes are a pynamodb
    TransactWrite on the container's shared connection (the adapters' own transactions are)."""

    def head(self, chain: str) -> tuple[int, str] | None:
        # its record with the highest seq: a strongly consistent descending query
        for rec in AccessRecordModel.query(f"{CHAIN_PREFIX}{chain}", AccessRecordModel.sk.startswith(RECORD_PREFIX),
                                           scan_index_forward=False, limit=1, consistent_read=True):
            return int(rec.seq), str(rec.hash)
        return None

    def append(self, item: Mapping[str, Any], within: PendingWrites | None,
               settled: Callable[[bool], None]) -> None:
        if within is not None:
            assert isinstance(within, TransactWrite), "pending writes of this storage are a TransactWrite"
            _add_record(within, item, settled)
            return
        try:
            with TransactWrite(connection=connection()) as tx:
                _add_record(tx, item, settled)
        except (TransactWriteError, PutError) as exc:
            raise ChainTaken(str(item["chain"])) from exc

    def pending(self) -> AbstractContextManager[PendingWrites]:
        return TransactWrite(connection=connection())

    def chain(self, chain: str) -> Iterator[AccessRecord]:
        for rec in AccessRecordModel.query(f"{CHAIN_PREFIX}{chain}", AccessRecordModel.sk.startswith(RECORD_PREFIX),
                                           consistent_read=True):
            yield AccessRecord.of(rec.attribute_values)

    def by_staff(self, staff_id: str) -> Iterator[AccessRecord]:
        for rec in AccessRecordModel.by_staff.query(f"STAFF#{staff_id}"):
            yield AccessRecord.of(rec.attribute_values)

    def of_subject(self, subject: str) -> list[AccessRecord]:
        keys = [_record_key(*chain_and_seq(sk)) for sk in entry_keys(subject, None, None)]
        found = {(r.pk, r.sk): r for r in AccessRecordModel.batch_get(keys, consistent_read=True)}
        return [AccessRecord.of(found[k].attribute_values) for k in keys if k in found]

    def items(self, page_size: int | None = None) -> Iterator[dict[str, Any]]:
        # Raw, not through the model: an attribute someone added to a record must reach the hash check.
        from boto3.dynamodb.types import TypeDeserializer

        deserialize = TypeDeserializer().deserialize
        # The model's own table connection: it knows the table's schema (the shared transaction connection
        # only learns the tables its transactions touched).
        table_connection = AccessRecordModel._get_connection()
        start: dict[str, Any] | None = None
        while True:
            page = table_connection.scan(exclusive_start_key=start, consistent_read=True,  # type: ignore[arg-type]
                                         limit=page_size)
            for raw in page.get("Items", []):
                yield {k: deserialize(v) for k, v in raw.items()}
            start = page.get("LastEvaluatedKey")
            if not start:
                return
