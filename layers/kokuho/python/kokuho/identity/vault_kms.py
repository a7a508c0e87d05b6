"""The vault's Sealer on AWS KMS: an AES-256-GCM envelope whose data key comes from KMS GenerateDataKey
under the My Number key (alias from `key_alias(DataClass.MY_NUMBER)`), with the KMS encryption context
and the GCM associated data both bound to the person id — a ciphertext copied onto another person's item
does not open; the keyed hash (HMAC-SHA256) under a secret itself sealed by that key (keyed_hash.py)."""

from __future__ import annotations

import base64
import os
from typing import Any

import boto3
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kokuho.identity.keyed_hash import keyed_hash, load_or_create_secret
from kokuho.identity.vault_ports import Sealed
from kokuho.identity.vault_service import VaultError
from kokuho.platform.tables import DataClass, aws_region, key_alias


class KmsSealer:
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

    def seal(self, person_id: str, number: str) -> Sealed:
        dk = self._kms.generate_data_key(
            KeyId=self.key_alias, KeySpec="AES_256", EncryptionContext=self._context(person_id)
        )
        nonce = os.urandom(12)
        ct = AESGCM(bytes(dk["Plaintext"])).encrypt(nonce, number.encode("ascii"), person_id.encode("utf-8"))
        b64 = base64.b64encode
        return Sealed(b64(ct).decode(), b64(nonce).decode(), b64(dk["CiphertextBlob"]).decode())

    def open(self, person_id: str, sealed: Sealed) -> str:
        try:
            dk = self._kms.decrypt(
                CiphertextBlob=base64.b64decode(sealed.encrypted_data_key), EncryptionContext=self._context(person_id)
            )
            plain = AESGCM(bytes(dk["Plaintext"])).decrypt(
                base64.b64decode(sealed.nonce), base64.b64decode(sealed.ciphertext), person_id.encode("utf-8")
            )
        except Exception as exc:  # KMS InvalidCiphertext or GCM InvalidTag: say what, never the data
            raise VaultError("the stored number could not be decrypted for this person") from exc
        return plain.decode("ascii")
