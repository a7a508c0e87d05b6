"""The benefit payment run end to end on the embedded AWS (issue 13 items 4 and 6): `benefits-payment-run` (the ASL CDK
deploys, run by moto's interpreter with the real Lambda handlers) pays each applied household-month once — to the
account given, offset against unpaid premiums with the payer's consent — in a 全銀協 総合振込 file of the refunds' own
writer, invites the household that has not applied, withholds under a 差止, prints the notices; run again it pays,
files and records nothing twice; a retroactive loss of qualification turns a paid month into a 返還金 claim with its
返還請求書."""

from __future__ import annotations

import json
import secrets
from datetime import date
from typing import Any

import pypdfium2 as pdfium

from kokuho.access.records import Actor, records_by_staff
from kokuho.benefits.benefit_ports import NewVersion
from kokuho.benefits.payment import Application, Withholding
from kokuho.collection.ledger import charge_from_version, ledger_state
from kokuho.collection.ports import RefundAccount
from kokuho.identity.mynumber import count_my_numbers
from kokuho.premium.installments import split_equally
from kokuho.records.benefit_payments import DynamoBenefitPaymentStore
from kokuho.records.benefits import DynamoBenefitStore
from kokuho.records.collection import DynamoCollectionStore
from kokuho.records.qualification import HouseholdModel, PersonModel, household_pk, person_pk
from kokuho_local.embedded import EmbeddedAWS
from kokuho_local.ledger_seed import seed_ledger

STAFF = "system:benefit-payment-run"
TEST = Actor("system:test", "t", "test")
GIVEN = RefundAccount("0001", "002", "普通", "1234567", "ｼｹﾝ ﾊｼﾞﾒ", "申出口座")
MONTHS = [f"2025-{m:02d}" for m in range(6, 13)] + [f"2026-{m:02d}" for m in range(1, 4)]


def person(pid: str, household: str) -> None:
    PersonModel(person_pk(pid), "PROFILE", person_id=pid, resident_code=f"R{pid}", household_id=household,
                name_kanji=f"試験 {pid}", name_kana="シケン ハジメ", birth_date="1980-05-10", sex="1",
                relationship="世帯主", postal_code="8020001", address="北九州市小倉北区", updated_at="2024-04-01",
                updated_by="test", periods=[{"acquired_on": "2020-04-01", "acquire_reason": "move_in", "until": None,
                                             "lose_reason": None}]).save()


def household(hid: str, *members: str) -> None:
    for p in members:
        person(p, hid)
    HouseholdModel(household_pk(hid), "PROFILE", household_id=hid, householder_id=members[0],
                   members=[{"person_id": p, "relationship": "世帯主", "joined_on": "2020-04-01", "left_on": None}
                            for p in members], updated_at="2024-04-01", updated_by="test").save()


def benefit(hid: str, pid: str, month: str, amount: int) -> None:
    case = {"service_month": month, "household": {"members": [{"id": pid, "age": 44, "bills": [{"copay": amount}]}]}}
    doc = {"household_id": hid, "service_month": month, "version": 1, "run_id": "benefit-test", "kind": "支給",
           "result": {"benefit": amount}, "difference": amount, "case": case}
    DynamoBenefitStore().commit([NewVersion(hid, month, 1, "h", amount, amount, doc)], persons=[pid], actor=TEST,
                                chain="test")


def unpaid_premiums(hid: str, payer: str) -> None:
    seed_ledger(charge_from_version(hid, 2025, version=1, payer_id=payer, annual=100_000,
                                    installments=split_equally(100_000, MONTHS)))


def run(aws: EmbeddedAWS, on: str) -> Any:
    return aws.run_state_machine("benefits-payment-run", {"on": on}, name=f"bp-{secrets.token_hex(4)}", timeout_s=180)


def test_benefits_paid_once_filed_with_notices_and_a_retroactive_loss_claimed(aws: EmbeddedAWS) -> None:
    household("H1", "P1")
    household("H2", "P2")
    household("H3", "P3")
    household("H5", "P5")
    for hid, pid, amount in (("H1", "P1", 212_570), ("H2", "P2", 30_000), ("H3", "P3", 8_000), ("H5", "P5", 50_000)):
        benefit(hid, pid, "2024-10", amount)
    unpaid_premiums("H1", "P1")  # June and July 2025 past due, unpaid: 20,000
    store = DynamoBenefitPaymentStore()
    store.put_application(Application("A1", "H1", ("2024-10",), date(2025, 8, 20), GIVEN, True, "S2001"), actor=TEST)
    store.put_application(Application("A5", "H5", ("2024-10",), date(2025, 8, 20), GIVEN, False, "S2001"), actor=TEST)
    store.put_application(Application("A3", "H3", ("2024-10",), date(2025, 8, 20), GIVEN, False, "S2001"), actor=TEST)
    store.put_withholding(Withholding("D3", "H3", (), date(2025, 8, 25), "国保法第63条の2", "S2002"), actor=TEST)

    out = run(aws, "2025-09-01")
    pay = out["transfer"]["run"]
    assert (pay["payments"], pay["paid_yen"], pay["offset_yen"], pay["invitations"], pay["withheld"]) == (
        2, 262_570, 20_000, 1, 1)
    s3 = aws.client("s3")
    body = s3.get_object(Bucket=aws.bucket_name("exchange"), Key=out["transfer"]["key"])["Body"].read()
    header, *data, trailer, end = body.split(b"\r\n")[:-1]
    assert [d[80:90] for d in data] == [b"0000192570", b"0000050000"]  # H1 after the offset, H5
    assert trailer[1:7] == b"000002" and header[:3] == b"121" and count_my_numbers(body.decode("cp932")) == 0
    ledger = DynamoCollectionStore().ledgers([("H1", 2025)])[("H1", 2025)]
    state = ledger_state(ledger.charge, ledger.payments, as_of=date(2025, 9, 1))
    assert [(i.number, i.unpaid) for i in state.installments[:3]] == [(1, 0), (2, 0), (3, 10_000)]

    manifest_key = out["manifest"]
    work = aws.bucket_name("work")
    manifest = json.loads(s3.get_object(Bucket=work, Key=manifest_key)["Body"].read())
    pdf = s3.get_object(Bucket=work, Key=manifest["parts"][0]["key"])["Body"].read()
    doc = pdfium.PdfDocument(pdf)
    pages = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    assert sum("支給決定通知書" in p for p in pages) == 2 and sum("支給申請のお知らせ" in p for p in pages) == 1
    assert any("30,000円" in p for p in pages)  # H2 is invited for its 30,000

    again = run(aws, "2025-09-01")  # a second execution the same day: nothing paid, filed or invited twice
    assert (again["transfer"]["run"]["payments"], again["transfer"]["file_id"]) == (0, None)
    assert json.loads(s3.get_object(Bucket=work, Key=manifest_key)["Body"].read())["parts"] == manifest["parts"]

    lost = PersonModel.get(person_pk("P5"), "PROFILE")  # P5's loss registered late, back to 1 September 2024
    lost.periods = [{"acquired_on": "2020-04-01", "acquire_reason": "move_in", "until": "2024-09-01",
                     "lose_reason": "move_out"}]
    lost.save()
    later = run(aws, "2025-09-02")
    assert (later["transfer"]["run"]["claims"], later["transfer"]["run"]["claimed_yen"]) == (1, 50_000)
    [claim] = store.claims()
    assert (claim.household_id, claim.amount, claim.due, claim.persons) == ("H5", 50_000, "2025-10-02", ("P5",))
    claim_pdf = s3.get_object(Bucket=work, Key=json.loads(s3.get_object(
        Bucket=work, Key=later["manifest"])["Body"].read())["parts"][0]["key"])["Body"].read()
    text = pdfium.PdfDocument(claim_pdf)[0].get_textpage().get_text_range()
    assert "返還請求書" in text and "50,000円" in text
    assert run(aws, "2025-09-03")["transfer"]["run"]["claims"] == 0  # claimed once

    written = {s for r in records_by_staff(STAFF) if r.operation == "write" for s in r.subject_ids}
    assert {"P1", "P5", "P2"} <= written
