"""pynamodb model and DynamoDB adapter of the benefit payments (kokuho.benefits.payment; docs/benefit_payment.md).

Items in the "receipts" table, in the household's partition next to its benefit versions (ids are surrogate ids,
never a My Number or a name):

| item | pk | sk | gsi1pk / gsi1sk |
|---|---|---|---|
| 支給申請 | HH#<household> | BAPP#<application id> | — |
| 差止 decision | HH#<household> | BHOLD#<decision id> | — |
| 支給申請勧奨 sent (a month's version) | HH#<household> | BINVITE#<YYYY-MM>#V<0001> | — |
| payment | HH#<household> | BPAY#<payment id> | BPAYQ#ready or BPAYF#<file id> / <created on>#<id> |
| 返還金 claim | HH#<household> | BCLAIM#<claim id> | BCLAIMS / <created on>#<id> |
| a day's payment run (the households it wrote) | BPAYRUN#<YYYY-MM-DD> | RUN | — |

Every item is put once (attribute_not_exists): an id taken twice is refused, so a payment, a claim or a notice is
never made twice; a household's day is one transaction with the offsets into the premium ledgers and the access
record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute

from kokuho.benefits.benefit_ports import WriteConflict
from kokuho.benefits.late_entry import LateEntry
from kokuho.benefits.payment import (
    Application,
    BenefitPayment,
    HouseholdPlan,
    MonthBenefit,
    Offset,
    RecoveryClaim,
    Withholding,
)
from kokuho.benefits.payment_ports import CATEGORY, HouseholdPayments, RepaymentIdTaken, RepaymentRefused
from kokuho.collection.ports import LedgerWrite, RefundAccount, account_key
from kokuho.collection.transfer_returns import returnable
from kokuho.records.base import Gsi1, RecordsAccess, TableModel, table_meta, transaction_or
from kokuho.records.benefits import WRITE_CATEGORY, BenefitPointerModel, BenefitVersionModel

READY = "BPAYQ#ready"
CLAIMS = "BCLAIMS"


class BenefitPaymentItem(TableModel):
    """One item of the table above (its kind in the sort key)."""

    Meta = table_meta("receipts")
    doc = JSONAttribute()
    status = UnicodeAttribute(null=True)
    revision = NumberAttribute(null=True)  # a claim's repayments: each update over the revision read
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_queue = Gsi1["BenefitPaymentItem"]()


class PaymentRunItem(TableModel):
    Meta = table_meta("receipts")
    households = UnicodeSetAttribute(null=True)


def _run_key(on: date) -> tuple[str, str]:
    return f"BPAYRUN#{on.isoformat()}", "RUN"


def _hh(household_id: str) -> str:
    return f"HH#{household_id}"


# -- documents ----------------------------------------------------------------------------------------------

def account_doc(a: RefundAccount | None) -> dict[str, str] | None:
    return None if a is None else {"bank_code": a.bank_code, "branch_code": a.branch_code,
                                   "account_type": a.account_type, "account_number": a.account_number,
                                   "holder_kana": a.holder_kana, "source": a.source}


def account_of(d: Any) -> RefundAccount | None:
    return None if not d else RefundAccount(str(d["bank_code"]), str(d["branch_code"]), str(d["account_type"]),
                                            str(d["account_number"]), str(d["holder_kana"]), str(d["source"]))


def application_doc(a: Application) -> dict[str, Any]:
    doc = {"application_id": a.application_id, "household_id": a.household_id, "months": list(a.months),
           "received_on": a.received_on.isoformat(), "account": account_doc(a.account),
           "offset_consent": a.offset_consent, "staff_id": a.staff_id}
    return doc if a.late is None else {**doc, "late": late_entry_doc(a.late)}


def late_entry_doc(e: LateEntry) -> dict[str, Any]:
    return {"entered_on": e.entered_on.isoformat(), "entered_by": e.entered_by, "reason": e.reason,
            "decision": e.decision, "decided_by": e.decided_by,
            "decided_on": e.decided_on.isoformat() if e.decided_on else None, "note": e.note}


def late_entry_of(d: dict[str, Any]) -> LateEntry:
    return LateEntry(date.fromisoformat(d["entered_on"]), str(d["entered_by"]), str(d["reason"]), d.get("decision"),
                     d.get("decided_by"), date.fromisoformat(d["decided_on"]) if d.get("decided_on") else None,
                     d.get("note"))


def application_of(d: dict[str, Any]) -> Application:
    return Application(str(d["application_id"]), str(d["household_id"]), tuple(d["months"]),
                       date.fromisoformat(d["received_on"]), account_of(d.get("account")), bool(d["offset_consent"]),
                       str(d["staff_id"]), late_entry_of(d["late"]) if d.get("late") else None)


def withholding_doc(w: Withholding) -> dict[str, Any]:
    return {"decision_id": w.decision_id, "household_id": w.household_id, "months": list(w.months),
            "decided_on": w.decided_on.isoformat(), "basis": w.basis, "staff_id": w.staff_id,
            "lifted_on": w.lifted_on.isoformat() if w.lifted_on else None}


def withholding_of(d: dict[str, Any]) -> Withholding:
    return Withholding(str(d["decision_id"]), str(d["household_id"]), tuple(d["months"]),
                       date.fromisoformat(d["decided_on"]), str(d["basis"]), str(d["staff_id"]),
                       date.fromisoformat(d["lifted_on"]) if d.get("lifted_on") else None)


def payment_doc(p: BenefitPayment) -> dict[str, Any]:
    return {"payment_id": p.payment_id, "household_id": p.household_id, "month": p.month, "amount": p.amount,
            "version": p.version, "created_on": p.created_on, "payee_id": p.payee_id, "account": account_doc(p.account),
            "application_id": p.application_id, "file_id": p.file_id,
            "offsets": [{"household_id": o.ledger[0], "fiscal_year": o.ledger[1], "installment": o.installment,
                         "amount": o.amount, "payment_id": o.payment_id} for o in p.offsets],
            **({"returns": list(p.returns)} if p.returns else {})}


def payment_of(item: BenefitPaymentItem) -> BenefitPayment:
    d = dict(item.doc)
    return BenefitPayment(
        str(d["payment_id"]), str(d["household_id"]), str(d["month"]), int(d["amount"]), int(d["version"]),
        str(d["created_on"]), str(d["payee_id"]), account_of(d.get("account")), str(d["application_id"]),
        tuple(Offset((str(o["household_id"]), int(o["fiscal_year"])), int(o["installment"]), int(o["amount"]),
                     str(o["payment_id"])) for o in d.get("offsets") or []),
        str(item.status or "ready"), _file_of(item), tuple(dict(r) for r in d.get("returns") or ()))


def _file_of(item: BenefitPaymentItem) -> str | None:
    queue = str(item.gsi1pk or "")
    return queue.removeprefix("BPAYF#") if queue.startswith("BPAYF#") else None


def claim_doc(c: RecoveryClaim) -> dict[str, Any]:
    return {"claim_id": c.claim_id, "household_id": c.household_id, "month": c.month, "amount": c.amount,
            "version": c.version, "created_on": c.created_on, "due": c.due, "debtor_id": c.debtor_id,
            "reason": c.reason, "persons": list(c.persons), "repayments": [list(r) for r in c.repayments]}


def claim_of(d: dict[str, Any]) -> RecoveryClaim:
    return RecoveryClaim(str(d["claim_id"]), str(d["household_id"]), str(d["month"]), int(d["amount"]),
                         int(d["version"]), str(d["created_on"]), str(d["due"]), str(d["debtor_id"]), str(d["reason"]),
                         tuple(d.get("persons") or ()),
                         tuple((str(r[0]), int(r[1])) for r in d.get("repayments") or ()))


class DynamoBenefitPaymentStore(RecordsAccess):
    """kokuho.benefits.payment_ports.BenefitPaymentStore on the receipts table."""

    CATEGORY = CATEGORY

    def households_with_benefits(self) -> list[str]:
        """Households with a stored benefit version (a scan of the pointers' keys: no personal data read)."""
        return sorted({i.pk.removeprefix("HH#") for i in BenefitPointerModel.scan(
            BenefitPointerModel.sk.startswith("BLATEST#"), attributes_to_get=["pk", "sk"])})

    def household(self, household_id: str) -> HouseholdPayments:
        out = HouseholdPayments()
        pointers: list[tuple[str, int, int]] = []
        for prefix in ("BLATEST#", "BAPP#", "BHOLD#", "BINVITE#", "BPAY#", "BCLAIM#"):
            model: Any = BenefitPointerModel if prefix == "BLATEST#" else BenefitPaymentItem
            for i in model.query(_hh(household_id), model.sk.startswith(prefix), consistent_read=True):
                if prefix == "BLATEST#":
                    pointers.append((str(i.month), int(i.version), int(i.benefit)))
                elif prefix == "BAPP#":
                    out.applications.append(application_of(dict(i.doc)))
                elif prefix == "BHOLD#":
                    out.withholdings.append(withholding_of(dict(i.doc)))
                elif prefix == "BINVITE#":
                    out.invited.add((str(i.doc["month"]), int(i.doc["version"])))
                elif prefix == "BPAY#":
                    if not i.doc.get("benefit"):  # a 療養費・出産・葬祭費 payment (kokuho.records.other_claims)
                        out.payments.append(payment_of(i))
                else:
                    out.claims.append(claim_of(dict(i.doc)))
        keys = [BenefitVersionModel.key(household_id, m, v) for m, v, _ in pointers]
        docs = {(str(d.doc["service_month"]), int(d.doc["version"])): d.doc
                for d in BenefitVersionModel.batch_get(keys)} if keys else {}
        for month, version, benefit in sorted(pointers):
            doc = docs.get((month, version)) or {}
            members = tuple(str(m["id"]) for m in doc.get("case", {}).get("household", {}).get("members", [])
                            if m.get("bills"))
            out.months.append(MonthBenefit(month, version, benefit, members))
        return out

    def commit(self, plan: HouseholdPlan, ledger_writes: Sequence[LedgerWrite], *, on: date,
               persons: Sequence[str], actor: Any, chain: str) -> None:
        """All or nothing: the plan's payments, claims and 勧奨 marks (each once), the offsets into the premium
        ledgers (each ledger payment once) and the access record of the household's persons."""
        from kokuho.records.collection import DynamoCollectionStore

        h = _hh(plan.household_id)
        with transaction_or(WriteConflict) as tx:
            for p in plan.payments:
                queue = READY if p.status == "ready" else None
                tx.save(BenefitPaymentItem(h, f"BPAY#{p.payment_id}", doc=payment_doc(p), status=p.status,
                                           gsi1pk=queue, gsi1sk=f"{p.created_on}#{p.payment_id}" if queue else None),
                        condition=BenefitPaymentItem.pk.does_not_exist())
            for c in plan.claims:
                tx.save(BenefitPaymentItem(h, f"BCLAIM#{c.claim_id}", doc=claim_doc(c), status="open", gsi1pk=CLAIMS,
                                           gsi1sk=f"{c.created_on}#{c.claim_id}"),
                        condition=BenefitPaymentItem.pk.does_not_exist())
            for n in plan.invitations:
                tx.save(BenefitPaymentItem(h, f"BINVITE#{n.month}#V{n.version:04d}",
                                           doc={"month": n.month, "version": n.version, "amount": n.amount,
                                                "issued_on": on.isoformat()}),
                        condition=BenefitPaymentItem.pk.does_not_exist())
            DynamoCollectionStore.join_ledger_writes(tx, ledger_writes)
            tx.update(PaymentRunItem(*_run_key(on)), actions=[PaymentRunItem.households.add({plan.household_id})])
            self._record_access(actor, list(persons), WRITE_CATEGORY, "write", chain=chain, transaction=tx)

    def households_of_day(self, on: date) -> list[str]:
        """The households the payment run of `on` wrote something for (in the same transactions)."""
        try:
            return sorted(PaymentRunItem.get(*_run_key(on), consistent_read=True).households or ())
        except PaymentRunItem.DoesNotExist:
            return []

    def invitations_of(self, household_id: str, day: str) -> list[tuple[str, int]]:
        """The months (and amounts) whose 支給申請勧奨 was made on `day`."""
        return [(str(i.doc["month"]), int(i.doc["amount"])) for i in BenefitPaymentItem.query(
            _hh(household_id), BenefitPaymentItem.sk.startswith("BINVITE#"), consistent_read=True)
            if i.doc.get("issued_on") == day]

    # -- applications and 差止 (the private API) ---------------------------------------------------------
    def put_application(self, a: Application, *, actor: Any) -> bool:
        """Store once: False when the same id is already stored (a re-delivered application)."""
        return self._put_once(a.household_id, f"BAPP#{a.application_id}", application_doc(a), actor)

    def decide_application(self, household_id: str, application_id: str, late: LateEntry, *, actor: Any) -> bool:
        """The second member's decision on an application held for approval, over the undecided entry read (False:
        decided meanwhile), with the decider's access record in the same transaction."""
        sk = f"BAPP#{application_id}"
        doc = self._doc(household_id, sk)
        if doc is None or not doc.get("late") or doc["late"].get("decision"):
            return False
        try:
            with transaction_or(WriteConflict) as tx:
                tx.update(BenefitPaymentItem(_hh(household_id), sk),
                          actions=[BenefitPaymentItem.doc.set({**doc, "late": late_entry_doc(late)}),
                                   BenefitPaymentItem.revision.set(1)],
                          condition=BenefitPaymentItem.revision.does_not_exist())
                self._record_access(actor, [f"HH:{household_id}"], WRITE_CATEGORY, "write", transaction=tx)
        except WriteConflict:
            return False
        return True

    def put_withholding(self, w: Withholding, *, actor: Any) -> bool:
        return self._put_once(w.household_id, f"BHOLD#{w.decision_id}", withholding_doc(w), actor)

    def application(self, household_id: str, application_id: str) -> Application | None:
        doc = self._doc(household_id, f"BAPP#{application_id}")
        return None if doc is None else application_of(doc)

    def _doc(self, household_id: str, sk: str) -> dict[str, Any] | None:
        try:
            return dict(BenefitPaymentItem.get(_hh(household_id), sk, consistent_read=True).doc)
        except BenefitPaymentItem.DoesNotExist:
            return None

    def _put_once(self, household_id: str, sk: str, doc: dict[str, Any], actor: Any) -> bool:
        try:
            with transaction_or(WriteConflict) as tx:
                tx.save(BenefitPaymentItem(_hh(household_id), sk, doc=doc),
                        condition=BenefitPaymentItem.pk.does_not_exist())
                self._record_access(actor, [f"HH:{household_id}"], WRITE_CATEGORY, "write", transaction=tx)
        except WriteConflict:
            return False
        return True

    def lift_withholding(self, household_id: str, decision_id: str, lifted_on: date, *, actor: Any) -> None:
        sk = f"BHOLD#{decision_id}"
        with transaction_or(WriteConflict) as tx:
            doc = self._doc(household_id, sk)
            if doc is None or doc.get("lifted_on"):
                raise WriteConflict("no such 差止 in force")
            lifted = withholding_doc(withholding_of(doc).lift(lifted_on))
            tx.update(BenefitPaymentItem(_hh(household_id), sk),
                      actions=[BenefitPaymentItem.doc.set({**doc, "lifted_on": lifted["lifted_on"]})],
                      condition=BenefitPaymentItem.pk.exists())
            self._record_access(actor, [f"HH:{household_id}"], WRITE_CATEGORY, "write", transaction=tx)

    def record_repayment(self, household_id: str, claim_id: str, repayment_id: str, on: date, amount: int, *,
                         actor: Any) -> tuple[RecoveryClaim, bool] | None:
        """A repayment of a 返還金 claim (once by its id): the claim after it and whether it was new; None for no
        such claim; RepaymentRefused (a ValueError naming the debtor) when the claim refuses it (RecoveryClaim.repaid),
        RepaymentIdTaken when the id is recorded with another day or amount (nothing written)."""
        h, sk = _hh(household_id), f"BCLAIM#{claim_id}"
        try:
            item = BenefitPaymentItem.get(h, sk, consistent_read=True)
        except BenefitPaymentItem.DoesNotExist:
            return None
        doc = dict(item.doc)
        claim, ids = claim_of(doc), list(doc.get("repayment_ids") or [])
        if repayment_id in ids:  # the ids name the last repayments, in order
            if claim.repayments[len(claim.repayments) - len(ids) + ids.index(repayment_id)] != (on.isoformat(), amount):
                raise RepaymentIdTaken(repayment_id, claim.debtor_id)
            return claim, False
        try:
            after = claim.repaid(on, amount)  # the claim's own rules (ValueError naming the field)
        except ValueError as exc:
            raise RepaymentRefused(str(exc), claim.debtor_id) from None
        doc["repayments"] = [*doc.get("repayments", []), [on.isoformat(), amount]]
        doc["repayment_ids"] = [*doc.get("repayment_ids", []), repayment_id]
        revision = int(item.revision or 0)
        condition = (BenefitPaymentItem.revision.does_not_exist() if item.revision is None
                     else BenefitPaymentItem.revision == revision)
        with transaction_or(WriteConflict) as tx:
            tx.update(BenefitPaymentItem(h, sk), actions=[
                BenefitPaymentItem.doc.set(doc), BenefitPaymentItem.revision.set(revision + 1),
                BenefitPaymentItem.status.set("repaid" if sum(a for _, a in after.repayments) == after.amount
                                              else "open")], condition=condition)
            self._record_access(actor, [f"HH:{household_id}", claim.debtor_id], WRITE_CATEGORY, "write",
                                transaction=tx)
        return claim_of(doc), True

    # -- the transfer file -------------------------------------------------------------------------------
    def ready_payments(self) -> list[BenefitPayment]:
        return [payment_of(i) for i in BenefitPaymentItem.by_queue.query(READY)]

    def payments_of_file(self, file_id: str) -> list[BenefitPayment]:
        return [payment_of(i) for i in BenefitPaymentItem.by_queue.query(f"BPAYF#{file_id}")]

    def file_payments(self, file_id: str, payments: Sequence[BenefitPayment]) -> None:
        """Mark ready payments as filed in `file_id` (a payment filed already, in this file, stays so)."""
        for p in payments:
            try:
                BenefitPaymentItem(_hh(p.household_id), f"BPAY#{p.payment_id}").update(
                    actions=[BenefitPaymentItem.status.set("filed"),
                             BenefitPaymentItem.gsi1pk.set(f"BPAYF#{file_id}")],
                    condition=BenefitPaymentItem.gsi1pk.is_in(READY, f"BPAYF#{file_id}"))
            except Exception as exc:  # filed in another file meanwhile: never twice
                raise WriteConflict(str(exc)) from exc

    def return_payment(self, household_id: str, payment_id: str, file_id: str, doc: dict[str, Any], *,
                       actor: Any) -> bool:
        h, sk = _hh(household_id), f"BPAY#{payment_id}"
        try:
            item = BenefitPaymentItem.get(h, sk, consistent_read=True)
        except BenefitPaymentItem.DoesNotExist:
            raise WriteConflict("no such payment") from None
        p = payment_of(item)
        if not returnable(p.returns, p.status, p.file_id, p.account is not None, file_id, WriteConflict):
            return False
        assert p.account is not None  # returnable: filed with its account
        returned = payment_doc(replace(p, status="returned",
                                       returns=(*p.returns, {**doc, "account": account_key(p.account)})))
        with transaction_or(WriteConflict) as tx:  # stays in the file's queue: the file's notices find it
            tx.update(BenefitPaymentItem(h, sk), actions=[
                BenefitPaymentItem.doc.set(returned), BenefitPaymentItem.status.set("returned")],
                condition=(BenefitPaymentItem.status == "filed") & (BenefitPaymentItem.gsi1pk == f"BPAYF#{file_id}"))
            self._record_access(actor, [f"HH:{household_id}", p.payee_id], WRITE_CATEGORY, "write", transaction=tx)
        return True

    def claims(self) -> list[RecoveryClaim]:
        return [claim_of(dict(i.doc)) for i in BenefitPaymentItem.by_queue.query(CLAIMS)]


__all__ = ["BenefitPaymentItem", "DynamoBenefitPaymentStore"]
