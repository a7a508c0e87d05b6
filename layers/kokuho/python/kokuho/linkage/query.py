"""Query (情報照会): the city asks another body for items 48, 69, 70 (I-6 ②) under a permit, decrypts
the reply with its own private key, validates it, stores it against the person for a limited time
(III-6 リスク4 ③: finished query results are deleted after a set period — DynamoDB TTL on
`expires_at`, plus an explicit purge because TTL deletion is lazy) and records the query.

The city's X25519 private key is held under KMS: its 32 raw bytes are encrypted with the
personal-data CMK (encryption context purpose=linkage-city-key) and only decrypted in memory to open
a reply. (A KMS asymmetric RSA key with RSAES_OAEP_SHA_256 would keep the key inside KMS, but moto's
KMS does not implement asymmetric Decrypt — it decrypts only its own symmetric blobs — so the
envelope-encrypted key is the design that runs identically on the embedded AWS and on AWS.)
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from kokuho.access.actor import Actor
from kokuho.identity.mynumber import unmistakable_id
from kokuho.identity.redaction import redact
from kokuho.linkage import codes
from kokuho.linkage.code_ports import CodeStore
from kokuho.linkage.crypto import DecryptionFailed, KeyPair, b64d, b64e, decrypt_with, exchange_aad
from kokuho.linkage.exchange_ports import ExchangeStore, QueryResult, StoredKey
from kokuho.linkage.exchange_records import Exchange, now_iso, record_exchange
from kokuho.linkage.exchange_store import store_or_wired
from kokuho.linkage.fields import InvalidFields, validate_fields
from kokuho.linkage.network import CITY_KIND, NetworkGateway, city_body
from kokuho.linkage.permitted_list import load_permitted_list
from kokuho.platform.tables import DataClass, key_alias
from kokuho.requests.suspension import partition_use

SYSTEM = Actor(staff_id="system:linkage-query", terminal_id="stepfunctions", purpose="情報照会 (番号法第19条第8号)")
_KEY_CONTEXT = {"purpose": "linkage-city-key"}
DEFAULT_RESULT_DAYS = 30  # how long a finished query result stays before deletion


class QueryError(ValueError):
    pass


def result_days() -> int:
    return int(os.environ.get("KOKUHO_LINKAGE_RESULT_DAYS", DEFAULT_RESULT_DAYS))


# --- the city's key ------------------------------------------------------------------------------


def ensure_city_key(kms: Any, *, store: ExchangeStore | None = None) -> str:
    """Create the city's key pair once (private part KMS-encrypted); returns the public key."""
    store = store_or_wired(store)
    held = store.key("CITY")
    if held is not None:
        return held.public_key
    pair = KeyPair.generate()
    alias = key_alias(DataClass.PERSONAL)
    blob = kms.encrypt(KeyId=alias, Plaintext=pair.private_raw, EncryptionContext=_KEY_CONTEXT)["CiphertextBlob"]
    if not store.put_key("CITY", StoredKey(pair.public_b64, now_iso(), b64e(blob), alias), once=True):
        raise QueryError("the city's key was created concurrently")  # as before: the conditional put refused
    return pair.public_b64


def city_public_key(*, store: ExchangeStore | None = None) -> str:
    held = store_or_wired(store).key("CITY")
    if held is None:
        raise QueryError("the city has no key pair (ensure_city_key first)")
    return held.public_key


def _city_private_key(kms: Any, store: ExchangeStore) -> bytes:
    item = store.key("CITY")
    if item is None:
        raise QueryError("the city has no key pair (ensure_city_key first)")
    assert item.private_key_ct is not None
    return bytes(kms.decrypt(CiphertextBlob=b64d(item.private_key_ct), EncryptionContext=_KEY_CONTEXT)["Plaintext"])


# --- workflow steps ------------------------------------------------------------------------------


def prepare_query(person_id: str, item: str, provider_body: str, network: NetworkGateway, *,
                  store: ExchangeStore | None = None, code_store: CodeStore | None = None) -> dict[str, Any]:
    """Build the query: the person's 符号 (never My Number), a permit from the network, our public key."""
    plist = load_permitted_list()
    if item not in plist.query_items:
        # never the item given: it is the run's input (a My Number typed there would stay in the run's history)
        raise QueryError(f"the city does not query that item (only {list(plist.query_items)})")
    if partition_use("linkage.query", [person_id])[1]:
        raise QueryError("the person's linkage use is suspended by a 利用停止 decision: no query is sent")
    code = codes.code_of(person_id, store=code_store)
    if code is None:
        raise QueryError("the person has no registered 符号")
    permit = network.request_permit(city_body(), item, provider_body, code)
    request_id = unmistakable_id(lambda: f"Q{secrets.token_hex(10)}")
    requested_at = now_iso()
    query: dict[str, Any] = {
        "request_id": request_id, "requester_body": city_body(), "requester_kind": CITY_KIND, "item": item,
        "code": code, "requester_public_key": city_public_key(store=store), "requested_at": requested_at,
        "permit": permit, "provider_body": provider_body, "person_id": person_id}
    # Recorded before it leaves (番号法第23条: the request's time and bodies): whatever becomes of the reply — the
    # network failing after the provider answered, a fault opening it — the city's record of its query stands;
    # its outcome is recorded when the reply is taken in.
    record_exchange(Exchange("query", city_body(), provider_body, item, request_id, requested_at,
                             "requested", person_id=person_id, permit_id=(permit or {}).get("permit_id")),
                    once_key=f"{request_id}#requested", store=store)
    return query


def outbound(query: dict[str, Any]) -> dict[str, Any]:
    """What leaves the city: the query without the internal person id."""
    return {k: v for k, v in query.items() if k not in ("person_id", "provider_body")}


def receive_reply(query: dict[str, Any], reply: dict[str, Any], kms: Any,
                  now: datetime | None = None, *, store: ExchangeStore | None = None) -> dict[str, Any]:
    """Decrypt, validate against the item's allow-list, store with an expiry, record."""
    store = store_or_wired(store)
    now = now or datetime.now(UTC)
    request_id, item, person_id = query["request_id"], query["item"], query["person_id"]
    provider = query["provider_body"]

    def _record(outcome: str, reason: str | None = None, sent: list[str] | None = None) -> None:
        record_exchange(Exchange("query", city_body(), provider, item, request_id, query["requested_at"], outcome,
                                 person_id=person_id, permit_id=(query.get("permit") or {}).get("permit_id"),
                                 provided_at=reply.get("provided_at"), reason=reason, fields_sent=sent or []),
                        store=store)

    if reply.get("status") != "provided":
        _record("refused", f"provider refused: {redact(str(reply.get('reason')))[:100]}")  # redact, then cut
        return {"request_id": request_id, "status": "refused_by_provider"}
    try:
        plain = decrypt_with(_city_private_key(kms, store), reply["envelope"], exchange_aad(request_id, item))
        body = json.loads(plain)
        if body.get("request_id") != request_id or body.get("item") != item:
            raise QueryError("the reply answers another request")
        data = validate_fields(body["fields"], load_permitted_list().item(item).fields)
    except (DecryptionFailed, QueryError, InvalidFields, KeyError, ValueError) as e:
        _record("failed", f"reply rejected: {type(e).__name__}")
        return {"request_id": request_id, "status": "rejected", "reason": type(e).__name__}
    expires = now + timedelta(days=result_days())
    store.put_result(QueryResult(person_id, request_id, item, provider, json.dumps(data, ensure_ascii=False),
                                 now.isoformat(timespec="seconds"), int(expires.timestamp()),
                                 expires.isoformat(timespec="seconds")))
    store.record(SYSTEM, [person_id], "linkage_query", "write")
    _record("received", sent=sorted(data))
    return {"request_id": request_id, "status": "stored", "fields": sorted(data),
            "expires_at": expires.isoformat(timespec="seconds")}


def results_of(person_id: str, now: datetime | None = None, *,
               store: ExchangeStore | None = None) -> list[dict[str, Any]]:
    """Unexpired query results of a person (TTL deletion is lazy: expired ones are filtered out)."""
    limit = int((now or datetime.now(UTC)).timestamp())
    out = []
    for r in store_or_wired(store).results_of(person_id):
        if int(r.expires_at) > limit:
            out.append({"request_id": r.request_id, "item": r.item, "provider_body": r.provider_body,
                        "received_at": r.received_at, "fields": json.loads(r.data)})
    return out


def purge_expired_results(now: datetime | None = None, *, store: ExchangeStore | None = None) -> int:
    """Delete query results past their expiry (the retention workflow calls this; TTL is lazy)."""
    store = store_or_wired(store)
    cutoff = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    n = 0
    for r in store.expired_results(cutoff):
        store.delete_result(r.person_id, r.request_id)
        n += 1
    return n
