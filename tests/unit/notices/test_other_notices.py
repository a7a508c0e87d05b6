"""変更通知書 after a 更正 (the change in words from the premium engine's explanation), 督促状 (from the daily
run's reminders) and 還付通知書 (from a refund order) — read back from the rendered PDF (issue 12 item 8)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pypdfium2 as pdfium
import pytest
import zxingcpp
from notice_pages import assert_pages_printable

from kokuho.collection.ledger import PaymentEntry, charge_from_version, ledger_state
from kokuho.collection.ports import RefundAccount, RefundOrder
from kokuho.collection.reminders import Reminder
from kokuho.collection.slips import payment_number
from kokuho.dates.era import era_date
from kokuho.notices import (
    Addressee,
    ChangeNotice,
    DecisionNotice,
    NoticeBook,
    NoticeError,
    RefundNotice,
    ReminderNotice,
)
from kokuho.premium import compute_case, explain_case, revise

TO = Addressee("山田 太郎", "100-0001", "東京都千代田区千代田一丁目1番1号")


def case(salary: int) -> dict[str, Any]:
    return {"fiscal_year": 2024, "household": {"householder_id": "P1", "specific_household": None, "members": [
        {"id": "P1", "birth_date": "1979-06-15", "insured": [{"from": "2020-04-01", "until": None}],
         "income": {"total": salary, "salary": salary, "pension": 0, "declared": True},
         "salary_or_pension_earner": True, "involuntary_unemployment": None, "expected_birth": None,
         "specific_same_household": False}]}}


def texts(data: bytes) -> list[str]:
    doc = pdfium.PdfDocument(data)
    return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]


def barcodes(data: bytes) -> list[str]:
    doc = pdfium.PdfDocument(data)
    return [r.text for i in range(len(doc)) for r in zxingcpp.read_barcodes(doc[i].render(scale=200 / 72).to_pil())
            if r.format == zxingcpp.BarcodeFormat.ITF]


def change_notice(salary_before: int = 3_000_000, salary_after: int = 800_000) -> ChangeNotice:
    before, after = compute_case(case(salary_before)), explain_case(case(salary_after))
    previous = charge_from_version("H000123", 2024, version=1, payer_id="P1", annual=before["annual"],
                                   installments=before["installments"])
    # 更正 in October: June–September stay as billed, the rest re-spread (premium rule 7).
    revised = revise(before["installments"], after["annual"], "2024-10", paid=4 * previous.installments[1].amount)
    current = charge_from_version("H000123", 2024, version=2, payer_id="P1", annual=after["annual"],
                                  installments=revised["installments"])
    paid = [PaymentEntry(f"PAY-{i.number}", i.due, i.amount, "口座振替", i.number) for i in previous.installments[:4]]
    return ChangeNotice(previous, current, "山田 太郎", TO, date(2024, 10, 15), "所得の更正 (市民税の課税標準の変更)",
                        before, after, ledger_state(current, paid))


def test_the_change_notice_explains_the_change_in_the_engines_words() -> None:
    n = change_notice()
    pages = texts(NoticeBook().add(n).output())
    first = "\n".join(pages)
    assert "変更通知書" in first and "山田 太郎" in first and "所得の更正" in first
    assert f"{n.previous.annual:,}円" in first and f"{n.current.annual:,}円" in first
    assert f"{n.previous.annual - n.current.annual:,}円の減額" in first
    for line in n.current_output["explain"]["summary"]:  # the engine's words, as it wrote them
        assert line in first
    assert "判定: 2割" in first  # the reduction the engine judged, and that it changed
    assert "軽減: なし → 2割軽減" in first
    assert n.state is not None and n.state.overpayment > 0  # four installments paid beyond the new premium
    assert f"納め過ぎとなった保険料 {n.state.overpayment:,}円" in first
    for inst in n.current.installments:
        assert era_date(inst.due) in first and f"{inst.amount:,}円" in first


def test_the_change_notice_slips_are_the_new_versions_for_what_is_still_owed() -> None:
    n = change_notice(800_000, 3_000_000)  # an increase: spread over the remaining installments
    data = NoticeBook().add(n).output()
    owed = [i for i in n.state.installments if i.unpaid > 0] if n.state else []
    assert owed and len(owed) < 10
    assert sorted(barcodes(data)) == sorted(payment_number("H000123", 2024, i.number, 2) for i in owed)
    assert "増額" in "\n".join(texts(data))


def test_a_reminder_names_the_installment_the_unpaid_amount_and_the_deadline() -> None:
    charge = charge_from_version("H000123", 2024, version=1, payer_id="P1", annual=120_000,
                                 installments=[{"due": f"2024-{m:02d}", "amount": 12_000} for m in range(6, 13)]
                                 + [{"due": f"2025-{m:02d}", "amount": 12_000} for m in range(1, 4)])
    state = ledger_state(charge, [PaymentEntry("PAY-1", date(2024, 7, 5), 5_000, "収納", 2)])
    issued = date(2024, 8, 10)
    reminders = [Reminder(f"TK-H000123-2024-{k}", k, charge.installments[k - 1].due, state.installments[k - 1].unpaid,
                          issued, issued + timedelta(days=10), 0, False) for k in (1, 2)]
    data = NoticeBook().add(ReminderNotice(charge, reminders, "山田 太郎", TO, issued)).output()
    text = "\n".join(texts(data))
    assert "督促状" in text and "山田 太郎" in text and "〒100-0001" in text
    assert "12,000円" in text and "7,000円" in text and "19,000円" in text  # each unpaid, and the total
    assert era_date(issued + timedelta(days=10)) in text  # 指定納期限
    assert era_date(charge.installments[0].due) in text
    assert sorted(barcodes(data)) == sorted(payment_number("H000123", 2024, k, 1) for k in (1, 2))


def test_a_reminder_for_another_ledger_is_refused() -> None:
    charge = charge_from_version("H000123", 2024, version=1, payer_id="P1", annual=12_000,
                                 installments=[{"due": "2024-06", "amount": 12_000}])
    bad = Reminder("TK-H000123-2024-5", 5, date(2024, 10, 31), 1_000, date(2024, 11, 5), date(2024, 11, 15), 0, False)
    with pytest.raises(NoticeError) as err:
        NoticeBook().add(ReminderNotice(charge, [bad], "山田 太郎", TO, date(2024, 11, 5)))
    assert err.value.field == "reminders[0].installment"


def test_a_refund_notice_names_the_amount_and_the_account_masked() -> None:
    account = RefundAccount("0001", "123", "普通", "1234567", "ﾔﾏﾀﾞ ﾀﾛｳ", "公金受取口座")
    order = RefundOrder("RF-H000123-2024-1", "P1", ("H000123", 2024), 34_500, "2024-10-20", account, "ready")
    data = NoticeBook().add(RefundNotice(order, "山田 太郎", TO, date(2024, 10, 21),
                                         "保険料の減額更正により納め過ぎとなったため")).output()
    text = "\n".join(texts(data))
    assert "還付通知書" in text and "34,500円" in text and "公金受取口座" in text and "減額更正" in text
    assert "1234567" not in text and "***4567" in text  # the account number masked but for its last digits
    assert "令和6年度" in text and "(2024年度)" in text
    held = RefundOrder("RF-H000123-2024-2", "P1", ("H000123", 2024), 1_200, "2024-10-20", None, "held")
    notice = RefundNotice(held, "山田 太郎", TO, date(2024, 10, 21), "過誤納")
    text = "\n".join(texts(NoticeBook().add(notice).output()))
    assert "1,200円" in text and "口座をお知らせください" in text


def every_kind() -> bytes:
    account = RefundAccount("0001", "123", "普通", "1234567", "ﾔﾏﾀﾞ ﾀﾛｳ", "公金受取口座")
    order = RefundOrder("RF-H000123-2024-1", "P1", ("H000123", 2024), 34_500, "2024-10-20", account, "ready")
    n = change_notice(800_000, 3_000_000)
    due = n.current.installments[0].due
    reminder = Reminder("TK-H000123-2024-1", 1, due, 1_000, date(2024, 7, 10), date(2024, 7, 20), 0, False)
    book = NoticeBook().add(change_notice()).add(n)
    out = explain_case(case(800_000))
    decided = charge_from_version("H000123", 2024, version=1, payer_id="P1", annual=out["annual"],
                                  installments=out["installments"])
    book.add(DecisionNotice(decided, "山田 太郎", TO, date(2024, 6, 14), out))
    book.add(RefundNotice(order, "山田 太郎", TO, date(2024, 10, 21), "過誤納"))
    return book.add(ReminderNotice(n.current, [reminder], "山田 太郎", TO, date(2024, 7, 10))).output()


def test_every_page_of_every_kind_is_inked_inside_the_page_and_holds_no_my_number() -> None:
    assert_pages_printable(every_kind())


def test_the_decision_notice_gives_the_premium_with_the_engines_explanation_and_no_slip() -> None:
    out = explain_case(case(800_000))
    charge = charge_from_version("H000123", 2024, version=1, payer_id="P1", annual=out["annual"],
                                 installments=out["installments"])
    data = NoticeBook().add(DecisionNotice(charge, "山田 太郎", TO, date(2024, 6, 14), out)).output()
    pages = texts(data)
    text = "\n".join(pages)
    assert "決定通知書" in text and "山田 太郎" in text and f"{out['annual']:,}円" in text
    for line in out["explain"]["summary"]:
        assert line in text
    assert "判定: 2割" in text
    for inst in charge.installments:
        assert era_date(inst.due) in text and f"{inst.amount:,}円" in text
    assert barcodes(data) == []  # the slips come with the 納入通知書
    with pytest.raises(NoticeError) as err:
        NoticeBook().add(DecisionNotice(charge, "山田 太郎", TO, date(2024, 6, 14), compute_case(case(900_000))))
    assert err.value.field == "output.explain"


def test_a_reminder_slip_asks_for_the_installment_only_the_fee_is_told_apart() -> None:
    """The slip's 納付番号 pays the installment on the ledger: an amount with the 督促手数料 added would be
    matched as an overpayment of the installment."""
    charge = charge_from_version("H000123", 2024, version=1, payer_id="P1", annual=12_000,
                                 installments=[{"due": "2024-06", "amount": 12_000}])
    r = Reminder("TK-H000123-2024-1", 1, charge.installments[0].due, 12_000, date(2024, 7, 10), date(2024, 7, 20),
                 100, False)
    pages = texts(NoticeBook().add(ReminderNotice(charge, [r], "山田 太郎", TO, date(2024, 7, 10))).output())
    assert "督促手数料 100円" in pages[0]
    assert "12,000円" in pages[1] and "12,100円" not in pages[1]
