"""Hybrid encryption of linkage replies to the requester's public key (III-6 リスク4・6: only the
requester can decrypt; the network in between cannot).

Scheme "X25519-HKDF-SHA256-A256GCM" (ECIES-style): a fresh ephemeral X25519 key per reply, key
agreement with the recipient's static X25519 public key, HKDF-SHA256 (salt = ephemeral ‖ recipient
public key, info = scheme name) → 32-byte key, AES-256-GCM with a random 96-bit nonce. The
associated data binds the ciphertext to its exchange (request id, item), so a reply cannot be replayed
as the answer to another request. Keys travel as base64url of their 32 raw bytes.

Permits (情報提供許可証) are signed by the network with Ed25519; `verify_permit_signature` checks them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SCHEME = "X25519-HKDF-SHA256-A256GCM"
_RAW = serialization.Encoding.Raw
_RAW_PUB = serialization.PublicFormat.Raw
_RAW_PRIV = serialization.PrivateFormat.Raw


class DecryptionFailed(ValueError):
    """Wrong key, tampered ciphertext or wrong associated data (never says which: no oracle)."""


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class KeyPair:
    private_raw: bytes
    public_b64: str

    @staticmethod
    def generate() -> KeyPair:
        key = X25519PrivateKey.generate()
        return KeyPair(key.private_bytes(_RAW, _RAW_PRIV, serialization.NoEncryption()),
                       b64e(key.public_key().public_bytes(_RAW, _RAW_PUB)))


def key_id(public_b64: str) -> str:
    """Short fingerprint of a public key (base64url, so no digit run looks like a My Number)."""
    return b64e(hashlib.sha256(b64d(public_b64)).digest()[:12])


def parse_public_key(public_b64: str) -> X25519PublicKey:
    """The key, refused when it is not 32 bytes or is a low-order point (all zero, 1, the points of
    order 8, and their non-canonical encodings): agreement with such a point yields the all-zero secret
    whatever our ephemeral key, so the reply's key would be known to anyone (RFC 7748 §6.1)."""
    try:
        raw = b64d(public_b64)
        if len(raw) != 32:
            raise ValueError
        key = X25519PublicKey.from_public_bytes(raw)
    except (ValueError, TypeError):
        raise ValueError("the requester's public key is not a 32-byte X25519 key in base64url") from None
    try:
        X25519PrivateKey.generate().exchange(key)  # OpenSSL refuses an all-zero shared secret
    except ValueError:
        raise ValueError("the requester's public key is a low-order X25519 point") from None
    return key


def _derive(shared: bytes, epk: bytes, rpk: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=epk + rpk, info=SCHEME.encode()).derive(shared)


def encrypt_for(public_b64: str, plaintext: bytes, aad: bytes) -> dict[str, str]:
    """Envelope readable only by the holder of the private key matching `public_b64`."""
    recipient = parse_public_key(public_b64)
    eph = X25519PrivateKey.generate()
    epk = eph.public_key().public_bytes(_RAW, _RAW_PUB)
    rpk = recipient.public_bytes(_RAW, _RAW_PUB)
    key = _derive(eph.exchange(recipient), epk, rpk)
    nonce = os.urandom(12)
    return {"alg": SCHEME, "kid": key_id(public_b64), "epk": b64e(epk), "nonce": b64e(nonce),
            "ct": b64e(AESGCM(key).encrypt(nonce, plaintext, aad))}


def decrypt_with(private_raw: bytes, envelope: dict[str, Any], aad: bytes) -> bytes:
    if envelope.get("alg") != SCHEME:
        raise DecryptionFailed("unsupported envelope scheme")
    try:
        priv = X25519PrivateKey.from_private_bytes(private_raw)
        epk = b64d(envelope["epk"])
        rpk = priv.public_key().public_bytes(_RAW, _RAW_PUB)
        key = _derive(priv.exchange(X25519PublicKey.from_public_bytes(epk)), epk, rpk)
        return AESGCM(key).decrypt(b64d(envelope["nonce"]), b64d(envelope["ct"]), aad)
    except (InvalidTag, ValueError, KeyError, TypeError):
        raise DecryptionFailed("the reply cannot be decrypted with this key") from None


def exchange_aad(request_id: str, item: str) -> bytes:
    return json.dumps({"request_id": request_id, "item": item}, ensure_ascii=False,
                      sort_keys=True, separators=(",", ":")).encode("utf-8")


# --- Permit signatures (情報提供許可証) -------------------------------------------------------

PERMIT_FIELDS = ("permit_id", "requester_body", "requester_kind", "requester_key_id", "provider_body", "item",
                 "code", "issued_at", "expires_at")


def permit_message(permit: dict[str, Any]) -> bytes:
    return json.dumps({k: permit[k] for k in PERMIT_FIELDS}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def sign_permit(private_raw: bytes, permit: dict[str, Any]) -> str:
    return b64e(Ed25519PrivateKey.from_private_bytes(private_raw).sign(permit_message(permit)))


def verify_permit_signature(public_b64: str, permit: dict[str, Any]) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(b64d(public_b64)).verify(b64d(permit["signature"]),
                                                                     permit_message(permit))
        return True
    except (InvalidSignature, ValueError, KeyError, TypeError):
        return False


def generate_signing_key() -> tuple[bytes, str]:
    key = Ed25519PrivateKey.generate()
    return (key.private_bytes(_RAW, _RAW_PRIV, serialization.NoEncryption()),
            b64e(key.public_key().public_bytes(_RAW, _RAW_PUB)))
