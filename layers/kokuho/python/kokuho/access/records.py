"""Access records (アクセス記録): every read or write of a person's data, by a member of staff or a
workflow, leaves one — when, who, which terminal, whose data, what, why, and the result
(seed III-3 リスク2, II-2 ④). Records are hash-chained per chain so an edited or deleted record is
detectable (`kokuho audit verify`), and the chains' heads are anchored outside the table by signed
digests (kokuho.access.digest) so a rewritten head, a truncated tail or a deleted chain is too.

Append-only: a writer only ever PUTs a new record, on the condition that its key does not exist yet
(`attribute_not_exists`); nothing updates or deletes a record, and the writers' roles hold PutItem but
no UpdateItem/DeleteItem/BatchWriteItem on the table (TableSpec.append_only). There is no head item to
update: the head of a chain is its last record, found by a descending query on the sequence key; two
writers that read the same head race for the same key and the loser's condition fails, so it re-reads
and retries (or, inside a caller's transaction, the caller retries the whole transaction). The
transaction also carries the head it links to as a condition (a ConditionCheck: the previous record
exists with that hash), so a record is only ever appended to the record it names.

A container's own chain (`own_chain`: the API's requests) is written by that container alone — one
chain a container and thread — so it knows its head without reading it: the record it last committed
(or GENESIS for the new chain). A head it holds wrongly (a commit whose answer was lost, a table that
is not the one it wrote to) can only make the write fail on the head's condition; it is then forgotten
and read again. No head held wrongly can fork a chain or start it midway.

Callers that change data pass their pending writes (`transaction=`: the unit of work of the adapter
making the change, kokuho.access.ports.PendingWrites — a pynamodb TransactWrite on DynamoDB), so the
change and its record commit together: a change without its record cannot exist. Subjects are internal
person/household ids, never a My Number.

Storage is a port (kokuho.access.ports.AccessRecordStore): the container's adapter
(kokuho.records.access_log, wired by kokuho.access.stores) unless a store is passed — the unit tests pass
the in-memory fake of tests/fakes/access_records.py. This module holds what a record is (its fields,
its link, its hash), the heads of the container's own chains and the retries; it imports no table model.

Whose data: every record is indexed by subject (kokuho.access.subject_index), in the same
transaction when the entries fit, so the security team searches a person's accesses across chains.

Chains: an API request's actor names its container's own chain (`Actor.chain`, which every record of
that actor goes to: the requests of one container in order, and no head query); a workflow batch
passes its own chain (run id + batch id); otherwise one chain per subject (its first). A person's
accesses across chains are found through the subject index (`records_of_subject`); a member of staff's
through gsi1 (`records_by_staff`).
"""

from __future__ import annotations

import collections
import random
import secrets
import string
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from kokuho.access import subject_index
from kokuho.access.actor import Actor as Actor  # re-exported: callers name it from here
from kokuho.access.chain import GENESIS, HASH_ATTRIBUTE, Anchor, ChainBreak, LinkView, record_hash, verify_chain
from kokuho.access.ports import AccessRecord, AccessRecordStore, ChainTaken, PendingWrites
from kokuho.identity.mynumber import contains_my_number, identifier_holds_my_number, is_aws_request_id
from kokuho.platform import exchange_subjects
from kokuho.platform.request_ids import current_request_ids

CHAIN_PREFIX = "CHAIN#"
RECORD_PREFIX = "REC#"
# A retention cut (kokuho.retention.access_records): beside a chain's records, `CUT#<first seq kept>`
# names the hash of the record before it; once a signed digest anchored it, the records before it may be
# purged and the chain verifies from it (kokuho.access.chain.verify_chain, Anchor.floor_seq).
CUT_PREFIX = "CUT#"
OWN_CHAIN_PREFIX = "API#"

# The heads of this process's own chains (own_chain): chain → (seq, hash) of its last record, as
# committed here; (0, GENESIS) for a chain not written yet. Also, inside holding_begun_heads(), of the
# chains a caller named that began there (first record committed: a workflow batch's run#batch chain,
# which only the batch's attempts and duplicates write, and whose writes are retried on any conflict —
# the last BEGUN_HELD of them). A head held wrongly only makes a write fail its condition and read the
# head again. Other chains' heads (a person's SUBJECT# chain, a staff member's, written by every
# container) are always read.
_heads: dict[str, tuple[int, str]] = {}
_heads_lock = threading.Lock()
_begun: collections.deque[str] = collections.deque()
BEGUN_HELD = 1024
_holding_begun: ContextVar[bool] = ContextVar("kokuho_access_holding_begun", default=False)


@contextmanager
def holding_begun_heads() -> Iterator[None]:
    """Within: a chain the caller names and begins here has its head held (see `_heads`). For a caller
    that retries its writes on a conflict and whose chain no one else writes but its own duplicates
    (kokuho.assessment's batch: the handler of the assessment-batch function)."""
    token = _holding_begun.set(True)
    try:
        yield
    finally:
        _holding_begun.reset(token)
_own = threading.local()  # this thread's own chain, per function

class AccessRecordError(RuntimeError):
    pass


def _chain_pk(chain: str) -> str:
    return f"{CHAIN_PREFIX}{chain}"


def _validate(actor: Actor, subject_ids: Sequence[str], category: str, operation: str, result: str = "ok",
              chain: str = "") -> None:
    if not actor.staff_id or not actor.terminal_id or not actor.purpose:
        raise AccessRecordError("an access record needs a staff id, a terminal and a purpose")
    if not subject_ids:
        raise AccessRecordError("an access record needs at least one subject")
    if not category or not operation:
        raise AccessRecordError("an access record needs a data category and an operation")
    named = {"staff_id": actor.staff_id, "terminal_id": actor.terminal_id, "purpose": actor.purpose,
             "category": category, "operation": operation, "result": result}
    named.update({f"subject_ids[{i}]": s for i, s in enumerate(subject_ids)})
    for name, value in named.items():
        if name == "terminal_id" and is_aws_request_id(str(value)):
            continue  # a run's invocation (AWS's request id, a UUID): see the request ids below
        if contains_my_number(str(value)):  # in any shape: records name internal ids, never a My Number
            raise AccessRecordError(f"{name}: an access record never holds a My Number")
    if identifier_holds_my_number(chain):  # built from ids, file ids and months (FILE#KG-401307-202604)
        raise AccessRecordError("chain: an access record never holds a My Number")


def own_chain(function: str) -> str:
    """This container's (this thread's) own chain for the accesses of `function`, made on first use:
    `API#<function>#<day>-<16 random letters>` — letters, so no run of digits can look like a My Number."""
    chains: dict[str, str] = _own.__dict__.setdefault("chains", {})
    if function not in chains:
        name = "".join(secrets.choice(string.ascii_lowercase) for _ in range(16))
        chain = f"{OWN_CHAIN_PREFIX}{function}#{datetime.now(UTC):%Y%m%d}-{name}"
        with _heads_lock:
            _heads[chain] = (0, GENESIS)
        chains[function] = chain
    return chains[function]


def forget_heads() -> None:
    """Drop every own chain and head this process holds (a new embedded AWS: its tables have none of
    them); the next request starts a new own chain."""
    with _heads_lock:
        _heads.clear()
        _begun.clear()
    _own.__dict__.pop("chains", None)


def _held_head(chain: str) -> tuple[int, str] | None:
    with _heads_lock:
        return _heads.get(chain)


def _hold_head(chain: str, seq: int, digest: str, *, begun: bool = False) -> None:
    with _heads_lock:
        if chain in _heads and seq > _heads[chain][0]:
            _heads[chain] = (seq, digest)
        elif begun and chain not in _heads:
            _heads[chain] = (seq, digest)
            _begun.append(chain)
            if len(_begun) > BEGUN_HELD:
                _heads.pop(_begun.popleft(), None)


def _forget_head(chain: str) -> None:
    with _heads_lock:
        if chain in _heads:
            _heads[chain] = (-1, "")  # still own, head unknown: read it next time


def _store(store: AccessRecordStore | None) -> AccessRecordStore:
    if store is not None:
        return store
    from kokuho.access import stores

    return stores.access_records()


def _head(chain: str, store: AccessRecordStore) -> tuple[int, str] | None:
    """(seq, hash) of the chain's last record, None for an empty chain: held for an own chain, else read."""
    held = _held_head(chain)
    if held is not None and held[0] >= 0:
        return None if held[0] == 0 else held
    head = store.head(chain)
    if head is None:
        return None
    _hold_head(chain, *head)  # an own chain's head read again
    return head


def _next_record(
    actor: Actor, subject_ids: Sequence[str], category: str, operation: str, result: str, chain: str,
    store: AccessRecordStore, indexed_by_chain: bool = False,
) -> dict[str, Any]:
    """The next record of the chain (its stored attributes), linked to its current last record, hashed
    over every attribute."""
    head = _head(chain, store)
    seq = 1 if head is None else head[0] + 1
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    item: dict[str, Any] = {
        "pk": _chain_pk(chain), "sk": f"{RECORD_PREFIX}{seq:010d}",
        "chain": chain, "seq": seq, "at": at, "staff_id": actor.staff_id, "terminal_id": actor.terminal_id,
        "purpose": actor.purpose, "subject_ids": list(subject_ids), "category": category,
        "operation": operation, "result": result, "prev_hash": GENESIS if head is None else head[1],
        "gsi1pk": f"STAFF#{actor.staff_id}", "gsi1sk": f"{at}#{secrets.token_hex(4)}",
        "subject_index": subject_index.INDEX_CHAIN if indexed_by_chain else subject_index.INDEX_VERSION,
    }
    if actor.terminal_source is not None:  # API calls: where the terminal id came from
        item["terminal_source"] = actor.terminal_source
    ids = current_request_ids()
    if ids is not None:  # joins the CloudTrail events of the same request (kokuho.trail: access-record-trail)
        given = {k: v for k, v in (("request_id", ids.request_id), ("api_request_id", ids.api_request_id),
                                   ("run_id", ids.run_id)) if v}
        # AWS's request ids are taken as they are (is_aws_request_id); anything else (a run id is a name
        # someone chose) is checked in every shape.
        if any(not is_aws_request_id(v) and contains_my_number(v) for v in given.values()):
            raise AccessRecordError("request ids: an access record never holds a My Number")
        item.update(given)
    item["hash"] = record_hash(item)
    return item


def _append(store: AccessRecordStore, item: Mapping[str, Any], within: PendingWrites | None,
            named: bool = False) -> None:
    """Once the record commits, it is its chain's head; if its writes fail, the head held is forgotten (it
    may be why they failed), and the next write of the chain reads it again. `named`: the caller named
    the chain inside holding_begun_heads(): begun here, its head is held."""
    chain, seq, digest = str(item["chain"]), int(item["seq"]), str(item["hash"])

    def settled(committed: bool) -> None:
        if committed:
            _hold_head(chain, seq, digest, begun=named and seq == 1)
        else:
            _forget_head(chain)

    store.append(item, within, settled)


def record_access(
    actor: Actor,
    subject_ids: Sequence[str],
    category: str,
    operation: str,
    *,
    result: str = "ok",
    chain: str | None = None,
    transaction: PendingWrites | None = None,
    attempts: int = 20,
    store: AccessRecordStore | None = None,
    indexed_by_chain: bool = False,
) -> AccessRecord:
    """Write an access record.

    `indexed_by_chain`: the record's subjects are named by an earlier record of the same chain (a workflow
    batch's writes after its read record), whose index entries find it — it gets none of its own
    (kokuho.access.subject_index.INDEX_CHAIN).

    With `transaction`, the record joins the caller's pending writes (the caller commits, and retries the
    whole transaction if a concurrent record took the same chain position). Without one, the record is
    committed here, retrying on a concurrent append to the same chain.
    """
    chain_id = actor.chain or chain or (f"SUBJECT#{subject_ids[0]}" if subject_ids else "")
    _validate(actor, subject_ids, category, operation, result, chain_id)
    exchange_subjects.note(subject_ids)  # while an exchange file is handled: whose data it holds (legal hold)
    log = _store(store)
    named = actor.chain is None and chain is not None and _holding_begun.get()
    if transaction is not None:
        item = _next_record(actor, subject_ids, category, operation, result, chain_id, log, indexed_by_chain)
        _append(log, item, transaction, named)
        return AccessRecord.of(item)
    for attempt in range(attempts):
        item = _next_record(actor, subject_ids, category, operation, result, chain_id, log, indexed_by_chain)
        try:
            _append(log, item, None, named)
            return AccessRecord.of(item)
        except ChainTaken:
            # Another writer appended to this chain between our read and write: re-read and retry.
            time.sleep(random.uniform(0, 0.004 * (attempt + 1)))  # jitter: contenders spread out
    raise AccessRecordError(f"could not append to access chain after {attempts} attempts")


def records_of_chain(chain: str, store: AccessRecordStore | None = None) -> Iterator[AccessRecord]:
    return _store(store).chain(chain)


def records_by_staff(staff_id: str, store: AccessRecordStore | None = None) -> Iterator[AccessRecord]:
    return _store(store).by_staff(staff_id)


def records_of_subject(subject: str, store: AccessRecordStore | None = None) -> list[AccessRecord]:
    """Every record naming `subject`, across chains, oldest first: its subject index entries, then the
    records they name."""
    return _store(store).of_subject(subject)


def scan_records(page_size: int | None = None, store: AccessRecordStore | None = None) -> Iterator[dict[str, Any]]:
    """Every stored item of the log, with every attribute as stored (a full scan: audit use only)."""
    return _store(store).items(page_size)


def cut_item(chain: str, from_seq: int, prev_hash: str, at: str, run_id: str, count: int) -> dict[str, Any]:
    """A retention cut of `chain` before record `from_seq` (whose predecessor's hash is `prev_hash`), hashed
    over its attributes like a record: no subject, no person — the chain, the position and the count."""
    item: dict[str, Any] = {"pk": _chain_pk(chain), "sk": f"{CUT_PREFIX}{from_seq:010d}", "chain": chain,
                            "from_seq": from_seq, "prev_hash": prev_hash, "at": at, "run_id": run_id,
                            "records": count}
    item["hash"] = record_hash(item)
    return item


def _is_cut(pk: str, sk: str, item: Mapping[str, Any]) -> bool:
    return pk.startswith(CHAIN_PREFIX) and sk.startswith(CUT_PREFIX) and "from_seq" in item


def scan_cuts(store: AccessRecordStore | None = None) -> dict[str, tuple[int, str, bool, str | None]]:
    """The highest retention cut of each chain: chain → (first seq kept, prev_hash, sound, the `at` of the record
    before it or None when it is gone) — sound when its content matches its hash and the record before it, if
    still there, is the one it names."""
    cuts: dict[str, tuple[int, str, bool]] = {}
    hashes: dict[tuple[str, int], str] = {}
    ats: dict[tuple[str, int], str] = {}
    for item in scan_records(store=store):
        pk, sk = str(item.get("pk", "")), str(item.get("sk", ""))
        if _is_cut(pk, sk, item):
            chain, seq = pk.removeprefix(CHAIN_PREFIX), int(item["from_seq"])
            if chain not in cuts or seq > cuts[chain][0]:
                cuts[chain] = (seq, str(item.get("prev_hash")), record_hash(item) == item.get(HASH_ATTRIBUTE))
        elif pk.startswith(CHAIN_PREFIX) and sk.startswith(RECORD_PREFIX) and "seq" in item:
            hashes[(pk.removeprefix(CHAIN_PREFIX), int(item["seq"]))] = str(item.get(HASH_ATTRIBUTE))
            ats[(pk.removeprefix(CHAIN_PREFIX), int(item["seq"]))] = str(item.get("at"))
    return {c: (seq, prev, ok and hashes.get((c, seq - 1), prev) == prev, ats.get((c, seq - 1)))
            for c, (seq, prev, ok) in cuts.items()}


def scan_heads(anchored: Mapping[str, int] | None = None,
               store: AccessRecordStore | None = None) -> tuple[dict[str, tuple[int, str]], dict[str, str]]:
    """Every chain's head as stored now (chain → (last seq, its hash): what a digest anchors), and the
    hash of the record at `anchored[chain]` of each chain that has it, in one scan."""
    anchored = anchored or {}
    found: dict[str, tuple[int, str]] = {}
    at_anchor: dict[str, str] = {}
    for item in scan_records(store=store):
        pk, sk = str(item.get("pk", "")), str(item.get("sk", ""))
        if _is_cut(pk, sk, item):
            # a chain whose records were all purged: its head is the last record purged, as the cut names it
            chain, seq, digest = pk.removeprefix(CHAIN_PREFIX), int(item["from_seq"]) - 1, str(item.get("prev_hash"))
            if chain not in found or seq > found[chain][0]:
                found[chain] = (seq, digest)
            if anchored.get(chain) == seq:
                at_anchor.setdefault(chain, digest)
            continue
        if not (pk.startswith(CHAIN_PREFIX) and sk.startswith(RECORD_PREFIX)) or "seq" not in item:
            continue
        chain, seq, digest = pk.removeprefix(CHAIN_PREFIX), int(item["seq"]), str(item.get("hash"))
        if chain not in found or seq > found[chain][0]:
            found[chain] = (seq, digest)
        if anchored.get(chain) == seq:
            at_anchor[chain] = digest
    return found, at_anchor


def verify_all(anchors: Mapping[str, Anchor] | None = None,
               store: AccessRecordStore | None = None) -> tuple[int, int, list[ChainBreak]]:
    """Verify every chain, each against its anchored head if a digest anchored it (`anchors`, from
    kokuho.access.digest), and the subject index against the records: (chains checked, records
    checked, breaks found)."""
    anchors = anchors or {}
    chains: dict[str, list[LinkView]] = {}
    strays: list[ChainBreak] = []
    # The index as the records say it must be, and as stored: key → hash of the entry's content.
    expected: dict[tuple[str, str], tuple[str, int, str]] = {}
    stored: dict[tuple[str, str], tuple[str, int, str]] = {}
    # key → the subjects an entry names (its own, or a shared entry's members): as its record says, else as stored
    labels: dict[tuple[str, str], str] = {}
    edited: set[tuple[str, int]] = set()
    # chain → seq → subjects of its records with entries of their own; and the records indexed by their chain
    indexed: dict[str, dict[int, set[str]]] = {}
    by_chain: list[tuple[str, int, list[str]]] = []
    # below an anchored floor, records are being purged with their index entries: neither is expected
    floors = {c: a.floor_seq for c, a in anchors.items() if a.floor_seq > 1}
    for item in scan_records(store=store):
        pk, sk = str(item.get("pk", "")), str(item.get("sk", ""))
        if subject_index.is_entry(item):
            chain_seq = subject_index.chain_and_seq(sk)
            if chain_seq[1] >= floors.get(chain_seq[0], 0):
                stored[(pk, sk)] = (*chain_seq, record_hash(item))
                labels.setdefault((pk, sk), _named(subject_index.subjects_of(item)))
            continue
        if _is_cut(pk, sk, item):
            if record_hash(item) != item.get(HASH_ATTRIBUTE):
                strays.append(ChainBreak(pk.removeprefix(CHAIN_PREFIX), int(item["from_seq"]),
                                         "retention cut: content does not match its hash: edited"))
            continue
        if not (pk.startswith(CHAIN_PREFIX) and sk.startswith(RECORD_PREFIX)) or "seq" not in item:
            # Nothing else belongs in this table: an item that is not a record was put there.
            strays.append(ChainBreak(pk, 0, f"item {sk!r} is not an access record"))
            continue
        link = LinkView.of(item)
        chains.setdefault(pk.removeprefix(CHAIN_PREFIX), []).append(link)
        if not link.content_ok:
            edited.add((str(item.get("chain")), link.seq))  # named by its chain: its entries say no more
        elif link.seq < floors.get(str(item.get("chain")), 0):
            continue  # being purged below its chain's anchored floor: its entries are no longer expected
        elif item.get("subject_index") in subject_index.INDEXED:
            indexed.setdefault(str(item["chain"]), {})[link.seq] = {str(s) for s in item.get("subject_ids", [])}
            for entry in subject_index.entries_of(item):
                expected[(entry["pk"], entry["sk"])] = (str(item["chain"]), link.seq, record_hash(entry))
                labels[(entry["pk"], entry["sk"])] = _named(subject_index.subjects_of(entry))
        elif item.get("subject_index") == subject_index.INDEX_CHAIN:
            by_chain.append((str(item["chain"]), link.seq, [str(s) for s in item.get("subject_ids", [])]))
    breaks = list(strays)
    for chain in sorted(set(chains) | set(anchors)):
        breaks.extend(verify_chain(chain, chains.get(chain, []), anchors.get(chain)))
    breaks.extend(b for b in _index_breaks(expected, stored, labels) if (b.chain, b.seq) not in edited)
    for chain, seq, subjects in by_chain:  # each subject named, with its entry, by an earlier record of the chain
        earlier = set().union(*(named for s, named in indexed.get(chain, {}).items() if s < seq))
        breaks.extend(ChainBreak(chain, seq, f"subject {subject} has no index entry and no earlier record of its "
                                             "chain names it: a search for who accessed them would miss this record")
                      for subject in dict.fromkeys(subjects) if subject not in earlier)
    return len(set(chains) | set(anchors)), sum(len(v) for v in chains.values()), breaks


def _named(subjects: Sequence[str], shown: int = 10) -> str:
    """Subjects for a break's reason: the first `shown` (a shared entry as stored may list anything)."""
    return ", ".join(subjects[:shown]) + (f" and {len(subjects) - shown} more" if len(subjects) > shown else "")


def _index_breaks(expected: Mapping[tuple[str, str], tuple[str, int, str]],
                  stored: Mapping[tuple[str, str], tuple[str, int, str]],
                  labels: Mapping[tuple[str, str], str]) -> list[ChainBreak]:
    breaks: list[ChainBreak] = []
    for key in sorted(set(expected) | set(stored)):
        # an entry of its own names its subject; a shared one (SUBJS#<bucket>) the subjects it lists
        shared = key[0].startswith(subject_index.SHARED_PREFIX)
        subject = labels.get(key) or key[0].removeprefix(subject_index.SUBJECT_PREFIX)
        whose = f"subjects {subject} (shared entry)" if shared else f"subject {subject}"
        want, have = expected.get(key), stored.get(key)
        if have is None:
            assert want is not None
            breaks.append(ChainBreak(want[0], want[1], f"{whose} {'have' if shared else 'has'} no index entry: a "
                                                       "search for who accessed them would miss this record"))
        elif want is None:
            breaks.append(ChainBreak(have[0], have[1], f"index entry of {whose} names no such record"))
        elif want[2] != have[2]:
            breaks.append(ChainBreak(have[0], have[1], f"index entry of {whose} differs from its record: edited"))
    return breaks
