"""The decision notice of a 療養費, 出産育児一時金 or 葬祭費 claim (issue 13 item 5; kokuho.benefits.other_benefits):
支給決定通知書 (the amount, what went to the provider under the 直接支払制度, the account masked) or 不支給決定通知書
(every reason). A notice of its own kind: it checks and draws itself and names whose data it holds, so the book
(kokuho.notices.render) takes it as it takes the others. No My Number on it (each text field is checked)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from kokuho.dates.era import era_and_western
from kokuho.identity.mynumber import identifier_holds_my_number
from kokuho.notices.model import Addressee, Issuer, NoticeError, checked_parties, text_field
from kokuho.notices.text import masked_account, yen

if TYPE_CHECKING:
    from kokuho.notices.render import NoticeBook

ISSUER = Issuer(section="保険年金課 給付係")
WHAT = {"療養費": "療養費", "出産育児一時金": "出産育児一時金", "葬祭費": "葬祭費"}


@dataclass(frozen=True)
class OtherBenefitNotice:
    claim_id: str
    household_id: str
    person_id: str  # the patient, the mother, the deceased
    kind: str
    subkind: str | None
    event_on: date
    approved: bool
    amount: int
    to_payee: int
    to_provider: int
    reasons: Sequence[str]
    payee_name: str  # the householder, or the 喪主
    to: Addressee
    issued_on: date
    account: Any = None  # kokuho.collection.ports.RefundAccount
    issuer: Issuer = ISSUER

    def subjects(self) -> tuple[str, ...]:
        return self.household_id, self.person_id

    def checked(self) -> OtherBenefitNotice:
        for name in ("claim_id", "household_id", "person_id"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value or identifier_holds_my_number(value):
                raise NoticeError(name, "must be an id (never a My Number)")
        if self.kind not in WHAT:
            raise NoticeError("kind", f"one of {', '.join(WHAT)}")
        for name in ("amount", "to_payee", "to_provider"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise NoticeError(name, "must be an integer number of yen ≥ 0")
        if self.approved and self.amount != self.to_payee + self.to_provider:
            raise NoticeError("amount", "must be what goes to the payee and to the provider")
        if not self.approved and not self.reasons:
            raise NoticeError("reasons", "a refusal says why")
        for i, r in enumerate(self.reasons):
            text_field(r, f"reasons[{i}]")
        if self.subkind is not None:
            text_field(self.subkind, "subkind")
        return checked_parties(self, "payee_name")

    def draw(self, book: NoticeBook) -> None:
        from kokuho.notices.render import LEFT, RIGHT

        n = self.checked()
        what = WHAT[n.kind] + (f" ({n.subkind})" if n.subkind else "")
        title = f"国民健康保険 {WHAT[n.kind]} {'支給' if n.approved else '不支給'}決定通知書"
        y = book.head(n.to, n.issuer, n.issued_on, title)
        lead = (f"{n.payee_name} 様から申請のあった{what}を、次のとおり"
                + ("支給することに決定しました。" if n.approved else "支給しないことに決定しました。"))
        y = book.wrapped(LEFT, y, RIGHT - LEFT, lead, 9.5) + 4
        rows: list[tuple[str, str]] = [("申請番号", n.claim_id), ("対象となる日", era_and_western(n.event_on))]
        if n.approved:
            rows.insert(0, ("支給決定額", yen(n.amount)))
            if n.to_provider:
                rows.append(("医療機関等へ直接支払", f"{yen(n.to_provider)} (直接支払制度)"))
            a = n.account
            if n.to_payee and a is not None:
                rows += [("振込額", yen(n.to_payee)),
                         ("振込先", f"金融機関コード {a.bank_code}  支店コード {a.branch_code}  {a.account_type}  "
                                    f"口座番号 {masked_account(a.account_number)}"), ("口座名義", a.holder_kana)]
        else:
            rows += [(f"理由 {i + 1}", r) for i, r in enumerate(n.reasons)]
        for label, value in rows:
            book.text(LEFT, y, label, 10)
            y = book.wrapped(LEFT + 40, y, RIGHT - LEFT - 40, value, 12 if label == "支給決定額" else 10) + 2
        y += 4
        for line in ("・この決定に不服があるときは、この通知を受けた日の翌日から起算して3か月以内に、"
                     "国民健康保険審査会に審査請求をすることができます。",
                     "・給付を受ける権利は、2年で時効により消滅します (国民健康保険法第110条)。",
                     f"・お問い合わせ: {n.issuer.section} ({n.issuer.phone})"):
            y = book.wrapped(LEFT, y, RIGHT - LEFT, line, 9) + 1


def render(notice: OtherBenefitNotice) -> tuple[bytes, int]:
    """The notice as one PDF (bytes, pages); the same decision gives the same bytes."""
    from datetime import UTC, datetime

    from kokuho.notices.render import NoticeBook

    on = notice.issued_on
    book = NoticeBook(created=datetime(on.year, on.month, on.day, tzinfo=UTC), title="国民健康保険 給付 決定通知書")
    book.add(notice)
    return book.output(), book.pages


__all__ = ["OtherBenefitNotice", "render"]
