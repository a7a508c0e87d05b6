"""The monthly benefit run end to end on the embedded AWS (issue 13 items 2–3): a receipt file taken by its state
machine, then `benefits-monthly-run` (the ASL CDK deploys, run by moto's interpreter with the real Lambda handlers)
decides each household-month with brackets from the stored incomes and members, versions in DynamoDB, access records
of the workflow; a rerun writes nothing; an income 更正 recalculates the month paid with the difference."""

from __future__ import annotations

import secrets
from typing import Any

from kokuho.access.records import records_by_staff
from kokuho.intake.framing import build_file
from kokuho.records.benefits import DynamoBenefitStore
from kokuho.records.qualification import HouseholdModel, IncomeModel, PersonModel, household_pk, person_pk
from kokuho_local.embedded import EmbeddedAWS

STAFF = "system:benefit-run"


def person(pid: str, household: str, birth: str) -> None:
    PersonModel(person_pk(pid), "PROFILE", person_id=pid, resident_code=f"R{pid}", household_id=household,
                name_kanji="試験 一", name_kana="シケン ハジメ", birth_date=birth, sex="1", relationship="世帯主",
                postal_code="8020001", address="北九州市", updated_at="2024-04-01", updated_by="test",
                periods=[{"acquired_on": "2020-04-01", "acquire_reason": "move_in", "until": None,
                          "lose_reason": None}]).save()


def household(hid: str, *members: str) -> None:
    HouseholdModel(household_pk(hid), "PROFILE", household_id=hid, householder_id=members[0],
                   members=[{"person_id": p, "relationship": "世帯主" if i == 0 else "子", "joined_on": "2020-04-01",
                             "left_on": None} for i, p in enumerate(members)],
                   updated_at="2024-04-01", updated_by="test").save()


def income(pid: str, total: int) -> None:
    IncomeModel(person_pk(pid), "INCOME#2024", income={"total": total, "salary": total, "pension": 0,
                                                       "declared": True, "salary_or_pension_earner": True}).save()


def receipt(pid: str, month: str, copay: int, setting: str = "inpatient", points: int = 100_000) -> dict[str, Any]:
    return {"person_id": pid, "service_month": month, "provider_code": "4010000001", "setting": setting,
            "points": points, "total_cost": points * 10, "copay": copay}


def run(aws: EmbeddedAWS, run_month: str) -> Any:
    return aws.run_state_machine("benefits-monthly-run", {"run_month": run_month},
                                 name=f"b-{secrets.token_hex(4)}", timeout_s=180)


def test_the_monthly_benefit_run_after_the_receipt_file(aws: EmbeddedAWS) -> None:
    person("P1", "H1", "1980-05-10")
    person("P2", "H1", "2010-06-01")
    person("P7", "H7", "1952-05-10")
    household("H1", "P1", "P2")
    household("H7", "P7")
    income("P1", 3_000_000)  # ウ
    income("P2", 0)
    income("P7", 1_000_000)  # 一般, 2割
    s3, bucket = aws.client("s3"), aws.bucket_name("exchange")
    s3.put_object(Bucket=bucket, Key="receipts/incoming/2024-11.jsonl", Body=build_file([
        receipt("P1", "2024-10", 300_000), receipt("P2", "2024-10", 5_000, "outpatient", 5_000),
        receipt("P7", "2024-10", 20_000, "outpatient", 10_000)]))
    taken = aws.run_state_machine("benefits-receipt-intake", {}, name=f"r-{secrets.token_hex(4)}", timeout_s=120)
    assert [f["accepted"] for f in taken["files"]] == [True]

    out = run(aws, "2025-08")
    assert (out["status"], out["households"], out["versions_written"]) == ("completed", 2, 2)
    store = DynamoBenefitStore()
    h1 = store.version_docs("H1", "2024-10")
    # ウ: 80,100 + (1,000,000 − 267,000) × 1% = 87,430; P2's 5,000 is below 21,000 and not combined
    assert [d["result"] for d in h1] == [{"ceiling": 87_430, "multiple": False, "benefit": 212_570,
                                          "counts_for_multiple": True}]
    assert h1[0]["brackets"]["basis"]["insured"] == ["P1", "P2"]
    h7 = store.version_docs("H7", "2024-10")[0]
    assert (h7["result"]["benefit"], h7["brackets"]["bracket70"], h7["brackets"]["copay_ratios"]) == (
        2_000, "一般", {"P7": "2割"})
    assert out["benefit_paid"] == 214_570
    written = {s for r in records_by_staff(STAFF) if r.operation == "write" for s in r.subject_ids}
    read = {s for r in records_by_staff(STAFF) if r.operation == "read" for s in r.subject_ids}
    assert written == {"P1", "P2", "P7"} and read == {"P1", "P2", "P7"}

    again = run(aws, "2025-08")  # the same month again: a second pass, nothing new
    assert (again["passes"], again["versions_written"], again["benefit_paid"]) == (2, 2, 214_570)
    assert len(store.version_docs("H1", "2024-10")) == 1

    income("P1", 7_000_000)  # 更正 → イ: 167,400 + 4,420 = 171,820, benefit 128,180
    corrected = run(aws, "2025-09")
    docs = store.version_docs("H1", "2024-10")
    assert [(d["version"], d["kind"], d["difference"]) for d in docs] == [(1, "支給", 212_570), (2, "返還", -84_390)]
    assert (corrected["versions_written"], corrected["recovered"]) == (1, 84_390)
    assert store.benefit_months("H1") == ["2024-10"]
