"""納付番号 — the number printed on an installment's payment slip, read back from every payment it brings.

18 digits: 17 derived from (household, fiscal year, installment, version) and a Luhn check digit, so a
number mistyped at a counter or misread by a scanner is caught before it is looked up. Derived, not
counted: issuing the slips of a ledger again gives the same numbers (idempotent), and no counter is
shared by concurrent writers. A new version (更正) gets new numbers; the old slip still pays its
installment (domain.md §6: a payment names the installment it pays). Pure: no AWS.
"""

from __future__ import annotations

import hashlib

from kokuho.collection.ledger import PENSION_KIND, Charge, LedgerState
from kokuho.collection.ports import Slip

DIGITS = 18


def luhn_digit(body: str) -> str:
    """The Luhn check digit of a string of digits."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # doubled: the digit next to the check digit, then every second one
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def payment_number(household_id: str, fiscal_year: int, installment: int, version: int) -> str:
    digest = hashlib.sha256(f"{household_id}|{fiscal_year}|{installment}|{version}".encode()).digest()
    body = str(int.from_bytes(digest[:8], "big") % 10 ** (DIGITS - 1)).zfill(DIGITS - 1)
    return body + luhn_digit(body)


def is_payment_number(value: object) -> bool:
    """18 ASCII digits with a correct check digit."""
    return (isinstance(value, str) and len(value) == DIGITS and value.isascii() and value.isdigit()
            and luhn_digit(value[:-1]) == value[-1])


def slips_of(charge: Charge, state: LedgerState | None = None) -> list[Slip]:
    """The slips of a ledger's installments still owed (all of them when `state` is not given); none for a
    特別徴収 installment (the pension insurer deducts it: a slip would have the payer pay it twice)."""
    unpaid = {i.number: i.unpaid for i in state.installments} if state is not None else None
    out = []
    for inst in charge.installments:
        if inst.kind == PENSION_KIND:
            continue
        amount = inst.amount if unpaid is None else unpaid[inst.number]
        if amount > 0:
            out.append(Slip(payment_number(charge.household_id, charge.fiscal_year, inst.number, charge.version),
                            charge.household_id, charge.fiscal_year, inst.number, amount, charge.payer_id))
    return out
