"""Probe (retention): a 高額療養費 month's right lasts 2 years (国保法 第110条) — unless it was claimed in time. A
household that applied for the month within the 2 years and is still owed it (the payment withheld under a 差止,
国保法 第63条の2, or waiting for an account) keeps its right: the payment run pays it once the 差止 is lifted,
however late (kokuho.benefits.payment: the claim's day decides). The retention run deleted the month's benefit
versions 2 years after the month whatever was owed: the payment run then saw no month, and the household was never
paid. A month paid in full, or never applied for, goes as before."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from kokuho.benefits.payment import Application, BenefitPayment, Withholding
from kokuho.records.benefit_payments import (
    BenefitPaymentItem,
    DynamoBenefitPaymentStore,
    application_doc,
    payment_doc,
    withholding_doc,
)
from kokuho.records.benefits import BenefitPointerModel, BenefitVersionModel
from kokuho.records.qualification import HouseholdModel, PersonModel, household_pk, person_pk
from kokuho.retention.run import run_retention
from kokuho.retention.wiring import access_purge, record_tables
from kokuho_local.embedded import EmbeddedAWS

INSURED = {"acquired_on": "2010-04-01", "acquire_reason": "move_in"}


def _household(person: str, household: str) -> None:
    PersonModel(person_pk(person), "PROFILE", person_id=person, resident_code=f"R{person}", household_id=household,
                name_kanji="試験", name_kana="シケン", birth_date="1980-01-01", sex="1", relationship="世帯主",
                postal_code="8020001", address="北九州市", updated_at="2020-04-01", updated_by="test",
                periods=[INSURED]).save()
    HouseholdModel(household_pk(household), "PROFILE", household_id=household, householder_id=person,
                   members=[{"person_id": person, "relationship": "世帯主", "joined_on": "2010-04-01"}],
                   updated_at="2020-04-01", updated_by="test").save()


def _benefit(household: str, person: str, month: str, amount: int) -> None:
    doc: dict[str, Any] = {"household_id": household, "service_month": month, "version": 1, "run_id": "r",
                           "result": {"benefit": amount}, "case": {"household": {"members": [
                               {"id": person, "bills": [{"copay": amount + 80_000}]}]}}}
    BenefitVersionModel(*BenefitVersionModel.key(household, month, 1), doc=doc).save()
    pk, sk = BenefitPointerModel.key(household, month)
    BenefitPointerModel(pk, sk, month=month, version=1, input_hash="h", run_id="r", benefit=amount,
                        difference=amount).save()


def _item(household: str, sk: str, doc: dict[str, Any]) -> None:
    BenefitPaymentItem(f"HH#{household}", sk, doc=doc).save()


def _months(household: str) -> list[str]:
    return [m.month for m in DynamoBenefitPaymentStore().household(household).months]


def test_a_month_claimed_in_time_and_not_yet_paid_is_kept(aws: EmbeddedAWS) -> None:
    _household("P1", "H1")
    for month in ("2022-03", "2022-04", "2022-05"):
        _benefit("H1", "P1", month, 50_000)
    # 2022-04 and 2022-05 applied for in time (the right of 2022-05 ends 2024-05-31); 2022-03 never applied for
    app = Application("A1", "H1", ("2022-04", "2022-05"), date(2022, 9, 1), None, False, "S0001")
    _item("H1", "BAPP#A1", application_doc(app))
    # 2022-05 withheld under a 差止 that is still in force; 2022-04 paid in full
    _item("H1", "BHOLD#D1", withholding_doc(Withholding("D1", "H1", ("2022-05",), date(2022, 9, 15),
                                                        "国保法第63条の2", "S0002")))
    paid = BenefitPayment("BP-H1-M2022-04-N1", "H1", "2022-04", 50_000, 1, "2022-10-01", "P1", None, "A1")
    _item("H1", "BPAY#BP-H1-M2022-04-N1", payment_doc(paid))
    assert _months("H1") == ["2022-03", "2022-04", "2022-05"]

    now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # every month's 2 years have passed
    out = run_retention(now, s3=aws.client("s3"), bucket_name=aws.bucket_name, dry_run=False,
                        record_tables=record_tables(), access_log=access_purge(), access_floors={}, run_id="r")
    # 2022-03 (never claimed) and 2022-04 (paid): each month's version and its pointer
    assert out["classes"]["benefit-rights"]["due"] == 4
    assert _months("H1") == ["2022-05"]  # still owed on a claim made in time: kept for the payment
    assert BenefitVersionModel.count("HH#H1", BenefitVersionModel.sk.startswith("BENEFIT#2022-05#")) == 1
