"""What a notice holds, checked before anything is drawn: a bad field is refused naming it (never its
value: a field holding a My Number must not be echoed)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from kokuho.collection.ledger import Charge, LedgerState
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


class _Mailing(Protocol):
    name: str
    postal_code: str
    address: str


class _Payer(Protocol):
    name_kanji: str
    postal_code: str
    address: str

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
    text_field(n.payer_name, "payer_name")
    for attr in ("name", "section", "phone"):
        text_field(getattr(n.issuer, attr), f"issuer.{attr}")
    to = check_addressee(n.to)
    return n if to == n.to else PaymentNotice(n.charge, n.payer_name, to, n.issued_on, n.parts, n.state, n.issuer)
