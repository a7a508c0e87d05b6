"""医療費通知 (issue 13 item 7): one insured person's medical costs of a round (kokuho.health.periods) — per
service month, provider and setting, the total cost and what the person paid — from the stored receipts
(kokuho.health.medical_costs). It carries no diagnosis and no My Number (a text field holding one is refused,
naming the field). A notice of its own kind: it checks and draws itself, and names whose data it holds, so the
print run (kokuho.notices.print_run) and the book (kokuho.notices.render) take it as they take the others."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from kokuho.dates.era import era_date
from kokuho.health.medical_costs import CostLine
from kokuho.health.periods import Month, NoticeRound
from kokuho.identity.mynumber import identifier_holds_my_number
from kokuho.notices.model import Addressee, Issuer, NoticeError, checked_parties, text_field
from kokuho.notices.text import yen

if TYPE_CHECKING:
    from kokuho.notices.render import NoticeBook

BENEFIT_SECTION = Issuer(section="保険年金課 給付係")
ROWS_FIRST_PAGE, ROW_HEIGHT = 30, 5.6


def month_label(m: Month) -> str:
    """令和8年1月 (2026-01): the era year of the month, the western month beside it."""
    era = era_date(date(m[0], m[1], 1))
    return f"{era[:era.index('月') + 1]} ({m[0]:04d}-{m[1]:02d})"


@dataclass(frozen=True)
class MedicalCostNotice:
    person_id: str
    person_name: str
    to: Addressee
    issued_on: date
    notice_round: NoticeRound
    lines: Sequence[CostLine]
    issuer: Issuer = BENEFIT_SECTION

    @property
    def subjects(self) -> tuple[str, ...]:
        """Whose data it holds: the insured person (an internal id, never a My Number)."""
        return (self.person_id,)

    @property
    def total_cost(self) -> int:
        return sum(c.total_cost for c in self.lines)

    @property
    def copay(self) -> int:
        return sum(c.copay for c in self.lines)

    def checked(self) -> MedicalCostNotice:
        """The notice as it will be printed, or NoticeError naming the field."""
        if not isinstance(self.person_id, str) or not self.person_id or identifier_holds_my_number(self.person_id):
            raise NoticeError("person_id", "must be the person's internal id (never a My Number)")
        if not isinstance(self.issued_on, date):
            raise NoticeError("issued_on", "must be a date")
        if not isinstance(self.notice_round, NoticeRound):
            raise NoticeError("notice_round", "must be a round of the periods data")
        if not self.lines:
            raise NoticeError("lines", "must hold at least one receipt (a person without one gets no notice)")
        months = set(self.notice_round.months())
        for i, c in enumerate(self.lines):
            if c.service_month not in months:
                raise NoticeError(f"lines[{i}].service_month", "is outside the round's service months")
            text_field(c.provider_name, f"lines[{i}].provider_name")
            for attr in ("total_cost", "copay"):
                v = getattr(c, attr)
                if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                    raise NoticeError(f"lines[{i}].{attr}", "must be an integer number of yen ≥ 0")
            if c.copay > c.total_cost:
                raise NoticeError(f"lines[{i}].copay", "must not exceed total_cost")
        return checked_parties(self, "person_name")

    def draw(self, book: NoticeBook) -> None:
        from kokuho.notices.render import BOTTOM, LEFT, RIGHT, TOP

        n = self.checked()
        r = n.notice_round
        y = book.head(n.to, n.issuer, n.issued_on, "国民健康保険 医療費のお知らせ (医療費通知)")
        y = book.wrapped(LEFT, y, RIGHT - LEFT,
                         f"{n.person_name} 様が{month_label(r.first_month)}から{month_label(r.last_month)}までに"
                         "受けた診療について、医療機関から請求のあった医療費をお知らせします。"
                         "この通知に対して手続きをしていただく必要はありません。", 9.5) + 3
        book.text(LEFT, y, "医療費の総額", 10)
        book.text(LEFT + 30, y, yen(n.total_cost), 12)
        book.text(LEFT + 85, y, "窓口負担額 (自己負担)", 10)
        book.text(LEFT + 128, y, yen(n.copay), 12)
        y += 6
        cols = ((LEFT + 2, "診療年月"), (LEFT + 40, "医療機関名"), (LEFT + 112, "区分"))
        amounts = ((LEFT + 152, "医療費の総額"), (RIGHT - 2, "窓口負担額"))

        def header(y: float) -> float:
            book.rule(y)
            y += 5
            for x, head in cols:
                book.text(x, y, head, 9)
            for x, head in amounts:
                book.right(x, y, head, 9)
            y += 2
            book.rule(y)
            return y

        y = header(y)
        for c in n.lines:
            if y + ROW_HEIGHT > BOTTOM - 20:  # the rest of the rows on a new page, the header again
                book.pdf.add_page()
                y = header(TOP + 5)
            y += ROW_HEIGHT
            book.text(cols[0][0], y, month_label(c.service_month), 8.5)
            book.text(cols[1][0], y, c.provider_name[:22], 8.5)
            book.text(cols[2][0], y, c.setting, 8.5)
            book.right(amounts[0][0], y, yen(c.total_cost), 8.5)
            book.right(amounts[1][0], y, yen(c.copay), 8.5)
        y += 3
        book.rule(y)
        y += 8
        for line in ("・医療費の総額は、保険診療の費用の総額 (保険給付分と窓口負担額の合計) です。"
                     "窓口負担額は、高額療養費などの支給を受ける前の額です。",
                     "・保険診療でない費用 (差額ベッド代など)、柔道整復等の療養費、薬局の調剤費は含まれない"
                     "ことがあります (調剤は処方した医療機関の欄に含めています)。",
                     "・この通知は医療費控除の明細書として確定申告に添付できます。",
                     "・通知が不要な方は、お申し出により送付を止めることができます。",
                     f"・お問い合わせ: {n.issuer.section} ({n.issuer.phone})"):
            y = book.wrapped(LEFT, y, RIGHT - LEFT, line, 9) + 1
