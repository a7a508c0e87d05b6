"""納入通知書 (issue 12 item 8): the payer's annual premium, the ten installments with their due dates, and a
payment slip per installment whose barcode a scanner reads back to the same 納付番号 — checked on the
rendered PDF itself (text extracted and pages rendered with pdfium, fonts read with pypdf, barcodes
decoded with zxing)."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pypdfium2 as pdfium
import pytest
import zxingcpp
from notice_pages import assert_pages_printable
from pypdf import PdfReader

from kokuho.collection.due_dates import due_date
from kokuho.collection.ledger import Charge, charge_from_version
from kokuho.collection.slips import is_payment_number, payment_number
from kokuho.dates.era import era_date
from kokuho.identity.mynumber import check_digit, count_my_numbers
from kokuho.notices import Addressee, NoticeError, PaymentNotice, addressee_of, render_payment_notices
from kokuho.premium.installments import split_equally

MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]
MM_PER_PT = 25.4 / 72


def charge(annual: int = 123_456, household: str = "H000123") -> Charge:
    return charge_from_version(household, 2024, version=1, payer_id="P000123", annual=annual,
                               installments=split_equally(annual, MONTHS))


def notice(**over: object) -> PaymentNotice:
    fields: dict[str, object] = dict(
        charge=charge(), payer_name="山田 太郎",
        to=Addressee("山田 太郎", "100-0001", "東京都千代田区千代田一丁目1番1号 グリーンハイツ101"),
        issued_on=date(2024, 6, 14), parts={"medical": 80_000, "support": 28_000, "care": 15_456})
    fields.update(over)
    return PaymentNotice(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_payment_notices([notice()])


def page_texts(data: bytes) -> list[str]:
    """The text a reader copies from each page (pdfium: pypdf splits this font's two-byte codes with NULs)."""
    doc = pdfium.PdfDocument(data)
    return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]


def test_one_notice_page_and_the_slips_four_to_a_page(pdf: bytes) -> None:
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1 + 3  # 10 slips: 4 + 4 + 2


def test_the_text_names_the_payer_the_address_the_amounts_and_the_due_dates(pdf: bytes) -> None:
    texts = page_texts(pdf)
    first = texts[0]
    assert "山田 太郎" in first and "〒100-0001" in first and "千代田一丁目1番1号" in first
    assert "納入通知書" in first and "令和6年度" in first and "2024年度" in first
    assert "123,456" in first  # the annual premium, with thousands separators
    for part, amount in (("医療分", "80,000"), ("後期高齢者支援金等分", "28,000"), ("介護納付金分", "15,456")):
        assert re.search(rf"{part}\s*{amount}", first), part
    c = charge()
    for inst in c.installments:
        due = due_date(2024, inst.number)
        assert inst.due == due
        assert f"{era_date(due)} ({due.isoformat()})" in first, inst.number  # era form, western beside
        assert f"{inst.amount:,}円" in first
        assert payment_number(c.household_id, 2024, inst.number, 1) in first
    slips = "\n".join(texts[1:])
    for inst in c.installments:
        assert f"第{inst.number}期" in slips and era_date(inst.due) in slips
        assert payment_number(c.household_id, 2024, inst.number, 1) in slips
    assert slips.count("山田 太郎") >= 10


def test_addressed_to_the_mailing_address_when_the_payer_has_one() -> None:
    class Mailing:
        name, postal_code, address = "山田 花子", "530-0001", "大阪府大阪市北区梅田一丁目2番3号"

    class Payer:
        name_kanji, postal_code, address, mailing = "山田 太郎", "100-0001", "東京都千代田区千代田1-1", Mailing()

    to = addressee_of(Payer())
    assert to == Addressee("山田 花子", "530-0001", "大阪府大阪市北区梅田一丁目2番3号")
    Payer.mailing = None  # type: ignore[assignment]
    assert addressee_of(Payer()) == Addressee("山田 太郎", "100-0001", "東京都千代田区千代田1-1")
    first = page_texts(render_payment_notices([notice(to=to)]))[0]
    assert "梅田一丁目2番3号" in first and "千代田1-1" not in first


def test_pages_are_not_blank_and_every_character_sits_inside_the_page(pdf: bytes) -> None:
    assert_pages_printable(pdf, min_chars=50)


def test_each_slip_barcode_reads_back_to_its_payment_number(pdf: bytes) -> None:
    doc = pdfium.PdfDocument(pdf)
    read: list[str] = []
    for index in range(1, len(doc)):  # the slip pages, as a scanner at 200 dpi sees them
        image = doc[index].render(scale=200 / 72).to_pil()
        read += [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.ITF]
    c = charge()
    expected = [payment_number(c.household_id, 2024, i.number, 1) for i in c.installments]
    assert sorted(read) == sorted(expected)
    assert all(is_payment_number(n) for n in read)


def test_a_paid_installment_gets_no_slip() -> None:
    from kokuho.collection.ledger import PaymentEntry, ledger_state

    c = charge()
    state = ledger_state(c, [PaymentEntry("PAY-1", date(2024, 6, 20), c.installments[0].amount, "収納", 1)])
    data = render_payment_notices([notice(state=state)])
    slips = "\n".join(page_texts(data)[1:])
    assert payment_number(c.household_id, 2024, 1, 1) not in slips
    assert payment_number(c.household_id, 2024, 2, 1) in slips


def test_the_font_is_embedded_as_a_subset(pdf: bytes) -> None:
    fonts = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]
        fonts += [font.get_object() for font in resources["/Font"].values()]
    assert fonts
    for font in fonts:
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        assert re.fullmatch(r"/[A-Z]{6}\+.+", str(descendant["/BaseFont"])), descendant["/BaseFont"]
        descriptor = descendant["/FontDescriptor"].get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_one_notice_alone_is_at_most_60_kb(pdf: bytes) -> None:
    assert len(pdf) <= 60 * 1024


def test_no_page_holds_a_my_number_and_a_field_holding_one_is_refused_without_echo(pdf: bytes) -> None:
    for text in page_texts(pdf):
        assert count_my_numbers(text) == 0
    body = "12345678901"
    number = body + str(check_digit(body))
    for field, over in (("payer_name", {"payer_name": f"山田 {number}"}),
                        ("to.address", {"to": Addressee("山田 太郎", "100-0001", f"千代田 {number}")}),
                        ("to.name", {"to": Addressee(number, "100-0001", "千代田")})):
        with pytest.raises(NoticeError) as err:
            render_payment_notices([notice(**over)])
        assert err.value.field == field and number not in str(err.value)


def test_bad_input_is_refused_naming_the_field() -> None:
    with pytest.raises(NoticeError) as err:
        render_payment_notices([notice(payer_name="")])
    assert err.value.field == "payer_name"
    with pytest.raises(NoticeError) as err:
        render_payment_notices([notice(to=Addressee("山田 太郎", "1000001x", "千代田"))])
    assert err.value.field == "to.postal_code"


def test_many_notices_in_one_pdf_each_starts_on_its_own_page() -> None:
    notices = [notice(charge=charge(100_000 + k * 1_000, f"H{k:06d}"), payer_name=f"納付 者{k}") for k in range(3)]
    texts = page_texts(render_payment_notices(notices))
    assert len(texts) == 3 * 4
    for k in range(3):
        assert f"納付 者{k}" in texts[4 * k] and "納入通知書" in texts[4 * k]
