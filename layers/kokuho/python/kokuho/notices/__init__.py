"""Notices (通知書) as PDF — pure rendering, free of AWS (issue 12 item 8).

What a notice says comes from the ledger (kokuho.collection: the charge, its due dates, the 納付番号 of each
slip); this package only lays it out: Japanese text in Noto Sans CJK JP embedded as a subset, dates in the
era form, amounts with thousands separators, addressed to the payer's 送付先. No notice takes a My Number:
every text field is checked and one holding a My Number is refused, naming the field, never the number.

- `PaymentNotice` + `NoticeBook` / `render_payment_notices`: 納入通知書 with a payment slip per installment
  still owed, its 納付番号 printed and as an Interleaved 2 of 5 barcode.
- `DecisionNotice` (決定通知書: the premium with the engine's explanation), `ChangeNotice` (変更通知書 after a
  更正, the change in the premium engine's words), `ReminderNotice` (督促状), `RefundNotice` (還付通知書):
  `NoticeBook.add` takes any of them.
"""

from kokuho.notices.model import (
    Addressee,
    ChangeNotice,
    DecisionNotice,
    Issuer,
    NoticeError,
    PaymentNotice,
    RefundNotice,
    ReminderNotice,
    addressee_of,
)
from kokuho.notices.render import NoticeBook, render_payment_notices

__all__ = ["Addressee", "ChangeNotice", "DecisionNotice", "Issuer", "NoticeBook", "NoticeError", "PaymentNotice",
           "RefundNotice", "ReminderNotice", "addressee_of", "render_payment_notices"]
