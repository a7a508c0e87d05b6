"""In-memory fake of the exchanges port (kokuho.linkage.exchange_ports.ExchangeStore) for the unit tests of
kokuho.linkage.provision, .query, .exchange_records and .retention: no moto. It keeps what the use cases
rely on — a permit consumed once, a request decided once and closed once, a record id and a reply taken
once, each of accept / close_refused / close_provided all or nothing — and nothing of the tables' layout.
`fail_access` makes the access log refuse (a provision then commits nothing). The contract test holds it
to the pynamodb adapter (tests/integration/test_ports_contracts.py)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from kokuho.access.actor import Actor
from kokuho.linkage.exchange_ports import Decision, ExchangeRecord, QueryResult, Reply, RequestState, StoredKey


@dataclass
class InMemoryExchangeStore:
    keys: dict[str, StoredKey] = field(default_factory=dict)
    copies: dict[str, str] = field(default_factory=dict)
    requests: dict[str, RequestState] = field(default_factory=dict)
    queued: dict[str, str] = field(default_factory=dict)  # request → its place in the approval queue
    permits_used: dict[str, str] = field(default_factory=dict)  # permit → request
    replies: dict[str, Reply] = field(default_factory=dict)
    records: dict[str, ExchangeRecord] = field(default_factory=dict)
    results: dict[tuple[str, str], QueryResult] = field(default_factory=dict)
    access: list[tuple[str, tuple[str, ...], str, str]] = field(default_factory=list)
    fail_access: bool = False

    def key(self, name: str) -> StoredKey | None:
        return self.keys.get(name)

    def put_key(self, name: str, key: StoredKey, *, once: bool) -> bool:
        if once and name in self.keys:
            return False
        self.keys[name] = key
        return True

    def copy_of(self, person_id: str) -> str | None:
        return self.copies.get(person_id)

    def put_copy(self, person_id: str, data: str, updated_at: str) -> None:
        self.copies[person_id] = data

    def request(self, request_id: str) -> RequestState | None:
        return self.requests.get(request_id)

    def accept(self, state: RequestState, permit_expires_at: int) -> bool:
        if state.permit_id in self.permits_used or state.request_id in self.requests:
            return False
        self.permits_used[state.permit_id] = state.request_id
        self.requests[state.request_id] = state
        return True

    def park(self, request_id: str, task_token: str, preview: str, queued_at: str) -> None:
        self.requests[request_id] = replace(self.requests[request_id], status="awaiting_approval",
                                            task_token=task_token, preview=preview)
        self.queued[request_id] = f"{queued_at}#{request_id}"

    def pending(self, limit: int | None) -> list[RequestState]:
        ordered = [self.requests[r] for r, _ in sorted(self.queued.items(), key=lambda kv: kv[1])]
        return ordered if limit is None else ordered[:limit]

    def decide(self, request_id: str, decision: Decision) -> bool:
        state = self.requests.get(request_id)
        if state is None or state.status != "awaiting_approval":
            return False
        self.requests[request_id] = replace(state, status=decision.status, decided_by=decision.decided_by,
                                            decided_at=decision.decided_at, decision_reason=decision.reason,
                                            preview=None)
        self.queued.pop(request_id, None)
        return True

    def close_refused(self, state: RequestState, reason: str | None, closed_at: str,
                      record: ExchangeRecord) -> bool:
        now = self.requests[state.request_id]
        if now.closed_at is not None or record.record_id in self.records:
            return False
        closed = replace(now, closed_at=closed_at, preview=None)
        if reason is not None:
            closed = replace(closed, status="refused", decision_reason=reason)
        self.requests[state.request_id] = closed
        self.queued.pop(state.request_id, None)
        self.records[record.record_id] = record
        return True

    def close_provided(self, state: RequestState, provided_at: str, record: ExchangeRecord, reply: Reply,
                       actor: Actor, category: str, operation: str) -> bool:
        now = self.requests[state.request_id]
        if (now.status != state.status or now.closed_at is not None or record.record_id in self.records
                or reply.request_id in self.replies or self.fail_access):
            return False
        assert state.person_id is not None
        self.requests[state.request_id] = replace(now, status="provided", closed_at=provided_at)
        self.records[record.record_id] = record
        self.replies[reply.request_id] = reply
        self.access.append((actor.staff_id, (state.person_id,), category, operation))
        return True

    def reply(self, request_id: str) -> Reply:
        return self.replies[request_id]

    def mark_sent(self, request_id: str, sent_at: str) -> None:
        self.replies[request_id] = replace(self.replies[request_id], sent_at=sent_at)

    def put_record(self, record: ExchangeRecord) -> bool:
        if record.record_id in self.records:
            return False
        self.records[record.record_id] = record
        return True

    def records_for_request(self, request_id: str) -> list[ExchangeRecord]:
        return [r for r in self.records.values() if r.request_id == request_id]

    def records_of_month(self, month: str, before: str) -> Iterator[ExchangeRecord]:
        found = sorted((r for r in self.records.values() if r.recorded_at[:7] == month
                        and f"{r.recorded_at}#{r.record_id}" < before), key=lambda r: (r.recorded_at, r.record_id))
        yield from found  # a snapshot: the caller may delete while it reads

    def delete_record(self, record_id: str) -> None:
        self.records.pop(record_id, None)

    def put_result(self, result: QueryResult) -> None:
        self.results[(result.person_id, result.request_id)] = result

    def results_of(self, person_id: str) -> list[QueryResult]:
        return [r for (p, _), r in sorted(self.results.items()) if p == person_id]

    def expired_results(self, cutoff: str) -> list[QueryResult]:
        return sorted((r for r in self.results.values() if r.expires_on <= cutoff), key=lambda r: r.expires_on)

    def delete_result(self, person_id: str, request_id: str) -> None:
        self.results.pop((person_id, request_id), None)

    def record(self, actor: Actor, subject_ids: Sequence[str], category: str, operation: str,
               chain: str | None = None) -> None:
        if self.fail_access:
            raise RuntimeError("access log unavailable")
        self.access.append((actor.staff_id, tuple(subject_ids), category, operation))
