"""In-memory fake of the 高額療養費 payments' port (kokuho.benefits.payment_ports.BenefitPaymentStore) for the unit
tests of the payment run and the benefit routes: the same put-once, all-or-nothing and filed-once rules as the
adapter (kokuho.records.benefit_payments), no moto. The offsets of a household's day go into the fake ledgers
(tests/fakes/collection_store.py) it is given, in the same all-or-nothing commit. A test puts the benefit run's
months with `month`, and may make the next commits conflict (`fail_next_commits`: another writer got there first).
tests/integration/test_benefit_payment_store_contract.py holds it to the adapter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from fakes.collection_store import InMemoryCollectionStore

from kokuho.benefits.benefit_ports import WriteConflict
from kokuho.benefits.late_entry import LateEntry
from kokuho.benefits.payment import Application, BenefitPayment, HouseholdPlan, MonthBenefit, RecoveryClaim, Withholding
from kokuho.benefits.payment_ports import HouseholdPayments, RepaymentIdTaken, RepaymentRefused
from kokuho.collection import ports as collection_ports
from kokuho.collection.ports import LedgerWrite
from kokuho.collection.transfer_returns import returnable


class InMemoryBenefitPaymentStore:
    def __init__(self, ledgers: InMemoryCollectionStore | None = None) -> None:
        self.ledgers = ledgers or InMemoryCollectionStore()
        self.months: dict[str, dict[str, MonthBenefit]] = {}  # household → month → its latest version
        self.payments: dict[str, BenefitPayment] = {}
        self.claim_items: dict[str, RecoveryClaim] = {}
        self.repayment_ids: dict[str, dict[str, tuple[str, int]]] = {}
        self.applications: dict[tuple[str, str], Application] = {}
        self.withholdings: dict[tuple[str, str], Withholding] = {}
        self.invitations: dict[str, dict[tuple[str, int], tuple[int, str]]] = {}  # → (amount, issued on)
        self.days: dict[date, set[str]] = {}
        self.access: list[tuple[str, tuple[str, ...]]] = []  # (operation, subjects)
        self.fail_next_commits = 0

    # -- set-up (the benefit run's versions in production)
    def month(self, household_id: str, m: MonthBenefit) -> None:
        self.months.setdefault(household_id, {})[m.month] = m

    # -- the day's run
    def households_with_benefits(self) -> list[str]:
        return sorted(h for h, months in self.months.items() if months)

    def household(self, household_id: str) -> HouseholdPayments:
        h = household_id
        return HouseholdPayments(
            months=sorted(self.months.get(h, {}).values(), key=lambda m: (m.month, m.version)),
            payments=sorted((p for p in self.payments.values() if p.household_id == h), key=lambda p: p.payment_id),
            claims=sorted((c for c in self.claim_items.values() if c.household_id == h), key=lambda c: c.claim_id),
            applications=[a for (of, _), a in sorted(self.applications.items()) if of == h],
            withholdings=[w for (of, _), w in sorted(self.withholdings.items()) if of == h],
            invited=set(self.invitations.get(household_id, {})))

    def commit(self, plan: HouseholdPlan, ledger_writes: Sequence[LedgerWrite], *, on: date,
               persons: Sequence[str], actor: Any, chain: str) -> None:
        if self.fail_next_commits:
            self.fail_next_commits -= 1
            raise WriteConflict("injected: another writer committed first")
        invited = self.invitations.get(plan.household_id, {})
        ids = [p.payment_id for p in plan.payments]
        claims = [c.claim_id for c in plan.claims]
        marks = [(n.month, n.version) for n in plan.invitations]
        if (any(i in self.payments for i in ids) or any(c in self.claim_items for c in claims)
                or any(m in invited for m in marks) or len({*ids}) < len(ids) or len({*claims}) < len(claims)):
            raise WriteConflict("taken already")
        try:
            self.ledgers.join_ledger_writes(ledger_writes)
        except collection_ports.WriteConflict as exc:
            raise WriteConflict(str(exc)) from exc
        self.payments.update((p.payment_id, p) for p in plan.payments)
        self.claim_items.update((c.claim_id, c) for c in plan.claims)
        self.invitations.setdefault(plan.household_id, {}).update(
            ((n.month, n.version), (n.amount, on.isoformat())) for n in plan.invitations)
        self.days.setdefault(on, set()).add(plan.household_id)
        self.access.append(("write", tuple(persons)))

    def households_of_day(self, on: date) -> list[str]:
        return sorted(self.days.get(on, ()))

    def invitations_of(self, household_id: str, day: str) -> list[tuple[str, int]]:
        return [(month, amount) for (month, _), (amount, issued) in sorted(self.invitations.get(household_id, {})
                                                                           .items()) if issued == day]

    def record_reads(self, subject_ids: Sequence[str], *, actor: Any, chain: str) -> None:
        if subject_ids:
            self.access.append(("read", tuple(subject_ids)))

    # -- the private API
    def put_application(self, a: Application, *, actor: Any) -> bool:
        return self._put_once(self.applications, (a.household_id, a.application_id), a)

    def application(self, household_id: str, application_id: str) -> Application | None:
        return self.applications.get((household_id, application_id))

    def decide_application(self, household_id: str, application_id: str, late: LateEntry, *, actor: Any) -> bool:
        held = self.applications.get((household_id, application_id))
        if held is None or held.late is None or held.late.decision is not None:
            return False
        self.applications[(household_id, application_id)] = replace(held, late=late)
        return True

    def put_withholding(self, w: Withholding, *, actor: Any) -> bool:
        return self._put_once(self.withholdings, (w.household_id, w.decision_id), w)

    def _put_once(self, items: dict[tuple[str, str], Any], key: tuple[str, str], value: Any) -> bool:
        if key in items:
            return False
        items[key] = value
        self.access.append(("write", (f"HH:{key[0]}",)))
        return True

    def lift_withholding(self, household_id: str, decision_id: str, lifted_on: date, *, actor: Any) -> None:
        w = self.withholdings.get((household_id, decision_id))
        if w is None or w.lifted_on is not None:
            raise WriteConflict("no such 差止 in force")
        self.withholdings[(household_id, decision_id)] = w.lift(lifted_on)
        self.access.append(("write", (f"HH:{household_id}",)))

    def record_repayment(self, household_id: str, claim_id: str, repayment_id: str, on: date, amount: int, *,
                         actor: Any) -> tuple[RecoveryClaim, bool] | None:
        claim = self.claim_items.get(claim_id)
        if claim is None or claim.household_id != household_id:
            return None
        seen = self.repayment_ids.setdefault(claim_id, {})
        if repayment_id in seen:
            if seen[repayment_id] != (on.isoformat(), amount):
                raise RepaymentIdTaken(repayment_id, claim.debtor_id)
            return claim, False
        try:
            claim = claim.repaid(on, amount)
        except ValueError as exc:
            raise RepaymentRefused(str(exc), claim.debtor_id) from None
        self.claim_items[claim_id] = claim
        seen[repayment_id] = (on.isoformat(), amount)
        self.access.append(("write", (f"HH:{household_id}", claim.debtor_id)))
        return claim, True

    def claims(self) -> list[RecoveryClaim]:
        return sorted(self.claim_items.values(), key=lambda c: (c.created_on, c.claim_id))

    # -- the 総合振込 file
    def ready_payments(self) -> list[BenefitPayment]:
        return sorted((p for p in self.payments.values() if p.status == "ready"),
                      key=lambda p: (p.created_on, p.payment_id))

    def payments_of_file(self, file_id: str) -> list[BenefitPayment]:
        return sorted((p for p in self.payments.values() if p.file_id == file_id),
                      key=lambda p: (p.created_on, p.payment_id))

    def return_payment(self, household_id: str, payment_id: str, file_id: str, doc: dict[str, Any], *,
                       actor: Any) -> bool:
        p = self.payments.get(payment_id)
        if p is None or p.household_id != household_id:
            raise WriteConflict("no such payment")
        if not returnable(p.returns, p.status, p.file_id, p.account is not None, file_id, WriteConflict):
            return False
        assert p.account is not None  # returnable: filed with its account
        self.payments[payment_id] = replace(p, status="returned", returns=(
            *p.returns, {**doc, "account": collection_ports.account_key(p.account)}))
        self.access.append(("write", (f"HH:{household_id}", p.payee_id)))
        return True

    def file_payments(self, file_id: str, payments: Sequence[BenefitPayment]) -> None:
        for p in payments:
            stored = self.payments.get(p.payment_id)
            if stored is None or not (stored.status == "ready" or stored.file_id == file_id):
                raise WriteConflict("filed in another file meanwhile")
            self.payments[p.payment_id] = replace(stored, status="filed", file_id=file_id)
