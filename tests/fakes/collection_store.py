"""In-memory fake of the collection port (kokuho.collection.ports.CollectionStore) for the unit tests of the
use cases: the same all-or-nothing and applied-once rules as the DynamoDB adapter, no moto. The adapter
itself is tested on the embedded AWS (tests/integration/collection)."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from kokuho.collection.ledger import Charge
from kokuho.collection.pension_deduction import pension_ledger_charge
from kokuho.collection.ports import (
    LedgerKey,
    LedgerWrite,
    PensionWrite,
    Slip,
    StoredLedger,
    UnmatchedPayment,
    WriteConflict,
    account_key,
)
from kokuho.collection.transfer_returns import returnable


class InMemoryCollectionStore:
    def __init__(self) -> None:
        self.ledger_items: dict[LedgerKey, StoredLedger] = {}
        self.overpaid: set[LedgerKey] = set()
        self.slip_items: dict[str, Slip] = {}
        self.payment_ids: dict[str, LedgerKey | None] = {}
        self.queue: dict[str, UnmatchedPayment] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.access: list[tuple[Any, list[str], str]] = []  # (actor, subjects, operation)
        self.refund_items: dict[str, Any] = {}  # refund id → RefundOrder
        self.reminder_ids: set[str] = set()
        self.statistics_items: dict[int, dict[str, Any]] = {}
        self.fail_next_apply: int = 0  # a test makes the next apply calls conflict (after another writer)

    # set-up (the assessment's version write in production)
    def put_charge(self, charge: Charge, *, decreased: bool = False) -> None:
        key = (charge.household_id, charge.fiscal_year)
        old = self.ledger_items.get(key)
        if old is not None and old.pension is not None:  # as the adapter reads it: the deduction's charge
            charge = pension_ledger_charge(charge.household_id, charge.fiscal_year, version=charge.version,
                                           payer_id=charge.payer_id, annual=charge.annual, overlay=old.pension)
        self.ledger_items[key] = replace(old, charge=charge) if old else StoredLedger(charge)
        if decreased:
            self.overpaid.add(key)

    # the ledger
    def ledgers(self, keys: Iterable[LedgerKey]) -> dict[LedgerKey, StoredLedger]:
        return {k: self.ledger_items[k] for k in keys if k in self.ledger_items}

    def ledgers_of_payer(self, payer_id: str) -> list[StoredLedger]:
        return sorted((lg for lg in self.ledger_items.values() if lg.charge.payer_id == payer_id),
                      key=lambda lg: (lg.charge.fiscal_year, lg.charge.household_id))

    def all_ledgers(self) -> list[StoredLedger]:
        return list(self.ledger_items.values())

    def overpaid_ledgers(self) -> list[LedgerKey]:
        return sorted(self.overpaid)

    # 納付番号
    def put_slips(self, slips: Sequence[Slip]) -> None:
        self.slip_items.update((s.number, s) for s in slips)

    def slips(self, numbers: Iterable[str]) -> dict[str, Slip]:
        return {n: self.slip_items[n] for n in numbers if n in self.slip_items}

    def record_reads(self, payer_ids: Sequence[str], *, actor: Any, chain: str) -> None:
        if payer_ids:
            self.access.append((actor, list(payer_ids), "read"))

    # payments
    def applied_payment_ids(self, payment_ids: Iterable[str]) -> set[str]:
        return {p for p in payment_ids if p in self.payment_ids}

    def _check(self, writes: Sequence[LedgerWrite], unmatched: Sequence[UnmatchedPayment]) -> None:
        ids = [p.payment_id for w in writes for p in w.payments] + [u.payment_id for u in unmatched]
        if len(set(ids)) != len(ids) or any(i in self.payment_ids for i in ids):
            raise WriteConflict("a payment is already stored")
        reminders = [str(r["id"]) for w in writes for r in (*w.reminders, *w.late_charges, *w.arrears, *w.fees)]
        if len(set(reminders)) != len(reminders) or self.reminder_ids & set(reminders):
            raise WriteConflict("a reminder is already issued")
        if any(w.key not in self.ledger_items for w in writes):
            raise WriteConflict("no such ledger")

    def _write(self, w: LedgerWrite) -> None:
        lg = self.ledger_items[w.key]
        self.ledger_items[w.key] = replace(lg, payments=(*lg.payments, *w.payments),
                                           debit_failures=(*lg.debit_failures, *copy.deepcopy(w.debit_failures)),
                                           reminders=(*lg.reminders, *copy.deepcopy(w.reminders)),
                                           late_charges=(*lg.late_charges, *copy.deepcopy(w.late_charges)),
                                           arrears=(*lg.arrears, *copy.deepcopy(w.arrears)),
                                           fees=(*lg.fees, *copy.deepcopy(w.fees)))
        self.reminder_ids.update(str(r["id"]) for r in (*w.reminders, *w.late_charges, *w.arrears, *w.fees))
        if w.overpaid:
            self.overpaid.add(w.key)

    def apply(self, writes: Sequence[LedgerWrite], unmatched: Sequence[UnmatchedPayment], *, actor: Any,
              chain: str) -> None:
        if self.fail_next_apply:
            self.fail_next_apply -= 1
            raise WriteConflict("injected")
        self._check(writes, unmatched)
        for w in writes:
            self._write(w)
            self.payment_ids.update((p.payment_id, w.key) for p in w.payments)
        for u in unmatched:
            self.payment_ids[u.payment_id] = None
            self.queue[u.payment_id] = u
        payers = sorted({w.payer_id for w in writes})
        if payers:
            self.access.append((actor, payers, "write"))

    def join_ledger_writes(self, writes: Sequence[LedgerWrite]) -> None:
        """The ledger writes of another use case's commit (a benefit offset), each payment once: all or none."""
        self._check(writes, ())
        for w in writes:
            self._write(w)
            self.payment_ids.update((p.payment_id, w.key) for p in w.payments)

    # payment files
    def payment_file(self, digest: str) -> dict[str, Any] | None:
        return self.files.get(digest)

    def mark_file(self, digest: str, record: dict[str, Any]) -> None:
        self.files[digest] = record

    # the unmatched queue
    def unmatched(self, *, status: str = "open", limit: int = 100) -> list[UnmatchedPayment]:
        return sorted((u for u in self.queue.values() if u.status == status),
                      key=lambda u: (u.on, u.payment_id))[:limit]

    def get_unmatched(self, payment_id: str) -> UnmatchedPayment | None:
        return self.queue.get(payment_id)

    def resolve_unmatched(self, item: UnmatchedPayment, write: LedgerWrite | None, resolution: dict[str, Any], *,
                          actor: Any) -> None:
        current = self.queue.get(item.payment_id)
        if current is None or current.status != "open":
            raise WriteConflict("already resolved")
        if write is not None:
            if write.key not in self.ledger_items:
                raise WriteConflict("no such ledger")
            self._write(write)
            self.payment_ids[item.payment_id] = write.key
        self.queue[item.payment_id] = replace(current, status="resolved", resolution=resolution)
        self.access.append((actor, [write.payer_id if write else (item.payer_id or item.payment_id)], "write"))

    # overpayments and refunds
    def disburse(self, payer_id: str, into: Sequence[LedgerWrite], out: dict[LedgerKey, list[Any]],
                 refunds: Sequence[Any], *, clear: Sequence[LedgerKey], actor: Any) -> None:
        items = self.refund_items
        ids = [p.payment_id for w in into for p in w.payments] + [r.refund_id for r in refunds]
        if any(i in self.payment_ids or i in items for i in ids):
            raise WriteConflict("an id is already taken")
        for w in into:
            self._write(w)
            self.payment_ids.update((p.payment_id, w.key) for p in w.payments)
        for key, ds in out.items():
            lg = self.ledger_items[key]
            self.ledger_items[key] = replace(lg, disbursements=(*lg.disbursements, *ds))
        for r in refunds:
            items[r.refund_id] = r
        self.overpaid.difference_update(clear)
        self.access.append((actor, [payer_id], "write"))

    def refunds(self, status: str) -> list[Any]:
        return [r for r in self.refund_items.values() if r.status == status]

    def refunds_of_file(self, file_id: str) -> list[Any]:
        return [r for r in self.refund_items.values() if r.file_id == file_id]

    def file_refunds(self, file_id: str, refund_ids: Sequence[str]) -> None:
        items = self.refund_items
        if any(items[i].status != "ready" for i in refund_ids):
            raise WriteConflict("not ready")
        for i in refund_ids:
            items[i] = replace(items[i], status="filed", file_id=file_id)

    def set_refund_account(self, refund_id: str, account: Any, *, actor: Any) -> None:
        items = self.refund_items
        if items[refund_id].status != "held":
            raise WriteConflict("not held")
        items[refund_id] = replace(items[refund_id], account=account, status="ready")
        self.access.append((actor, [items[refund_id].payer_id], "write"))

    def return_refund(self, refund_id: str, file_id: str, doc: dict[str, Any], *, actor: Any) -> bool:
        items = self.refund_items
        order = items.get(refund_id)
        if order is None:
            raise WriteConflict("no such refund")
        if not returnable(order.returns, order.status, order.file_id, order.account is not None, file_id,
                          WriteConflict):
            return False
        assert order.account is not None  # returnable: filed with its account
        items[refund_id] = replace(order, account=None, status="held", file_id=None,
                                   returns=(*order.returns, {**doc, "account": account_key(order.account)}))
        self.access.append((actor, [order.payer_id], "write"))
        return True

    # 特別徴収
    def set_pension(self, writes: Sequence[PensionWrite], *, actor: Any, chain: str) -> None:
        for w in writes:
            lg = self.ledger_items.get(w.key)
            if w.create_annual is not None:
                ok = lg is None
            else:
                ok = lg is not None and (w.expected_version is None or lg.charge.version == w.expected_version) and (
                    (lg.pension is None) if w.expected_rev is None
                    else (lg.pension is not None and int(lg.pension.get("rev", 0)) == w.expected_rev))
            if not ok:
                raise WriteConflict("the ledger changed")
        for w in writes:
            lg = self.ledger_items.get(w.key)
            state = copy.deepcopy(w.state)
            if lg is None:
                household, fy = w.key
                charge = pension_ledger_charge(household, fy, version=0, payer_id=w.payer_id,
                                               annual=int(w.create_annual or 0), overlay=state)
                self.ledger_items[w.key] = StoredLedger(charge, pension=state)
            else:
                charge = pension_ledger_charge(w.key[0], w.key[1], version=lg.charge.version,
                                               payer_id=lg.charge.payer_id, annual=lg.charge.annual, overlay=state)
                self.ledger_items[w.key] = replace(lg, charge=charge, pension=state)
        payers = sorted({w.payer_id for w in writes})
        if payers:
            self.access.append((actor, payers, "write"))

    # statistics
    def put_statistics(self, fiscal_year: int, doc: dict[str, Any]) -> None:
        self.statistics_items[fiscal_year] = copy.deepcopy(doc)

    def statistics(self, fiscal_year: int) -> dict[str, Any] | None:
        return copy.deepcopy(self.statistics_items.get(fiscal_year))
