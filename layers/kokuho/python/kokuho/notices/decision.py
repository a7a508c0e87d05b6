"""決定通知書 (賦課決定): the year's premium as decided — the annual amount and its parts, the engine's own
explanation (reduction judgement, each part's computation), the installments with their 納期限. No slip: the
slips come with the 納入通知書."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kokuho.notices.model import DecisionNotice, check_decision_notice
from kokuho.notices.text import explanation_lines, fiscal_year_label, yen

if TYPE_CHECKING:
    from kokuho.notices.render import NoticeBook


def draw(book: NoticeBook, notice: DecisionNotice) -> None:
    from kokuho.notices.render import LEFT, RIGHT

    n = check_decision_notice(notice)
    c = n.charge
    y = book.head(n.to, n.issuer, n.issued_on, f"{fiscal_year_label(c.fiscal_year)} 国民健康保険料 決定通知書")
    y = book.wrapped(LEFT, y, RIGHT - LEFT,
                     f"{n.payer_name} 様 (納付義務者) の世帯の{fiscal_year_label(c.fiscal_year)}の国民健康保険料を"
                     "次のとおり決定しました。", 9.5) + 3
    book.text(LEFT, y, "年間保険料", 11)
    book.text(LEFT + 25, y, yen(c.annual), 13)
    y += 7
    book.text(LEFT, y, "■ 算定の内訳", 11)
    y = book.wrapped(LEFT + 2, y + 6, RIGHT - LEFT - 2, "\n".join(explanation_lines(n.output["explain"])), 8.5) + 2
    y = book.installment_table(y, "納期限", [(LEFT + 125, "保険料額")],
                               [(i.number, i.due, [i.amount]) for i in c.installments])
    for line in ("・納付書は納入通知書に同封しています。",
                 "・この決定に不服があるときは、この通知を受けた日の翌日から起算して3か月以内に、"
                 "国民健康保険審査会に審査請求をすることができます。",
                 f"・お問い合わせ: {n.issuer.section} ({n.issuer.phone})"):
        y = book.wrapped(LEFT, y, RIGHT - LEFT, line, 9) + 1
