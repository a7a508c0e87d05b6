"""One contract, two adapters, for the receipt store: the in-memory fake the receipt intake's unit tests run on
(tests/fakes/receipt_store.py) and the pynamodb adapter (kokuho.records.receipts) behave alike where the intake
relies on it — periods of known persons only, a person-month written only from what it held, a held receipt put
once, the access record of each person written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fakes.receipt_store import InMemoryReceiptStore

from kokuho.access.actor import Actor
from kokuho.benefits.receipt_ports import HeldReceipt, InsuredPeriod, MonthWrite, StoredReceipt, WriteConflict

INTAKE = Actor("system:receipt-intake", "test", "レセプトの取込")
R1 = StoredReceipt("1310000001", "outpatient", 100, 1_000, 300, "digest", 1)
R2 = StoredReceipt("1310000002", "dental", 50, 500, 150, "digest", 2)


@pytest.fixture(params=["fake", "pynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "fake":
        s = InMemoryReceiptStore()
        s.periods = {"P1": (InsuredPeriod(date(2020, 4, 1), date(2026, 4, 11)),)}
        yield s
        return
    from kokuho_local.embedded import embedded_aws

    with embedded_aws():
        from kokuho.records.qualification import PersonModel, person_pk
        from kokuho.records.receipts import DynamoReceiptStore

        PersonModel(person_pk("P1"), "PROFILE", person_id="P1", resident_code="R1", household_id="H1",
                    name_kanji="試験 一", name_kana="シケン ハジメ", birth_date="1980-01-01", sex="1",
                    relationship="世帯主", postal_code="1000001", address="東京都", updated_at="2026-05-01",
                    updated_by="test",
                    periods=[{"acquired_on": "2020-04-01", "acquire_reason": "move_in", "until": "2026-04-11",
                              "lose_reason": "move_out"}]).save()
        yield DynamoReceiptStore()


def test_periods_of_known_persons_only(store: Any) -> None:
    assert store.insured_periods(["P1", "P9"]) == {"P1": (InsuredPeriod(date(2020, 4, 1), date(2026, 4, 11)),)}


def test_a_person_month_is_written_only_from_what_it_held(store: Any) -> None:
    store.apply([MonthWrite("P1", (2026, 3), [R1], 0)], [], actor=INTAKE, chain="receipts#t")
    with pytest.raises(WriteConflict):
        store.apply([MonthWrite("P1", (2026, 3), [R2], 0)], [], actor=INTAKE, chain="receipts#t")
    store.apply([MonthWrite("P1", (2026, 3), [R2], 1)], [], actor=INTAKE, chain="receipts#t")
    months = store.person_months([("P1", (2026, 3)), ("P1", (2026, 4))])
    assert list(months) == [("P1", (2026, 3))] and months[("P1", (2026, 3))].receipts == (R1, R2)


def test_a_held_receipt_is_put_once_and_listed(store: Any) -> None:
    held = HeldReceipt("digest-3", "P1", (2026, 6), R1, "outside")
    store.apply([], [held], actor=INTAKE, chain="receipts#t")
    with pytest.raises(WriteConflict):
        store.apply([MonthWrite("P1", (2026, 3), [R1], 0)], [held], actor=INTAKE, chain="receipts#t")
    assert store.person_months([("P1", (2026, 3))]) == {}  # nothing of the refused transaction
    assert store.held_ids(["digest-3", "digest-4"]) == {"digest-3"} and store.held_receipts() == [held]


def test_files_and_access_records(store: Any) -> None:
    assert store.receipt_file("d1") is None
    store.mark_file("d1", {"key": "k", "applied": 1})
    assert store.receipt_file("d1") == {"key": "k", "applied": 1}
    store.record_reads(["P1"], actor=INTAKE, chain="receipts#a")
    store.apply([MonthWrite("P1", (2026, 3), [R1], 0)], [], actor=INTAKE, chain="receipts#a")
    if isinstance(store, InMemoryReceiptStore):
        assert store.access == [(INTAKE, ["P1"], "read"), (INTAKE, ["P1"], "write")]
    else:
        from kokuho.access.records import records_of_chain

        assert [(list(r.subject_ids), r.operation) for r in records_of_chain("receipts#a")] == [
            (["P1"], "read"), (["P1"], "write")]


def test_only_the_run_holding_the_file_writes_and_its_mark_lets_it_go(store: Any) -> None:
    """Two runs of one file at once (kokuho.benefits.receipt_intake rule 6): the run taken over writes nothing."""
    first = store.take_lease("digest")
    second = store.take_lease("digest")
    assert store.holds_lease("digest", second) and not store.holds_lease("digest", first)
    held = HeldReceipt("digest-3", "P1", (2026, 6), R1, "outside")
    with pytest.raises(WriteConflict):
        store.apply([], [held], actor=INTAKE, chain="receipts#t", lease=first)
    with pytest.raises(WriteConflict):
        store.apply([MonthWrite("P1", (2026, 3), [R1], 0)], [], actor=INTAKE, chain="receipts#t", lease=first)
    with pytest.raises(WriteConflict):
        store.mark_file("digest", {"key": "a"}, lease=first)
    assert store.held_ids(["digest-3"]) == set() and store.person_months([("P1", (2026, 3))]) == {}
    assert store.receipt_file("digest") is None
    store.apply([MonthWrite("P1", (2026, 3), [R1], 0)], [held], actor=INTAKE, chain="receipts#t", lease=second)
    store.mark_file("digest", {"key": "b"}, lease=second)
    assert store.receipt_file("digest") == {"key": "b"} and not store.holds_lease("digest", second)
