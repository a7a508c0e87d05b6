"""DynamoDB adapter of the claims port (kokuho.benefits.claim_ports.ClaimStore; docs/other_benefits.md).

Items in the "receipts" table, in the household's partition beside its 高額療養費 (keys hold surrogate ids only:
CloudTrail logs key values in clear):

| item | pk | sk | gsi1pk / gsi1sk |
|---|---|---|---|
| claim (療養費・出産育児一時金・葬祭費) | HH#<household> | OBCLAIM#<claim id> | — |
| its payment | HH#<household> | BPAY#<claim id>-P1 | BPAYQ#ready or BPAYF#<file id> / <decided on>#<id> |

The payment is a `kokuho.benefits.payment.BenefitPayment` in the 高額療養費 payments' own queue, so the
benefits-payment-run's TransferFile step puts it in the day's 総合振込 file like theirs (once: put with
attribute_not_exists, marked filed before the file is written); its doc names the benefit (`benefit`), which keeps it
out of the 高額療養費 months' sums. A claim is put once; its decision is one transaction with the payment and the
access record, conditional on the claim being undecided.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from kokuho.benefits.benefit_ports import HouseholdFacts, MemberSpan, WriteConflict
from kokuho.benefits.claim_ports import CATEGORY, StoredClaim
from kokuho.benefits.late_entry import LateEntry
from kokuho.benefits.other_benefits import Claim
from kokuho.benefits.payment import BenefitPayment
from kokuho.benefits.receipt_ports import InsuredPeriod
from kokuho.records.base import RecordsAccess, transaction_or
from kokuho.records.benefit_payments import (
    READY,
    BenefitPaymentItem,
    account_doc,
    account_of,
    late_entry_doc,
    late_entry_of,
    payment_doc,
)

UNDECIDED = "filed"


def _hh(household_id: str) -> str:
    return f"HH#{household_id}"


def _sk(claim_id: str) -> str:
    return f"OBCLAIM#{claim_id}"


class DynamoClaimStore(RecordsAccess):
    CATEGORY = CATEGORY

    def household(self, household_id: str, on: date, *, actor: Any, chain: str) -> HouseholdFacts | None:
        """The members, their insured periods and the incomes of the benefit year, from the qualification table only
        (the API's function reads nothing else: no receipts or carried-over months are needed here)."""
        from kokuho.benefits.brackets import benefit_year
        from kokuho.records.qualification import get_household, get_persons, incomes_of

        h = get_household(household_id)
        if h is None:
            self.record_reads([f"HH:{household_id}"], actor=actor, chain=chain)
            return None
        ids = sorted({m.person_id for m in h.members} | {h.householder_id})
        persons = get_persons(ids)
        fy = benefit_year((on.year, on.month))
        spans = tuple(MemberSpan(x.person_id, persons[x.person_id].birth_date, x.joined_on, x.left_on,
                                 tuple(InsuredPeriod(p.acquired_on, p.until) for p in persons[x.person_id].periods))
                      for x in h.members if x.person_id in persons)
        self.record_reads(ids, actor=actor, chain=chain)
        return HouseholdFacts(household_id, h.householder_id, spans, {fy: incomes_of(ids, fy)}, {})

    def put_claim(self, stored: StoredClaim, *, actor: Any, chain: str) -> bool:
        c = stored.claim
        doc = {"claim": c.to_json(), "account": account_doc(stored.account), "filed_by": stored.filed_by,
               **({"late": late_entry_doc(stored.late)} if stored.late is not None else {})}
        try:
            with transaction_or(WriteConflict) as tx:
                tx.save(BenefitPaymentItem(_hh(c.household_id), _sk(c.claim_id), doc=doc, status=UNDECIDED),
                        condition=BenefitPaymentItem.pk.does_not_exist())
                self._record_access(actor, [c.person_id], CATEGORY, "write", chain=chain, transaction=tx)
        except WriteConflict:
            return False
        return True

    def get_claim(self, household_id: str, claim_id: str, *, actor: Any, chain: str) -> StoredClaim | None:
        try:
            item = BenefitPaymentItem.get(_hh(household_id), _sk(claim_id), consistent_read=True)
        except BenefitPaymentItem.DoesNotExist:
            self.record_reads([f"HH:{household_id}"], actor=actor, chain=chain)
            return None
        doc = dict(item.doc)
        claim = Claim.from_json(doc["claim"])
        self.record_reads([claim.person_id], actor=actor, chain=chain)
        stored = StoredClaim(claim, account_of(doc.get("account")), str(doc["filed_by"]), doc.get("decision"),
                             doc.get("payment_id"), late=late_entry_of(doc["late"]) if doc.get("late") else None)
        if stored.payment_id is None:
            return stored
        try:
            p = BenefitPaymentItem.get(_hh(household_id), f"BPAY#{stored.payment_id}", consistent_read=True)
        except BenefitPaymentItem.DoesNotExist:
            return stored
        queue = str(p.gsi1pk or "")
        return replace(stored, payment_status=str(p.status or "ready"),
                       file_id=queue.removeprefix("BPAYF#") if queue.startswith("BPAYF#") else None)

    def record_decision(self, stored: StoredClaim, decision: dict[str, Any], payment: BenefitPayment | None, *,
                        actor: Any, chain: str) -> None:
        c = stored.claim
        h = _hh(c.household_id)
        doc = {"claim": c.to_json(), "account": account_doc(stored.account), "filed_by": stored.filed_by,
               "decision": decision, "payment_id": payment.payment_id if payment else None,
               **({"late": late_entry_doc(stored.late)} if stored.late is not None else {})}
        with transaction_or(WriteConflict) as tx:
            tx.update(BenefitPaymentItem(h, _sk(c.claim_id)),
                      actions=[BenefitPaymentItem.doc.set(doc), BenefitPaymentItem.status.set("decided")],
                      condition=BenefitPaymentItem.status == UNDECIDED)
            if payment is not None:
                tx.save(BenefitPaymentItem(h, f"BPAY#{payment.payment_id}",
                                           doc={**payment_doc(payment), "benefit": c.kind, "claim_id": c.claim_id},
                                           status="ready", gsi1pk=READY,
                                           gsi1sk=f"{payment.created_on}#{payment.payment_id}"),
                        condition=BenefitPaymentItem.pk.does_not_exist())
            self._record_access(actor, [c.person_id], CATEGORY, "write", chain=chain, transaction=tx)

    def decide_late_claim(self, stored: StoredClaim, late: LateEntry, *, actor: Any, chain: str) -> bool:
        c = stored.claim
        if stored.late is None:
            return False
        doc = {"claim": c.to_json(), "account": account_doc(stored.account), "filed_by": stored.filed_by,
               "late": late_entry_doc(late)}
        try:
            with transaction_or(WriteConflict) as tx:
                # over the undecided entry read: a claim held is never decided (its status), and decided once
                tx.update(BenefitPaymentItem(_hh(c.household_id), _sk(c.claim_id)),
                          actions=[BenefitPaymentItem.doc.set(doc), BenefitPaymentItem.revision.set(1)],
                          condition=(BenefitPaymentItem.status == UNDECIDED)
                          & BenefitPaymentItem.revision.does_not_exist())
                self._record_access(actor, [c.person_id], CATEGORY, "write", chain=chain, transaction=tx)
        except WriteConflict:
            return False
        return True


__all__ = ["CATEGORY", "DynamoClaimStore"]
