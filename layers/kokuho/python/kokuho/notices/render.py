"""Lays notices out on A4 with fpdf2. One `NoticeBook` is one PDF: the font is parsed once and subset once
at the end, so a print run puts many notices in one book (a run part) — parsing a 16 MB CJK font for each
notice alone would cost more than drawing it. Pages are positioned text (`FPDF.text`), not flowing
paragraphs: a notice is a form, and fixed positions are what keeps every character inside the page."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any, Protocol

from fpdf import FPDF

from kokuho.collection.ports import Slip
from kokuho.collection.slips import slips_of
from kokuho.dates.era import era_and_western, era_date
from kokuho.notices import benefit, change, decision, refund, reminder
from kokuho.notices.font import FONT, add_font
from kokuho.notices.model import (
    Addressee,
    ChangeNotice,
    DecisionNotice,
    Issuer,
    NoticeError,
    PaymentNotice,
    RefundNotice,
    ReminderNotice,
    check_payment_notice,
)
from kokuho.notices.text import fiscal_year_label, yen
from kokuho.premium.rates import PART_KEYS, PART_NAMES_JA


class SelfDrawn(Protocol):
    """A notice of its own kind: checks and draws itself (kokuho.notices.medical_cost.MedicalCostNotice)."""

    def checked(self) -> Any: ...
    def draw(self, book: NoticeBook) -> None: ...


LEFT, RIGHT, TOP = 15.0, 195.0, 15.0  # mm on A4 (210 × 297): a printer's reach with room to spare
SLIPS_PER_PAGE = 4
SLIP_HEIGHT = 64.0
SLIP_PITCH = 67.0
# Interleaved 2 of 5: the wide element 0.9 mm, narrow 0.3 mm (ratio 3) — 18 digits are 52 mm, read at
# 200 dpi; the quiet zone around it is kept clear of text (≥ 10 narrow elements).
BAR_WIDE, BAR_HEIGHT = 0.9, 12.0
BOTTOM = 282.0  # text below this goes on to a new page


def spaced_number(number: str) -> str:
    """納付番号 as one run of 18 digits (grouping would invite a misread at the counter)."""
    return number


class NoticeBook:
    """A PDF of notices; `add_payment_notice` appends one (its pages), `output` gives the bytes."""

    def __init__(self, *, created: datetime | None = None, title: str = "国民健康保険料 通知書") -> None:
        pdf = FPDF(format="A4", unit="mm")
        pdf.set_auto_page_break(auto=False)
        pdf.set_margins(LEFT, TOP, 210 - RIGHT)
        pdf.set_title(title)
        pdf.set_creation_date(created or datetime(2000, 1, 1, tzinfo=UTC))  # reproducible bytes, checksums
        pdf.set_fill_color(0)
        pdf.set_draw_color(0)
        add_font(pdf)
        self.pdf = pdf
        self.notices = 0

    def add(self, notice: PaymentNotice | DecisionNotice | ChangeNotice | ReminderNotice | RefundNotice
            | benefit.BenefitNotice | SelfDrawn) -> NoticeBook:
        """Append a notice of any kind (each starts on its own page)."""
        if isinstance(notice, PaymentNotice):
            self.add_payment_notice(notice)  # counts itself
            return self
        if isinstance(notice, DecisionNotice):
            decision.draw(self, notice)
        elif isinstance(notice, ChangeNotice):
            change.draw(self, notice)
        elif isinstance(notice, ReminderNotice):
            reminder.draw(self, notice)
        elif isinstance(notice, RefundNotice):
            refund.draw(self, notice)
        elif isinstance(notice, benefit.BenefitInvitation | benefit.BenefitDecision | benefit.RecoveryNotice):
            benefit.draw(self, notice)
        elif callable(getattr(notice, "draw", None)):  # a notice of its own kind (kokuho.notices.medical_cost)
            notice.draw(self)
        else:
            raise NoticeError("notice", "is not a notice this book prints")
        self.notices += 1
        return self

    @property
    def pages(self) -> int:
        return self.pdf.page_no()

    def output(self) -> bytes:
        return bytes(self.pdf.output())

    # -- drawing helpers -------------------------------------------------------------------------------
    def text(self, x: float, y: float, text: str, size: float = 9.0) -> None:
        self.pdf.set_font(FONT, size=size)
        self.pdf.text(x, y, text)

    def right(self, x_right: float, y: float, text: str, size: float = 9.0) -> None:
        self.pdf.set_font(FONT, size=size)
        self.pdf.text(x_right - self.pdf.get_string_width(text), y, text)

    def wrapped(self, x: float, y: float, width: float, text: str, size: float = 9.0) -> float:
        """Text broken to `width` (character by character: Japanese has no spaces); returns the next y."""
        self.pdf.set_font(FONT, size=size)
        line, step = "", size * 0.45
        for ch in text:
            if ch == "\n" or self.pdf.get_string_width(line + ch) > width:
                y = self._line(x, y, line, size) + step
                line = ""
                if ch == "\n":
                    continue
            line += ch
        if line:
            y = self._line(x, y, line, size) + step
        return y

    def _line(self, x: float, y: float, line: str, size: float) -> float:
        """One line at y, on a new page when y is past the bottom; returns the y it was written at."""
        if y > BOTTOM:
            self.pdf.add_page()
            self.pdf.set_font(FONT, size=size)
            y = TOP + 5
        self.pdf.text(x, y, line)
        return y

    def head(self, to: Addressee, issuer: Issuer, issued_on: date, title: str) -> float:
        """A notice's first page: the address in the window of a 長3 envelope (20 mm in, 15–45 mm down), the
        issuer top right, the title; returns the y below the title."""
        self.pdf.add_page()
        self.text(22, 24, f"〒{to.postal_code}", 10)
        y = self.wrapped(22, 30, 85, to.address, 10)
        self.text(22, y + 4, f"{to.name} 様", 13)
        self.right(RIGHT, 24, f"発行日 {era_date(issued_on)}", 9)
        self.right(RIGHT, 29, issuer.name, 9)
        self.right(RIGHT, 34, issuer.section, 9)
        self.text(LEFT, 66, title, 15)
        return 75.0

    def rule(self, y: float) -> None:
        self.pdf.set_line_width(0.2)
        self.pdf.line(LEFT, y, RIGHT, y)

    def installment_table(self, y: float, due_head: str, amount_heads: Sequence[tuple[float, str]],
                          rows: Iterable[tuple[int, date, Sequence[int]]]) -> float:
        """The installments as the decision, change and reminder notices list them, ruled above and below:
        期別 (第N期), the 納期限 (era form, western date beside) and each amount right-aligned at its column's
        x; returns the y below the table."""
        self.rule(y)
        y += 5
        self.text(LEFT + 2, y, "期別", 9)
        self.text(LEFT + 20, y, due_head, 9)
        for x, head in amount_heads:
            self.right(x, y, head, 9)
        y += 2
        self.rule(y)
        for number, due, amounts in rows:
            y += 5.5
            self.text(LEFT + 2, y, f"第{number}期", 9)
            self.text(LEFT + 20, y, era_and_western(due), 9)
            for (x, _), amount in zip(amount_heads, amounts, strict=True):
                self.right(x, y, yen(amount), 9)
        y += 3
        self.rule(y)
        return y + 6

    def slip_pages(self, slips: list[dict[str, Any]]) -> None:
        """Payment slips four to a page; each: payer, household_id, fiscal_year, slip (Slip), due (date),
        due_label, title."""
        for start in range(0, len(slips), SLIPS_PER_PAGE):
            self.pdf.add_page()
            for k, s in enumerate(slips[start:start + SLIPS_PER_PAGE]):
                self.slip(top=TOP + k * SLIP_PITCH, **s)

    # -- 納入通知書 ---------------------------------------------------------------------------------------
    def add_payment_notice(self, notice: PaymentNotice) -> int:
        """Append one 納入通知書 (its first page, then the slips four to a page); returns the pages added."""
        n = check_payment_notice(notice)
        before = self.pages
        slips = slips_of(n.charge, n.state)
        self._notice_page(n, {s.installment: s for s in slips})
        due = {i.number: i.due for i in n.charge.installments}
        self.slip_pages([dict(payer=n.payer_name, issuer=n.issuer, slip=s, due=due[s.installment], due_label="納期限")
                         for s in slips])
        self.notices += 1
        return self.pages - before

    def _notice_page(self, n: PaymentNotice, slips: dict[int, Slip]) -> None:
        pdf, c = self.pdf, n.charge
        y = self.head(n.to, n.issuer, n.issued_on, f"{fiscal_year_label(c.fiscal_year)} 国民健康保険料 納入通知書")
        y = self.wrapped(LEFT, y, RIGHT - LEFT,
                          f"{n.payer_name} 様 (納付義務者) の世帯の{fiscal_year_label(c.fiscal_year)}の国民健康保険料は"
                          "次のとおりです。各期の納期限までに、同封の納付書で金融機関・コンビニエンスストア等で"
                          "納めてください (口座振替の方は各納期限に振り替えます)。", 9.5)
        y += 3
        self.text(LEFT, y, "世帯番号", 9)
        self.text(LEFT + 25, y, c.household_id, 9)
        self.text(LEFT + 80, y, "納付義務者", 9)
        self.text(LEFT + 105, y, n.payer_name, 9)
        y += 7
        self.text(LEFT, y, "年間保険料", 11)
        self.text(LEFT + 25, y, yen(c.annual), 13)
        y += 6
        parts = [f"{PART_NAMES_JA[k]} {yen(n.parts[k])}" for k in PART_KEYS if k in n.parts]
        if parts:
            y = self.wrapped(LEFT, y, RIGHT - LEFT, "内訳: " + "　".join(parts), 9)
        y += 4
        # The installments: 期別, 納期限 (era form, western date beside), amount, 納付番号.
        cols = (LEFT + 2, LEFT + 22, LEFT + 120, LEFT + 128)
        pdf.set_line_width(0.2)
        pdf.line(LEFT, y, RIGHT, y)
        y += 5
        for x, head in zip(cols, ("期別", "納期限", "", "納付番号"), strict=True):
            self.text(x, y, head, 9)
        self.right(LEFT + 112, y, "保険料額", 9)
        y += 2
        pdf.line(LEFT, y, RIGHT, y)
        for inst in c.installments:
            y += 6
            self.text(cols[0], y, f"第{inst.number}期", 9.5)
            self.text(cols[1], y, era_and_western(inst.due), 9.5)
            self.right(LEFT + 112, y, yen(inst.amount), 9.5)
            slip = slips.get(inst.number)
            self.text(cols[3], y, spaced_number(slip.number) if slip else "納付済", 9.5)
        y += 3
        pdf.line(LEFT, y, RIGHT, y)
        y += 6
        self.text(cols[0], y, "合計", 9.5)
        self.right(LEFT + 112, y, yen(c.total), 9.5)
        y += 10
        for line in ("・納期限を過ぎると督促状をお送りし、延滞金がかかることがあります。",
                     "・保険料の額は、所得の更正や世帯の異動により変わることがあります (変更通知書でお知らせします)。",
                     "・納めることが難しいときは、納期限までにご相談ください。",
                     f"・お問い合わせ: {n.issuer.section} ({n.issuer.phone})"):
            y = self.wrapped(LEFT, y, RIGHT - LEFT, line, 9)
            y += 1

    def slip(self, *, top: float, payer: str, issuer: Issuer, slip: Slip, due: date, due_label: str,
             title: str = "国民健康保険料 納付書 (領収済通知書)") -> None:
        """One payment slip: the installment, the amount, the 納付番号 printed and as an ITF barcode."""
        pdf = self.pdf
        pdf.set_line_width(0.3)
        pdf.rect(LEFT, top, RIGHT - LEFT, SLIP_HEIGHT)
        self.text(LEFT + 4, top + 7, title, 11)
        self.right(RIGHT - 4, top + 7, f"{fiscal_year_label(slip.fiscal_year)} 第{slip.installment}期", 11)
        self.text(LEFT + 4, top + 15, f"納付義務者  {payer} 様", 10)
        self.text(LEFT + 4, top + 21, f"世帯番号  {slip.household_id}", 9)
        self.text(LEFT + 4, top + 28, f"{due_label}  {era_date(due)}", 10)
        self.text(LEFT + 4, top + 36, "金額", 10)
        self.text(LEFT + 16, top + 36, yen(slip.amount), 14)
        self.text(LEFT + 4, top + 43, f"納付番号  {spaced_number(slip.number)}", 9)
        pdf.interleaved2of5(slip.number, LEFT + 8, top + 47, w=BAR_WIDE, h=BAR_HEIGHT)
        # The receiving bank's stamp (領収日付印), right.
        pdf.set_line_width(0.2)
        pdf.rect(RIGHT - 42, top + 14, 36, 36)
        self.text(RIGHT - 36, top + 20, "領収日付印", 8)
        self.text(RIGHT - 80, top + 60, issuer.name, 7)


def render_payment_notices(notices: Iterable[PaymentNotice], *, created: datetime | None = None) -> bytes:
    """One PDF of 納入通知書 (each starting on its own page)."""
    book = NoticeBook(created=created, title="国民健康保険料 納入通知書")
    for n in notices:
        book.add(n)
    return book.output()
