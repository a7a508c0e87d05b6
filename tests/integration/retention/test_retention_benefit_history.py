"""Probe (retention × benefits): a benefit month is history for the months after it — the 多数回 count reads the
11 months before a month, the 一般 70–74 yearly outpatient cap the months since August — and the monthly benefit
run decides every month of its 24-month window again. The retention run deleted a month's benefit items (and its
receipts) 2 years after the month's right arose, while the window's first months still read them: the next run
decided those months again without the purged months, the 4th month in 12 lost its 多数回 ceiling, and a new
version with less benefit made a 返還金 claim of money rightly paid. A month's benefit items and receipts are kept
until the last month that reads them as history (11 months on) is itself past its 2 years."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from kokuho.records.benefits import DynamoBenefitStore
from kokuho.records.qualification import HouseholdModel, IncomeModel, PersonModel, household_pk, person_pk
from kokuho.records.receipts import PersonMonthModel
from kokuho.retention.run import run_retention
from kokuho.retention.wiring import access_purge, record_tables
from kokuho_local.embedded import EmbeddedAWS

MONTHS = ("2024-09", "2024-10", "2024-11", "2024-12")


def _household() -> None:
    PersonModel(person_pk("P1"), "PROFILE", person_id="P1", resident_code="RP1", household_id="H1",
                name_kanji="試験 一", name_kana="シケン ハジメ", birth_date="1980-05-10", sex="1",
                relationship="世帯主", postal_code="8020001", address="北九州市", updated_at="2020-04-01",
                updated_by="test",
                periods=[{"acquired_on": "2020-04-01", "acquire_reason": "move_in", "until": None,
                          "lose_reason": None}]).save()
    HouseholdModel(household_pk("H1"), "PROFILE", household_id="H1", householder_id="P1",
                   members=[{"person_id": "P1", "relationship": "世帯主", "joined_on": "2020-04-01", "left_on": None}],
                   updated_at="2020-04-01", updated_by="test").save()
    IncomeModel(person_pk("P1"), "INCOME#2024", income={"total": 3_000_000, "salary": 3_000_000, "pension": 0,
                                                        "declared": True, "salary_or_pension_earner": True}).save()
    for n, month in enumerate(MONTHS):
        receipt: dict[str, Any] = {"provider_code": "4010000001", "setting": "inpatient", "points": 100_000,
                                   "total_cost": 1_000_000, "copay": 300_000, "file_digest": "d" * 64, "line": n + 2}
        PersonMonthModel(*PersonMonthModel.key("P1", (2024, int(month[5:]))), person_id="P1", service_month=month,
                         receipt_count=1, receipts=[receipt]).save()


def _run(aws: EmbeddedAWS, run_month: str) -> Any:
    return aws.run_state_machine("benefits-monthly-run", {"run_month": run_month}, name=f"b-{secrets.token_hex(4)}",
                                 timeout_s=180)


def test_the_months_a_later_month_reads_as_history_stay_while_it_is_open(aws: EmbeddedAWS) -> None:
    _household()
    first = _run(aws, "2025-02")
    assert first["versions_written"] == 4
    december = DynamoBenefitStore().version_docs("H1", "2024-12")
    assert [(d["result"]["multiple"], d["result"]["ceiling"]) for d in december] == [(True, 44_400)]  # 4th in 12

    # 1 December 2026: September–November 2024 are 2 years past their right; December 2024 is not (the first month
    # of this month's window)
    run_retention(datetime(2026, 12, 1, 3, 0, tzinfo=UTC), s3=aws.client("s3"), bucket_name=aws.bucket_name,
                  dry_run=False, record_tables=record_tables(), access_log=access_purge(), access_floors={},
                  run_id="r")
    later = _run(aws, "2026-12")  # window 2024-12 .. 2026-11
    assert later["versions_written"] == 0 and later["recovered"] == 0
    assert len(DynamoBenefitStore().version_docs("H1", "2024-12")) == 1
