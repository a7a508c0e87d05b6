"""Overpayments (過誤納): 充当 first, then 還付 (domain.md §6 "Overpayment"). Pure planning, then the run
against the port.

For one payer, each ledger's overpayment (what its payments leave beyond its charge, less what was already
disbursed) is applied to the same payer's unpaid premiums, oldest due first (then fiscal year, installment),
across every ledger of the payer; what is left is refunded. No 還付加算金 on premiums.

Ids are derived from the source ledger and the count of its disbursements, so a run cut short and run again
plans the same ids, and the port refuses an id taken twice: nothing is disbursed twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kokuho.collection import transfer_files
from kokuho.collection.ledger import Disbursement, PaymentEntry, ledger_state
from kokuho.collection.ports import (
    CollectionStore,
    LedgerKey,
    LedgerWrite,
    RefundAccount,
    RefundOrder,
    StoredLedger,
    WriteConflict,
    ledger_item_id,
)
from kokuho.collection.zengin import Requester, Transfer


@dataclass(frozen=True)
class Appropriation:
    """充当: part of `source`'s overpayment pays an installment of `target`."""

    source: LedgerKey
    target: LedgerKey
    installment: int
    amount: int
    disbursement_id: str


@dataclass(frozen=True)
class RefundDue:
    source: LedgerKey
    amount: int
    refund_id: str


@dataclass
class PayerPlan:
    payer_id: str
    appropriations: list[Appropriation] = field(default_factory=list)
    refunds: list[RefundDue] = field(default_factory=list)
    settled: list[LedgerKey] = field(default_factory=list)  # sources with nothing left to disburse

    @property
    def empty(self) -> bool:
        return not self.appropriations and not self.refunds


@dataclass
class _Open:
    due: date
    key: LedgerKey
    number: int
    unpaid: int


def plan_payer(payer_id: str, ledgers: Sequence[StoredLedger]) -> PayerPlan:
    states = {lg.key: ledger_state(lg.charge, lg.payments, lg.disbursements) for lg in ledgers}
    counts = {lg.key: len(lg.disbursements) for lg in ledgers}
    unpaid = sorted((_Open(i.due, k, i.number, i.unpaid) for k, s in states.items()
                     for i in s.installments if i.unpaid > 0), key=lambda o: (o.due, o.key[1], o.number))
    plan = PayerPlan(payer_id)
    for key in sorted(states, key=lambda k: (k[1], k[0])):  # the oldest year's overpayment first
        left = states[key].overpayment
        for row in unpaid:
            if left == 0:
                break
            take = min(left, row.unpaid)
            if take == 0 or row.key == key:
                continue
            row.unpaid -= take
            left -= take
            counts[key] += 1
            plan.appropriations.append(
                Appropriation(key, row.key, row.number, take, ledger_item_id("JT", key, counts[key])))
        if left > 0:
            counts[key] += 1
            plan.refunds.append(RefundDue(key, left, ledger_item_id("RF", key, counts[key])))
        plan.settled.append(key)
    return plan


def disbursements_of(plan: PayerPlan, on: date, accounts: dict[str, RefundAccount | None]
                     ) -> tuple[dict[LedgerKey, LedgerWrite], dict[LedgerKey, list[Disbursement]], list[RefundOrder]]:
    """The writes of a plan: 充当 payments into the targets, disbursements out of the sources, refund orders."""
    into: dict[LedgerKey, LedgerWrite] = {}
    out: dict[LedgerKey, list[Disbursement]] = {}
    for a in plan.appropriations:
        into.setdefault(a.target, LedgerWrite(a.target, plan.payer_id)).payments.append(
            PaymentEntry(a.disbursement_id, on, a.amount, "充当", a.installment))
        out.setdefault(a.source, []).append(
            Disbursement(a.disbursement_id, on, a.amount, "充当", f"{a.target[0]}#{a.target[1]}#{a.installment}"))
    orders = []
    for r in plan.refunds:
        out.setdefault(r.source, []).append(Disbursement(r.refund_id, on, r.amount, "還付", r.refund_id))
        account = accounts.get(plan.payer_id)
        orders.append(RefundOrder(r.refund_id, plan.payer_id, r.source, r.amount, on.isoformat(),
                                  account, "ready" if account is not None else "held"))
    return into, out, orders


def run_overpayments(store: CollectionStore, *, on: date, actor: Any,
                     account_of: Callable[[str], RefundAccount | None]) -> dict[str, Any]:
    """Every ledger marked as possibly overpaid: its payer's overpayments 充当 then 還付, one transaction a
    payer (retried on a conflict with fresh reads)."""
    # refunds held by earlier runs first (this run's own are held for want of the account it just asked for)
    released = release_held(store, actor=actor, account_of=account_of)
    marked = store.overpaid_ledgers()
    marked_set = set(marked)
    payers = sorted({lg.charge.payer_id for lg in store.ledgers(marked).values()})
    totals = {"payers": 0, "appropriated": 0, "appropriated_yen": 0, "refunds": 0, "refund_yen": 0, "held": 0,
              "released": released}
    for payer in payers:
        for attempt in range(5):
            ledgers = store.ledgers_of_payer(payer)
            plan = plan_payer(payer, ledgers)
            accounts = {payer: account_of(payer)} if plan.refunds else {}
            into, out, orders = disbursements_of(plan, on, accounts)
            try:
                clear = [k for k in plan.settled if k in marked_set or k in out]
                store.disburse(payer, list(into.values()), out, orders, clear=clear, actor=actor)
            except WriteConflict:
                if attempt == 4:
                    raise
                continue
            if not plan.empty:
                totals["payers"] += 1
            totals["appropriated"] += len(plan.appropriations)
            totals["appropriated_yen"] += sum(a.amount for a in plan.appropriations)
            totals["refunds"] += len(orders)
            totals["refund_yen"] += sum(o.amount for o in orders)
            totals["held"] += sum(1 for o in orders if o.status == "held")
            break
    return totals


def release_held(store: CollectionStore, *, actor: Any, account_of: Callable[[str], RefundAccount | None]) -> int:
    """Held refunds whose payer has a 公金受取口座 now: it is where they go (domain.md §6: the registered account if
    there is one, else one the payer names) — a refund held for want of one stayed held when one was registered.
    Made ready with it; how many."""
    released = 0
    for order in store.refunds("held"):
        account = account_of(order.payer_id)
        if account is None or order.failed_on(account):
            continue  # none, or the one the bank could not pay into (振込不能): held until another is registered
        try:
            store.set_refund_account(order.refund_id, account, actor=actor)
        except WriteConflict:
            continue  # named meanwhile (the payer's account): ready already
        released += 1
    return released


def customer_code(refund_id: str) -> str:
    """顧客コード1 of a refund's transfer (10 characters the format carries), read back from the bank's result."""
    return transfer_files.customer_code(refund_id)


def refund_transfers(orders: Sequence[RefundOrder]) -> list[Transfer]:
    out = []
    for o in sorted(orders, key=lambda o: o.refund_id):
        a = o.account
        assert a is not None  # only ready (then filed) refunds are filed
        out.append(Transfer(a.bank_code, a.branch_code, a.account_type, a.account_number, a.holder_kana, o.amount,
                            customer_code(o.refund_id)))
    return out


def write_refund_file(store: CollectionStore, requester: Requester, on: date, put_file: Callable[[str, bytes], None],
                      *, record: Callable[[str, Sequence[str]], None]) -> dict[str, Any]:
    """Every ready refund into one 総合振込 file (kokuho.collection.transfer_files: marked filed first, so a refund
    is in one file only, then its payers recorded (`record(file id, payer ids)`), then the file written; a run cut short
after the marks writes the same file again)."""
    out = transfer_files.write_transfers(
        "RFF", store.refunds("ready"), id_of=lambda o: o.refund_id, transfer_of=lambda o: refund_transfers([o])[0],
        mark=lambda file_id, orders: store.file_refunds(file_id, [o.refund_id for o in orders]),
        filed=store.refunds_of_file, amount_of=lambda o: o.amount, requester=requester, on=on, put_file=put_file,
        payee_of=lambda o: o.payer_id, record=record)
    # refunds whose account the format cannot carry: left ready, named (id and field), in no file
    refused = [{"refund_id": r["id"], "field": r["field"]} for r in out["refused"]]
    if out["file_id"] is None:
        return {"file_id": None, "refunds": 0, "refund_yen": 0, "refused": refused}
    return {"file_id": out["file_id"], "refunds": out["count"], "refund_yen": out["yen"], "bytes": out["bytes"],
            "refused": refused}
