"""The notices of the 高額療養費 (issue 13 items 4 and 6), on the same book, font and layout as the premium notices:

- `BenefitInvitation` 支給申請勧奨通知: the months with a benefit not yet applied for, and how to apply;
- `BenefitDecision` 支給決定通知書: a payment (kokuho.benefits.payment.BenefitPayment) — the month, the amount, the
  account (masked) and what of it paid unpaid premiums (充当, with the householder's consent);
- `RecoveryNotice` 返還請求書 (返還金): a claim (kokuho.benefits.payment.RecoveryClaim) — the amount, why, the 納期限.

Addressed to the householder's 送付先; no My Number on any of them (each text field is checked)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from kokuho.dates.era import era_and_western, era_date
from kokuho.identity.mynumber import identifier_holds_my_number
from kokuho.notices.model import Addressee, Issuer, NoticeError, checked_parties, text_field
from kokuho.notices.text import masked_account, yen

if TYPE_CHECKING:
    from kokuho.notices.render import NoticeBook

BENEFIT_ISSUER = Issuer(section="保険年金課 給付係")


def month_label(month: str) -> str:
    """令和6年10月診療分 (2024年10月)."""
    era = era_date(date(int(month[:4]), int(month[5:7]), 1))
    return f"{era[:era.index('月') + 1]}診療分 ({int(month[:4])}年{int(month[5:7])}月)"


@dataclass(frozen=True)
class BenefitInvitation:
    household_id: str
    householder_id: str
    householder_name: str
    to: Addressee
    issued_on: date
    months: Sequence[tuple[str, int]]  # (YYYY-MM, yen)
    issuer: Issuer = BENEFIT_ISSUER


@dataclass(frozen=True)
class BenefitDecision:
    payment: Any  # kokuho.benefits.payment.BenefitPayment
    householder_name: str
    to: Addressee
    issued_on: date
    issuer: Issuer = BENEFIT_ISSUER


@dataclass(frozen=True)
class RecoveryNotice:
    claim: Any  # kokuho.benefits.payment.RecoveryClaim
    householder_name: str
    to: Addressee
    issued_on: date
    issuer: Issuer = BENEFIT_ISSUER


BenefitNotice = BenefitInvitation | BenefitDecision | RecoveryNotice


def _yen(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise NoticeError(name, "must be an integer number of yen > 0")
    return value


def _id(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value or identifier_holds_my_number(value):
        raise NoticeError(name, "must be an id (never a My Number)")
    return value


def check_benefit_notice(n: BenefitNotice) -> BenefitNotice:
    if not isinstance(n.issued_on, date):
        raise NoticeError("issued_on", "must be a date")
    if isinstance(n, BenefitInvitation):
        _id(n.household_id, "household_id")
        if not n.months:
            raise NoticeError("months", "must name at least one month")
        for k, (_, amount) in enumerate(n.months):
            _yen(amount, f"months[{k}].amount")
    elif isinstance(n, BenefitDecision):
        _id(n.payment.household_id, "payment.household_id")
        _id(n.payment.payment_id, "payment.payment_id")
        _yen(n.payment.amount, "payment.amount")
        if n.payment.account is not None:
            text_field(n.payment.account.holder_kana, "payment.account.holder_kana")
    else:
        _id(n.claim.household_id, "claim.household_id")
        _id(n.claim.claim_id, "claim.claim_id")
        _yen(n.claim.amount, "claim.amount")
        text_field(n.claim.reason, "claim.reason")
    return checked_parties(n, "householder_name")


def subjects(n: BenefitNotice) -> tuple[str, ...]:
    """Whose data the notice holds: the household and the householder (internal ids)."""
    if isinstance(n, BenefitInvitation):
        return n.household_id, n.householder_id
    if isinstance(n, BenefitDecision):
        return n.payment.household_id, n.payment.payee_id
    return n.claim.household_id, n.claim.debtor_id


def _rows(book: NoticeBook, y: float, rows: Sequence[tuple[str, str]], big: str = "") -> float:
    from kokuho.notices.render import LEFT, RIGHT

    for label, value in rows:
        book.text(LEFT, y, label, 10)
        y = book.wrapped(LEFT + 34, y, RIGHT - LEFT - 34, value, 12 if label == big else 10) + 2
    return y + 4


def _lines(book: NoticeBook, y: float, lines: Sequence[str]) -> float:
    from kokuho.notices.render import LEFT, RIGHT

    for line in lines:
        y = book.wrapped(LEFT, y, RIGHT - LEFT, line, 9) + 1
    return y


def draw(book: NoticeBook, notice: BenefitNotice) -> None:
    from kokuho.notices.render import LEFT, RIGHT

    n = check_benefit_notice(notice)
    if isinstance(n, BenefitInvitation):
        y = book.head(n.to, n.issuer, n.issued_on, "国民健康保険 高額療養費 支給申請のお知らせ")
        y = book.wrapped(LEFT, y, RIGHT - LEFT,
                         f"{n.householder_name} 様 (世帯主) の世帯で、医療機関等に支払った一部負担金が自己負担限度額を"
                         "超えた月があります。次の高額療養費を支給できますので、申請してください。", 9.5) + 4
        y = _rows(book, y, [(month_label(m), yen(a)) for m, a in sorted(n.months)]
                  + [("支給見込額の合計", yen(sum(a for _, a in n.months)))], "支給見込額の合計")
        _lines(book, y, [
            "・申請は、同封の申請書に振込先の口座 (公金受取口座を登録している方は、その口座を指定できます) を記入して"
            "お送りください。",
            "・未納の保険料があるときは、申出により、支給額をその保険料に充てることができます。",
            "・高額療養費を受ける権利は、診療月の翌月の初日から2年で時効により消滅します (国民健康保険法第110条)。",
            f"・お問い合わせ: {n.issuer.section} ({n.issuer.phone})"])
    elif isinstance(n, BenefitDecision):
        p = n.payment
        y = book.head(n.to, n.issuer, n.issued_on, "国民健康保険 高額療養費 支給決定通知書")
        y = book.wrapped(LEFT, y, RIGHT - LEFT,
                         f"{n.householder_name} 様 (世帯主) から申請のあった高額療養費を、次のとおり支給することに"
                         "決定しました。", 9.5) + 4
        rows = [("支給決定額", yen(p.amount)), ("対象", month_label(p.month)),
                ("支給決定日", era_and_western(date.fromisoformat(p.created_on))), ("支給番号", p.payment_id)]
        offset = sum(o.amount for o in p.offsets)
        if offset:
            rows.append(("保険料への充当", f"{yen(offset)} (申出により未納の国民健康保険料に充当)"))
        transfer = p.amount - offset
        a = p.account
        if transfer and a is not None:
            rows += [("振込額", yen(transfer)),
                     ("振込先", f"金融機関コード {a.bank_code}  支店コード {a.branch_code}  {a.account_type}  "
                                f"口座番号 {masked_account(a.account_number)}"),
                     ("口座名義", a.holder_kana), ("口座の種別", a.source)]
        y = _rows(book, y, rows, "支給決定額")
        _lines(book, y, [
            "・振込は決定日からおおむね2週間後です。口座に誤りがあるときはご連絡ください。",
            "・この決定に不服があるときは、この通知を受けた日の翌日から起算して3か月以内に、"
            "国民健康保険審査会に審査請求をすることができます。",
            f"・お問い合わせ: {n.issuer.section} ({n.issuer.phone})"])
    else:
        c = n.claim
        y = book.head(n.to, n.issuer, n.issued_on, "国民健康保険 高額療養費 返還請求書")
        y = book.wrapped(LEFT, y, RIGHT - LEFT,
                         f"{n.householder_name} 様 (世帯主) の世帯に支給した高額療養費のうち、次の額は受ける権利の"
                         "なかったものですので、納期限までに返還してください。", 9.5) + 4
        y = _rows(book, y, [("返還金額", yen(c.amount)), ("対象", month_label(c.month)), ("返還の理由", c.reason),
                            ("納期限", era_and_western(date.fromisoformat(c.due))), ("返還番号", c.claim_id)],
                  "返還金額")
        _lines(book, y, [
            "・同封の納付書で納めてください。納付が難しいときはご相談ください。",
            "・返還金を請求する権利は、5年で時効により消滅します (地方自治法第236条)。",
            f"・お問い合わせ: {n.issuer.section} ({n.issuer.phone})"])
