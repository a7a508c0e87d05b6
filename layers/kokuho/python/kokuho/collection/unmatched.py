"""The unmatched queue (未消込): payments that matched no installment wait here, never lost, until a member of
staff assigns one to a ledger (and, if they know it, the installment) or returns it to the payer. Against
the port; the private API serves it (kokuho.payments.routes) with its grant and access records."""

from __future__ import annotations

from datetime import date
from typing import Any

from kokuho.collection.ledger import PaymentEntry, ledger_state
from kokuho.collection.ports import CollectionStore, LedgerWrite, UnmatchedPayment, WriteConflict


class UnknownPayment(LookupError):
    """No such payment in the queue, or no such ledger to assign it to."""


class AlreadyResolved(RuntimeError):
    """The payment was resolved (by someone else) since it was read."""


class AssignmentRefused(ValueError):
    """An assignment the ledger cannot take (the reason names the field)."""


def queue(store: CollectionStore, limit: int) -> list[UnmatchedPayment]:
    return store.unmatched(status="open", limit=limit)


def _open(store: CollectionStore, payment_id: str) -> UnmatchedPayment:
    item = store.get_unmatched(payment_id)
    if item is None:
        raise UnknownPayment("no such payment in the unmatched queue")
    if item.status != "open":
        raise AlreadyResolved("the payment was already resolved")
    return item


def assign(store: CollectionStore, payment_id: str, *, household_id: str, fiscal_year: int,
           installment: int | None, staff_id: str, note: str | None, actor: Any) -> dict[str, Any]:
    """Apply a queued payment to a ledger (the installment named, else the oldest unpaid first)."""
    item = _open(store, payment_id)
    found = store.ledgers([(household_id, fiscal_year)])
    if (household_id, fiscal_year) not in found:
        raise UnknownPayment("no ledger of that household for that fiscal year")
    ledger = found[(household_id, fiscal_year)]
    if installment is not None and installment not in {i.number for i in ledger.charge.installments}:
        raise AssignmentRefused("installment: the ledger has no such installment")
    entry = PaymentEntry(item.payment_id, date.fromisoformat(item.on), item.amount, item.channel, installment)
    state = ledger_state(ledger.charge, [*ledger.payments, entry], ledger.disbursements)
    resolution = {"action": "assigned", "household_id": household_id, "fiscal_year": fiscal_year,
                  "installment": installment, "by": staff_id, "note": note}
    try:
        store.resolve_unmatched(item, LedgerWrite(ledger.key, ledger.charge.payer_id, [entry],
                                                  overpaid=state.overpayment > 0), resolution, actor=actor)
    except WriteConflict:
        raise AlreadyResolved("the payment was resolved meanwhile") from None
    return {"payment_id": payment_id, "status": "resolved", "action": "assigned", "payer_id": ledger.charge.payer_id,
            "overpayment": state.overpayment}


def return_to_payer(store: CollectionStore, payment_id: str, *, staff_id: str, note: str | None,
                    actor: Any) -> dict[str, Any]:
    """Close a queued payment that belongs to no premium (returned to whoever paid it, outside the ledger)."""
    item = _open(store, payment_id)
    try:
        store.resolve_unmatched(item, None, {"action": "returned", "by": staff_id, "note": note}, actor=actor)
    except WriteConflict:
        raise AlreadyResolved("the payment was resolved meanwhile") from None
    return {"payment_id": payment_id, "status": "resolved", "action": "returned", "payer_id": item.payer_id,
            "overpayment": 0}
