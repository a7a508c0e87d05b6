"""督促 — the daily reminder run (domain.md §6 "Reminder"): every installment still unpaid after its due date
gets one 督促状, to be issued within 20 days after the due date; its payment deadline is the 10th day after
issue. The 督促手数料 is set by ordinance: data (`data/collection/reminder_fee.json`), 0 by default; it is owed
from the 督促状's issue (recorded on it) and, as payments pay principal first (domain.md §6), billed to the
ledger once the reminded installment's principal is paid in full, with its 延滞金, on their own slip.
The same run bills the 延滞金 of each installment whose principal is now paid in full (domain.md §6: billed once
the principal is paid, on its own slip), computed by the one engine (kokuho.collection.late_charge).

Pure planning, then the run against the port: one reminder an installment, ever (its id is derived from the
ledger and the installment, and the port puts it once), written to the ledger with the payer's access record.
A run that was missed for some days still issues what is owed, flagged `late` when past the 20 days.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from typing import Any

from kokuho.collection.late_charge import (
    REMINDER_DAYS,
    Installment,
    LateChargeRates,
    MissingRates,
    apply_payments,
    assess_late_charges,
    load_rates,
)
from kokuho.collection.ledger import PENSION_KIND, engine_payments, ledger_state
from kokuho.collection.ledger_batches import apply_in_batches
from kokuho.collection.ports import CollectionStore, LedgerWrite, StoredLedger, ledger_item_id

PAY_BY_DAYS = 10  # the 督促状's deadline: the 10th day after issue


def reminder_fee() -> int:
    """督促手数料 (ordinance; data)."""
    raw = json.loads(resources.files("kokuho.data").joinpath("collection/reminder_fee.json").read_text("utf-8"))
    fee = raw["fee"]
    if type(fee) is not int or fee < 0:
        raise ValueError("reminder_fee.json: fee must be an integer number of yen ≥ 0")
    return fee


@dataclass(frozen=True)
class Reminder:
    reminder_id: str
    installment: int
    due: date
    unpaid: int
    issued_on: date
    pay_by: date
    fee: int
    late: bool  # issued after the 20 days the law gives

    def doc(self) -> dict[str, Any]:
        return {"id": self.reminder_id, "installment": self.installment, "due": self.due.isoformat(),
                "unpaid": self.unpaid, "issued_on": self.issued_on.isoformat(), "pay_by": self.pay_by.isoformat(),
                "fee": self.fee, "late": self.late}


def reminders_due(ledger: StoredLedger, on: date, fee: int) -> list[Reminder]:
    """The reminders to issue on `on`: installments unpaid after their due date with none issued yet. A 特別徴収
    installment is never reminded (domain.md §6): the insurer deducts it, the payer has no 納期限 for it; one
    the insurer could not deduct (徴収不能) is collected normally once the pension run stops the deduction
    (kokuho.collection.pension_run), on 普通徴収 installments reminded after their own due dates."""
    issued = {int(r["installment"]) for r in ledger.reminders}
    state = ledger_state(ledger.charge, ledger.payments, ledger.disbursements, as_of=on)
    deducted = {i.number for i in ledger.charge.installments if i.kind == PENSION_KIND}
    return [Reminder(ledger_item_id("TK", ledger.key, i.number), i.number, i.due, i.unpaid, on,
                     on + timedelta(days=PAY_BY_DAYS), fee, on > i.due + timedelta(days=REMINDER_DAYS))
            for i in state.installments
            if i.unpaid > 0 and on > i.due and i.number not in issued and i.number not in deducted]


def late_charges_due(ledger: StoredLedger, on: date, rates: LateChargeRates | None = None) -> list[dict[str, Any]]:
    """The 延滞金 to bill on `on`: installments paid in full (final) with a charge, not billed yet. A ledger whose
    charge would run into a year without rates bills nothing until they are added."""
    billed = {int(b["installment"]) for b in ledger.late_charges}
    try:
        result = assess_late_charges(
            [Installment(i.number, i.amount, i.due) for i in ledger.charge.installments],
            engine_payments(ledger.charge, [p for p in ledger.payments if p.on <= on]), on,
            rates or load_rates())
    except MissingRates:
        return []
    return [{"id": ledger_item_id("EN", ledger.key, i.number), "installment": i.number,
             "amount": i.late_charge,
             "billed_on": on.isoformat()}
            for i in result.installments if i.final and i.late_charge > 0 and i.number not in billed]


def fees_due(ledger: StoredLedger, on: date) -> list[dict[str, Any]]:
    """The 督促手数料 to bill on `on`: each 督促状 with a fee whose installment's principal is now paid in full (by
    payments made on or before `on`), not billed yet. The fee is the one its 督促状 carried when issued."""
    billed = {str(b["reminder"]) for b in ledger.fees}
    paid = {n: sum(a for d, a in applied if d <= on) for n, applied in apply_payments(
        [Installment(i.number, i.amount, i.due) for i in ledger.charge.installments],
        engine_payments(ledger.charge, ledger.payments)).applied.items()}
    amounts = {i.number: i.amount for i in ledger.charge.installments}
    return [{"id": ledger_item_id("TF", ledger.key, int(r["installment"])), "installment": int(r["installment"]),
             "amount": int(r["fee"]), "billed_on": on.isoformat(), "reminder": str(r["id"])}
            for r in ledger.reminders
            if int(r.get("fee") or 0) > 0 and str(r["id"]) not in billed and int(r["installment"]) in amounts
            and paid.get(int(r["installment"]), 0) >= amounts[int(r["installment"])]]


def _writes(ledgers: Iterable[StoredLedger], on: date, fee: int) -> list[LedgerWrite]:
    out = []
    rates = load_rates()
    for lg in ledgers:
        due = reminders_due(lg, on, fee)
        bills = late_charges_due(lg, on, rates)
        fees = fees_due(lg, on)
        if due or bills or fees:
            out.append(LedgerWrite(lg.key, lg.charge.payer_id, reminders=[r.doc() for r in due], late_charges=bills,
                                   fees=fees))
    return out


def run_reminders(store: CollectionStore, *, on: date, actor: Any, fee: int | None = None,
                  items_per_transaction: int = 90) -> dict[str, Any]:
    """Issue every reminder due on `on`; safe to run again the same day (nothing is issued twice)."""
    fee = reminder_fee() if fee is None else fee
    applied = apply_in_batches(store, lambda ledgers: _writes(ledgers, on, fee), actor=actor,
                               chain=f"reminders#{on.isoformat()}", items_per_transaction=items_per_transaction)
    issued = [r for w in applied for r in w.reminders]
    billed = [b for w in applied for b in w.late_charges]
    fees = [f for w in applied for f in w.fees]
    return {"on": on.isoformat(), "reminders": len(issued), "unpaid_yen": sum(int(r["unpaid"]) for r in issued),
            "late": sum(1 for r in issued if r["late"]), "fee_yen": sum(int(r["fee"]) for r in issued),
            "late_charges": len(billed), "late_charge_yen": sum(int(b["amount"]) for b in billed),
            "fee_bills": len(fees), "fee_billed_yen": sum(int(f["amount"]) for f in fees)}
