"""What a notice holds, checked before anything is drawn: a bad field is refused naming it (never its
value: a field holding a My Number must not be echoed)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Protocol, TypeVar

from kokuho.collection.ledger import Charge, LedgerState
from kokuho.collection.ports import RefundOrder
from kokuho.identity.mynumber import contains_my_number, identifier_holds_my_number

_POSTAL = re.compile(r"^(\d{3})-?(\d{4})$")


class NoticeError(ValueError):
    """A notice that cannot be printed; `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class Addressee:
    """Where the envelope goes (送付先): the name, postal code and address printed in the window."""

    name: str
    postal_code: str
    address: str


class _Mailing(Protocol):  # read-only members: the qualification model's frozen dataclasses fit
    @property
    def name(self) -> str: ...
    @property
    def postal_code(self) -> str: ...
    @property
    def address(self) -> str: ...


class _Payer(Protocol):
    @property
    def name_kanji(self) -> str: ...
    @property
    def postal_code(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def mailing(self) -> _Mailing | None: ...


def addressee_of(payer: _Payer) -> Addressee:
    """The payer's 送付先 when one is registered (kokuho.qualification.model.Mailing), else the registered
    address under the payer's own name."""
    m = payer.mailing
    if m is not None:
        return Addressee(m.name, m.postal_code, m.address)
    return Addressee(payer.name_kanji, payer.postal_code, payer.address)


@dataclass(frozen=True)
class Issuer:
    """Who sends the notice (printed at the top and as the contact)."""

    name: str = "国民健康保険 保険者 (市長)"
    section: str = "保険年金課 保険料係"
    phone: str = "代表 (市の電話番号)"


@dataclass(frozen=True)
class PaymentNotice:
    """納入通知書 of one payer for one fiscal year: the charge (調定) of the assessment's current version,
    with a slip for each installment still owed (all of them, or as of `state` when given)."""

    charge: Charge
    payer_name: str
    to: Addressee
    issued_on: date
    parts: Mapping[str, int] = field(default_factory=dict)  # premium part key → annual yen (医療分 …)
    state: LedgerState | None = None
    issuer: Issuer = Issuer()


def text_field(value: Any, name: str, *, required: bool = True) -> str:
    if not isinstance(value, str) or (required and not value.strip()):
        raise NoticeError(name, "must be non-empty text")
    if contains_my_number(value):
        raise NoticeError(name, "holds a My Number: a notice never carries one")
    return value


def postal_code(value: Any, name: str) -> str:
    """〒 as printed: 123-4567."""
    m = _POSTAL.match(value) if isinstance(value, str) else None
    if m is None:
        raise NoticeError(name, "must be a postal code 123-4567")
    return f"{m.group(1)}-{m.group(2)}"


def check_addressee(to: Any, name: str = "to") -> Addressee:
    if not isinstance(to, Addressee):
        raise NoticeError(name, "must be an Addressee")
    return Addressee(text_field(to.name, f"{name}.name"), postal_code(to.postal_code, f"{name}.postal_code"),
                     text_field(to.address, f"{name}.address"))


class _Addressed(Protocol):
    @property
    def to(self) -> Any: ...
    @property
    def issuer(self) -> Any: ...


class _Issued(_Addressed, Protocol):
    @property
    def issued_on(self) -> Any: ...


N = TypeVar("N", bound=_Addressed)
D = TypeVar("D", bound=_Issued)


def checked_parties(n: N, name_field: str) -> N:
    """What every notice kind checks last, the one rule: the name it is addressed by (its field `name_field`), the
    issuer's name, section and phone as printed, and the addressee — the notice as it will be printed (the
    addressee's postal code normalized), or NoticeError naming the field."""
    text_field(getattr(n, name_field), name_field)
    for attr in ("name", "section", "phone"):
        text_field(getattr(n.issuer, attr), f"issuer.{attr}")
    to = check_addressee(n.to)
    return n if to == n.to else replace(n, to=to)  # type: ignore[type-var]  # every kind is a dataclass


def check_payment_notice(n: PaymentNotice) -> PaymentNotice:
    """The notice as it will be printed (postal code normalized), or NoticeError naming the field."""
    if not isinstance(n.charge, Charge):
        raise NoticeError("charge", "must be a ledger Charge")
    if identifier_holds_my_number(n.charge.household_id):
        raise NoticeError("charge.household_id", "holds a My Number: a notice never carries one")
    if not isinstance(n.issued_on, date):
        raise NoticeError("issued_on", "must be a date")
    for key, amount in n.parts.items():
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            raise NoticeError(f"parts.{key}", "must be an integer number of yen ≥ 0")
    if n.state is not None and n.state.charge != n.charge:
        raise NoticeError("state", "is the state of another charge")
    return checked_parties(n, "payer_name")


@dataclass(frozen=True)
class ChangeNotice:
    """変更通知書 after a 更正: the charge before and after, the engine's outputs before and after (the current
    one from `kokuho.premium.explain_case`, with its `explain`), and the ledger after the change (slips of
    what is still owed, under the new version's 納付番号; an overpayment announced)."""

    previous: Charge
    current: Charge
    payer_name: str
    to: Addressee
    issued_on: date
    reason: str  # 変更理由, in words (e.g. 所得の更正)
    previous_output: Mapping[str, Any]
    current_output: Mapping[str, Any]  # explain_case(...): holds "explain"
    state: LedgerState | None = None
    issuer: Issuer = Issuer()


@dataclass(frozen=True)
class DecisionNotice:
    """決定通知書 (賦課決定): the year's premium as decided, with the engine's explanation (`output` is
    `kokuho.premium.explain_case(...)`) and the installments; the slips come with the 納入通知書."""

    charge: Charge
    payer_name: str
    to: Addressee
    issued_on: date
    output: Mapping[str, Any]
    issuer: Issuer = Issuer()


@dataclass(frozen=True)
class ReminderNotice:
    """督促状 of one ledger: the reminders the daily run issued for it (kokuho.collection.reminders.Reminder)."""

    charge: Charge
    reminders: Sequence[Any]  # Reminder: installment, due, unpaid, issued_on, pay_by, fee
    payer_name: str
    to: Addressee
    issued_on: date
    issuer: Issuer = Issuer()


@dataclass(frozen=True)
class RefundNotice:
    """還付通知書 of one refund order (kokuho.collection.ports.RefundOrder): the amount, why, and where it goes
    (the account, masked), or that the payer is asked to name one."""

    refund: RefundOrder
    payer_name: str
    to: Addressee
    issued_on: date
    reason: str
    issuer: Issuer = Issuer()


def _payer_notice(n: D) -> D:
    """A premium notice's day of issue and parties checked: the notice as it will be printed."""
    if not isinstance(n.issued_on, date):
        raise NoticeError("issued_on", "must be a date")
    return checked_parties(n, "payer_name")


def _charge(value: Any, name: str) -> Charge:
    if not isinstance(value, Charge):
        raise NoticeError(name, "must be a ledger Charge")
    if identifier_holds_my_number(value.household_id):
        raise NoticeError(f"{name}.household_id", "holds a My Number: a notice never carries one")
    return value


def check_change_notice(n: ChangeNotice) -> ChangeNotice:
    _charge(n.previous, "previous")
    _charge(n.current, "current")
    if (n.previous.household_id, n.previous.fiscal_year) != (n.current.household_id, n.current.fiscal_year):
        raise NoticeError("current", "is not the same ledger as previous")
    if n.current.version <= n.previous.version:
        raise NoticeError("current.version", "must be later than previous.version")
    if not isinstance(n.current_output, Mapping) or not isinstance(n.current_output.get("explain"), Mapping):
        raise NoticeError("current_output.explain", "must be the engine's explanation (explain_case)")
    for name, out in (("previous_output", n.previous_output), ("current_output", n.current_output)):
        if not isinstance(out, Mapping) or not isinstance(out.get("parts"), Mapping):
            raise NoticeError(f"{name}.parts", "must be the engine's output")
    if n.current_output.get("annual") != n.current.annual:
        raise NoticeError("current_output.annual", "differs from the charge's annual premium")
    if n.state is not None and n.state.charge != n.current:
        raise NoticeError("state", "is the state of another charge")
    text_field(n.reason, "reason")
    return _payer_notice(n)


def check_decision_notice(n: DecisionNotice) -> DecisionNotice:
    _charge(n.charge, "charge")
    if not isinstance(n.output, Mapping) or not isinstance(n.output.get("explain"), Mapping):
        raise NoticeError("output.explain", "must be the engine's explanation (explain_case)")
    if n.output.get("annual") != n.charge.annual:
        raise NoticeError("output.annual", "differs from the charge's annual premium")
    return _payer_notice(n)


def check_reminder_notice(n: ReminderNotice) -> ReminderNotice:
    _charge(n.charge, "charge")
    numbers = {i.number for i in n.charge.installments}
    if not n.reminders:
        raise NoticeError("reminders", "must name at least one reminder")
    for k, r in enumerate(n.reminders):
        if getattr(r, "installment", None) not in numbers:
            raise NoticeError(f"reminders[{k}].installment", "is not an installment of this ledger")
        for attr in ("unpaid", "fee"):
            v = getattr(r, attr, None)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise NoticeError(f"reminders[{k}].{attr}", "must be an integer number of yen ≥ 0")
    return _payer_notice(n)


def check_refund_notice(n: RefundNotice) -> RefundNotice:
    if not isinstance(n.refund, RefundOrder):
        raise NoticeError("refund", "must be a RefundOrder")
    if identifier_holds_my_number(n.refund.refund_id) or identifier_holds_my_number(n.refund.source[0]):
        raise NoticeError("refund", "holds a My Number: a notice never carries one")
    if n.refund.account is not None:
        text_field(n.refund.account.holder_kana, "refund.account.holder_kana")
    text_field(n.reason, "reason")
    return _payer_notice(n)


def check_notice(n: Any) -> Any:
    """Any notice as it will be printed, or NoticeError naming the field."""
    own = getattr(n, "checked", None)
    if callable(own):  # a notice of its own kind checks itself (kokuho.notices.medical_cost)
        return own()
    if isinstance(n, PaymentNotice):
        return check_payment_notice(n)
    if isinstance(n, ChangeNotice):
        return check_change_notice(n)
    if isinstance(n, ReminderNotice):
        return check_reminder_notice(n)
    if isinstance(n, DecisionNotice):
        return check_decision_notice(n)
    if isinstance(n, RefundNotice):
        return check_refund_notice(n)
    from kokuho.notices import benefit  # its notices check themselves (the 高額療養費's own module)

    if isinstance(n, benefit.BenefitInvitation | benefit.BenefitDecision | benefit.RecoveryNotice):
        return benefit.check_benefit_notice(n)
    raise NoticeError("notice", "is not a notice this package prints")
