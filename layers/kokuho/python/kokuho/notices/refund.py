"""還付通知書: a refund order (kokuho.collection.overpayments): the amount, why, and the account it goes to —
the number masked but for its last four digits — or, for a refund held without an account, the request to
name one."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from kokuho.dates.era import era_and_western
from kokuho.notices.model import RefundNotice, check_refund_notice
from kokuho.notices.text import fiscal_year_label, masked_account, yen

if TYPE_CHECKING:
    from kokuho.notices.render import NoticeBook


def draw(book: NoticeBook, notice: RefundNotice) -> None:
    from kokuho.notices.render import LEFT, RIGHT

    n = check_refund_notice(notice)
    r = n.refund
    household, fiscal_year = r.source
    y = book.head(n.to, n.issuer, n.issued_on, "国民健康保険料 還付通知書")
    y = book.wrapped(LEFT, y, RIGHT - LEFT,
                     f"{n.payer_name} 様 (納付義務者) が納めた国民健康保険料に納め過ぎがありましたので、"
                     "次のとおり還付します。", 9.5) + 4
    rows = [("還付金額", yen(r.amount)),
            ("対象", f"{fiscal_year_label(fiscal_year)} 国民健康保険料 (世帯番号 {household})"),
            ("還付の理由", n.reason), ("還付決定日", era_and_western(date.fromisoformat(r.created_on))),
            ("還付番号", r.refund_id)]
    a = r.account
    if a is not None:
        rows += [("振込先", f"金融機関コード {a.bank_code}  支店コード {a.branch_code}  {a.account_type}  "
                            f"口座番号 {masked_account(a.account_number)}"),
                 ("口座名義", a.holder_kana), ("口座の種別", a.source)]
    for label, value in rows:
        book.text(LEFT, y, label, 10)
        y = book.wrapped(LEFT + 30, y, RIGHT - LEFT - 30, value, 12 if label == "還付金額" else 10) + 2
    y += 4
    lines = (["・上記の口座へ振り込みます。口座に誤りがあるときはご連絡ください。"] if a is not None else
             ["・還付先の口座が登録されていません。同封の還付請求書で振込先の口座をお知らせください。"
              "お知らせいただいた後に振り込みます。"])
    lines.append(f"・お問い合わせ: {n.issuer.section} ({n.issuer.phone})")
    for line in lines:
        y = book.wrapped(LEFT, y, RIGHT - LEFT, line, 9) + 1
