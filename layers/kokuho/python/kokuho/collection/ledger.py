"""The ledger (調定・収納): what a payer owes per fiscal year and installment, and what has been paid.

Pure: no AWS. A ledger is kept per household and fiscal year and belongs to its payer (the 世帯主, a 擬制世帯主
included: the householder of the assessment). Three things make it:

- the **charge** (調定) — the installments of the assessment's current version (`charge_from_version`). A
  更正 replaces the charge when its version is stored: the assessment's own re-spread (premium rule 7) has
  already put an increase on the remaining installments; a decrease below what is already due lowers the
  installments from the latest back, so the charge never exceeds the annual premium, and what was paid
  beyond it becomes an overpayment (過誤納);
- the **payments** (収納), each applied to principal by the one rule of domain.md §6
  (`kokuho.collection.late_charge.apply_payments`: a named installment first, the rest oldest first);
- the **disbursements** of an overpayment: 充当 to the payer's other unpaid premiums, 還付 (refund).

`ledger_state` folds the three into each installment's paid and unpaid amount, its status, and the
overpayment still to be disbursed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from kokuho.collection.due_dates import installment_number_of, month_due_date
from kokuho.collection.late_charge import Installment, Payment, apply_payments

#: Channels a payment comes through (the file or act that brought it).
CHANNELS = ("口座振替", "収納", "特別徴収", "充当", "窓口消込")
#: How an installment is collected: by the payer (普通徴収: a slip, a transfer; reminded when unpaid) or deducted
#: from the householder's pension by the insurer (特別徴収, kokuho.collection.pension_deduction: never reminded).
ORDINARY, PENSION_KIND = "普通徴収", "特別徴収"
#: Kinds of disbursement of an overpayment.
DISBURSEMENTS = ("充当", "還付")

# Installment statuses (as of a day): paid in full; partly paid; nothing paid, not yet due; unpaid after due.
PAID, PARTIAL, OPEN, OVERDUE = "paid", "partial", "open", "overdue"


class LedgerError(ValueError):
    """A charge, payment or disbursement that cannot be in a ledger (names the field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def _yen(value: object, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise LedgerError(field, "must be an integer number of yen ≥ 0")
    return value


def _one_of(value: str, allowed: tuple[str, ...], field: str) -> None:
    if value not in allowed:
        raise LedgerError(field, f"must be one of {', '.join(allowed)}")


def _off_the_latest(amounts: list[int], total: int) -> int:
    """Take `total` off `amounts` (in installment order, changed in place) from the latest back, none below
    zero; what could not be taken."""
    for k in range(len(amounts) - 1, -1, -1):
        if total <= 0:
            break
        take = min(total, amounts[k])
        amounts[k] -= take
        total -= take
    return total


@dataclass(frozen=True)
class ChargedInstallment:
    """調定 of one installment."""

    number: int
    month: str  # YYYY-MM, the month it is billed in
    due: date  # 納期限 (domain.md §6)
    amount: int
    kind: str = ORDINARY  # 普通徴収 | 特別徴収


@dataclass(frozen=True)
class Charge:
    """The ledger's 調定 as set by one assessment version."""

    household_id: str
    fiscal_year: int
    payer_id: str
    version: int
    annual: int
    installments: tuple[ChargedInstallment, ...]

    @property
    def total(self) -> int:
        return sum(i.amount for i in self.installments)


def charge_from_version(household_id: str, fiscal_year: int, *, version: int, payer_id: str, annual: int,
                        installments: Sequence[Mapping[str, Any]]) -> Charge:
    """The charge of an assessment version: its installments (`{"due": "YYYY-MM", "amount", "kind"?}`; kind
    普通徴収 unless given), numbered by month and given their due dates; capped at the annual premium (see the
    module docstring)."""
    _yen(annual, "annual")
    rows: list[tuple[int, str, int, str]] = []
    for i, inst in enumerate(installments):
        month = inst.get("due")
        if not isinstance(month, str) or len(month) != 7 or month[4] != "-":
            raise LedgerError(f"installments[{i}].due", "must be a month YYYY-MM")
        kind = str(inst.get("kind") or ORDINARY)
        _one_of(kind, (ORDINARY, PENSION_KIND), f"installments[{i}].kind")
        number = installment_number_of(fiscal_year, int(month[:4]), int(month[5:7]))
        rows.append((number, month, _yen(inst.get("amount"), f"installments[{i}].amount"), kind))
    rows.sort()
    if len({r[0] for r in rows}) != len(rows):
        raise LedgerError("installments", "two installments in one month")
    # A 更正 below what is already due keeps the due installments as billed (premium rule 7); the ledger
    # owes no more than the annual premium, so the excess comes off the latest installments first.
    amounts = [r[2] for r in rows]
    _off_the_latest(amounts, sum(amounts) - annual)
    return Charge(household_id, fiscal_year, payer_id, version, annual, tuple(
        ChargedInstallment(n, m, month_due_date(int(m[:4]), int(m[5:7])), a, kind)
        for (n, m, _, kind), a in zip(rows, amounts, strict=True)))


@dataclass(frozen=True)
class PaymentEntry:
    """A payment applied to a ledger (収納). `installment` None: the oldest unpaid first."""

    payment_id: str  # unique: a payment with the same id is the same payment (applied once)
    on: date
    amount: int
    channel: str
    installment: int | None = None

    def __post_init__(self) -> None:
        _yen(self.amount, "amount")
        _one_of(self.channel, CHANNELS, "channel")


@dataclass(frozen=True)
class Disbursement:
    """Part of an overpayment paid out of the ledger: 充当 to another ledger, or 還付 to the payer."""

    disbursement_id: str
    on: date
    amount: int
    kind: str  # 充当 | 還付
    to: str  # 充当: the ledger (household#fy) and installment; 還付: the refund's id

    def __post_init__(self) -> None:
        _yen(self.amount, "amount")
        _one_of(self.kind, DISBURSEMENTS, "kind")


@dataclass(frozen=True)
class InstallmentState:
    number: int
    month: str
    due: date
    amount: int
    paid: int
    status: str

    @property
    def unpaid(self) -> int:
        return self.amount - self.paid


@dataclass(frozen=True)
class LedgerState:
    charge: Charge
    installments: tuple[InstallmentState, ...]
    paid_total: int  # every payment received
    disbursed: int  # 充当 and 還付 out of the overpayment
    overpayment: int  # still to be disbursed

    @property
    def unpaid_total(self) -> int:
        return sum(i.unpaid for i in self.installments)


def _status(amount: int, paid: int, due: date, as_of: date | None) -> str:
    if paid >= amount:
        return PAID
    if paid > 0:
        return PARTIAL
    return OVERDUE if as_of is not None and as_of > due else OPEN


def engine_payments(charge: Charge, payments: Iterable[PaymentEntry]) -> list[Payment]:
    """The ledger's payments as the engine applies them (`apply_payments`): a payment naming an installment the
    charge no longer has (a slip of an earlier version, after a 更正 moved the counted months) pays as an
    unnamed one — the oldest unpaid first."""
    numbers = {i.number for i in charge.installments}
    return [Payment(p.on, p.amount, p.installment if p.installment in numbers else None) for p in payments]


def ledger_state(charge: Charge, payments: Iterable[PaymentEntry], disbursements: Iterable[Disbursement] = (),
                 *, as_of: date | None = None) -> LedgerState:
    """Each installment's paid and unpaid amount and status (as of a day, for `overdue`), and what of an
    overpayment is still to be disbursed. Payments are applied by domain.md §6 (`apply_payments`)."""
    payments = list(payments)
    out = list(disbursements)
    applied = apply_payments(
        [Installment(i.number, i.amount, i.due) for i in charge.installments],
        engine_payments(charge, payments))
    paid = {i.number: sum(amount for _, amount in applied.applied[i.number]) for i in charge.installments}
    disbursed = sum(d.amount for d in out)
    overpayment = applied.overpayment - disbursed
    # An overpayment paid out and then a 更正 that raises the charge: the money is gone, so what it had
    # paid is unpaid again, the latest installments first.
    paid_each = [paid[i.number] for i in charge.installments]
    if overpayment < 0:
        overpayment = -_off_the_latest(paid_each, -overpayment)
    states = tuple(InstallmentState(i.number, i.month, i.due, i.amount, p, _status(i.amount, p, i.due, as_of))
                   for i, p in zip(charge.installments, paid_each, strict=True))
    return LedgerState(charge, states, sum(p.amount for p in payments), disbursed, max(0, overpayment))
