"""The vault's Sealer on AWS KMS: AES-256-GCM under a data key from KMS GenerateDataKey under the My Number
key (alias from `key_alias(DataClass.MY_NUMBER)`), shared by a batch of numbers in the pattern of the AWS
Database Encryption SDK's hierarchical keyring: the plaintext key is cached for at most DATA_KEY_MAX_USES
numbers and DATA_KEY_MAX_AGE_S seconds, then a new one is generated (docs/vault_crypto.md: why these
limits, and what one leaked data key exposes).

- Each number has its own random 96-bit nonce and the person id as GCM associated data: a ciphertext
  copied onto another person's item (even one sealed under the same data key) does not open.
- The wrapped data key travels with each record (`encrypted_data_key` = "dk1:<key id>:<KMS blob>"), bound
  by its KMS encryption context to its purpose and key id; opening calls KMS once per wrapped key (the
  opened keys are cached, bounded in number and age too).
- Records sealed before (one data key per number, the KMS encryption context naming the person: a bare
  base64 blob) still open.
- The caches are per caller: inside `acting_as` (kokuho.access.data_role) every request is signed with the
  caller's session, and a member of staff never seals or opens with a key another caller's session
  generated or opened — each one's KMS calls name them in CloudTrail.
- The keyed hash (HMAC-SHA256) under a secret itself sealed by the My Number key (keyed_hash.py)."""

from __future__ import annotations

import base64
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kokuho.identity.keyed_hash import keyed_hash, load_or_create_secret
from kokuho.identity.mynumber import unmistakable_id
from kokuho.identity.vault_ports import Sealed
from kokuho.identity.vault_service import VaultError
from kokuho.platform.request_credentials import current_credentials
from kokuho.platform.tables import DataClass, aws_region, key_alias

# Bounded exposure: one leaked data key opens at most this many numbers (KMS calls per number ≥ 1/1,000).
DATA_KEY_MAX_USES = 1_000
# A plaintext data key stays in a container's memory at most this long, however few numbers it sealed.
DATA_KEY_MAX_AGE_S = 300.0
# Opened (decrypted) data keys kept for reads, and callers holding a sealing key: few batches are read at
# once and few callers served in 5 minutes; the least recently used is forgotten first.
OPENED_KEYS_MAX = 64
BATCH_FORMAT = "dk1"  # prefix of a shared wrapped key; a bare base64 blob is a record's own key (before)
DATA_KEY_USE = "mynumber-data-key"


def batch_context(key_id: str) -> dict[str, str]:
    """The KMS encryption context of a shared data key: its purpose and its own id."""
    return {"kokuho:use": DATA_KEY_USE, "kokuho:data-key": key_id}


def person_context(person_id: str) -> dict[str, str]:
    """The KMS encryption context of a record sealed under its own data key (records before dk1)."""
    return {"kokuho:person": person_id}


@dataclass
class _DataKey:
    aead: AESGCM
    wrapped: str  # "dk1:<key id>:<base64 KMS blob>"
    born: float
    uses: int = 0


class KmsSealer:
    """KMS client, the HMAC secret (decrypted once per container) and the current batch data key."""

    def __init__(self, kms: Any | None = None, *, max_uses: int = DATA_KEY_MAX_USES,
                 max_age_s: float = DATA_KEY_MAX_AGE_S, opened_max: int = OPENED_KEYS_MAX,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_uses < 1 or max_age_s <= 0 or opened_max < 1:
            raise ValueError("data key limits must be positive")
        self._kms = kms or boto3.client("kms", region_name=aws_region())
        self._secret: bytes | None = None
        self._max_uses, self._max_age_s, self._opened_max, self._clock = max_uses, max_age_s, opened_max, clock
        self._keys: OrderedDict[str, _DataKey] = OrderedDict()  # caller → its sealing key
        self._opened: OrderedDict[tuple[str, str], tuple[AESGCM, float]] = OrderedDict()  # (caller, wrapped)
        self._lock = threading.Lock()  # one container may seal from threads: a key's uses are counted once

    @property
    def key_alias(self) -> str:
        return key_alias(DataClass.MY_NUMBER)

    def hash_of(self, number: str) -> str:
        if self._secret is None:
            from kokuho.records.vault_store import PynamoHmacSecretStore

            self._secret = load_or_create_secret(self._kms, self.key_alias, PynamoHmacSecretStore())
        return keyed_hash(self._secret, number)

    @staticmethod
    def _caller() -> str:
        """Whose session signs this block's requests ("" for the function's own role)."""
        return str(getattr(current_credentials(), "access_key", "") or "")

    def _data_key(self) -> _DataKey:
        caller = self._caller()
        with self._lock:
            now, key = self._clock(), self._keys.get(caller)
            if key is None or key.uses >= self._max_uses or now - key.born >= self._max_age_s:
                # in the encryption context (every CloudTrail event of the key) and every record it seals
                key_id = unmistakable_id(lambda: secrets.token_hex(16))
                dk = self._kms.generate_data_key(KeyId=self.key_alias, KeySpec="AES_256",
                                                 EncryptionContext=batch_context(key_id))
                blob = base64.b64encode(dk["CiphertextBlob"]).decode()
                key = _DataKey(AESGCM(bytes(dk["Plaintext"])), f"{BATCH_FORMAT}:{key_id}:{blob}", now)
                self._keys[caller] = key
            self._keys.move_to_end(caller)
            while len(self._keys) > self._opened_max:
                self._keys.popitem(last=False)
            key.uses += 1
            return key

    def seal(self, person_id: str, number: str) -> Sealed:
        key = self._data_key()
        nonce = os.urandom(12)  # random 96-bit nonce: ≤ 1,000 per key, collision odds ≈ 2^-78
        ct = key.aead.encrypt(nonce, number.encode("ascii"), person_id.encode("utf-8"))
        b64 = base64.b64encode
        return Sealed(b64(ct).decode(), b64(nonce).decode(), key.wrapped)

    def _opener(self, person_id: str, wrapped: str) -> AESGCM:
        if not wrapped.startswith(BATCH_FORMAT + ":"):  # before dk1: the record's own key, bound to the person
            dk = self._kms.decrypt(CiphertextBlob=base64.b64decode(wrapped),
                                   EncryptionContext=person_context(person_id))
            return AESGCM(bytes(dk["Plaintext"]))
        slot = (self._caller(), wrapped)
        with self._lock:
            now = self._clock()
            cached = self._opened.get(slot)
            if cached is not None and now - cached[1] < self._max_age_s:
                self._opened.move_to_end(slot)
                return cached[0]
        _, key_id, blob = wrapped.split(":", 2)
        dk = self._kms.decrypt(CiphertextBlob=base64.b64decode(blob), EncryptionContext=batch_context(key_id))
        aead = AESGCM(bytes(dk["Plaintext"]))
        with self._lock:
            self._opened[slot] = (aead, now)
            self._opened.move_to_end(slot)
            while len(self._opened) > self._opened_max:
                self._opened.popitem(last=False)
        return aead

    def open(self, person_id: str, sealed: Sealed) -> str:
        try:
            plain = self._opener(person_id, sealed.encrypted_data_key).decrypt(
                base64.b64decode(sealed.nonce), base64.b64decode(sealed.ciphertext), person_id.encode("utf-8"))
        except Exception as exc:  # KMS InvalidCiphertext or GCM InvalidTag: say what, never the data
            raise VaultError("the stored number could not be decrypted for this person") from exc
        return plain.decode("ascii")
