"""The print run of the 納入通知書 on the embedded AWS (issue 12 item 8): the state machine CDK deploys runs the
real notice Lambda, which renders every ledger of the fiscal year, addressed to its payer's 送付先, in parts into
the work bucket with the print manifest (one PDF a part, its pages and checksum); each part leaves one access
record naming its households and payers, and the names and addresses read are recorded; run again for the
same day, the same parts and no second record of them."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date

import pypdfium2 as pdfium
import pytest

from kokuho.access.records import records_by_staff
from kokuho.collection.ledger import charge_from_version
from kokuho.platform.tables import BUCKETS_BY_LOGICAL
from kokuho.premium.installments import split_equally
from kokuho.qualification.model import Mailing, Person
from kokuho.records.notice_files import read_manifest
from kokuho.records.qualification import from_person
from kokuho_local.embedded import EmbeddedAWS
from kokuho_local.ledger_seed import seed_ledger

MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]


def _payer(k: int, *, mailing: Mailing | None = None) -> None:
    person = Person(person_id=f"P{k}", resident_code=f"1000000{k}", household_id=f"H{k}", name_kanji=f"北九 太郎{k}",
                    name_kana="キタキュウ タロウ", birth_date=date(1970, 1, 1), sex="1", relationship="世帯主",
                    postal_code="804-8510", address=f"福岡県北九州市戸畑区千防{k}-1-1", mailing=mailing)
    from_person(person, updated_at="2024-04-01T00:00:00+09:00", updated_by="test").save()


def _ledgers(years: dict[int, int]) -> None:
    seed_ledger(*(charge_from_version(f"H{k}", fy, version=1, payer_id=f"P{k}", annual=100_000 + k * 10_000,
                                      installments=split_equally(100_000 + k * 10_000, MONTHS))
                  for k, fy in years.items()))


def _text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    return "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def test_the_print_run_writes_every_ledger_of_the_year_in_parts_with_its_manifest_and_records(
        aws: EmbeddedAWS) -> None:
    _ledgers({1: 2024, 2: 2024, 3: 2024, 4: 2023})  # the 2023 ledger is not this run's
    _payer(1)
    _payer(2, mailing=Mailing(name="北九 花子 (送付先)", postal_code="802-0001",
                              address="福岡県北九州市小倉北区浅野1-1"))
    _payer(3)
    event = {"fiscal_year": 2024, "issued_on": "2024-06-15", "per_part": 2}

    out = aws.run_state_machine("collection-notices", event, name=f"n-{secrets.token_hex(4)}")
    assert (out["print_id"], out["notices"], out["parts"], out["unaddressed"]) == ("NOZ-FY2024-D20240615", 3, 2, 0)
    manifest = read_manifest("NOZ-FY2024-D20240615", aws.client("s3"))
    assert manifest is not None and out["manifest"] == "notices/NOZ-FY2024-D20240615/manifest.json"
    bucket = BUCKETS_BY_LOGICAL["work"].name()
    texts = []
    for part in manifest["parts"]:
        data = aws.client("s3").get_object(Bucket=bucket, Key=part["key"])["Body"].read()
        assert hashlib.sha256(data).hexdigest() == part["sha256"] and len(pdfium.PdfDocument(data)) == part["pages"]
        texts.append(_text(data))
    assert [p["notices"] for p in manifest["parts"]] == [2, 1] and manifest["pages"] == out["pages"]
    assert "北九 太郎1" in texts[0] and "北九 花子 (送付先)" in texts[0] and "802-0001" in texts[0]
    assert "北九 太郎3" in texts[1] and "130,000" in texts[1]

    writes = sorted((r.chain, sorted(r.subject_ids)) for r in records_by_staff("system:notice-run")
                    if r.operation == "write")
    assert writes == [("NOTICES#NOZ-FY2024-D20240615#part-0001", ["H1", "H2", "P1", "P2"]),
                      ("NOTICES#NOZ-FY2024-D20240615#part-0002", ["H3", "P3"])]
    reads = [r for r in records_by_staff("system:notice-run") if r.operation == "read"]
    assert [(r.category, sorted(r.subject_ids)) for r in reads] == [("資格情報", ["P1", "P2", "P3"])]

    # Run again for the same day (a second execution): the same parts, no second record of them.
    again = aws.run_state_machine("collection-notices", event, name=f"n-{secrets.token_hex(4)}")
    assert read_manifest("NOZ-FY2024-D20240615", aws.client("s3")) == manifest and again["pages"] == out["pages"]
    assert len([r for r in records_by_staff("system:notice-run") if r.operation == "write"]) == 2


def test_a_ledger_whose_payer_is_not_on_file_is_left_out_and_counted(aws: EmbeddedAWS) -> None:
    _ledgers({1: 2024, 2: 2024})
    _payer(1)
    out = aws.run_state_machine("collection-notices", {"fiscal_year": 2024, "issued_on": "2024-06-15"},
                                name=f"n-{secrets.token_hex(4)}")
    assert (out["notices"], out["unaddressed"], out["unaddressed_households"]) == (1, 1, ["H2"])


@pytest.mark.parametrize(("event", "reason"), [
    ({"fiscal_year": "2024"}, "fiscal_year: must be an integer"),
    ({"issued_on": "15 June"}, "issued_on: must be a date"),
    ({"per_part": 0}, "per_part: must be an integer"),
])
def test_bad_input_is_refused_with_its_reason(aws: EmbeddedAWS, event: dict[str, object], reason: str) -> None:
    with pytest.raises(RuntimeError, match=f"InputRefused: {reason}"):
        aws.invoke("collection-notices", event)
    assert read_manifest("NOZ-FY2024-D20240615", aws.client("s3")) is None


def test_a_slip_the_print_run_printed_pays_its_installment(aws: EmbeddedAWS) -> None:
    # The 納付番号 on a printed slip is what the bank, the store and the counter send back: a payment by it is
    # matched to its installment, never queued as an unknown number (the slips were never stored before).
    from kokuho.collection.slips import payment_number
    from kokuho.intake.framing import build_file
    from kokuho.records.collection import DynamoCollectionStore

    _ledgers({1: 2024, 2: 2024})
    _payer(1)
    _payer(2)
    aws.run_state_machine("collection-notices", {"fiscal_year": 2024, "issued_on": "2024-06-15"},
                          name=f"n-{secrets.token_hex(4)}")
    number = payment_number("H2", 2024, 1, 1)
    bucket, key = aws.bucket_name("exchange"), "payments/incoming/receipts/cvs-20240701.jsonl"
    aws.client("s3").put_object(Bucket=bucket, Key=key, Body=build_file([
        {"receipt_id": "CVS-1", "channel": "コンビニ", "amount": 12_000, "paid_on": "2024-07-01",
         "payment_number": number}]))
    out = aws.invoke("collection-payment-intake", {"bucket": bucket, "key": key, "kind": "receipts"})
    assert (out["applied"], out["unmatched"], out["by_rule"]) == (1, 0, {"納付番号": 1})
    ledger = DynamoCollectionStore().ledgers([("H2", 2024)])[("H2", 2024)]
    assert [(p.installment, p.amount) for p in ledger.payments] == [(1, 12_000)]
