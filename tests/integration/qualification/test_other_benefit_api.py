"""療養費・出産育児一時金・葬祭費 through the private API on the embedded AWS (issue 13 item 5): a clerk files claims
(stored once when filed again; refused with a reason and nothing written when bad), a member of staff with the
decision grant decides them once — the amount by the rules of the event's fiscal year, the decision notice as PDF —
and the approved ones are paid once through the benefits' 総合振込 file; without the grant, 403; every call recorded."""

from __future__ import annotations

import base64
import hashlib
from datetime import date

import boto3
import pypdfium2 as pdfium
from qualification_helpers import call, decided_kogaku_month, item_counts

from kokuho.access.records import records_by_staff
from kokuho.platform.tables import BUCKETS_BY_LOGICAL
from kokuho.receipts import benefit_payment
from kokuho.records.benefit_payments import DynamoBenefitPaymentStore
from kokuho.records.qualification import HouseholdModel, PersonModel, household_pk, person_pk

CLERK, DECIDER, CASHIER = "S1018", "S1031", "S1014"
CLAIMS = "/benefits/H1/other-claims"
CATEGORY = "給付情報 (療養費・出産育児一時金・葬祭費)"
ACCOUNT = {"bank_code": "0001", "branch_code": "002", "account_type": "普通", "account_number": "1234567",
           "holder_kana": "シケン　ハジメ"}
JUDO = {"kind": "療養費", "subkind": "柔道整復", "person_id": "P1", "event_on": "2025-06-03",
        "received_on": "2025-06-20", "paid": 12_000, "standard": 10_000, "documents": ["施術明細", "領収書"],
        "account": ACCOUNT}
BIRTH = {"kind": "出産育児一時金", "person_id": "P2", "event_on": "2025-09-01", "received_on": "2025-09-20",
         "gestation_days": 275, "provider_code": "4012345", "provider_charged": 470_000, "account": ACCOUNT}
FUNERAL = {"kind": "葬祭費", "person_id": "P3", "event_on": "2025-11-02", "received_on": "2025-11-20",
           "chief_mourner": "試験 一", "funeral_on": "2025-11-05", "account": ACCOUNT}


def person(pid: str, birth: str, until: str | None) -> None:
    PersonModel(person_pk(pid), "PROFILE", person_id=pid, resident_code=f"R{pid}", household_id="H1",
                name_kanji=f"試験 {pid}", name_kana="シケン ハジメ", birth_date=birth, sex="1", relationship="世帯主",
                postal_code="8020001", address="北九州市小倉北区", updated_at="2024-04-01", updated_by="test",
                periods=[{"acquired_on": "2020-04-01", "acquire_reason": "move_in", "until": until,
                          "lose_reason": "joined_employee_insurance" if until else None}]).save()


def world() -> None:
    person("P1", "1980-05-10", None)
    person("P2", "1990-02-03", None)
    person("P3", "1960-03-20", "2025-10-01")  # left NHI for an employee insurance before dying on 2 November
    HouseholdModel(household_pk("H1"), "PROFILE", household_id="H1", householder_id="P1",
                   members=[{"person_id": p, "relationship": "世帯主" if p == "P1" else "子", "joined_on": "2020-04-01",
                             "left_on": None} for p in ("P1", "P2", "P3")],
                   updated_at="2024-04-01", updated_by="test").save()
    # a 高額療養費 month of the household: its sums must not count the other benefits' payments
    decided_kogaku_month("2025-06", 50_000, age=45)


def pdf_text(notice: dict[str, str]) -> str:
    data = base64.b64decode(notice["content_base64"])
    assert hashlib.sha256(data).hexdigest() == notice["sha256"]
    doc = pdfium.PdfDocument(data)
    return "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def test_claims_filed_decided_with_notices_and_paid_once(staffed: None) -> None:
    world()
    before = item_counts("receipts")
    # Refused with a reason, nothing written
    for body, field in (({**JUDO, "subkind": None}, "subkind"),
                        ({**FUNERAL, "chief_mourner": "1234567890" + "18"}, "chief_mourner"),
                        ({**JUDO, "event_on": "2099-01-01"}, "future"),
                        ({**JUDO, "person_id": "P9"}, "person_id"),
                        ({**FUNERAL, "chief_mourner": None}, "chief_mourner"),
                        ({**JUDO, "event_on": "2018-06-03"}, "fiscal year 2018")):
        status, out, _ = call("POST", CLAIMS, staff_id=CLERK, body=body)
        assert status == 422 and field in str(out), (field, out)
    assert call("POST", "/benefits/H9/other-claims", staff_id=CLERK, body=JUDO)[0] == 404
    assert call("POST", CLAIMS, staff_id=CASHIER, body=JUDO)[0] == 403  # no benefits grant
    assert item_counts("receipts") == before

    status, out, _ = call("POST", CLAIMS, staff_id=CLERK, body=JUDO)
    assert (status, out["status"]) == (201, "filed")
    judo = out["claim_id"]
    assert call("POST", CLAIMS, staff_id=CLERK, body=JUDO)[1]["status"] == "already_filed"
    assert call("POST", CLAIMS, staff_id=CLERK, body={**JUDO, "paid": 11_000})[0] == 409
    birth = call("POST", CLAIMS, staff_id=CLERK, body=BIRTH)[1]["claim_id"]
    funeral = call("POST", CLAIMS, staff_id=CLERK, body=FUNERAL)[1]["claim_id"]

    # the clerk may not decide; the decider decides once
    assert call("POST", f"{CLAIMS}/{judo}/decision", staff_id=CLERK, body={})[0] == 403
    status, out, _ = call("POST", f"{CLAIMS}/{judo}/decision", staff_id=DECIDER, body={"decided_on": "2025-07-01"})
    assert status == 200, out
    assert (out["approved"], out["amount"], out["basis"]["copay_ratio"]) == (True, 7_000, "3割")
    text = pdf_text(out["notice"])
    assert "療養費 支給決定通知書" in text and "7,000円" in text and "1234567" not in text
    assert call("POST", f"{CLAIMS}/{judo}/decision", staff_id=DECIDER, body={})[0] == 409
    again = call("GET", f"{CLAIMS}/{judo}/notice", staff_id=CLERK)[1]
    assert again["sha256"] == out["notice"]["sha256"]  # the same decision, the same bytes

    out = call("POST", f"{CLAIMS}/{birth}/decision", staff_id=DECIDER, body={"decided_on": "2025-10-01"})[1]
    assert (out["amount"], out["to_provider"], out["to_payee"]) == (500_000, 470_000, 30_000)
    # the notice of the mother's claim is addressed to the householder: reading the householder is recorded too
    def reads_of_householder() -> int:
        return sum(1 for r in records_by_staff(CLERK) if r.operation == "read" and "P1" in r.subject_ids)

    seen = reads_of_householder()
    assert call("GET", f"{CLAIMS}/{birth}/notice", staff_id=CLERK)[0] == 200
    assert reads_of_householder() == seen + 1
    out = call("POST", f"{CLAIMS}/{funeral}/decision", staff_id=DECIDER, body={"decided_on": "2025-12-01"})[1]
    assert (out["approved"], out["payment_id"]) == (False, None)
    assert out["reasons"] == ["the deceased was not insured on 2025-11-02"]
    assert "葬祭費 不支給決定通知書" in pdf_text(out["notice"])

    # paid once, through the benefits' 総合振込 file (its writer as the payment run calls it; this area's embedded AWS
    # has tables only, so the exchange bucket is made here)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKETS_BY_LOGICAL["exchange"].name(),
                     CreateBucketConfiguration={"LocationConstraint": s3.meta.region_name})
    filed = benefit_payment.write_file(on=date(2025, 12, 2), run_id="t")
    assert filed["file_id"]
    body = s3.get_object(Bucket=BUCKETS_BY_LOGICAL["exchange"].name(), Key=filed["key"])["Body"].read()
    assert b"0000007000" in body and b"0000030000" in body
    assert not benefit_payment.write_file(on=date(2025, 12, 3), run_id="t")["file_id"]  # nothing filed twice
    read = call("GET", f"{CLAIMS}/{judo}", staff_id=CLERK)[1]
    assert (read["payment_status"], read["file_id"], read["account"]) == ("filed", filed["file_id"], "***4567")
    # the 高額療養費 month is paid nothing by the other benefits' payments
    assert DynamoBenefitPaymentStore().household("H1").payments == []

    ops = {(r.category, r.operation, r.result, tuple(r.subject_ids)) for r in records_by_staff(CLERK)}
    assert (CATEGORY, "write", "ok", ("P1",)) in ops and (CATEGORY, "read", "ok", ("P1",)) in ops
    assert any(r.result == "rejected" for r in records_by_staff(CLERK))
    assert any(r.result == "denied" for r in records_by_staff(CASHIER))
    assert any(r.operation == "write" and r.subject_ids == ["P3"] for r in records_by_staff(DECIDER))


def test_an_overseas_claim_is_decided_at_the_rate_given_and_refused_without_one(staffed: None) -> None:
    world()
    abroad = {**JUDO, "subkind": "海外療養費", "paid": None, "paid_foreign": "812.40", "currency": "USD",
              "standard": 200_000, "documents": ["診療内容明細書", "領収明細書", "翻訳文", "渡航の事実が分かる書類"]}
    claim = call("POST", CLAIMS, staff_id=CLERK, body=abroad)[1]["claim_id"]
    before = item_counts("receipts")
    status, out, _ = call("POST", f"{CLAIMS}/{claim}/decision", staff_id=DECIDER, body={})
    assert status == 422 and "rate" in str(out)
    assert item_counts("receipts") == before  # nothing decided, nothing paid
    out = call("POST", f"{CLAIMS}/{claim}/decision", staff_id=DECIDER, body={"rate": "150.25"})[1]
    # 812.40 × 150.25 = 122,063.1 → 122,063 yen paid; below the standard; 3割 → 36,620 (rounded to 10 yen)
    assert (out["basis"]["paid"], out["basis"]["copay_equivalent"], out["amount"]) == (122_063, 36_620, 85_443)
