"""Lays notices out on A4 with fpdf2. One `NoticeBook` is one PDF: the font is parsed once and subset once
at the end, so a print run puts many notices in one book (a run part) — parsing a 16 MB CJK font for each
notice alone would cost more than drawing it. Pages are positioned text (`FPDF.text`), not flowing
paragraphs: a notice is a form, and fixed positions are what keeps every character inside the page."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from fpdf import FPDF

from kokuho.collection.ports import Slip
from kokuho.collection.slips import slips_of
from kokuho.dates.era import era_and_western, era_date
from kokuho.notices.font import FONT, add_font
from kokuho.notices.model import PaymentNotice, check_payment_notice
from kokuho.premium.rates import PART_KEYS, PART_NAMES_JA

LEFT, RIGHT, TOP = 15.0, 195.0, 15.0  # mm on A4 (210 × 297): a printer's reach with room to spare
SLIPS_PER_PAGE = 4
SLIP_HEIGHT = 64.0
SLIP_PITCH = 67.0
# Interleaved 2 of 5: the wide element 0.9 mm, narrow 0.3 mm (ratio 3) — 18 digits are 52 mm, read at
# 200 dpi; the quiet zone around it is kept clear of text (≥ 10 narrow elements).
BAR_WIDE, BAR_HEIGHT = 0.9, 12.0


def yen(amount: int) -> str:
    return f"{amount:,}円"


def fiscal_year_label(fiscal_year: int) -> str:
    """令和6年度 (2024年度): the era year of the fiscal year's 1 April, the western year beside it."""
    era = era_date(datetime(fiscal_year, 4, 1).date())
    return f"{era[:era.index('年') + 1]}度 ({fiscal_year}年度)"


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

    @property
    def pages(self) -> int:
        return self.pdf.page_no()

    def output(self) -> bytes:
        return bytes(self.pdf.output())

    # -- drawing helpers -------------------------------------------------------------------------------
    def _text(self, x: float, y: float, text: str, size: float = 9.0) -> None:
        self.pdf.set_font(FONT, size=size)
        self.pdf.text(x, y, text)

    def _right(self, x_right: float, y: float, text: str, size: float = 9.0) -> None:
        self.pdf.set_font(FONT, size=size)
        self.pdf.text(x_right - self.pdf.get_string_width(text), y, text)

    def _wrapped(self, x: float, y: float, width: float, text: str, size: float = 9.0) -> float:
        """Text broken to `width` (character by character: Japanese has no spaces); returns the next y."""
        self.pdf.set_font(FONT, size=size)
        line, step = "", size * 0.45
        for ch in text:
            if self.pdf.get_string_width(line + ch) > width:
                self.pdf.text(x, y, line)
                y, line = y + step, ""
            line += ch
        if line:
            self.pdf.text(x, y, line)
            y += step
        return y

    # -- 納入通知書 ---------------------------------------------------------------------------------------
    def add_payment_notice(self, notice: PaymentNotice) -> int:
        """Append one 納入通知書 (its first page, then the slips four to a page); returns the pages added."""
        n = check_payment_notice(notice)
        before = self.pages
        slips = slips_of(n.charge, n.state)
        self._notice_page(n, {s.installment: s for s in slips})
        for start in range(0, len(slips), SLIPS_PER_PAGE):
            self.pdf.add_page()
            for k, slip in enumerate(slips[start:start + SLIPS_PER_PAGE]):
                self._slip(n, slip, TOP + k * SLIP_PITCH)
        self.notices += 1
        return self.pages - before

    def _notice_page(self, n: PaymentNotice, slips: dict[int, Slip]) -> None:
        pdf, c = self.pdf, n.charge
        pdf.add_page()
        # The address in the window of a 長3 envelope (20 mm in, 15–45 mm down).
        self._text(22, 24, f"〒{n.to.postal_code}", 10)
        y = self._wrapped(22, 30, 85, n.to.address, 10)
        self._text(22, y + 4, f"{n.to.name} 様", 13)
        # The issuer, top right.
        self._right(RIGHT, 24, f"発行日 {era_date(n.issued_on)}", 9)
        self._right(RIGHT, 29, n.issuer.name, 9)
        self._right(RIGHT, 34, n.issuer.section, 9)
        self._text(LEFT, 66, f"{fiscal_year_label(c.fiscal_year)} 国民健康保険料 納入通知書", 15)
        y = self._wrapped(LEFT, 75, RIGHT - LEFT,
                          f"{n.payer_name} 様 (納付義務者) の世帯の{fiscal_year_label(c.fiscal_year)}の国民健康保険料は"
                          "次のとおりです。各期の納期限までに、同封の納付書で金融機関・コンビニエンスストア等で"
                          "納めてください (口座振替の方は各納期限に振り替えます)。", 9.5)
        y += 3
        self._text(LEFT, y, "世帯番号", 9)
        self._text(LEFT + 25, y, c.household_id, 9)
        self._text(LEFT + 80, y, "納付義務者", 9)
        self._text(LEFT + 105, y, n.payer_name, 9)
        y += 7
        self._text(LEFT, y, "年間保険料", 11)
        self._text(LEFT + 25, y, yen(c.annual), 13)
        y += 6
        parts = [f"{PART_NAMES_JA[k]} {yen(n.parts[k])}" for k in PART_KEYS if k in n.parts]
        if parts:
            y = self._wrapped(LEFT, y, RIGHT - LEFT, "内訳: " + "　".join(parts), 9)
        y += 4
        # The installments: 期別, 納期限 (era form, western date beside), amount, 納付番号.
        cols = (LEFT + 2, LEFT + 22, LEFT + 120, LEFT + 128)
        pdf.set_line_width(0.2)
        pdf.line(LEFT, y, RIGHT, y)
        y += 5
        for x, head in zip(cols, ("期別", "納期限", "", "納付番号"), strict=True):
            self._text(x, y, head, 9)
        self._right(LEFT + 112, y, "保険料額", 9)
        y += 2
        pdf.line(LEFT, y, RIGHT, y)
        for inst in c.installments:
            y += 6
            self._text(cols[0], y, f"第{inst.number}期", 9.5)
            self._text(cols[1], y, era_and_western(inst.due), 9.5)
            self._right(LEFT + 112, y, yen(inst.amount), 9.5)
            slip = slips.get(inst.number)
            self._text(cols[3], y, spaced_number(slip.number) if slip else "納付済", 9.5)
        y += 3
        pdf.line(LEFT, y, RIGHT, y)
        y += 6
        self._text(cols[0], y, "合計", 9.5)
        self._right(LEFT + 112, y, yen(c.total), 9.5)
        y += 10
        for line in ("・納期限を過ぎると督促状をお送りし、延滞金がかかることがあります。",
                     "・保険料の額は、所得の更正や世帯の異動により変わることがあります (変更通知書でお知らせします)。",
                     "・納めることが難しいときは、納期限までにご相談ください。",
                     f"・お問い合わせ: {n.issuer.section} ({n.issuer.phone})"):
            y = self._wrapped(LEFT, y, RIGHT - LEFT, line, 9)
            y += 1

    def _slip(self, n: PaymentNotice, slip: Slip, top: float) -> None:
        pdf = self.pdf
        c = n.charge
        inst = next(i for i in c.installments if i.number == slip.installment)
        pdf.set_line_width(0.3)
        pdf.rect(LEFT, top, RIGHT - LEFT, SLIP_HEIGHT)
        self._text(LEFT + 4, top + 7, "国民健康保険料 納付書 (領収済通知書)", 11)
        self._right(RIGHT - 4, top + 7, f"{fiscal_year_label(c.fiscal_year)} 第{slip.installment}期", 11)
        self._text(LEFT + 4, top + 15, f"納付義務者  {n.payer_name} 様", 10)
        self._text(LEFT + 4, top + 21, f"世帯番号  {c.household_id}", 9)
        self._text(LEFT + 4, top + 28, f"納期限  {era_date(inst.due)}", 10)
        self._text(LEFT + 4, top + 36, "金額", 10)
        self._text(LEFT + 16, top + 36, yen(slip.amount), 14)
        self._text(LEFT + 4, top + 43, f"納付番号  {spaced_number(slip.number)}", 9)
        pdf.interleaved2of5(slip.number, LEFT + 8, top + 47, w=BAR_WIDE, h=BAR_HEIGHT)
        # The receiving bank's stamp (領収日付印), right.
        pdf.set_line_width(0.2)
        pdf.rect(RIGHT - 42, top + 14, 36, 36)
        self._text(RIGHT - 36, top + 20, "領収日付印", 8)
        self._text(RIGHT - 80, top + 60, n.issuer.name, 7)


def render_payment_notices(notices: Iterable[PaymentNotice], *, created: datetime | None = None) -> bytes:
    """One PDF of 納入通知書 (each starting on its own page)."""
    book = NoticeBook(created=created, title="国民健康保険料 納入通知書")
    for n in notices:
        book.add_payment_notice(n)
    return book.output()
