"""What a batch of the annual run writes to DynamoDB, counted by the embedded AWS's capacity meter
(kokuho_local.capacity_meter: DynamoDB's billing rules): each item the write floor (issue 14 item 1)
removed stays removed — a regression is a test failure, not a figure that drifts in the benchmark."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kokuho.access.records import records_of_chain
from kokuho.assessment.batch import assess_batch
from kokuho.assessment.household_cases import put_household_cases
from kokuho.records.assessment_store import DynamoAssessmentStore
from kokuho_local.capacity_meter import metered
from kokuho_local.embedded import EmbeddedAWS
from kokuho_local.synthetic import generate_city

FY = 2024


def _batch(aws: EmbeddedAWS, households: int, run_id: str = "wf-run") -> tuple[dict[str, Any], list[str]]:
    city = generate_city(households, seed=11, fiscal_year=FY)
    ids = [h.household_id for h in city.households]
    put_household_cases(((h.household_id, h.case) for h in city.households), changed_at=datetime.now(UTC))
    event = {"run_id": run_id, "fiscal_year": FY, "as_of_month": f"{FY}-06", "mode": "annual",
             "execution_id": "local", "batch": {"batch_id": "p001-b00000", "pass": 1, "fiscal_year": FY,
                                                "household_ids": ids}}
    return event, ids


def test_a_full_batch_writes_one_write_record_naming_every_household_it_wrote(aws: EmbeddedAWS) -> None:
    """100 households, each a new version: what follows the versions (the ledgers' charges, then the write
    record) is one chunk — one write record, twice in its transaction with its link, instead of one every
    24 households (and then every 49, 98)."""
    event, ids = _batch(aws, 100)
    assert assess_batch(DynamoAssessmentStore(), event)["written"] == 100
    records = list(records_of_chain("wf-run#p001-b00000"))
    reads = [r for r in records if r.operation == "read"]
    writes = [r for r in records if r.operation == "write"]
    assert len(reads) == 1 and sorted(reads[0].subject_ids) == sorted(ids)
    assert sorted(h for w in writes for h in w.subject_ids) == sorted(ids)  # every household written, once
    assert len(writes) == 1


def test_the_version_is_the_commit_point_one_write_unit_and_no_case_or_index_written(aws: EmbeddedAWS) -> None:
    """Issue 14: the assessment writes a household's version — one conditional PutItem of ≤ 1 KB, one write
    unit — and neither its case (no assessed mark, no pointer) nor the pending index (no entry deleted); the
    version names the case change it assessed, so the household is no longer pending, and an intake's change
    after it makes it pending again."""
    from kokuho.assessment.household_cases import get_household_case, pending_household_ids, put_household_case

    event, ids = _batch(aws, 20)
    store = DynamoAssessmentStore()
    assert pending_household_ids(FY) == sorted(ids)
    with metered() as meter:
        assert assess_batch(store, event)["written"] == 20
        units = meter.snapshot()["by_op"]
    assert units["PutItem kokuho-assessment ASSESS"] == 20
    assert not [op for op, n in units.items() if "HHCASE" in op and n]  # the case and its index: untouched
    assert pending_household_ids(FY) == [] and store.every_household(FY) == sorted(ids)
    case = get_household_case(ids[3], FY)
    assert case is not None
    put_household_case(ids[3], case, changed_at=datetime.now(UTC))
    assert pending_household_ids(FY) == [ids[3]]


def test_the_batch_writes_no_ledger_item_and_collection_reads_the_charge_from_the_version(aws: EmbeddedAWS) -> None:
    """Issue 14 item 1: the ledger's charge is the version's — the batch writes nothing to the collection table
    (no ledger item, no payer-index entry: two write units a household before), and collection reads each
    household's charge from its version."""
    from kokuho.records.collection import DynamoCollectionStore

    event, ids = _batch(aws, 20)
    with metered() as meter:
        assert assess_batch(DynamoAssessmentStore(), event)["written"] == 20
        units = meter.snapshot()["by_op"]
    assert [op for op in units if "kokuho-collection" in op] == []
    ledgers = DynamoCollectionStore().ledgers([(h, FY) for h in ids])
    assert len(ledgers) == 20 and {lg.charge.version for lg in ledgers.values()} == {1}
