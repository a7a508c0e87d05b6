"""A 高額療養費 paid to the 公金受取口座 (issue 13 item 4): the account found by a linkage query through the one query
machinery (as for refunds), the benefit payment run's transfer to it in the 総合振込 file; a household that asked for
its 公金受取口座 without one registered is not paid (counted, nothing filed)."""

from __future__ import annotations

import secrets
from datetime import date

from linkage_world import PERSONS, World

from kokuho.access.records import Actor, records_by_staff
from kokuho.benefits.benefit_ports import NewVersion
from kokuho.benefits.payment import Application
from kokuho.records.benefit_payments import DynamoBenefitPaymentStore
from kokuho.records.benefits import DynamoBenefitStore
from kokuho.records.qualification import HouseholdModel, PersonModel, household_pk, person_pk

ACCOUNT = {"bank_code": "0005", "branch_code": "123", "account_type": "普通", "account_number": "7654321",
           "holder_kana": "ヤマダ　タロウ"}
TEST = Actor("system:test", "t", "test")


def household_with_benefit(hid: str, pid: str, amount: int) -> None:
    PersonModel(person_pk(pid), "PROFILE", person_id=pid, resident_code=f"R{pid}", household_id=hid,
                name_kanji="山田 太郎", name_kana="ヤマダ タロウ", birth_date="1980-05-10", sex="1",
                relationship="世帯主", postal_code="8020001", address="北九州市小倉北区", updated_at="2024-04-01",
                updated_by="test",
                periods=[{"acquired_on": "2020-04-01", "acquire_reason": "move_in", "until": None,
                          "lose_reason": None}]).save()
    HouseholdModel(household_pk(hid), "PROFILE", household_id=hid, householder_id=pid,
                   members=[{"person_id": pid, "relationship": "世帯主", "joined_on": "2020-04-01", "left_on": None}],
                   updated_at="2024-04-01", updated_by="test").save()
    case = {"service_month": "2024-10", "household": {"members": [{"id": pid, "age": 44, "bills": [{"copay": 1}]}]}}
    doc = {"household_id": hid, "service_month": "2024-10", "version": 1, "run_id": "t", "kind": "支給",
           "result": {"benefit": amount}, "difference": amount, "case": case}
    DynamoBenefitStore().commit([NewVersion(hid, "2024-10", 1, "h", amount, amount, doc)], persons=[pid], actor=TEST,
                                chain="test")
    DynamoBenefitPaymentStore().put_application(
        Application(f"A-{hid}", hid, ("2024-10",), date(2025, 8, 20), None, False, "S2001"), actor=TEST)


def test_a_benefit_goes_to_the_public_funds_account_a_query_found(world: World) -> None:
    world.provider.hold(PERSONS["P100"][0], "公金受取口座", {"public_funds_account": ACCOUNT})
    out = world.aws.run_state_machine("linkage-query", {"person_id": "P100", "item": "公金受取口座",
                                                        "provider_body": world.provider.body_id},
                                      name=f"q-{secrets.token_hex(4)}", timeout_s=120)
    assert out["status"] == "stored"
    household_with_benefit("H100", "P100", 87_430)
    household_with_benefit("H200", "P200", 12_000)  # asks for the 公金受取口座: none registered

    run = world.aws.run_state_machine("benefits-payment-run", {"on": "2025-09-01"}, name=f"bp-{secrets.token_hex(4)}",
                                      timeout_s=180)
    pay = run["transfer"]["run"]
    assert (pay["payments"], pay["paid_yen"], pay["no_account"]) == (1, 87_430, 1)
    body = world.aws.client("s3").get_object(Bucket=world.aws.bucket_name("exchange"),
                                             Key=run["transfer"]["key"])["Body"].read()
    header, data, trailer, end = body.split(b"\r\n")[:-1]
    assert (data[1:5], data[20:23], data[43:50], data[80:90]) == (b"0005", b"123", b"7654321", b"0000087430")
    assert data[50:80].decode("cp932").rstrip() == "ﾔﾏﾀﾞ ﾀﾛｳ"
    [payment] = DynamoBenefitPaymentStore().household("H100").payments
    assert payment.account is not None and payment.account.source == "公金受取口座"
    looked_up = {s for r in records_by_staff("system:benefit-payment-run") if r.category == "linkage_query"
                 for s in r.subject_ids}
    assert looked_up == {"P100", "P200"}  # each look-up of the 公金受取口座 recorded
