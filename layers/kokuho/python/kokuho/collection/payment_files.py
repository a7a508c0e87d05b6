"""Payment files (収納の取込): 口座振替 results, 収納データ and 特別徴収 results (docs/payment_files.md).

Framed like every intake file (kokuho.intake.framing: UTF-8 JSON Lines, a trailer with the record count
and the SHA-256 of the bytes before it). Every line is checked before anything is applied; an error names
the line and the field and never echoes a value. Pure: no AWS.

What each line becomes:
- a payment (`IncomingPayment`) for the matcher, with an id that makes it applied once: the 納付番号 for
  収納データ (the same 納付番号 twice is one payment), the 納付番号 and day for a 口座振替 (a debit retried
  on a later day after a failure is another), the payer and month for a pension deduction;
- or a failure to collect (`CollectionFailure`): a debit refused by the bank with its result code, a
  pension deduction that could not be made.

A line dated after the day its file was received (a debit, a payment, a pension month still to come) cannot have
happened: it refuses the file like any other bad field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from kokuho.collection.matching import IncomingPayment
from kokuho.collection.slips import DIGITS
from kokuho.identity.mynumber import contains_my_number
from kokuho.intake.framing import MAX_ERRORS, IntakeError, LineError, check_fields, read_records

MAX_YEN = 100_000_000  # one payment; far above any premium (the annual ceiling is about 1,090,000 yen)
ACCOUNT_TRANSFER, RECEIPTS, PENSION = "account_transfer", "receipts", "pension"
KINDS = (ACCOUNT_TRANSFER, RECEIPTS, PENSION)
CHANNEL_OF_KIND = {ACCOUNT_TRANSFER: "口座振替", RECEIPTS: "収納", PENSION: "特別徴収"}

#: 口座振替 result codes (全銀協 預金口座振替 振替結果コード).
TRANSFER_RESULTS = {
    "0": "振替済", "1": "資金不足", "2": "預金取引なし", "3": "預金者の都合による振替停止",
    "4": "預金口座振替依頼書なし", "8": "委託者の都合による振替停止", "9": "その他",
}
RECEIPT_CHANNELS = ("窓口", "金融機関", "コンビニ", "スマートフォン")
# ASCII in payment ids: an id travels in the API's paths (the unmatched queue)
CHANNEL_CODES = {"窓口": "MADO", "金融機関": "BANK", "コンビニ": "CVS", "スマートフォン": "SP"}
PENSION_RESULTS = ("徴収済", "徴収不能")
PENSION_MONTHS = (4, 6, 8, 10, 12, 2)  # domain.md §6: April … February, every other month
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_NUMBER = re.compile(rf"^[0-9]{{{DIGITS}}}$")


@dataclass(frozen=True)
class CollectionFailure:
    """A debit or deduction that did not collect: recorded on the ledger (for the 督促 and the payer)."""

    channel: str
    line: int
    on: date
    code: str
    reason: str
    payment_number: str | None = None
    payer_id: str | None = None
    fiscal_year: int | None = None


@dataclass(frozen=True)
class PaymentFile:
    kind: str
    payments: list[IncomingPayment]
    failures: list[CollectionFailure]
    lines: int


def _yen(obj: Mapping[str, Any], name: str) -> int:
    v = obj[name]
    if type(v) is not int or v < 0:
        raise LineError(name, "must be an integer number of yen ≥ 0 (a JSON integer)")
    if v > MAX_YEN:
        raise LineError(name, f"must be at most {MAX_YEN:,} yen")
    return v


def _day(obj: Mapping[str, Any], name: str) -> date:
    v = obj[name]
    if not isinstance(v, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", v):
        raise LineError(name, "must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(v)
    except ValueError:
        raise LineError(name, "is not a date that exists") from None


def _number(obj: Mapping[str, Any], name: str = "payment_number") -> str:
    v = obj[name]
    if not isinstance(v, str) or not _NUMBER.fullmatch(v):
        raise LineError(name, f"must be a 納付番号 of {DIGITS} digits")
    return v  # a wrong check digit is not refused here: the payment goes to the unmatched queue


def _id(obj: Mapping[str, Any], name: str) -> str:
    v = obj[name]
    if not isinstance(v, str) or not _ID.fullmatch(v):
        raise LineError(name, "must be an id of 1–64 letters, digits, '-' or '_'")
    if contains_my_number(v):
        raise LineError(name, "must not hold a My Number")
    return v


def _choice(obj: Mapping[str, Any], name: str, allowed: Mapping[str, str] | tuple[str, ...]) -> str:
    v = obj[name]
    if not isinstance(v, str) or v not in allowed:
        raise LineError(name, f"must be one of {', '.join(allowed)}")
    return v


class _Arrived:
    """The day the file was received: no line of it can be dated later (None: not known, not checked)."""

    def __init__(self, on: date | None) -> None:
        self.on = on

    def check(self, day: date, name: str) -> date:
        if self.on is not None and day > self.on:
            raise LineError(name, "is after the day the file was received: a payment cannot be dated later")
        return day


def _account_transfer(n: int, obj: Mapping[str, Any], arrived: _Arrived) -> IncomingPayment | CollectionFailure:
    check_fields(obj, {"payment_number", "amount", "debited_on", "result_code"})
    number, amount, on = _number(obj), _yen(obj, "amount"), arrived.check(_day(obj, "debited_on"), "debited_on")
    code = _choice(obj, "result_code", TRANSFER_RESULTS)
    if code != "0":
        return CollectionFailure("口座振替", n, on, code, TRANSFER_RESULTS[code], payment_number=number)
    return IncomingPayment(f"KF-{number}-{on.isoformat()}", "口座振替", on, amount, n, number)


def _receipt(n: int, obj: Mapping[str, Any], arrived: _Arrived) -> IncomingPayment:
    check_fields(obj, {"receipt_id", "channel", "amount", "paid_on"}, {"payment_number", "payer_id"})
    receipt, channel = _id(obj, "receipt_id"), _choice(obj, "channel", RECEIPT_CHANNELS)
    amount, on = _yen(obj, "amount"), arrived.check(_day(obj, "paid_on"), "paid_on")
    number = _number(obj) if obj.get("payment_number") is not None else None
    payer = _id(obj, "payer_id") if obj.get("payer_id") is not None else None
    # The 納付番号 is the payment's identity (the same slip twice is one payment); a payment without one (a
    # lump sum at the counter) is identified by the collecting channel's receipt id.
    pid = f"SN-{number}" if number is not None else f"SN-{CHANNEL_CODES[channel]}-{receipt}"
    return IncomingPayment(pid, "収納", on, amount, n, number, payer)


def pension_payment_id(payer: str, month: str) -> str:
    """`TC-A123456-M2024-06`: the letter keeps the month's digits apart from the payer's — `TC-A123456-2024-06` held
    twelve ("123456-2024-06", a valid My Number one payer in eleven of those with a six-digit 宛名番号)."""
    return f"TC-{payer}-M{month}"


_PENSION_ID = re.compile(r"TC-(.+)-M([0-9]{4}-[0-9]{2})")


def former_payment_id(payment_id: str) -> str | None:
    """The id a payment had before its id took its letters (`TC-<payer>-<month>`), or None: a payment applied under it
    is applied already."""
    m = _PENSION_ID.fullmatch(payment_id)
    return f"TC-{m.group(1)}-{m.group(2)}" if m else None


def _pension(n: int, obj: Mapping[str, Any], arrived: _Arrived) -> IncomingPayment | CollectionFailure:
    check_fields(obj, {"payer_id", "fiscal_year", "month", "amount", "result"}, {"reason"})
    payer, amount = _id(obj, "payer_id"), _yen(obj, "amount")
    fy = obj["fiscal_year"]
    if type(fy) is not int or not 2000 <= fy <= 2100:
        raise LineError("fiscal_year", "must be a year 2000–2100 (a JSON integer)")
    month = obj["month"]
    if not isinstance(month, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}", month):
        raise LineError("month", "must be a month YYYY-MM")
    y, m = int(month[:4]), int(month[5:])
    if m not in PENSION_MONTHS or (y, m) < (fy, 4) or (y, m) > (fy + 1, 3):
        raise LineError("month", "must be a deduction month (April, June, August, October, December, "
                                  "February) of the fiscal year")
    result = _choice(obj, "result", PENSION_RESULTS)
    reason = obj.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 200 or contains_my_number(reason)):
        raise LineError("reason", "must be a text of at most 200 characters without a My Number")
    on = arrived.check(date(y, m, 15), "month")  # 年金支払日 (the 15th of the month)
    if result == "徴収不能":
        return CollectionFailure("特別徴収", n, on, "徴収不能", reason or "徴収不能", payer_id=payer, fiscal_year=fy)
    return IncomingPayment(pension_payment_id(payer, month), "特別徴収", on, amount, n, None, payer, fy)


# One result a file for a deduction (payer, month: dated its 15th) and for a debit (納付番号, day): collected and not
# at once applied the payment AND recorded the failure (that stops a deduction); two amounts dropped the second.
_ONE_RESULT = {PENSION: ("month", "payer and month"), ACCOUNT_TRANSFER: ("debited_on", "納付番号 and day")}

_LINES: dict[str, Callable[[int, Mapping[str, Any], _Arrived], IncomingPayment | CollectionFailure]] = {
    ACCOUNT_TRANSFER: _account_transfer, RECEIPTS: _receipt, PENSION: _pension}


def validate_file(kind: str, data: bytes | str,
                  received_on: date | None = None) -> tuple[PaymentFile | None, list[IntakeError]]:
    """The whole file checked (framing, then every line, none dated after `received_on`); any error and nothing is
    returned to apply."""
    if kind not in KINDS:
        raise ValueError(f"unknown payment file kind {kind!r}")
    records, errors = read_records(data, noun="payment")
    payments: list[IncomingPayment] = []
    failures: list[CollectionFailure] = []
    parse, arrived = _LINES[kind], _Arrived(received_on)
    first: dict[tuple[str | None, date], int] = {}
    for n, obj in records:
        try:
            item = parse(n, obj, arrived)
            once = _ONE_RESULT.get(kind)
            if once is not None:  # a result says one thing: a second for the same debit or deduction says another
                field, what = once
                who = item.payer_id if kind == PENSION else item.payment_number
                earlier = first.setdefault((who, item.on), n)
                if earlier != n:
                    raise LineError(field, f"a second result for the same {what} as line {earlier}: one a file")
        except LineError as exc:
            errors.append(IntakeError(n, exc.field, exc.message))
            if len(errors) >= MAX_ERRORS:
                break
            continue
        (payments if isinstance(item, IncomingPayment) else failures).append(item)  # type: ignore[arg-type]
    if errors:
        return None, sorted(errors, key=lambda e: e.line)[:MAX_ERRORS]
    return PaymentFile(kind, payments, failures, len(records)), []
