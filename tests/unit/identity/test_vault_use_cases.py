"""The My Number vault's use cases (kokuho.identity.vault_service) on the in-memory fakes of its ports
(tests/fakes/vault.py): no moto, no KMS. The same on the embedded AWS: tests/integration/qualification/
test_qualification_vault.py."""

from __future__ import annotations

import pytest
from fakes.vault import FakeGrants, FakeSealer, InMemoryVaultStore

from kokuho.access.actor import Actor
from kokuho.identity.mynumber import InvalidMyNumber, check_digit
from kokuho.identity.vault_service import RevealDenied, Vault, VaultError

NUM_A = "12345678901" + str(check_digit("12345678901"))  # valid; never printed
NUM_B = "02345678901" + str(check_digit("02345678901"))
CLERK = Actor("S0001", "T1", "資格取得の届出")
REVEALER = Actor("S0002", "T2", "番号の確認")


def world() -> tuple[Vault, InMemoryVaultStore]:
    store = InMemoryVaultStore()
    return Vault(store, FakeSealer(), FakeGrants({"S0002": "番号の確認"})), store


def test_a_number_is_stored_sealed_found_by_its_hash_and_marked_on_file() -> None:
    v, store = world()
    assert v.store("P1", NUM_A, CLERK) == "stored"
    stored = store.numbers["P1"]
    assert NUM_A not in repr(stored)  # sealed, and the hash is not the number
    assert store.on_file == {"P1"} and v.has_number("P1")
    assert v.find(NUM_A, CLERK) == "P1"
    assert v.find(NUM_B, CLERK) is None
    assert store.access == [("S0001", ["P1"], "store", "ok"), ("S0001", ["P1"], "lookup", "ok"),
                            ("S0001", ["no-match"], "lookup", "not_found")]


def test_the_same_number_again_is_unchanged_and_any_shape_is_one_number() -> None:
    v, store = world()
    v.store("P1", NUM_A, CLERK)
    assert v.store("P1", f"{NUM_A[:4]}-{NUM_A[4:8]}-{NUM_A[8:]}", CLERK) == "unchanged"
    assert store.access[-1] == ("S0001", ["P1"], "store", "unchanged")


def test_a_second_number_or_one_held_by_another_person_goes_on_the_review_list_once() -> None:
    v, store = world()
    v.store("P1", NUM_A, CLERK)
    assert v.store("P1", NUM_B, CLERK) == "review"  # never stored over the first
    assert v.store("P2", NUM_A, CLERK) == "review"  # held by P1
    assert v.store("P2", NUM_A, CLERK) == "review"  # held once
    assert store.numbers["P1"].digest == FakeSealer().hash_of(NUM_A) and "P2" not in store.numbers
    assert [(e.person_id, e.reason) for e in v.review_list()] == [("P1", "different_number"),
                                                                 ("P2", "held_by_another_person")]
    assert [a[3] for a in store.access if a[1] == ["P2"]] == ["review", "review"]


def test_a_reveal_needs_the_grant_and_is_recorded_either_way() -> None:
    v, store = world()
    v.store("P1", NUM_A, CLERK)
    with pytest.raises(RevealDenied):
        v.reveal("P1", CLERK)
    with pytest.raises(RevealDenied):
        v.reveal("P1", Actor("S0002", "T2", "another purpose"))
    assert v.reveal("P1", REVEALER) == NUM_A
    with pytest.raises(VaultError, match="no My Number"):
        v.reveal("P9", REVEALER)
    assert [(a[0], a[2], a[3]) for a in store.access if a[2] == "reveal"] == [
        ("S0001", "reveal", "denied"), ("S0002", "reveal", "denied"), ("S0002", "reveal", "ok"),
        ("S0002", "reveal", "not_found")]


def test_a_sealed_number_does_not_open_for_another_person() -> None:
    v, store = world()
    v.store("P1", NUM_A, CLERK)
    sealed = store.numbers["P1"].sealed
    with pytest.raises(VaultError):
        v.decrypt("P2", *sealed)


def test_a_concurrent_writer_makes_the_store_look_again() -> None:
    v, store = world()
    store.conflicts = 2
    assert v.store("P1", NUM_A, CLERK) == "stored"
    store.conflicts = 4  # every attempt loses: the conflict reaches the caller
    with pytest.raises(Exception, match="concurrent"):
        v.store("P2", NUM_B, CLERK)
    assert "P2" not in store.numbers


def test_an_invalid_number_is_refused_and_nothing_recorded() -> None:
    v, store = world()
    with pytest.raises(InvalidMyNumber):
        v.store("P1", NUM_A[:11] + str((int(NUM_A[11]) + 1) % 10), CLERK)
    assert store.numbers == {} and store.access == []
