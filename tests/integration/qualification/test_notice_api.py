"""One notice through the private API (issue 12 item 8): a member of staff with the collection grant downloads
the 納入通知書 of a ledger as the payer would receive it (PDF, addressed to the 送付先, slips of what is unpaid on
the day of issue), recorded as a read of the household and payer; without the grant, 403 recorded as denied;
an unknown ledger, 404 recorded."""

from __future__ import annotations

import base64
import hashlib
from datetime import date

import pypdfium2 as pdfium
from qualification_helpers import call

from kokuho.access.records import records_by_staff
from kokuho.collection.ledger import charge_from_version
from kokuho.premium.installments import split_equally
from kokuho.qualification.model import Mailing, Person
from kokuho.records.qualification import from_person
from kokuho_local.ledger_seed import seed_ledger

MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]
CASHIER, READER = "S1014", "S1001"  # collection_read; qualification read only
PATH = "/collection/notices/H1/2024"


def world(*, ledger: bool = True) -> None:
    if ledger:
        seed_ledger(charge_from_version("H1", 2024, version=1, payer_id="H1-P1", annual=123_400,
                                        installments=split_equally(123_400, MONTHS)))
    person = Person(person_id="H1-P1", resident_code="10000001", household_id="H1", name_kanji="北九 太郎",
                    name_kana="キタキュウ タロウ", birth_date=date(1970, 1, 1), sex="1", relationship="世帯主",
                    postal_code="804-8510", address="福岡県北九州市戸畑区千防1-1-1",
                    mailing=Mailing(name="北九 花子 (代理人)", postal_code="802-0001",
                                    address="福岡県北九州市小倉北区浅野1-1"))
    from_person(person, updated_at="2024-04-01T00:00:00+09:00", updated_by="test").save()


def _text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    return "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def test_staff_with_the_grant_download_a_ledgers_notice_recorded(staffed: None) -> None:
    world()
    status, out, _ = call("GET", PATH, staff_id=CASHIER, query={"issued_on": "2024-06-15"})
    assert status == 200 and out["media_type"] == "application/pdf"
    pdf = base64.b64decode(out["content_base64"])
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == out["sha256"]
    assert out["pages"] == len(pdfium.PdfDocument(pdf)) and out["kind"] == "納入通知書"
    text = _text(pdf)
    assert "北九 花子 (代理人)" in text and "802-0001" in text and "123,400" in text

    assert call("GET", PATH, staff_id=READER)[0] == 403
    assert call("GET", "/collection/notices/H9/2024", staff_id=CASHIER)[0] == 404
    assert call("GET", PATH, staff_id=CASHIER, query={"issued_on": "June"})[0] == 422

    ops = [(r.category, r.operation, r.result, sorted(r.subject_ids)) for r in records_by_staff(CASHIER)]
    assert ("通知書", "read", "ok", ["H1", "H1-P1"]) in ops
    assert ("通知書", "read", "not_found", ["HH:H9"]) in ops
    assert ("通知書", "denied") in [(r.category, r.result) for r in records_by_staff(READER)]


def _assessed(cases: dict[str, dict[str, object]], month: str) -> None:
    """The households' cases stored and assessed by the monthly run's batch step (one batch)."""
    from datetime import UTC, datetime

    from kokuho.assessment import monthly
    from kokuho.assessment.household_cases import put_household_case

    for hid, case in cases.items():
        put_household_case(hid, case, changed_at=datetime.now(UTC))
    mode = "annual" if month.endswith("-06") else "monthly"
    monthly.assess_batch({"run_id": f"{mode}-2024-{month}", "fiscal_year": 2024, "as_of_month": month,
                          "batch": {"batch_id": "p001-b00000", "household_ids": list(cases)}})


def test_staff_download_the_decision_and_change_notice_of_an_assessment_recorded(staffed: None) -> None:
    import copy

    from kokuho.premium import compute_case
    from kokuho_local.synthetic import generate_city

    world(ledger=False)  # the assessment writes the ledger's charge
    case = copy.deepcopy(generate_city(1, seed=11, fiscal_year=2024).households[0].case)
    case["household"]["householder_id"] = case["household"]["members"][0]["id"] = "H1-P1"
    _assessed({"H1": case}, "2024-06")
    path = "/collection/notices/H1/2024"
    assert call("GET", path, staff_id=CASHIER, query={"kind": "変更通知書"})[0] == 404  # none issued yet
    status, out, _ = call("GET", path, staff_id=CASHIER, query={"kind": "決定通知書", "issued_on": "2024-06-15"})
    assert status == 200 and out["kind"] == "決定通知書"
    text = _text(base64.b64decode(out["content_base64"]))
    annual = compute_case(case)["annual"]
    assert "決定通知書" in text and "北九 花子 (代理人)" in text and f"{annual:,}円" in text
    assert "令和6年6月15日" in text

    lower = copy.deepcopy(case)
    lower["household"]["members"][0]["income"]["total"] = 1_000_000  # type: ignore[index]
    new = compute_case(lower)["annual"]
    assert new != annual
    _assessed({"H1": lower}, "2024-10")
    status, out, _ = call("GET", path, staff_id=CASHIER, query={"kind": "変更通知書", "issued_on": "2024-10-15"})
    assert status == 200
    text = _text(base64.b64decode(out["content_base64"])).replace("\r\n", "")
    assert f"{annual:,}円 → {new:,}円 ({abs(new - annual):,}円の{'増額' if new > annual else '減額'})" in text
    # version 1's 決定通知書 is no longer what the case explains: refused with the reason, not printed wrong
    status, out, _ = call("GET", path, staff_id=CASHIER, query={"kind": "決定通知書"})
    assert status == 409 and "changed since" in str(out)
    assert call("GET", path, staff_id=READER, query={"kind": "決定通知書"})[0] == 403
    assert call("GET", path, staff_id=CASHIER, query={"kind": "督促状"})[0] == 422
    ops = [(r.category, r.operation, r.result, sorted(r.subject_ids)) for r in records_by_staff(CASHIER)]
    # one record a call, as every route: the notice handed over, naming the household and its payer
    assert [o for o in ops if o[2] == "ok"] == [("通知書", "read", "ok", ["H1", "H1-P1"])] * 2
    assert ("通知書", "read", "not_found", ["HH:H1"]) in ops and ("通知書", "read", "refused", ["H1"]) in ops
