"""The 高額療養費's notices (issue 13 items 4 and 6) on the notices' own book and font: 支給申請勧奨,
支給決定通知書 (with an offset and the account masked) and 返還請求書 — read back from the rendered PDF, inked
inside the page, never a My Number; a bad field refused naming it."""

from __future__ import annotations

from datetime import date

import pypdfium2 as pdfium
import pytest
from notice_pages import assert_pages_printable

from kokuho.benefits.payment import BenefitPayment, Offset, RecoveryClaim
from kokuho.collection.ports import RefundAccount
from kokuho.notices import Addressee, NoticeBook, NoticeError
from kokuho.notices.benefit import BenefitDecision, BenefitInvitation, RecoveryNotice
from kokuho.notices.print_run import subjects_of

TO = Addressee("山田 太郎", "8020001", "福岡県北九州市小倉北区浅野一丁目1番1号")
ON = date(2025, 9, 1)
ACCOUNT = RefundAccount("0005", "010", "普通", "7654321", "ﾔﾏﾀﾞ ﾀﾛｳ", "公金受取口座")
PAYMENT = BenefitPayment("BP-H1-2024-10-1", "H1", "2024-10", 212_570, 1, "2025-09-01", "P1", ACCOUNT, "A1",
                         (Offset(("H1", 2025), 1, 12_570, "BP-H1-2024-10-1-O1"),))
CLAIM = RecoveryClaim("BR-H1-2024-10-2", "H1", "2024-10", 84_390, 2, "2025-09-01", "2025-10-01", "P1",
                      "資格喪失後の受診に係る支給", ("P1",))


def texts(data: bytes) -> list[str]:
    doc = pdfium.PdfDocument(data)
    return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]


def every_kind() -> bytes:
    book = NoticeBook()
    book.add(BenefitInvitation("H1", "P1", "山田 太郎", TO, ON, [("2024-10", 212_570), ("2024-11", 40_000)]))
    book.add(BenefitDecision(PAYMENT, "山田 太郎", TO, ON))
    book.add(RecoveryNotice(CLAIM, "山田 太郎", TO, ON))
    return book.output()


def test_the_three_notices_say_what_the_householder_needs() -> None:
    invite, decision, claim = texts(every_kind())
    assert "支給申請のお知らせ" in invite and "252,570円" in invite and "令和6年10月診療分" in invite
    assert "〒802-0001" in invite and "山田 太郎 様" in invite
    assert "支給決定通知書" in decision and "212,570円" in decision and "12,570円" in decision
    assert "200,000円" in decision and "***4321" in decision and "7654321" not in decision
    assert "返還請求書" in claim and "84,390円" in claim and "令和7年10月1日" in claim and "資格喪失" in claim


def test_every_page_is_inked_inside_the_page_and_holds_no_my_number() -> None:
    assert_pages_printable(every_kind())


def test_a_bad_field_is_refused_naming_it_never_its_value() -> None:
    number = "1234567890" + "18"
    with pytest.raises(NoticeError) as exc:
        NoticeBook().add(BenefitInvitation("H1", "P1", f"山田 {number}", TO, ON, [("2024-10", 1)]))
    assert exc.value.field == "householder_name" and number not in str(exc.value)
    with pytest.raises(NoticeError, match="months"):
        NoticeBook().add(BenefitInvitation("H1", "P1", "山田 太郎", TO, ON, []))
    with pytest.raises(NoticeError, match="household_id"):
        NoticeBook().add(BenefitInvitation(number, "P1", "山田 太郎", TO, ON, [("2024-10", 1)]))


def test_a_print_run_records_the_household_and_householder_of_each_notice() -> None:
    assert subjects_of(BenefitDecision(PAYMENT, "山田 太郎", TO, ON)) == ("H1", "P1")
    assert subjects_of(RecoveryNotice(CLAIM, "山田 太郎", TO, ON)) == ("H1", "P1")
