"""The vault's batch data keys (kokuho.identity.vault_kms, docs/vault_crypto.md) on the embedded AWS: a data
key shared by many numbers (KMS calls per number stored ≤ 0.01), each number still bound to its person by
its own nonce and the person id as associated data, the key rotated by its use and age limits, the
records sealed before (one data key each) still opening. Numbers are made here and never printed."""

from __future__ import annotations

import base64
import json
from collections import Counter
from importlib.resources import files
from typing import Any

import boto3
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kokuho.access.actor import Actor
from kokuho.identity.mynumber import check_digit
from kokuho.identity.vault import AccessGrants
from kokuho.identity.vault_kms import KmsSealer, person_context
from kokuho.identity.vault_ports import Sealed, StoredNumber
from kokuho.identity.vault_service import Vault, VaultError
from kokuho.platform.tables import AWS_REGION, DataClass, key_alias
from kokuho.records.vault_store import PynamoVaultStore

CLERK = Actor("S0001", "T-KOKUHO-01", "資格管理 (国保法第9条)")


def number(i: int) -> str:
    body = f"{i:011d}"
    return body + str(check_digit(body))


def counting_kms() -> tuple[Any, Counter[str]]:
    """A real (embedded) KMS client whose calls are counted by operation."""
    calls: Counter[str] = Counter()
    kms = boto3.client("kms", region_name=AWS_REGION)
    kms.meta.events.register("before-call.kms.*", lambda model, **_: calls.update([model.name]))
    return kms, calls


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_thousand_person_intake_calls_kms_at_most_ten_times_and_every_number_opens(embedded: None) -> None:
    kms, calls = counting_kms()
    sealer, store = KmsSealer(kms), PynamoVaultStore()
    vault = Vault(store, sealer, AccessGrants())
    numbers = {f"P{i:05d}": number(10_000 + i) for i in range(1_000)}
    assert Counter(vault.store(pid, n, CLERK) for pid, n in numbers.items()) == {"stored": 1_000}
    assert sum(calls.values()) <= 10, dict(calls)  # was 1,000 GenerateDataKey (one a number)
    assert calls["GenerateDataKey"] >= 1

    fresh_kms, reads = counting_kms()  # another container reads them: KMS once per wrapped key
    reader = KmsSealer(fresh_kms)
    stored = [store.current(pid) for pid in numbers]
    assert all(s is not None and reader.open(s.person_id, s.sealed) == numbers[s.person_id] for s in stored)
    assert reads["Decrypt"] == len({s.sealed.encrypted_data_key for s in stored if s is not None}) <= 10


def test_a_ciphertext_moved_to_another_person_under_the_same_data_key_does_not_open(embedded: None) -> None:
    sealer = KmsSealer()
    a, b = sealer.seal("P00001", number(1)), sealer.seal("P00002", number(2))
    assert a.encrypted_data_key == b.encrypted_data_key and a.nonce != b.nonce  # one key, a nonce each
    swapped_nonce = Sealed(a.ciphertext, b.nonce, a.encrypted_data_key)
    for person, sealed in (("P00002", a), ("P00001", b), ("P00001", swapped_nonce)):
        with pytest.raises(VaultError) as exc:
            sealer.open(person, sealed)
        assert "P0000" not in str(exc.value)
    assert sealer.open("P00001", a) == number(1)


def test_a_tampered_ciphertext_nonce_or_wrapped_key_does_not_open(embedded: None) -> None:
    sealer = KmsSealer()
    good = sealer.seal("P00001", number(1))
    other = KmsSealer().seal("P00001", number(2))  # another container: another data key
    ct = bytearray(base64.b64decode(good.ciphertext))
    ct[0] ^= 1
    fmt, key_id, blob = good.encrypted_data_key.split(":", 2)
    tampered = [
        good._replace(ciphertext=base64.b64encode(bytes(ct)).decode()),
        good._replace(nonce=base64.b64encode(bytes(12)).decode()),
        good._replace(encrypted_data_key=f"{fmt}:{'0' * len(key_id)}:{blob}"),  # the key's id is its KMS context
        good._replace(encrypted_data_key=other.encrypted_data_key),
        good._replace(encrypted_data_key="dk1:broken"),
    ]
    for sealed in tampered:
        with pytest.raises(VaultError):
            KmsSealer().open("P00001", sealed)


def test_the_use_and_age_limits_rotate_the_data_key(embedded: None) -> None:
    kms, calls = counting_kms()
    clock = Clock()
    sealer = KmsSealer(kms, max_uses=3, max_age_s=60.0, clock=clock)
    keys = [sealer.seal(f"P{i:05d}", number(i)).encrypted_data_key for i in range(7)]
    assert [keys.index(k) for k in keys] == [0, 0, 0, 3, 3, 3, 6]  # a new key after every 3 numbers
    assert calls["GenerateDataKey"] == 3
    clock.now += 59.0
    assert sealer.seal("P00007", number(7)).encrypted_data_key == keys[6]
    clock.now += 1.0  # 60 s old: the next number gets a new key though this one sealed only 2
    assert sealer.seal("P00008", number(8)).encrypted_data_key not in keys
    assert calls["GenerateDataKey"] == 4


def test_opened_keys_are_cached_bounded_in_number_and_age(embedded: None) -> None:
    clock = Clock()
    writer = KmsSealer(max_uses=1)
    sealed = {f"P{i:05d}": writer.seal(f"P{i:05d}", number(i)) for i in range(3)}  # three data keys
    kms, calls = counting_kms()
    reader = KmsSealer(kms, opened_max=2, max_age_s=60.0, clock=clock)
    for pid in ("P00000", "P00001", "P00000", "P00001"):
        assert reader.open(pid, sealed[pid]) == number(int(pid[1:]))
    assert calls["Decrypt"] == 2  # each wrapped key once
    reader.open("P00002", sealed["P00002"])  # a third key: the least recently used (P00000's) is forgotten
    reader.open("P00001", sealed["P00001"])
    assert calls["Decrypt"] == 3
    reader.open("P00000", sealed["P00000"])
    assert calls["Decrypt"] == 4
    clock.now += 60.0  # too old to keep
    reader.open("P00000", sealed["P00000"])
    assert calls["Decrypt"] == 5


def test_a_record_sealed_before_under_its_own_data_key_still_opens_and_is_revealed(embedded: None) -> None:
    # As the vault sealed before the batch keys: one GenerateDataKey a number, its context naming the person.
    kms = boto3.client("kms", region_name=AWS_REGION)
    dk = kms.generate_data_key(KeyId=key_alias(DataClass.MY_NUMBER), KeySpec="AES_256",
                               EncryptionContext=person_context("P00001"))
    nonce = bytes(range(12))
    ct = AESGCM(bytes(dk["Plaintext"])).encrypt(nonce, number(1).encode(), b"P00001")
    b64 = base64.b64encode
    old = Sealed(b64(ct).decode(), b64(nonce).decode(), b64(dk["CiphertextBlob"]).decode())
    store, sealer = PynamoVaultStore(), KmsSealer()
    store.put_current(StoredNumber("P00001", sealer.hash_of(number(1)), old, "2026-04-01T00:00:00+09:00",
                                   "S0001"), CLERK)
    vault = Vault(store, sealer, AccessGrants())
    assert vault.find(number(1), CLERK) == "P00001"
    current = store.current("P00001")
    assert current is not None and sealer.open("P00001", current.sealed) == number(1)
    with pytest.raises(VaultError):
        sealer.open("P00002", old)  # still bound to its person
    assert vault.store("P00001", number(1), CLERK) == "unchanged"


def test_the_trail_detection_reports_a_batch_data_key_used_outside_the_vault() -> None:
    # The sealer's context and the mynumber-access detection are written in two places: held together here.
    import copy

    from kokuho.identity.vault_kms import batch_context
    from kokuho.trail.detections import load_detections
    from kokuho.trail.scan import Scanner

    detection = next(d for d in load_detections() if d.id == "mynumber-access")
    raw = json.loads((files("kokuho.data") / "detections" / "mynumber-access.json").read_text(encoding="utf-8"))
    outsider = next(r for r in raw["tests"][0]["records"] if r["eventSource"] == "kms.amazonaws.com")
    records = []
    for n, name in enumerate(("GenerateDataKey", "Decrypt")):
        r = copy.deepcopy(outsider)
        r.update(eventName=name, eventID=f"00000{n}00-0000-4000-8000-000000000000",
                 requestParameters={"encryptionContext": batch_context("ab" * 16)})
        records.append(r)
    scanner = Scanner([detection], {detection.id: {}})
    scanner.feed(records)
    assert sorted(e for f in scanner.findings() for e in f.event_ids) == sorted(r["eventID"] for r in records)


def test_each_caller_gets_its_own_data_keys_so_kms_names_each(embedded: None) -> None:
    # Requests inside signing_with(credentials) are signed as that caller (kokuho.access.data_role): a
    # member of staff's store or read never rides on a key another caller's session generated or opened.
    from botocore.credentials import Credentials

    from kokuho.platform.request_credentials import signing_with

    kms, calls = counting_kms()
    sealer = KmsSealer(kms)
    staff_a, staff_b = (Credentials(f"ASIA{c * 16}", "secret", "token") for c in "AB")
    with signing_with(staff_a):
        a1, a2 = sealer.seal("P00001", number(1)), sealer.seal("P00002", number(2))
    with signing_with(staff_b):
        b1 = sealer.seal("P00003", number(3))
        assert sealer.open("P00001", a1) == number(1)  # B opens A's key through KMS itself
    with signing_with(staff_a):
        assert sealer.open("P00002", a2) == number(2) and sealer.open("P00001", a1) == number(1)
    assert a1.encrypted_data_key == a2.encrypted_data_key != b1.encrypted_data_key
    assert calls == {"GenerateDataKey": 2, "Decrypt": 2}


def counting_dynamodb_reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Read requests reaching the embedded DynamoDB, by operation (what CloudTrail logs one event each)."""
    from moto.dynamodb.responses import DynamoHandler

    calls: Counter[str] = Counter()
    for name in ("get_item", "query", "batch_get_item", "scan", "transact_get_items"):
        original = getattr(DynamoHandler, name)

        def counted(self: Any, _original: Any = original, _name: str = name) -> Any:
            calls[_name] += 1
            return _original(self)

        monkeypatch.setattr(DynamoHandler, name, counted)
    return calls


def test_a_batch_of_numbers_is_checked_against_other_holders_a_hundred_a_request(
        embedded: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The intake of a city's numbers: one principal reading a keyed hash per person (a Query each) was a
    bulk read of the My Number table in the trail; the holders are now read by batch (claims)."""
    vault = Vault(PynamoVaultStore(), KmsSealer(), AccessGrants())
    vault.store("P-FIRST", number(1), CLERK)  # the secret exists: its reads are not the batch's
    reads = counting_dynamodb_reads(monkeypatch)
    items = [(f"P{i:05d}", number(20_000 + i)) for i in range(300)]
    assert vault.store_many(items, CLERK) == {"stored": 300}
    # was 300 Queries, one keyed-hash look-up a number; now: the persons and the claims (3 batches each),
    # the secret's claims flag, and the head of the batch's access chain once (issue 14 item 3: the records
    # joined each transaction's first person's chain, its head read before each of the 14 transactions)
    assert reads["batch_get_item"] == 6 and reads["get_item"] == 1, dict(reads)
    assert reads["query"] <= 1, dict(reads)
    assert sum(reads.values()) <= 300 // 10, dict(reads)  # was more than 300
    from kokuho.access.records import records_of_subject, verify_all

    for pid in ("P00000", "P00150", "P00299"):
        assert [(r.operation, r.result) for r in records_of_subject(pid)] == [("store", "ok")]
    assert verify_all()[2] == []


def test_a_number_held_by_another_person_goes_to_review_in_a_batch_also_from_before_claims(embedded: None) -> None:
    from kokuho.records.vault_store import CLAIM_SK, HMAC_PK, HMAC_SK, ClaimModel, HmacSecretModel

    vault = Vault(PynamoVaultStore(), KmsSealer(), AccessGrants())
    vault.store("P1", number(1), CLERK)
    vault.store("P2", number(2), CLERK)
    assert vault.store_many([("P3", number(1)), ("P4", number(4))], CLERK) == {"stored": 1, "review": 1}
    # a vault holding a number stored before claims (no claim, the secret without the flag): looked up by
    # its keyed hash, as before
    ClaimModel(f"MNH#{vault.hash_of(number(2))}", CLAIM_SK).delete()
    secret = HmacSecretModel.get(HMAC_PK, HMAC_SK)
    secret.claims = None
    secret.save()
    assert not PynamoVaultStore().claims_complete()
    assert vault.store_many([("P5", number(2)), ("P6", number(6))], CLERK) == {"stored": 1, "review": 1}
    assert vault.numbers.current("P5") is None


def test_a_batch_key_s_id_never_reads_as_a_my_number(embedded: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The data key's id (32 random hex characters) stands in the KMS encryption context — every CloudTrail event of
    the key, which the local trail scrubs to "***" when a value reads as a My Number — and in every record it seals.
    Twelve digits with a valid check digit turn up about once in a thousand draws: such a draw is drawn again."""
    from kokuho.identity import vault_kms
    from kokuho.identity.mynumber import contains_my_number

    clean = "abcdef0123abcdef0123abcdef012345"
    draws = iter([f"abcd{number(7)}abcdef01234567", clean])
    monkeypatch.setattr(vault_kms.secrets, "token_hex", lambda n: next(draws))
    sealed = KmsSealer(boto3.client("kms", region_name=AWS_REGION)).seal("P00001", number(1))
    key_id = sealed.encrypted_data_key.split(":")[1]
    assert key_id == clean and not contains_my_number(key_id)
