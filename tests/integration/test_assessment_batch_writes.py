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


def test_a_full_batch_commits_in_as_few_transactions_as_dynamodb_allows(aws: EmbeddedAWS) -> None:
    """100 households, each a new version: their commits fill DynamoDB's transactions (≤ 100 items: the
    ledger's charge and the case a household, the write record and its link) — three write records, each
    twice in its transaction, instead of one every 24 households."""
    event, ids = _batch(aws, 100)
    assert assess_batch(DynamoAssessmentStore(), event)["written"] == 100
    records = list(records_of_chain("wf-run#p001-b00000"))
    reads = [r for r in records if r.operation == "read"]
    writes = [r for r in records if r.operation == "write"]
    assert len(reads) == 1 and sorted(reads[0].subject_ids) == sorted(ids)
    assert sorted(h for w in writes for h in w.subject_ids) == sorted(ids)  # every household written, once
    assert len(writes) == 3


def test_assessing_a_case_takes_it_out_of_the_pending_index_for_one_index_unit(aws: EmbeddedAWS) -> None:
    """The case's assessed mark does not move its gsi1 entry to another partition (a delete and a put:
    two index write units): it takes the case out of gsi1 (one), its entry among the year's cases (gsi2,
    keys only) is not written; the case is still of its year and no longer pending — and the pending
    index holds none of them, so a monthly run's Prepare reads only what is pending."""
    from kokuho.records.assessments import CASE_SHARDS, HouseholdCaseModel

    event, ids = _batch(aws, 20)
    store = DynamoAssessmentStore()
    assert store.pending_households(FY) == sorted(ids)
    with metered() as meter:
        assert assess_batch(store, event)["written"] == 20
        units = meter.snapshot()["by_op"]
    assert units["TxPut kokuho-assessment HHCASE"] == 20 * (2 + 1)  # the case in the transaction + its entry
    assert store.pending_households(FY) == [] and store.every_household(FY) == sorted(ids)
    assert not any(list(HouseholdCaseModel.by_change.query(f"HHCASE#FY#{FY}#S{s:02d}")) for s in range(CASE_SHARDS))
    # an intake's change after the mark makes the case pending again: the next run takes it
    from kokuho.assessment.household_cases import get_household_case, put_household_case

    case = get_household_case(ids[3], FY)
    assert case is not None
    put_household_case(ids[3], case, changed_at=datetime.now(UTC))
    assert store.pending_households(FY) == [ids[3]]


def test_a_case_marked_in_the_former_assessed_partition_stays_assessed_until_it_changes(aws: EmbeddedAWS) -> None:
    """Cases marked before the in-place mark were moved to their shard's "#A" partition: they are of the
    year and not pending; an intake's change puts them back in the shard's partition, pending."""
    from kokuho.assessment.household_cases import put_household_case
    from kokuho.records.assessments import HouseholdCaseModel

    _, ids = _batch(aws, 3)
    moved = HouseholdCaseModel.get(*HouseholdCaseModel.key(ids[0], FY))
    moved.gsi1pk = f"{moved.gsi1pk}#A"  # as the former mark left it (no `ac`)
    moved.save()
    store = DynamoAssessmentStore()
    assert store.pending_households(FY) == sorted(ids[1:])
    assert store.every_household(FY) == sorted(ids)
    (_, mark), = store.cases_for_assessment([ids[0]], FY).values()
    assert not mark.pending
    put_household_case(ids[0], dict(moved.case), changed_at=datetime.now(UTC))
    assert store.pending_households(FY) == sorted(ids)
