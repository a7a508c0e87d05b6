"""督促状: the installments the daily 督促 run found unpaid after their due date (kokuho.collection.reminders),
the unpaid amount of each, the 指定納期限 (the 10th day after issue) and a slip per installment — the
installment's own 納付番号 (a slip still pays its installment), now due by the 指定納期限."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kokuho.collection.ports import Slip
from kokuho.collection.slips import payment_number
from kokuho.dates.era import era_and_western, era_date
from kokuho.notices.model import ReminderNotice, check_reminder_notice
from kokuho.notices.text import fiscal_year_label, yen

if TYPE_CHECKING:
    from kokuho.notices.render import NoticeBook


def draw(book: NoticeBook, notice: ReminderNotice) -> None:
    from kokuho.notices.render import LEFT, RIGHT

    n = check_reminder_notice(notice)
    c = n.charge
    pay_by = max(r.pay_by for r in n.reminders)
    y = book.head(n.to, n.issuer, n.issued_on, f"{fiscal_year_label(c.fiscal_year)} 国民健康保険料 督促状")
    total = sum(r.unpaid for r in n.reminders)
    fee = sum(r.fee for r in n.reminders)
    y = book.wrapped(LEFT, y, RIGHT - LEFT,
                     f"{n.payer_name} 様 (納付義務者) の世帯の国民健康保険料のうち、次の期の保険料が"
                     f"納期限を過ぎても納付されていません。{era_date(pay_by)} (指定納期限) までに"
                     "同封の納付書で納めてください。", 9.5) + 4
    book.text(LEFT, y, "未納の保険料", 11)
    book.text(LEFT + 30, y, yen(total), 13)
    if fee:
        book.text(LEFT + 75, y, f"督促手数料 {yen(fee)} (保険料の完納後に延滞金とあわせて請求)", 9)
    y += 6
    book.text(LEFT, y, f"指定納期限  {era_and_western(pay_by)}", 10)
    y += 5
    amounts = {i.number: i.amount for i in c.installments}
    y = book.installment_table(y, "当初の納期限", [(LEFT + 125, "保険料額"), (LEFT + 160, "未納額")],
                               [(r.installment, r.due, [amounts[r.installment], r.unpaid])
                                for r in sorted(n.reminders, key=lambda r: r.installment)])
    for line in ("・指定納期限までに納付がないときは、滞納処分 (財産の差押え等) を行うことがあります。",
                 "・納期限の翌日から納付の日までの日数に応じて延滞金がかかることがあります"
                 " (本税の完納後にお知らせします)。",
                 "・この督促状と行き違いで納付済みの場合は、ご容赦ください。",
                 f"・納付が難しいときはご相談ください: {n.issuer.section} ({n.issuer.phone})"):
        y = book.wrapped(LEFT, y, RIGHT - LEFT, line, 9) + 1
    book.slip_pages([dict(payer=n.payer_name, issuer=n.issuer, due=r.pay_by, due_label="指定納期限",
                          title="国民健康保険料 納付書 (督促)",
                          slip=Slip(payment_number(c.household_id, c.fiscal_year, r.installment, c.version),
                                    c.household_id, c.fiscal_year, r.installment, r.unpaid, c.payer_id))
                     for r in sorted(n.reminders, key=lambda r: r.installment)])
