"""The subject index of an annual run's batch (issue 14 item 1), counted by the embedded AWS's capacity meter
(kokuho_local.capacity_meter: DynamoDB's billing rules): the batch's read record names its 100 households, read in
the order of their ids, and their entries are shared by the households of a bucket (kokuho.access.subject_index)
— one or two entries, committed in the record's own transaction, instead of a hundred in transactions after it
(2.0 write units a household) — while who-accessed still finds the batch for every household and `kokuho audit
verify` still holds each household to its entry."""

from __future__ import annotations

from datetime import UTC, datetime

from kokuho.access.records import Actor, records_of_subject, verify_all
from kokuho.access.search import who_accessed
from kokuho.assessment.batch import assess_batch
from kokuho.assessment.household_cases import put_household_cases
from kokuho.dates.tokyo import today_jst
from kokuho.records.assessment_store import DynamoAssessmentStore
from kokuho_local.capacity_meter import metered
from kokuho_local.embedded import EmbeddedAWS
from kokuho_local.synthetic import generate_city

FY = 2024
AUDITOR = Actor(staff_id="A0001", terminal_id="T-SEC-01", purpose="アクセス記録の点検")


def test_a_batch_reads_entries_cost_at_most_a_tenth_of_a_unit_a_household_and_find_every_household(
        aws: EmbeddedAWS) -> None:
    city = generate_city(100, seed=11, fiscal_year=FY)
    ids = [h.household_id for h in city.households]
    put_household_cases(((h.household_id, h.case) for h in city.households), changed_at=datetime.now(UTC))
    event = {"run_id": "si-run", "fiscal_year": FY, "as_of_month": f"{FY}-06", "mode": "annual",
             "execution_id": "local", "batch": {"batch_id": "p001-b00000", "pass": 1, "fiscal_year": FY,
                                                "household_ids": sorted(ids)}}
    with metered() as meter:
        assert assess_batch(DynamoAssessmentStore(), event)["written"] == 100
        units = meter.snapshot()["by_op"]
    index_units = sum(v for op, v in units.items() if op.endswith(("access-log SUBJ", "access-log SUBJS")))
    assert 0 < index_units <= 0.1 * 100  # was 2.0 a household: a hundred entries, each twice in a transaction
    today = today_jst().isoformat()  # the searches take days in Japan
    for h in ids:
        assert [(r.chain, r.operation) for r in records_of_subject(h)] == [("si-run#p001-b00000", "read")]
    rows = who_accessed(ids[37], today, today, AUDITOR)
    assert [(r["subject_id"], r["staff_id"], r["terminal_id"], r["category"], r["operation"], r["subjects"])
            for r in rows][0] == (ids[37], "system:monthly-assessment", "local", "賦課用世帯情報", "read", 100)
    assert rows[0]["purpose"]
    assert verify_all()[2] == []
