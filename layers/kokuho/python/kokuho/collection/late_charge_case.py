"""The late-charge case of `kokuho late-charge` (interfaces.md "Late charge"): validated at the edge.

Every refusal is a `LateChargeCaseError` whose `field` is the dotted path of the offending value
(``payments[1].installment``), so the message names the field the contract names. What the values mean is
the engine's business (kokuho.collection.late_charge); this module only turns JSON into its inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from kokuho.collection.due_dates import INSTALLMENTS, due_date
from kokuho.collection.late_charge import Installment, Payment
from kokuho.dates.bounds import LAST_DATE
from kokuho.dates.days import DAY
from kokuho.identity.mynumber import shown_field

#: One amount, and the payments of a case together: far above any household's year of premiums (the annual
#: ceiling is about 1,090,000 yen), and nine digits — every amount the output prints (principal, paid, unpaid,
#: base, overpayment) stays under twelve digits, so a My Number typed into an amount never comes back.
MAX_YEN = 100_000_000
FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR = 2000, 2100
_TOP = {"fiscal_year", "installments", "payments", "as_of"}
_INSTALLMENT = {"number", "amount", "due"}
_PAYMENT = {"on", "amount", "installment"}


class LateChargeCaseError(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class LateChargeCase:
    fiscal_year: int
    installments: tuple[Installment, ...]
    payments: tuple[Payment, ...]
    as_of: date


def _object(value: Any, where: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise LateChargeCaseError(where or "case", "must be a JSON object")
    for key in value:
        if key not in allowed:
            name = shown_field(str(key))
            raise LateChargeCaseError(f"{where}.{name}" if where else name, "unknown field")
    for key in sorted(required):
        if key not in value:
            raise LateChargeCaseError(f"{where}.{key}" if where else key, "is required")
    return value


def _integer(value: Any, where: str, low: int, high: int, what: str) -> int:
    # bool is an int in Python and 1.0 equals 1: neither is an integer in a case.
    if isinstance(value, bool) or not isinstance(value, int):
        raise LateChargeCaseError(where, f"must be {what} (a JSON integer)")
    if not low <= value <= high:
        raise LateChargeCaseError(where, f"must be {what} between {low:,} and {high:,}")
    return value


def _date(value: Any, where: str, *, bounded: bool = False) -> date:
    # ASCII YYYY-MM-DD, the whole string (２０２４-07-01 and a final line break are not dates in a case).
    if not isinstance(value, str) or not DAY.fullmatch(value):
        raise LateChargeCaseError(where, "must be a date YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise LateChargeCaseError(where, f"is not a date that exists ({value})") from None
    if bounded and day > LAST_DATE:  # a due or as_of the charge's arithmetic runs from (a day after it)
        raise LateChargeCaseError(where, f"must be ≤ {LAST_DATE.isoformat()}")
    return day


def _amount(value: Any, where: str) -> int:
    return _integer(value, where, 0, MAX_YEN, "a non-negative amount in yen")


def parse_case(raw: Any) -> LateChargeCase:
    """The case's inputs, or LateChargeCaseError naming the field (interfaces.md's refusals)."""
    case = _object(raw, "", _TOP, {"fiscal_year", "installments", "as_of"})
    fiscal_year = _integer(case["fiscal_year"], "fiscal_year", FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR, "a fiscal year")
    as_of = _date(case["as_of"], "as_of", bounded=True)

    if not isinstance(case["installments"], list):
        raise LateChargeCaseError("installments", "must be a list")
    installments: list[Installment] = []
    seen: set[int] = set()
    for i, raw_inst in enumerate(case["installments"]):
        where = f"installments[{i}]"
        inst = _object(raw_inst, where, _INSTALLMENT, {"number", "amount"})
        number = _integer(inst["number"], f"{where}.number", 1, INSTALLMENTS, "an installment number")
        if number in seen:
            raise LateChargeCaseError(f"{where}.number", f"installment {number} is given twice")
        seen.add(number)
        amount = _amount(inst["amount"], f"{where}.amount")
        due = (_date(inst["due"], f"{where}.due", bounded=True) if inst.get("due") is not None
               else due_date(fiscal_year, number))
        installments.append(Installment(number=number, amount=amount, due=due))

    raw_payments = case.get("payments")
    if raw_payments is None:
        raw_payments = []
    if not isinstance(raw_payments, list):
        raise LateChargeCaseError("payments", "must be a list")
    fiscal_start = date(fiscal_year, 4, 1)
    payments: list[Payment] = []
    total = 0
    for i, raw_pay in enumerate(raw_payments):
        where = f"payments[{i}]"
        pay = _object(raw_pay, where, _PAYMENT, {"on", "amount"})
        on = _date(pay["on"], f"{where}.on")
        if on < fiscal_start:
            raise LateChargeCaseError(f"{where}.on", f"is before fiscal year {fiscal_year} began ({fiscal_start})")
        amount = _amount(pay["amount"], f"{where}.amount")
        total += amount
        if total > MAX_YEN:  # else thousands of payments would add up to any overpayment, a My Number too
            raise LateChargeCaseError(f"{where}.amount", f"the payments together exceed {MAX_YEN:,} yen")
        named = pay.get("installment")
        if named is not None:
            named = _integer(named, f"{where}.installment", 1, INSTALLMENTS, "an installment number")
            if named not in seen:
                raise LateChargeCaseError(f"{where}.installment", f"installment {named} is not listed")
        if on > as_of:
            raise LateChargeCaseError("as_of", f"is before a payment ({where}.on {on})")
        payments.append(Payment(on=on, amount=amount, installment=named))
    return LateChargeCase(fiscal_year, tuple(installments), tuple(payments), as_of)
