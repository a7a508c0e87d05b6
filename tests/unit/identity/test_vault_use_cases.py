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


def _numbers(n: int) -> list[str]:
    return [f"{i:011d}" + str(check_digit(f"{i:011d}")) for i in range(100, 100 + n)]


def test_many_numbers_are_stored_together_with_the_same_outcomes_as_one_by_one() -> None:
    v, store = world()
    v.store("P0", NUM_A, CLERK)
    batch = [(f"P{i + 1}", n) for i, n in enumerate(_numbers(70))]
    batch += [("P0", NUM_A), ("P0", NUM_B), ("Q1", NUM_A), ("Q2", batch[0][1])]  # unchanged; review ×3
    out = v.store_many(batch, CLERK)
    assert out == {"stored": 70, "unchanged": 1, "review": 3}
    assert all(v.find(n, CLERK) == pid for pid, n in batch[:70])
    assert {"P1", "P70"} <= store.on_file and "Q1" not in store.numbers and "Q2" not in store.numbers
    assert [(e.person_id, e.reason) for e in v.review_list()] == [
        ("P0", "different_number"), ("Q1", "held_by_another_person"), ("Q2", "held_by_another_person")]
    stored = {s for staff, subjects, op, result in store.access if op == "store" and result == "ok" for s in subjects}
    assert stored == {f"P{i}" for i in range(71)}  # every person stored is named by an access record
    writes = [a for a in store.access if a[2] == "store" and a[3] == "ok"]
    assert len(writes) < 10  # many numbers a write, each with its record


def test_a_batch_that_meets_a_concurrent_writer_stores_each_number_once() -> None:
    v, store = world()
    store.conflicts = 1  # the first batch write finds another writer: its numbers are taken one by one
    assert v.store_many([(f"P{i}", n) for i, n in enumerate(_numbers(5))], CLERK) == {"stored": 5}
    assert len(store.numbers) == 5
