"""情報提供等記録 (records of provision and query, 番号法第23条; kept 7 years, 施行令第30条).

Every exchange — provided, refused, received — leaves one record: both bodies, the time of the
request and of the provision, the item, the fields sent and the fields withheld, and the reason for a
refusal. Records carry the internal person id, never My Number and never field values. Stored through
the exchanges port (kokuho.linkage.exchange_ports; the table: kokuho.records.linkage_exchange).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime

from kokuho.identity.mynumber import unmistakable_id
from kokuho.identity.redaction import redact
from kokuho.linkage.exchange_ports import ExchangeRecord, ExchangeStore
from kokuho.linkage.exchange_store import store_or_wired


@dataclass(frozen=True)
class Exchange:
    direction: str  # "provision" | "query"
    requester_body: str
    provider_body: str
    item: str
    request_id: str
    requested_at: str
    outcome: str  # provided | refused | received | failed; a query also `requested` (recorded before it leaves)
    person_id: str | None = None
    permit_id: str | None = None
    provided_at: str | None = None
    reason: str | None = None
    fields_sent: Sequence[str] = ()
    fields_withheld: Sequence[str] = ()
    approved_by: str | None = None


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _redacted(ex: Exchange) -> Exchange:
    """Every text of the record passed through My Number redaction (any shape): a refusal reason or a
    body name copied from a request or a reply never carries a number into the record."""
    texts = {f.name: redact(v) for f in fields(ex) if isinstance(v := getattr(ex, f.name), str)}
    return replace(ex, **texts, fields_sent=[redact(f) for f in ex.fields_sent],
                   fields_withheld=[redact(f) for f in ex.fields_withheld])


def record_exchange(ex: Exchange, recorded_at: datetime | None = None, *, once_key: str | None = None,
                    store: ExchangeStore | None = None) -> ExchangeRecord | None:
    """Save the record. With `once_key` (what identifies the event: the same request received again, as
    an operator's rerun sends it), the record id derives from the key and the same event is recorded
    once: a second call records nothing and returns None."""
    record_id = None
    if once_key is not None:
        digest = hashlib.sha256(f"{ex.direction}\n{once_key}".encode()).digest()
        record_id = f"{ex.direction[0].upper()}{base64.urlsafe_b64encode(digest[:12]).decode('ascii')}"
    record = exchange_record(ex, recorded_at, record_id=record_id)
    if not store_or_wired(store).put_record(record):
        if once_key is None:  # a random id taken: never expected, never silently dropped
            raise RecordNotStored(f"record {record.record_id} exists already")
        return None
    return record


class RecordNotStored(RuntimeError):
    pass


def exchange_record(ex: Exchange, recorded_at: datetime | None = None, *,
                    record_id: str | None = None) -> ExchangeRecord:
    """The record, unsaved: for a caller that commits it in one transaction with what it records (the
    store's close_refused / close_provided)."""
    ex = _redacted(ex)
    at = (recorded_at or datetime.now(UTC)).isoformat(timespec="milliseconds")
    record_id = record_id or unmistakable_id(lambda: f"{ex.direction[0].upper()}{secrets.token_urlsafe(12)}")
    return ExchangeRecord(
        record_id=record_id, direction=ex.direction, requester_body=ex.requester_body,
        provider_body=ex.provider_body, item=ex.item, person_id=ex.person_id, request_id=ex.request_id,
        permit_id=ex.permit_id, requested_at=ex.requested_at, provided_at=ex.provided_at, outcome=ex.outcome,
        reason=ex.reason, fields_sent=json.dumps(list(ex.fields_sent), ensure_ascii=False),
        fields_withheld=json.dumps(list(ex.fields_withheld), ensure_ascii=False), approved_by=ex.approved_by,
        recorded_at=at)


def records_for_request(request_id: str, *, store: ExchangeStore | None = None) -> list[ExchangeRecord]:
    """All records of one request (audit and tests; a scan: not for the hot path)."""
    return store_or_wired(store).records_for_request(request_id)
