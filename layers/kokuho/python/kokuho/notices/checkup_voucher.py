"""特定健康診査受診券 (issue 13 item 8) as the person receives it: the 整理番号, the person's name and birth date,
the validity and the copay at the check-up (kokuho.health.ports.Voucher; the terms are data), addressed to the
送付先. No My Number (a text field holding one is refused, naming the field). A notice of its own kind, as the
医療費通知: it checks and draws itself and names its person, so the print run takes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from kokuho.dates.era import era_date
from kokuho.health.ports import Voucher
from kokuho.identity.mynumber import identifier_holds_my_number
from kokuho.notices.model import Addressee, Issuer, NoticeError, checked_parties
from kokuho.notices.text import fiscal_year_label, yen

if TYPE_CHECKING:
    from kokuho.notices.render import NoticeBook

HEALTH_SECTION = Issuer(section="保険年金課 保健事業係")


@dataclass(frozen=True)
class VoucherNotice:
    voucher: Voucher
    person_name: str
    birth_date: date
    to: Addressee
    issuer: Issuer = HEALTH_SECTION

    @property
    def subjects(self) -> tuple[str, ...]:
        return (self.voucher.person_id,)

    def checked(self) -> VoucherNotice:
        v = self.voucher
        if not isinstance(v, Voucher):
            raise NoticeError("voucher", "must be a Voucher")
        if identifier_holds_my_number(v.person_id):
            raise NoticeError("voucher.person_id", "holds a My Number: a notice never carries one")
        if not (v.number.isdigit() and len(v.number) == 11):
            raise NoticeError("voucher.number", "must be a 整理番号 of 11 digits")
        if not v.valid_from <= v.valid_until:
            raise NoticeError("voucher.valid_until", "must not be before valid_from")
        return checked_parties(self, "person_name")

    def draw(self, book: NoticeBook) -> None:
        from kokuho.notices.render import LEFT, RIGHT

        n = self.checked()
        v = n.voucher
        y = book.head(n.to, n.issuer, v.issued_on,
                      f"{fiscal_year_label(v.fiscal_year)} 特定健康診査受診券")
        y = book.wrapped(LEFT, y, RIGHT - LEFT,
                         "国民健康保険の特定健康診査 (メタボリックシンドロームに着目した健診) の受診券をお送りします。"
                         "有効期限までに、実施医療機関で受診してください。", 9.5) + 4
        book.pdf.set_line_width(0.3)
        top = y
        rows = [("整理番号", v.number), ("受診者氏名", f"{n.person_name} 様"), ("生年月日", era_date(n.birth_date)),
                ("有効期限", f"{era_date(v.valid_from)} から {era_date(v.valid_until)} まで"),
                ("窓口での自己負担額", yen(v.copay) if v.copay else "無料"),
                ("保険者", n.issuer.name)]
        for label, value in rows:
            y += 8
            book.text(LEFT + 4, y, label, 10)
            book.text(LEFT + 45, y, value, 12 if label == "整理番号" else 10.5)
        y += 5
        book.pdf.rect(LEFT, top, RIGHT - LEFT, y - top)
        y += 8
        for line in ("・受診の際は、この受診券と資格確認書 (またはマイナ保険証) をお持ちください。",
                     "・国民健康保険の資格を失ったときは、この受診券は使えません。",
                     f"・お問い合わせ: {n.issuer.section} ({n.issuer.phone})"):
            y = book.wrapped(LEFT, y, RIGHT - LEFT, line, 9) + 1
