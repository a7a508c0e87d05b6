"""変更通知書: the premium after a 更正, the change told in words — the figures from the engine's outputs before
and after (`kokuho.premium.diff_parts`), the reasons from its explanation (`explain_case`: the reduction
judgement and each part's computation, as the engine wrote them) — the installments before and after, and
the slips of what is still owed under the new version's 納付番号."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kokuho.collection.slips import slips_of
from kokuho.notices.model import ChangeNotice, check_change_notice
from kokuho.notices.text import explanation_lines, fiscal_year_label, yen
from kokuho.premium import diff_parts
from kokuho.premium.rates import PART_KEYS, PART_NAMES_JA

if TYPE_CHECKING:
    from kokuho.notices.render import NoticeBook


def _reduction(label: object) -> str:
    return f"{label}軽減" if label else "なし"


def change_words(n: ChangeNotice) -> list[str]:
    """The change in sentences: the annual premium, each part that changed, the reduction if it changed."""
    diff = diff_parts(n.previous_output, n.current_output)
    before, after = n.previous.annual, n.current.annual
    delta = after - before
    how = f"{yen(delta)}の増額" if delta > 0 else f"{yen(-delta)}の減額" if delta < 0 else "変更なし"
    lines = [f"年間保険料: {yen(before)} → {yen(after)} ({how})"]
    for key in PART_KEYS:
        d = diff["parts"][key]
        if d:
            was, now = int(n.previous_output["parts"].get(key, 0)), int(n.current_output["parts"].get(key, 0))
            lines.append(f"{PART_NAMES_JA[key]}: {yen(was)} → {yen(now)} ({'+' if d > 0 else '−'}{yen(abs(d))})")
    red = diff["reduction"]
    if red["previous"] != red["new"]:
        lines.append(f"軽減: {_reduction(red['previous'])} → {_reduction(red['new'])}")
    return lines


def draw(book: NoticeBook, notice: ChangeNotice) -> None:
    from kokuho.notices.render import LEFT, RIGHT

    n = check_change_notice(notice)
    c, p = n.current, n.previous
    explain = n.current_output["explain"]
    y = book.head(n.to, n.issuer, n.issued_on, f"{fiscal_year_label(c.fiscal_year)} 国民健康保険料 変更通知書")
    y = book.wrapped(LEFT, y, RIGHT - LEFT,
                     f"{n.payer_name} 様 (納付義務者) の世帯の{fiscal_year_label(c.fiscal_year)}の国民健康保険料を、"
                     f"次の理由により変更しました。変更理由: {n.reason}", 9.5) + 3
    book.text(LEFT, y, "■ 変更の内容", 11)
    y = book.wrapped(LEFT + 2, y + 6, RIGHT - LEFT - 2, "\n".join(change_words(n)), 9.5) + 2
    book.text(LEFT, y, "■ 変更後の算定の内訳", 11)
    y = book.wrapped(LEFT + 2, y + 6, RIGHT - LEFT - 2, "\n".join(explanation_lines(explain)), 8.5) + 2
    # The installments before and after (期別, 納期限 with the western date, 変更前, 変更後).
    before = {i.number: i.amount for i in p.installments}
    y = book.installment_table(y, "納期限", [(LEFT + 125, "変更前"), (LEFT + 155, "変更後")],
                               [(i.number, i.due, [before.get(i.number, 0), i.amount]) for i in c.installments])
    if n.state is not None and n.state.overpayment > 0:
        y = book.wrapped(LEFT, y, RIGHT - LEFT,
                         f"・納め過ぎとなった保険料 {yen(n.state.overpayment)} は、未納の保険料に充当し、"
                         "残りを還付します (還付通知書でお知らせします)。", 9) + 1
    slips = slips_of(c, n.state)
    for line in ("・変更後の納付書を同封します。変更前の納付書は使わないでください。" if slips else
                 "・変更後に納めていただく保険料はありません (同封の納付書はありません)。",
                 f"・お問い合わせ: {n.issuer.section} ({n.issuer.phone})"):
        y = book.wrapped(LEFT, y, RIGHT - LEFT, line, 9) + 1
    due = {i.number: i.due for i in c.installments}
    book.slip_pages([dict(payer=n.payer_name, issuer=n.issuer, slip=s, due=due[s.installment], due_label="納期限")
                     for s in slips])
