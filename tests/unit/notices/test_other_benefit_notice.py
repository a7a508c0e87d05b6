"""支給決定通知書 / 不支給決定通知書 of 療養費・出産育児一時金・葬祭費 (kokuho.notices.other_benefit)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pypdfium2 as pdfium
import pytest

from kokuho.collection.ports import RefundAccount
from kokuho.notices import Addressee, NoticeError
from kokuho.notices.other_benefit import OtherBenefitNotice, render

TO = Addressee("北九 花子", "8020001", "福岡県北九州市小倉北区浅野1-1-1")
ACCOUNT = RefundAccount("0177", "123", "普通", "7654321", "キタキユウ ハナコ", "申出口座")
APPROVED = OtherBenefitNotice("OB-1A2B3C4D5E", "H0001", "P0002", "出産育児一時金", None, date(2025, 9, 1), True,
                              500_000, 30_000, 470_000, (), "北九 花子", TO, date(2025, 9, 25), ACCOUNT)


def text_of(data: bytes) -> str:
    doc = pdfium.PdfDocument(data)
    return "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def test_the_decision_shows_amount_direct_payment_and_masked_account() -> None:
    data, pages = render(APPROVED)
    text = text_of(data)
    assert pages == 1
    for expected in ("出産育児一時金 支給決定通知書", "500,000円", "470,000円", "直接支払制度", "30,000円",
                     "OB-1A2B3C4D5E", "令和7年9月1日", "北九 花子 様"):
        assert expected in text, expected
    assert "7654321" not in text  # the account number masked
    assert render(APPROVED)[0] == data  # the same decision, the same bytes


def test_a_refusal_lists_its_reasons() -> None:
    refused = replace(APPROVED, kind="葬祭費", approved=False, amount=0, to_payee=0, to_provider=0,
                      reasons=("another insurer pays this benefit", "the deceased was not insured on 2025-11-02"))
    text = text_of(render(refused)[0])
    assert "葬祭費 不支給決定通知書" in text and "another insurer" in text and "not insured" in text


def test_a_field_holding_a_my_number_is_refused_by_name() -> None:
    with pytest.raises(NoticeError, match="person_id"):
        render(replace(APPROVED, person_id="123456789018"))
    with pytest.raises(NoticeError, match="amount"):
        render(replace(APPROVED, amount=499_999))


def test_the_issuer_and_the_payee_are_checked_as_on_every_notice_kind() -> None:
    """The issuer printed (section, phone) is checked as every other kind checks it (kokuho.notices.model
    .checked_parties): a My Number or an empty field is refused by name, never printed."""
    from kokuho.identity.mynumber import check_digit

    body = "12345678901"
    number = body + str(check_digit(body))
    for issuer, field in ((replace(APPROVED.issuer, phone=number), "issuer.phone"),
                          (replace(APPROVED.issuer, section=" "), "issuer.section")):
        with pytest.raises(NoticeError, match=field):
            render(replace(APPROVED, issuer=issuer))
    with pytest.raises(NoticeError, match="payee_name"):
        render(replace(APPROVED, payee_name=""))
