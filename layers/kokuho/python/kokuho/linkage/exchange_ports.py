"""The port of the network exchanges (kokuho.linkage.provision, .query, .exchange_records, .retention):
the city's and the network's keys, the provision copies (副本), the inbound requests' state, the reply
outbox, the query results and the 情報提供等記録. What must be written together is one method each
(`accept`, `close_refused`, `close_provided`): all of its writes or none, a refused condition answered
as False. Adapter: kokuho.records.linkage_exchange (wired in kokuho.linkage.exchange_store); in-memory
fake: tests/fakes/exchange_store.py."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from kokuho.access.actor import Actor


@dataclass(frozen=True)
class ExchangeRecord:
    """One 情報提供等記録 as stored (番号法第23条); field lists are JSON texts."""

    record_id: str
    direction: str  # provision (we answered) | query (we asked)
    requester_body: str
    provider_body: str
    item: str
    person_id: str | None
    request_id: str
    permit_id: str | None
    requested_at: str
    provided_at: str | None
    outcome: str  # provided | refused | received | failed
    reason: str | None
    fields_sent: str  # JSON list
    fields_withheld: str  # JSON list
    approved_by: str | None
    recorded_at: str


@dataclass(frozen=True)
class RequestState:
    """An inbound request's state from receipt to reply (provision)."""

    request_id: str
    status: str  # received | awaiting_approval | approved | refused | provided
    item: str
    requester_body: str
    requester_kind: str
    requester_public_key: str
    permit_id: str
    person_id: str | None
    received_at: str
    requested_at: str
    expires_at: int  # epoch seconds: the working state's TTL
    task_token: str | None = None
    preview: str | None = None  # JSON of the fields to be sent, for the reviewer
    decided_by: str | None = None
    decided_at: str | None = None
    decision_reason: str | None = None
    closed_at: str | None = None


@dataclass(frozen=True)
class Reply:
    """A provision reply in the outbox: the bytes sent (and sent again) for the request."""

    request_id: str
    requester_body: str
    record_id: str
    reply: str  # JSON of the reply as sent
    created_at: str
    expires_at: int
    sent_at: str | None = None


@dataclass(frozen=True)
class StoredKey:
    """The city's key pair (private part KMS-encrypted) or the network's public key."""

    public_key: str
    created_at: str
    private_key_ct: str | None = None
    kms_key: str | None = None


@dataclass(frozen=True)
class QueryResult:
    """A decrypted query reply, kept until `expires_at` (epoch seconds)."""

    person_id: str
    request_id: str
    item: str
    provider_body: str
    data: str  # JSON of the fields
    received_at: str
    expires_at: int
    expires_on: str  # the expiry as ISO text (what the purge compares)


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision on a parked request."""

    status: str  # approved | refused
    decided_by: str
    decided_at: str
    reason: str


class ExchangeStore(Protocol):
    # keys: "CITY" or "NETWORK"
    def key(self, name: str) -> StoredKey | None: ...
    def put_key(self, name: str, key: StoredKey, *, once: bool) -> bool:
        """Store the key; with `once`, only if none is held (False: one is)."""

    # provision copies (副本)
    def copy_of(self, person_id: str) -> str | None:
        """The copy's JSON text, if the person has one."""
    def put_copy(self, person_id: str, data: str, updated_at: str) -> None: ...

    # inbound requests
    def request(self, request_id: str) -> RequestState | None: ...
    def accept(self, state: RequestState, permit_expires_at: int) -> bool:
        """Consume the permit and store the new request together; False (nothing written) when the permit
        was used already or the request id is taken."""
    def park(self, request_id: str, task_token: str, preview: str, queued_at: str) -> None:
        """The request awaits approval, in the queue ordered by `queued_at`."""
    def pending(self, limit: int | None) -> list[RequestState]:
        """Requests awaiting approval, oldest first."""
    def decide(self, request_id: str, decision: Decision) -> bool:
        """Record the decision and leave the queue if the request still awaits approval (False: not)."""
    def close_refused(self, state: RequestState, reason: str | None, closed_at: str,
                      record: ExchangeRecord) -> bool:
        """Close the request (with status refused and `reason` when given) and store its record, together;
        False (nothing written) when it was closed already or the record id is taken."""
    def close_provided(self, state: RequestState, provided_at: str, record: ExchangeRecord, reply: Reply,
                       actor: Actor, category: str, operation: str) -> bool:
        """The request provided and closed, its record, its reply in the outbox and the access record of the
        provision, together; False (nothing written) when the request moved from `state`, the record or
        reply exists, or the person's access chain moved."""
    def reply(self, request_id: str) -> Reply: ...
    def mark_sent(self, request_id: str, sent_at: str) -> None: ...

    # 情報提供等記録
    def put_record(self, record: ExchangeRecord) -> bool:
        """False (nothing written) when the record id is taken."""
    def records_for_request(self, request_id: str) -> list[ExchangeRecord]: ...
    def records_of_month(self, month: str, before: str) -> Iterator[ExchangeRecord]:
        """Records made in `month` (yyyy-mm, UTC) whose recorded_at sorts before `before`."""
    def delete_record(self, record_id: str) -> None: ...

    # query results
    def put_result(self, result: QueryResult) -> None: ...
    def results_of(self, person_id: str) -> list[QueryResult]: ...
    def expired_results(self, cutoff: str) -> list[QueryResult]:
        """Results whose expiry (ISO text) is at or before `cutoff`."""
    def delete_result(self, person_id: str, request_id: str) -> None: ...

    # the access record of a read or write made through this store
    def record(self, actor: Actor, subject_ids: Sequence[str], category: str, operation: str,
               chain: str | None = None) -> None: ...
