"""The ports of the access area: who the staff are and what they were granted (StaffStore), the login
broker's session registry (SessionStore), the volume-limit counters (UsageStore) and the security
team's reads of the access log, each read itself recorded, its daily export and its verification
(AccessLog); and where the access-record writer (kokuho.access.records) keeps the chains
(AccessRecordStore), with the pending writes a record joins (PendingWrites). The use cases —
kokuho.access.grants (authorize), .sessions, .limits, .search, .staff, .export, .digest, .records — take
them; without one they use the container's adapters (kokuho.access.stores: kokuho.records.access_store,
kokuho.records.access_log). In-memory fakes: tests/fakes/access_stores.py, tests/fakes/access_records.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from kokuho.access.actor import Actor
from kokuho.access.chain import Anchor, ChainBreak
from kokuho.access.staff import Grant, StaffMember


class SessionExists(Exception):
    """A session is registered under that access key already (never overwritten)."""


@dataclass(frozen=True)
class StaffSession:
    """One STS session of the staff role the login broker minted: whose, at which terminal, until when."""

    access_key_id: str
    staff_id: str
    terminal_id: str
    role_arn: str
    registered_at: str
    expires_at: int  # epoch seconds


@dataclass(frozen=True)
class Take:
    """Units to take from one counter (pk, sk) within `limit`."""

    key: tuple[str, str]
    units: int
    limit: int


class StaffStore(Protocol):
    def load_staff(self, staff_id: str, function: str | None = None) -> tuple[StaffMember | None, list[Grant]]:
        """The profile (None if unknown) and every grant ever given — only those of `function` when it is
        named (what a grant check needs): one read (every request runs it)."""
    def put_staff(self, member: StaffMember) -> None: ...
    def put_grant(self, grant: Grant) -> None: ...
    def page_grants(self, limit: int, start: str | None) -> tuple[list[Grant], str | None]:
        """One page of every grant (the review list), ordered by staff and grant id, and the next start."""
    def staff_profiles(self, staff_ids: set[str]) -> dict[str, StaffMember]: ...


class SessionStore(Protocol):
    def put_session(self, session: StaffSession) -> None:
        """Register a session; SessionExists when the key holds one."""
    def get_session(self, access_key_id: str) -> StaffSession | None: ...


class UsageStore(Protocol):
    def take(self, take: Take, expires_at: int) -> bool:
        """Add the units if the counter stays within its limit (atomically); False when it would not."""
    def take_all(self, takes: Sequence[Take], expires_at: int) -> int | None:
        """All the takes or none (atomically): None when taken, else the index of the first refused."""
    def add(self, key: tuple[str, str], delta: int) -> None:
        """Move a counter by `delta` unconditionally (a settlement)."""
    def usage(self, staff_id: str) -> dict[str, int]:
        """Every counter of a member (sk → units)."""


class AccessLog(Protocol):
    def record(self, actor: Actor, subject_ids: Sequence[str], category: str, operation: str) -> None:
        """An access record on its own (a concurrent append to its chain is retried)."""
    def subject_entries(self, subject: str, low: str, high: str, limit: int | None,
                        start_after: str | None) -> Iterator[tuple[list[tuple[str, str, str]], str | None]]:
        """The subject index entries of `subject` with sort keys in [low, high], oldest first: pages of
        (pk, sk, row), each with the sort key it ended on when more may follow. With `limit`, one page."""
    def staff_records(self, staff_id: str, low: str, high: str) -> list[dict[str, Any]]:
        """The access records of one member of staff whose time is in [low, high], oldest first, as stored."""
    def staff_records_page(self, staff_id: str, low: str, high: str, limit: int,
                           start_after: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """At most `limit` of those records after the cursor `start_after`, and the cursor of the last one when
        more may follow (None: the period has no more). A cursor is `<index sort key>\x1f<pk>\x1f<sk>` of a record
        (the store's own; the use case checks it lies in the period)."""
    def day_records(self, day: str) -> list[dict[str, Any]]:
        """Every access record whose time begins with `day` (YYYY-MM-DD, UTC), as stored (subject_ids a
        list, seq an int), in any order: the daily export's read (a full scan: audit use)."""
    def heads(self, anchored: Mapping[str, int]) -> tuple[dict[str, tuple[int, str]], dict[str, str]]:
        """Every chain's head now (chain → (last seq, its hash)) and the hash of the record at
        `anchored[chain]` of each chain that has it: what the digest step anchors."""
    def verify(self, anchors: Mapping[str, Anchor]) -> tuple[int, int, list[ChainBreak]]:
        """Every chain checked (each against its anchored head, if any) and the subject index against the
        records: (chains checked, records checked, breaks found)."""
    def cuts(self) -> dict[str, tuple[int, str, bool, str | None]]:
        """The retention cuts waiting in the log (kokuho.retention.access_records), the highest of each chain:
        chain → (first seq kept, hash of the record before it, sound: unedited and naming that record as it
        is, that record's `at` — None when it is not there) — what the digest step anchors as the chain's
        floor, once the records it covers are due."""


# -- the access-record writer's storage (kokuho.access.records) --------------------------------------------


class ChainTaken(Exception):
    """A concurrent writer appended to the chain first: the record's position is taken, or the record it
    links to is not the head it named. Nothing of the record was written; re-read the head and retry."""


class PendingWrites(Protocol):
    """Writes that commit together or not at all — a change and its access record: the adapter's unit of
    work (DynamoDB: one TransactWrite, opened by the adapter that makes the change, or by
    AccessRecordStore.pending). Opaque to the access area: a record joins it through the AccessRecordStore
    of the same storage, which knows its shape."""


@dataclass(frozen=True)
class AccessRecord:
    """An access record as stored (kokuho.access.records: what each field means)."""

    chain: str
    seq: int
    at: str
    staff_id: str
    terminal_id: str
    purpose: str
    subject_ids: list[str]
    category: str
    operation: str
    result: str
    prev_hash: str
    hash: str
    terminal_source: str | None = None
    subject_index: str | None = None
    request_id: str | None = None
    api_request_id: str | None = None
    run_id: str | None = None

    @classmethod
    def of(cls, item: Mapping[str, Any]) -> AccessRecord:
        """From the stored attributes (the keys and anything else stored beside the fields are left out)."""
        optional = ("terminal_source", "subject_index", "request_id", "api_request_id", "run_id")
        return cls(str(item["chain"]), int(item["seq"]), str(item["at"]), str(item["staff_id"]),
                   str(item["terminal_id"]), str(item["purpose"]), [str(s) for s in item["subject_ids"]],
                   str(item["category"]), str(item["operation"]), str(item["result"]), str(item["prev_hash"]),
                   str(item["hash"]), **{k: None if item.get(k) is None else str(item[k]) for k in optional})


class AccessRecordStore(Protocol):
    """Where the hash-chained access records and their subject index entries are kept (append-only)."""

    def head(self, chain: str) -> tuple[int, str] | None:
        """(seq, hash) of the chain's last record, read strongly consistent; None for an empty chain."""
    def append(self, item: Mapping[str, Any], within: PendingWrites | None,
               settled: Callable[[bool], None]) -> None:
        """Append the record (its stored attributes, hash included) on the conditions that its position is
        free and that the record it links to holds its prev_hash, with its subject index entries
        (kokuho.access.subject_index). Within `within`: it joins the caller's pending writes, and
        `settled(committed)` is called once they commit or fail. Without: committed here (`settled` called
        first); ChainTaken when a concurrent writer got there first."""
    def pending(self) -> AbstractContextManager[PendingWrites]:
        """A unit of work: what joins it commits when the block ends without an error, all or nothing."""
    def chain(self, chain: str) -> Iterator[AccessRecord]:
        """The records of a chain, in order (strongly consistent)."""
    def by_staff(self, staff_id: str) -> Iterator[AccessRecord]:
        """The records of one member of staff, oldest first."""
    def of_subject(self, subject: str) -> list[AccessRecord]:
        """Every record naming `subject`, across chains, oldest first (through its index entries)."""
    def items(self, page_size: int | None = None) -> Iterator[dict[str, Any]]:
        """Every stored item of the log, every attribute as stored (a full scan: audit use): an attribute
        someone added must reach the hash check."""
