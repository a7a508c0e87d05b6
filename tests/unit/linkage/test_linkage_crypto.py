"""Hybrid encryption to the requester's key and permit signatures."""

from __future__ import annotations

import pytest

from kokuho.linkage.crypto import (
    DecryptionFailed,
    KeyPair,
    decrypt_with,
    encrypt_for,
    exchange_aad,
    generate_signing_key,
    parse_public_key,
    sign_permit,
    verify_permit_signature,
)


def test_only_the_recipient_opens_the_reply() -> None:
    a, b = KeyPair.generate(), KeyPair.generate()
    aad = exchange_aad("R1", "2")
    env = encrypt_for(a.public_b64, "保険者番号 401000".encode(), aad)
    assert decrypt_with(a.private_raw, env, aad).decode() == "保険者番号 401000"
    with pytest.raises(DecryptionFailed):
        decrypt_with(b.private_raw, env, aad)


def test_a_reply_is_bound_to_its_request() -> None:
    a = KeyPair.generate()
    env = encrypt_for(a.public_b64, b"x", exchange_aad("R1", "2"))
    with pytest.raises(DecryptionFailed):
        decrypt_with(a.private_raw, env, exchange_aad("R2", "2"))


def test_tampered_ciphertext_is_refused() -> None:
    a = KeyPair.generate()
    aad = exchange_aad("R1", "2")
    env = encrypt_for(a.public_b64, b"payload", aad)
    ct = env["ct"]
    env["ct"] = ("A" if ct[0] != "A" else "B") + ct[1:]
    with pytest.raises(DecryptionFailed):
        decrypt_with(a.private_raw, env, aad)


def test_each_reply_uses_a_fresh_ephemeral_key() -> None:
    a = KeyPair.generate()
    e1 = encrypt_for(a.public_b64, b"same", b"")
    e2 = encrypt_for(a.public_b64, b"same", b"")
    assert e1["epk"] != e2["epk"] and e1["ct"] != e2["ct"]


def test_bad_public_key_is_rejected() -> None:
    with pytest.raises(ValueError):
        parse_public_key("not-a-key")


# The low-order points of Curve25519 and their encodings with the top bit set or reduced mod p (libsodium's
# blacklist): agreement with any of them gives the all-zero secret, whatever the ephemeral key.
LOW_ORDER = [
    "00" * 32, "01" + "00" * 31,
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000080",
]


@pytest.mark.parametrize("point", LOW_ORDER)
def test_a_low_order_public_key_is_rejected(point: str) -> None:
    from kokuho.linkage.crypto import b64e

    with pytest.raises(ValueError, match="low-order"):
        parse_public_key(b64e(bytes.fromhex(point)))
    parse_public_key(KeyPair.generate().public_b64)  # an ordinary key passes


def test_permit_signature() -> None:
    private, public = generate_signing_key()
    permit = {"permit_id": "P1", "requester_body": "A", "requester_kind": "全国健康保険協会",
              "requester_key_id": "K", "provider_body": "B",
              "item": "2", "code": "CODE", "issued_at": "2026-01-01T00:00:00+00:00",
              "expires_at": "2026-01-01T01:00:00+00:00"}
    permit["signature"] = sign_permit(private, permit)
    assert verify_permit_signature(public, permit)
    assert not verify_permit_signature(public, {**permit, "item": "3"})
    assert not verify_permit_signature(generate_signing_key()[1], permit)
