"""Access records (アクセス記録): every read or write of a person's data, by a member of staff or a
workflow, leaves one — when, who, which terminal, whose data, what, why, and the result
(seed III-3 リスク2, II-2 ④). Records are hash-chained per chain so an edited or deleted record is
detectable (`kokuho audit verify`).

Callers that change data pass their pynamodb `TransactWrite`, so the change and its record commit
together: a change without its record cannot exist. Subjects are internal person/household ids,
never a My Number.

Chains: by default one chain per subject (so the security team reads a person's accesses in order,
and unrelated requests never contend); a workflow batch passes its own chain (run id + batch id).
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from kokuho.access.chain import GENESIS, ChainBreak, record_hash, verify_chain
from kokuho.records.base import connection, table_meta

_HEAD = "HEAD"


@dataclass(frozen=True)
class Actor:
    """Who acts: an individual staff id and terminal, or `system:<workflow>` and the execution id."""

    staff_id: str
    terminal_id: str
    purpose: str


class _ByStaff(GlobalSecondaryIndex["AccessRecordModel"]):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class AccessRecordModel(Model):
    """One access record: pk CHAIN#<chain>, sk REC#<seq>; gsi1 STAFF#<staff> / time, for the security team."""

    Meta = table_meta("access_log")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    chain = UnicodeAttribute()
    seq = NumberAttribute()
    at = UnicodeAttribute()
    staff_id = UnicodeAttribute()
    terminal_id = UnicodeAttribute()
    purpose = UnicodeAttribute()
    subject_ids = ListAttribute(of=UnicodeAttribute)  # type: ignore[arg-type]
    category = UnicodeAttribute()
    operation = UnicodeAttribute()
    result = UnicodeAttribute()
    prev_hash = UnicodeAttribute()
    hash = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_staff = _ByStaff()

    def fields(self) -> dict[str, Any]:
        return {
            "chain": self.chain, "seq": int(self.seq), "at": self.at, "staff_id": self.staff_id,
            "terminal_id": self.terminal_id, "purpose": self.purpose, "subject_ids": list(self.subject_ids),
            "category": self.category, "operation": self.operation, "result": self.result,
            "prev_hash": self.prev_hash, "hash": self.hash,
        }


class ChainHeadModel(Model):
    """The last seq and hash of a chain (pk CHAIN#<chain>, sk HEAD): the optimistic lock of the chain."""

    Meta = table_meta("access_log")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    seq = NumberAttribute()
    last_hash = UnicodeAttribute()


class AccessRecordError(RuntimeError):
    pass


def _chain_pk(chain: str) -> str:
    return f"CHAIN#{chain}"


def _validate(actor: Actor, subject_ids: Sequence[str], category: str, operation: str) -> None:
    if not actor.staff_id or not actor.terminal_id or not actor.purpose:
        raise AccessRecordError("an access record needs a staff id, a terminal and a purpose")
    if not subject_ids:
        raise AccessRecordError("an access record needs at least one subject")
    if not category or not operation:
        raise AccessRecordError("an access record needs a data category and an operation")


def _next_record(
    actor: Actor, subject_ids: Sequence[str], category: str, operation: str, result: str, chain: str
) -> tuple[AccessRecordModel, ChainHeadModel, int | None]:
    """Builds the next record of the chain and the new head; returns the head's current seq (None: new)."""
    pk = _chain_pk(chain)
    try:
        head = ChainHeadModel.get(pk, _HEAD, consistent_read=True)
        prev_seq: int | None = int(head.seq)
        prev_hash = head.last_hash
    except DoesNotExist:
        prev_seq, prev_hash = None, GENESIS
    seq = (prev_seq or 0) + 1
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    fields: dict[str, Any] = {
        "chain": chain, "seq": seq, "at": at, "staff_id": actor.staff_id, "terminal_id": actor.terminal_id,
        "purpose": actor.purpose, "subject_ids": list(subject_ids), "category": category,
        "operation": operation, "result": result, "prev_hash": prev_hash,
    }
    digest = record_hash(fields)
    record = AccessRecordModel(
        pk, f"REC#{seq:010d}", hash=digest, gsi1pk=f"STAFF#{actor.staff_id}",
        gsi1sk=f"{at}#{secrets.token_hex(4)}", **fields,
    )
    new_head = ChainHeadModel(pk, _HEAD, seq=seq, last_hash=digest)
    return record, new_head, prev_seq


def _add_to(transaction: TransactWrite, record: AccessRecordModel, head: ChainHeadModel,
            prev_seq: int | None) -> None:
    transaction.save(record, condition=AccessRecordModel.pk.does_not_exist())
    if prev_seq is None:
        transaction.save(head, condition=ChainHeadModel.pk.does_not_exist())
    else:
        transaction.save(head, condition=ChainHeadModel.seq == prev_seq)


def record_access(
    actor: Actor,
    subject_ids: Sequence[str],
    category: str,
    operation: str,
    *,
    result: str = "ok",
    chain: str | None = None,
    transaction: TransactWrite | None = None,
    attempts: int = 20,
) -> AccessRecordModel:
    """Write an access record.

    With `transaction`, the record and the chain head join the caller's transaction (the caller
    commits, and retries the whole transaction if a concurrent record took the same chain position).
    Without one, the record is committed here, retrying on a concurrent append to the same chain.
    """
    _validate(actor, subject_ids, category, operation)
    chain_id = chain or f"SUBJECT#{subject_ids[0]}"
    if transaction is not None:
        record, head, prev_seq = _next_record(actor, subject_ids, category, operation, result, chain_id)
        _add_to(transaction, record, head, prev_seq)
        return record
    for attempt in range(attempts):
        record, head, prev_seq = _next_record(actor, subject_ids, category, operation, result, chain_id)
        try:
            with TransactWrite(connection=connection()) as tx:
                _add_to(tx, record, head, prev_seq)
            return record
        except (TransactWriteError, PutError):
            # Another writer appended to this chain between our read and write: re-read and retry.
            time.sleep(random.uniform(0, 0.004 * (attempt + 1)))  # jitter: contenders spread out
    raise AccessRecordError(f"could not append to access chain after {attempts} attempts")


def records_of_chain(chain: str) -> Iterator[AccessRecordModel]:
    return AccessRecordModel.query(
        _chain_pk(chain), AccessRecordModel.sk.startswith("REC#"), consistent_read=True
    )


def records_by_staff(staff_id: str) -> Iterator[AccessRecordModel]:
    return AccessRecordModel.by_staff.query(f"STAFF#{staff_id}")


def chain_ids() -> list[str]:
    """Every chain in the table (a full scan: audit use only)."""
    seen: dict[str, None] = {}
    for item in AccessRecordModel.scan(attributes_to_get=["pk"]):
        seen.setdefault(item.pk.removeprefix("CHAIN#"), None)
    return list(seen)


def verify_all() -> tuple[int, int, list[ChainBreak]]:
    """Verify every chain: (chains checked, records checked, breaks found)."""
    breaks: list[ChainBreak] = []
    n_records = 0
    chains = chain_ids()
    for chain in chains:
        records = [r.fields() for r in records_of_chain(chain)]
        n_records += len(records)
        try:
            head = ChainHeadModel.get(_chain_pk(chain), _HEAD, consistent_read=True)
            head_seq, head_hash = int(head.seq), head.last_hash
        except DoesNotExist:
            head_seq, head_hash = None, None
            breaks.append(ChainBreak(chain, 0, "chain head missing"))
        breaks.extend(verify_chain(chain, records, head_seq, head_hash))
    return len(chains), n_records, breaks
