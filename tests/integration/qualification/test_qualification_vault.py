"""My Number vault: encrypted at rest, found by keyed hash, never overwritten, reveal only by grant."""

from __future__ import annotations

from datetime import date

import boto3
import pytest

from kokuho.access.grants import Function
from kokuho.access.records import Actor, records_of_subject
from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff
from kokuho.identity.mynumber import InvalidMyNumber
from kokuho.identity.vault import (
    RevealDenied,
    find_person_by_my_number,
    reveal_my_number,
    store_my_number,
    vault,
)
from kokuho.platform.tables import AWS_REGION, table

NUM_A = "123456789018"
NUM_B = "023456789013"
CLERK = Actor("S0001", "T-KOKUHO-01", "資格管理 (国保法第9条)")
REVEAL_PURPOSE = "番号法第9条 個人番号利用事務 (資格取得届の確認)"
OFFICER = Actor("S0002", "T-KOKUHO-02", REVEAL_PURPOSE)


def _raw_items() -> list[dict]:
    client = boto3.client("dynamodb", region_name=AWS_REGION)
    return client.scan(TableName=table("mynumber").name())["Items"]


def _all_text_of_tables() -> str:
    client = boto3.client("dynamodb", region_name=AWS_REGION)
    return "".join(str(client.scan(TableName=t.name())["Items"]) for t in
                   (table("mynumber"), table("access_log"), table("staff"), table("qualification")))


def _officer(valid_until: date = date(2099, 3, 31)) -> None:
    put_staff(StaffMember("S0002", "番号 担当", "国保年金課", date(2020, 4, 1), None))
    put_grant(Grant("S0002", "g1", Function.REVEAL_MY_NUMBER, REVEAL_PURPOSE, "番号法第9条第1項 別表",
                    "国保年金課", date(2020, 4, 1), valid_until, "S9000", "2020-04-01T00:00:00+09:00"))


def test_stored_only_encrypted_and_found_only_by_keyed_hash(embedded: None) -> None:
    assert store_my_number("P0001", NUM_A, CLERK) == "stored"
    assert NUM_A not in str(_raw_items())
    assert find_person_by_my_number(NUM_A, CLERK) == "P0001"
    assert find_person_by_my_number(NUM_B, CLERK) is None
    assert NUM_A not in _all_text_of_tables()


def test_same_number_again_is_unchanged_and_a_different_one_goes_to_review(embedded: None) -> None:
    assert store_my_number("P0001", NUM_A, CLERK) == "stored"
    assert store_my_number("P0001", NUM_A, CLERK) == "unchanged"
    assert store_my_number("P0001", NUM_B, CLERK) == "review"
    assert store_my_number("P0002", NUM_A, CLERK) == "review"  # held by another person
    # the first number still stands; the second is only on the review list
    assert find_person_by_my_number(NUM_A, CLERK) == "P0001"
    assert find_person_by_my_number(NUM_B, CLERK) is None
    reasons = sorted((e.person_id, e.reason) for e in vault().review_list())
    assert reasons == [("P0001", "different_number"), ("P0002", "held_by_another_person")]


def test_invalid_number_is_refused_without_echoing_it(embedded: None) -> None:
    bad = "123456789019"
    with pytest.raises(InvalidMyNumber) as exc:
        store_my_number("P0001", bad, CLERK)
    assert bad not in str(exc.value)
    assert _raw_items() == []


def test_reveal_needs_an_active_grant_naming_the_purpose_and_is_recorded(embedded: None) -> None:
    store_my_number("P0001", NUM_A, CLERK)
    with pytest.raises(RevealDenied):
        reveal_my_number("P0001", CLERK)  # no grant at all
    _officer()
    with pytest.raises(RevealDenied):
        reveal_my_number("P0001", Actor("S0002", "T-KOKUHO-02", "好奇心"))  # purpose not granted
    assert reveal_my_number("P0001", OFFICER) == NUM_A
    ops = [(r.staff_id, r.operation, r.result) for r in records_of_subject("P0001")]
    assert ops == [("S0001", "store", "ok"), ("S0001", "reveal", "denied"),
                   ("S0002", "reveal", "denied"), ("S0002", "reveal", "ok")]
    assert NUM_A not in _all_text_of_tables()


def test_ciphertext_bound_to_the_person(embedded: None) -> None:
    from kokuho.identity.vault import VaultError
    from kokuho.records.vault_store import MyNumberModel

    store_my_number("P0001", NUM_A, CLERK)
    item = MyNumberModel.get("PERSON#P0001", "CURRENT")
    with pytest.raises(VaultError):
        vault().decrypt("P0002", item.ciphertext, item.nonce, item.encrypted_data_key)
