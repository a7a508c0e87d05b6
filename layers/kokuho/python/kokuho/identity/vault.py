"""My Number vault (個人番号の保管): the only code that stores, finds or shows a My Number.

- Stored only encrypted: an AES-256-GCM envelope whose data key comes from KMS GenerateDataKey under
  the My Number key (alias from `key_alias(DataClass.MY_NUMBER)`), with the KMS encryption context and
  the GCM associated data both bound to the person id — a ciphertext copied onto another person's
  item does not decrypt.
- Found only by a keyed hash (HMAC-SHA256, keyed_hash.py) on gsi1 of the "mynumber" table.
- A second, different number for a person already holding one is never overwritten: it goes on the
  review list (確認リスト, seed III-2 リスク1 関連性・整合性チェック) for a person to resolve. So does a
  number already held by another person.
- Every call writes an access record (アクセス記録) in the same transaction as its write; a reveal
  needs an active reveal grant naming the purpose, and is recorded even when refused.

Nothing here puts the number into a message, a key, an index name or a return value other than
`reveal_my_number`'s.

Items (table "mynumber"):
- pk PERSON#<person_id>, sk CURRENT: encrypted number, keyed hash; gsi1 MNH#<hash> / <person_id>.
- pk REVIEW, sk <person_id>#<hash>: a candidate held for review (encrypted like the number).
- pk KEY#HMAC, sk v1: the KMS-encrypted HMAC secret.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import boto3
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from kokuho.access.records import Actor, record_access
from kokuho.identity.keyed_hash import keyed_hash, load_or_create_secret
from kokuho.identity.mynumber import InvalidMyNumber, mask, require_valid
from kokuho.platform.tables import DataClass, aws_region, key_alias
from kokuho.records.base import table_meta, transaction

CATEGORY = "my_number"
StoreResult = Literal["stored", "unchanged", "review"]
_NO_MATCH = "no-match"  # subject of a lookup that found nobody (a record still names the search)


class _ByHash(GlobalSecondaryIndex["MyNumberModel"]):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class MyNumberModel(Model):
    Meta = table_meta("mynumber")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    person_id = UnicodeAttribute()
    ciphertext = UnicodeAttribute()
    nonce = UnicodeAttribute()
    encrypted_data_key = UnicodeAttribute()
    stored_at = UnicodeAttribute()
    stored_by = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_hash = _ByHash()


class ReviewModel(Model):
    """A My Number candidate held on the review list (確認リスト)."""

    Meta = table_meta("mynumber")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    person_id = UnicodeAttribute()
    reason = UnicodeAttribute()  # "different_number" | "held_by_another_person"
    ciphertext = UnicodeAttribute()
    nonce = UnicodeAttribute()
    encrypted_data_key = UnicodeAttribute()
    found_at = UnicodeAttribute()
    found_by = UnicodeAttribute()
    status = UnicodeAttribute(default="open")


class VaultError(Exception):
    """A vault failure; the message never carries the number."""


class RevealDenied(VaultError):
    pass


@dataclass(frozen=True)
class ReviewEntry:
    person_id: str
    reason: str
    found_at: str
    found_by: str
    status: str
    masked: str


def _pk(person_id: str) -> str:
    return f"PERSON#{person_id}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _transaction() -> TransactWrite:
    return transaction()


def _record(actor: Actor, subject_ids: list[str], operation: str, result: str = "ok") -> None:
    # on its own (reads, refusals): record_access retries a concurrent append to the same chain
    record_access(actor, subject_ids, CATEGORY, operation, result=result, attempts=8)


class Vault:
    """KMS client and the HMAC secret, decrypted once per container."""

    def __init__(self, kms: Any | None = None) -> None:
        self._kms = kms or boto3.client("kms", region_name=aws_region())
        self._secret: bytes | None = None

    @property
    def key_alias(self) -> str:
        return key_alias(DataClass.MY_NUMBER)

    def hash_of(self, number: str) -> str:
        if self._secret is None:
            self._secret = load_or_create_secret(self._kms, self.key_alias)
        return keyed_hash(self._secret, number)

    def _context(self, person_id: str) -> dict[str, str]:
        return {"kokuho:person": person_id}

    def encrypt(self, person_id: str, number: str) -> tuple[str, str, str]:
        """(ciphertext, nonce, encrypted data key), base64."""
        dk = self._kms.generate_data_key(
            KeyId=self.key_alias, KeySpec="AES_256", EncryptionContext=self._context(person_id)
        )
        nonce = os.urandom(12)
        ct = AESGCM(bytes(dk["Plaintext"])).encrypt(nonce, number.encode("ascii"), person_id.encode("utf-8"))
        b64 = base64.b64encode
        return b64(ct).decode(), b64(nonce).decode(), b64(dk["CiphertextBlob"]).decode()

    def decrypt(self, person_id: str, ciphertext: str, nonce: str, encrypted_data_key: str) -> str:
        try:
            dk = self._kms.decrypt(
                CiphertextBlob=base64.b64decode(encrypted_data_key), EncryptionContext=self._context(person_id)
            )
            plain = AESGCM(bytes(dk["Plaintext"])).decrypt(
                base64.b64decode(nonce), base64.b64decode(ciphertext), person_id.encode("utf-8")
            )
        except Exception as exc:  # KMS InvalidCiphertext or GCM InvalidTag: say what, never the data
            raise VaultError("the stored number could not be decrypted for this person") from exc
        return plain.decode("ascii")

    # --- public operations -------------------------------------------------------------------------

    def store(self, person_id: str, number: str, actor: Actor, *, attempts: int = 4) -> StoreResult:
        number = require_valid(number)  # one form (12 ASCII digits): one keyed hash whatever the shape typed
        for _ in range(attempts - 1):
            try:
                return self._store_once(person_id, number, actor)
            except TransactWriteError:
                continue  # a concurrent store or access to this person: look again
        return self._store_once(person_id, number, actor)

    def _store_once(self, person_id: str, number: str, actor: Actor) -> StoreResult:
        digest = self.hash_of(number)
        try:
            current: MyNumberModel | None = MyNumberModel.get(_pk(person_id), "CURRENT", consistent_read=True)
        except MyNumberModel.DoesNotExist:
            current = None
        if current is not None and current.gsi1pk == f"MNH#{digest}":
            _record(actor, [person_id], "store", "unchanged")
            return "unchanged"
        holders = [m.person_id for m in MyNumberModel.by_hash.query(f"MNH#{digest}") if m.person_id != person_id]
        if current is not None or holders:
            reason = "different_number" if current is not None else "held_by_another_person"
            self._hold_for_review(person_id, number, digest, reason, actor)
            return "review"
        ct, nonce, edk = self.encrypt(person_id, number)
        item = MyNumberModel(
            _pk(person_id), "CURRENT", person_id=person_id, ciphertext=ct, nonce=nonce,
            encrypted_data_key=edk, stored_at=_now(), stored_by=actor.staff_id,
            gsi1pk=f"MNH#{digest}", gsi1sk=person_id,
        )
        from kokuho.records.qualification import MY_NUMBER_ON_FILE, MyNumberOnFileModel, person_pk

        with _transaction() as tx:
            tx.save(item, condition=MyNumberModel.pk.does_not_exist())
            # The qualification file learns only THAT a number is held (its read routes never read here).
            tx.save(MyNumberOnFileModel(person_pk(person_id), MY_NUMBER_ON_FILE))
            record_access(actor, [person_id], CATEGORY, "store", transaction=tx)
        return "stored"

    def _hold_for_review(self, person_id: str, number: str, digest: str, reason: str, actor: Actor) -> None:
        sk = f"{person_id}#{digest}"
        try:
            ReviewModel.get("REVIEW", sk, consistent_read=True)
            _record(actor, [person_id], "store", "review")
            return
        except ReviewModel.DoesNotExist:
            pass
        ct, nonce, edk = self.encrypt(person_id, number)
        entry = ReviewModel(
            "REVIEW", sk, person_id=person_id, reason=reason, ciphertext=ct, nonce=nonce,
            encrypted_data_key=edk, found_at=_now(), found_by=actor.staff_id,
        )
        with _transaction() as tx:
            tx.save(entry, condition=ReviewModel.pk.does_not_exist())
            record_access(actor, [person_id], CATEGORY, "store", result="review", transaction=tx)

    def find(self, number: str, actor: Actor) -> str | None:
        number = require_valid(number)
        digest = self.hash_of(number)
        found = [m.person_id for m in MyNumberModel.by_hash.query(f"MNH#{digest}", limit=2)]
        person_id = found[0] if len(found) == 1 else None
        _record(actor, [person_id or _NO_MATCH], "lookup", "ok" if person_id else "not_found")
        return person_id

    def reveal(self, person_id: str, actor: Actor) -> str:
        from kokuho.access.grants import Function, authorize

        decision = authorize(actor.staff_id, Function.REVEAL_MY_NUMBER, purpose=actor.purpose)
        if not decision.allowed:
            _record(actor, [person_id], "reveal", "denied")
            raise RevealDenied(decision.reason)
        try:
            item = MyNumberModel.get(_pk(person_id), "CURRENT", consistent_read=True)
        except MyNumberModel.DoesNotExist:
            _record(actor, [person_id], "reveal", "not_found")
            raise VaultError("no My Number is stored for this person") from None
        number = self.decrypt(person_id, item.ciphertext, item.nonce, item.encrypted_data_key)
        _record(actor, [person_id], "reveal")
        return number

    def has_number(self, person_id: str) -> bool:
        try:
            MyNumberModel.get(_pk(person_id), "CURRENT", attributes_to_get=["pk"])
            return True
        except MyNumberModel.DoesNotExist:
            return False

    def review_list(self, limit: int = 50) -> list[ReviewEntry]:
        return [
            ReviewEntry(r.person_id, r.reason, r.found_at, r.found_by, r.status, mask("x"))
            for r in ReviewModel.query("REVIEW", limit=limit)
        ]


_VAULT: Vault | None = None


def vault() -> Vault:
    """The container's vault (the HMAC secret is decrypted once per container)."""
    global _VAULT
    if _VAULT is None:
        _VAULT = Vault()
    return _VAULT


def reset_vault() -> None:
    """Forget the cached client and secret (tests start a fresh embedded AWS each time)."""
    global _VAULT
    _VAULT = None


# Other functions hand numbers to the vault by invoking its function (they hold no right on the My Number
# table or key): {"action": STORE_ACTION, "actor": {staff_id, terminal_id, purpose}, "items": [[person_id,
# number], ...]} → {"my_numbers": {result: count}}. Chunked so a payload stays far below Lambda's 6 MB.
STORE_ACTION = "store_my_numbers"
STORE_CHUNK = 500


def store_many(event: dict[str, Any]) -> dict[str, Any]:
    """The vault function's side of STORE_ACTION (validated; the error never names a number)."""
    try:
        actor = Actor(str(event["actor"]["staff_id"]), str(event["actor"]["terminal_id"]),
                      str(event["actor"]["purpose"]))
        items = [(str(pid), str(number)) for pid, number in event["items"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError("store_my_numbers: needs actor {staff_id, terminal_id, purpose} and items "
                         "[[person_id, my_number], ...]") from exc
    counts: dict[str, int] = {}
    for person_id, number in items:
        result = store_my_number(person_id, number, actor)
        counts[result] = counts.get(result, 0) + 1
    return {"my_numbers": counts}


def store_through_vault(items: list[tuple[str, str]], actor: Actor, invoke: Any) -> dict[str, int]:
    """The caller's side: `invoke(payload) -> response dict` reaches the vault function."""
    counts: dict[str, int] = {}
    for first in range(0, len(items), STORE_CHUNK):
        out = invoke({"action": STORE_ACTION, "items": [list(i) for i in items[first:first + STORE_CHUNK]],
                      "actor": {"staff_id": actor.staff_id, "terminal_id": actor.terminal_id,
                                "purpose": actor.purpose}})
        for result, n in dict(out["my_numbers"]).items():
            counts[result] = counts.get(result, 0) + int(n)
    return counts


def store_my_number(person_id: str, number: str, actor: Actor) -> StoreResult:
    """Store a person's My Number: "stored", "unchanged" (same number again) or "review" (held)."""
    return vault().store(person_id, number, actor)


def find_person_by_my_number(number: str, actor: Actor) -> str | None:
    """The internal id of the person holding this number, or None."""
    return vault().find(number, actor)


def reveal_my_number(person_id: str, actor: Actor) -> str:
    """The number itself: only under an active reveal grant naming `actor.purpose`; always recorded."""
    return vault().reveal(person_id, actor)


__all__ = [
    "InvalidMyNumber", "RevealDenied", "VaultError", "Vault", "store_my_number",
    "find_person_by_my_number", "reveal_my_number", "reset_vault", "vault",
]
