"""One contract, two adapters, for the access-record writer's storage (kokuho.access.ports.AccessRecordStore):
the in-memory fake the unit tests run on (tests/fakes/access_records.py) and the pynamodb adapter
(kokuho.records.access_log.PynamoAccessRecords) behave alike where kokuho.access.records relies on it — a
position taken once, a record appended only to the predecessor it names, its subject index entries with
it, pending writes all or nothing with `settled` told either way."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fakes.access_records import InMemoryAccessRecords, PendingFailed
from pynamodb.exceptions import TransactWriteError

from kokuho.access import subject_index
from kokuho.access.chain import GENESIS, record_hash
from kokuho.access.ports import AccessRecord, ChainTaken


@pytest.fixture(params=["fake", "pynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "fake":
        yield InMemoryAccessRecords()
        return
    from kokuho.records.access_log import PynamoAccessRecords
    from kokuho_local.embedded import embedded_aws

    with embedded_aws():
        yield PynamoAccessRecords()


def _item(chain: str, seq: int, prev: str, subjects: list[str], staff: str = "S0001") -> dict[str, Any]:
    at = f"2026-04-10T09:00:{seq:02d}.000000+00:00"
    item: dict[str, Any] = {
        "pk": f"CHAIN#{chain}", "sk": f"REC#{seq:010d}", "chain": chain, "seq": seq, "at": at,
        "staff_id": staff, "terminal_id": "T1", "purpose": "資格管理", "subject_ids": subjects,
        "category": "qualification", "operation": "read", "result": "ok", "prev_hash": prev,
        "gsi1pk": f"STAFF#{staff}", "gsi1sk": f"{at}#0000000{seq}", "subject_index": subject_index.INDEX_VERSION}
    item["hash"] = record_hash(item)
    return item


def _settled() -> tuple[list[bool], Any]:
    told: list[bool] = []
    return told, told.append


def test_a_record_appended_on_its_own_is_the_head_and_read_back_every_way(store: Any) -> None:
    assert store.head("C1") is None
    first = _item("C1", 1, GENESIS, ["P1", "P2", "P1"])
    told, settled = _settled()
    store.append(first, None, settled)
    assert told == [True] and store.head("C1") == (1, first["hash"])
    second = _item("C1", 2, first["hash"], ["P2"], staff="S0002")
    store.append(second, None, settled)
    assert store.head("C1") == (2, second["hash"])
    assert list(store.chain("C1")) == [AccessRecord.of(first), AccessRecord.of(second)]
    assert [r.seq for r in store.by_staff("S0001")] == [1]
    assert [r.seq for r in store.of_subject("P2")] == [1, 2] and [r.seq for r in store.of_subject("P1")] == [1]
    index = sorted((i["pk"], i["sk"]) for i in store.items() if subject_index.is_entry(i))
    assert [pk for pk, _ in index] == ["SUBJ#P1", "SUBJ#P2", "SUBJ#P2"]  # a subject named twice: one entry


def test_the_subjects_of_one_bucket_share_an_entry_and_each_is_found_through_it(store: Any) -> None:
    # A batch's read record: households in the order of their ids (the work list's), and one person besides.
    # Ten or more of one bucket (ids alike but their last two characters) share an entry; fewer keep their own
    households = [f"H0000{n}" for n in range(181, 215)]
    store.append(_item("RUN#B1", 1, GENESIS, [*households, "Q7"]), None, lambda committed: None)
    entries = {str(i["pk"]): i.get("m") for i in store.items() if subject_index.is_entry(i)}
    assert entries == {"SUBJS#H00001": [str(n) for n in range(81, 100)],
                       "SUBJS#H00002": [f"{n:02d}" for n in range(15)], "SUBJ#Q7": None}
    assert {h: [r.seq for r in store.of_subject(h)] for h in [*households, "Q7"]} == dict.fromkeys(
        [*households, "Q7"], [1])
    assert store.of_subject("H0000180") == [] and store.of_subject("H0000215") == []  # in a bucket, not named
    store.append(_item("RUN#B2", 1, GENESIS, [f"H000030{d}" for d in range(9)]), None, lambda committed: None)
    assert {str(i["pk"]) for i in store.items() if "H00003" in str(i["pk"])} == {f"SUBJ#H000030{d}" for d in range(9)}


def test_a_taken_position_or_a_wrong_predecessor_is_refused_and_nothing_written(store: Any) -> None:
    first = _item("C2", 1, GENESIS, ["P1"])
    store.append(first, None, lambda committed: None)
    told, settled = _settled()
    with pytest.raises(ChainTaken):
        store.append(_item("C2", 1, GENESIS, ["P9"]), None, settled)  # a concurrent writer took seq 1
    with pytest.raises(ChainTaken):
        store.append(_item("C2", 2, "not-the-head", ["P9"]), None, settled)
    assert told == [False, False]
    assert list(store.chain("C2")) == [AccessRecord.of(first)] and store.of_subject("P9") == []


def test_pending_writes_commit_together_or_not_at_all(store: Any) -> None:
    told, settled = _settled()
    with store.pending() as pending:
        store.append(_item("X", 1, GENESIS, ["P1"]), pending, settled)
        store.append(_item("Y", 1, GENESIS, ["P2"]), pending, settled)
        assert store.head("X") is None  # nothing before the commit
    assert told == [True, True] and store.head("X") is not None and store.head("Y") is not None
    with pytest.raises((PendingFailed, TransactWriteError)):
        with store.pending() as pending:
            store.append(_item("Z", 1, GENESIS, ["P3"]), pending, settled)
            store.append(_item("X", 1, GENESIS, ["P3"]), pending, settled)  # taken: fails them both
    assert told == [True, True, False, False]
    assert store.head("Z") is None and store.of_subject("P3") == []
