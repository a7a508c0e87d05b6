"""pynamodb models of the collection table (収納) and the DynamoDB adapter of `kokuho.collection.ports`.

Item layout in the "collection" table (generic keys; ids are surrogate ids, never a My Number or a name):

| item | pk | sk | gsi1pk / gsi1sk | gsi2pk / gsi2sk |
|---|---|---|---|---|
| ledger: what collection wrote (4) | LEDGER#<hh>#FY#<fy> | LEDGER | OPENED / <fy>#<hh> (3) | OVERPAID / <hh>#<fy> (1) |
| payment applied or queued | PAYMENT#<payment id> | PAYMENT | — | — |
| 納付番号 | SLIP#<number> | SLIP | — | — |
| 督促状 issued | REMINDER#<reminder id> | REMINDER | — | — |
| 延滞金 billed | LATECHARGE#<bill id> | LATECHARGE | — | — |
| 滞納整理 measure recorded | ARREARS#<measure id> | ARREARS | — | — |
| 収納率 statistics of a fiscal year | STATS#FY#<fy> | STATS | — | — |
| unmatched payment | UNMATCHED#<payment id> | UNMATCHED | — | UNMATCHED / <on>#<payment id> while open |
| payment file | PAYFILE#<sha256> | FILE | — | — |
| refund (還付) | REFUND#<id> | REFUND | PAYER#<payer> / REFUND#<id> | REFUND#<status> (2) / <created>#<id> |

(1) while the ledger may hold an overpayment (after a 更正 downwards or a payment beyond the charge).
(2) REFUND#ready, REFUND#held, or REFUND#FILE#<file id> once in a 総合振込 file.
(3) only a ledger the pension run's 仮徴収 opened at version 0 (every ledger is then read without a scan of this
table: the others are the assessment's versions). No payer index (issue 14: an entry a household, one write unit
each in the annual run): a payer's ledgers are those of the households they head or headed, found in the
qualification table (kokuho.records.payer_ledgers).

(4) payments, disbursements, failed debits, 督促状, 延滞金, 督促手数料, 滞納整理 measures, the pension run's state;
`payer_id` and `annual` only on a ledger the pension run's 仮徴収 opened at version 0 (before the year's first
notice: its charge until then). Created by collection's first write to the ledger (every ledger write is an
upsert) or by the overpayment mark of a 更正 downwards (`mark_overpaid`); absent while collection wrote nothing.

The ledger's charge (調定) is not stored here (issue 14: the annual run writes no ledger item, one write unit a
household): it is the household's latest assessment version of the year that carries a notice, made into the
charge by `charge_from_version` — read by kokuho.records.ledger_charges, joined with the item by
`stored_ledger`. A 更正 is the charge the moment its version is stored; a 仮 version charges nothing until
confirmed. Payments append to the ledger's list in the transaction that puts their PAYMENT item (conditional on
its absence): a payment is applied once, whatever file brings it again; the pension run's state is written only
on the ledger as read (its revision, and no newer version than the one it was made from).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date
from typing import Any, cast

from pynamodb.attributes import JSONAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.transactions import TransactWrite

from kokuho.collection.ledger import Disbursement, PaymentEntry
from kokuho.collection.pension_deduction import pension_ledger_charge
from kokuho.collection.ports import (
    LEDGER_CATEGORY,
    LedgerKey,
    LedgerWrite,
    PensionWrite,
    RefundAccount,
    RefundOrder,
    Slip,
    StoredLedger,
    UnmatchedPayment,
    WriteConflict,
    account_key,
)
from kokuho.collection.transfer_returns import returnable
from kokuho.records.assessments import AssessmentVersionModel
from kokuho.records.base import Gsi1, Gsi2, RecordsAccess, TableModel, table_meta, transaction_or
from kokuho.records.ledger_charges import Charged, charged_versions, every_charged_version, versions_exist
from kokuho.records.payer_ledgers import households_of_person, ledger_keys_of_households

OVERPAID = "OVERPAID"
OPENED = "OPENED"  # gsi1 of the ledgers the pension run's 仮徴収 opened at version 0
UNMATCHED = "UNMATCHED"
# One access record (2 items) per transaction, and room for its subject-index entries to go after commit.
ITEMS_PER_TRANSACTION = 90


class LedgerModel(TableModel):
    """What collection wrote to a household's ledger for a fiscal year: payments, disbursements, reminders, the
    pension run's state. The charge is not here: it is the latest assessment version's that carries a notice
    (kokuho.records.ledger_charges). The item is created by collection's first write (an upsert), or by the
    overpayment mark of a 更正 downwards; `payer_id` and `annual` only on a ledger the pension run's 仮徴収
    opened at version 0, before the year's first notice (its charge until then)."""

    Meta = table_meta("collection")
    payer_id = UnicodeAttribute(null=True)
    annual = NumberAttribute(null=True)
    # Each entry a JSON object in a list: appended with list_append, so concurrent writers never lose one.
    payments = ListAttribute(of=JSONAttribute, null=True)
    disbursements = ListAttribute(of=JSONAttribute, null=True)
    debit_failures = ListAttribute(of=JSONAttribute, null=True)
    reminders = ListAttribute(of=JSONAttribute, null=True)
    late_charges = ListAttribute(of=JSONAttribute, null=True)
    arrears = ListAttribute(of=JSONAttribute, null=True)  # 滞納整理 measures (kokuho.collection.arrears)
    # 特別徴収: the pension run's state (kokuho.collection.pension_run); while set, the charge is the one it
    # makes of the version's annual premium (kokuho.collection.pension_deduction.pension_ledger_charge).
    pension = JSONAttribute(null=True)
    pension_rev = NumberAttribute(null=True)  # the state's revision: the pension run writes it as read
    fees = ListAttribute(of=JSONAttribute, null=True)  # 督促手数料 billed (kokuho.collection.reminders)
    # gsi1: a ledger the pension run opened at version 0 (`OPENED` / <fy>#<hh>): every ledger is read without a
    # scan of the collection table (the versions say which others are charged)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    opened = Gsi1["LedgerModel"]()
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    queue = Gsi2["LedgerModel"]()

    @staticmethod
    def key(household_id: str, fiscal_year: int) -> tuple[str, str]:
        return f"LEDGER#{household_id}#FY#{fiscal_year}", "LEDGER"


class PaymentModel(TableModel):
    """A payment's id, taken once: the payment is applied (or queued unmatched) once, ever."""

    Meta = table_meta("collection")
    household_id = UnicodeAttribute(null=True)  # null: queued as unmatched
    fiscal_year = NumberAttribute(null=True)
    amount = NumberAttribute()

    @staticmethod
    def key(payment_id: str) -> tuple[str, str]:
        return f"PAYMENT#{payment_id}", "PAYMENT"


class ReminderIdModel(TableModel):
    """A 督促状's (or a 延滞金 or 督促手数料 bill's, or a 滞納整理 measure's) id, taken once: each recorded once,
    ever."""

    Meta = table_meta("collection")
    issued_on = UnicodeAttribute()

    @staticmethod
    def key(reminder_id: str) -> tuple[str, str]:
        return f"REMINDER#{reminder_id}", "REMINDER"

    @staticmethod
    def late_charge_key(bill_id: str) -> tuple[str, str]:
        return f"LATECHARGE#{bill_id}", "LATECHARGE"

    @staticmethod
    def arrears_key(measure_id: str) -> tuple[str, str]:
        return f"ARREARS#{measure_id}", "ARREARS"

    @staticmethod
    def fee_key(bill_id: str) -> tuple[str, str]:
        return f"FEE#{bill_id}", "FEE"


class SlipModel(TableModel):
    Meta = table_meta("collection")
    household_id = UnicodeAttribute()
    fiscal_year = NumberAttribute()
    installment = NumberAttribute()
    amount = NumberAttribute()
    payer_id = UnicodeAttribute()

    @staticmethod
    def key(number: str) -> tuple[str, str]:
        return f"SLIP#{number}", "SLIP"


class UnmatchedModel(TableModel):
    Meta = table_meta("collection")
    status = UnicodeAttribute()
    doc = JSONAttribute()
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    queue = Gsi2["UnmatchedModel"]()

    @staticmethod
    def key(payment_id: str) -> tuple[str, str]:
        return f"UNMATCHED#{payment_id}", "UNMATCHED"


class PaymentFileModel(TableModel):
    Meta = table_meta("collection")
    record = JSONAttribute()

    @staticmethod
    def key(digest: str) -> tuple[str, str]:
        return f"PAYFILE#{digest}", "FILE"


class StatisticsModel(TableModel):
    """The 収納率 figures of a fiscal year (kokuho.collection.statistics), as last made by the statistics run."""

    Meta = table_meta("collection")
    doc = JSONAttribute()

    @staticmethod
    def key(fiscal_year: int) -> tuple[str, str]:
        return f"STATS#FY#{fiscal_year}", "STATS"


class RefundModel(TableModel):
    Meta = table_meta("collection")
    status = UnicodeAttribute()
    file_id = UnicodeAttribute(null=True)
    doc = JSONAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    gsi2pk = UnicodeAttribute()
    gsi2sk = UnicodeAttribute()
    queue = Gsi2["RefundModel"]()

    @staticmethod
    def key(refund_id: str) -> tuple[str, str]:
        return f"REFUND#{refund_id}", "REFUND"


def _refund_doc(r: RefundOrder) -> dict[str, Any]:
    return {"refund_id": r.refund_id, "payer_id": r.payer_id, "source": list(r.source), "amount": r.amount,
            "created_on": r.created_on,
            "account": None if r.account is None else {
                "bank_code": r.account.bank_code, "branch_code": r.account.branch_code,
                "account_type": r.account.account_type, "account_number": r.account.account_number,
                "holder_kana": r.account.holder_kana, "source": r.account.source},
            **({"returns": list(r.returns)} if r.returns else {})}


def _refund_of(item: RefundModel) -> RefundOrder:
    d = dict(item.doc)
    a = d.get("account")
    return RefundOrder(str(d["refund_id"]), str(d["payer_id"]), (str(d["source"][0]), int(d["source"][1])),
                       int(d["amount"]), str(d["created_on"]), None if a is None else RefundAccount(**a),
                       item.status, item.file_id, tuple(dict(x) for x in d.get("returns") or ()))


def _refund_queue(status: str, file_id: str | None) -> str:
    return f"REFUND#FILE#{file_id}" if status == "filed" else f"REFUND#{status}"


# -- the overpayment mark of a 更正 downwards ---------------------------------------------------

def mark_overpaid(household_id: str, fiscal_year: int) -> None:
    """Put the ledger in the overpayment run's queue (a 更正 lowered its premium: it may now hold an
    overpayment). Rare, so a write then: an upsert of the index keys alone — a payment appended meanwhile is
    another attribute of the same item, nothing is lost, and writing it again changes nothing."""
    pk, sk = LedgerModel.key(household_id, fiscal_year)
    LedgerModel(pk, sk).update(actions=[LedgerModel.gsi2pk.set(OVERPAID),
                                        LedgerModel.gsi2sk.set(f"{household_id}#{fiscal_year}")])


def _json(doc: dict[str, Any]) -> str:
    # A list element is a JSON string (the JSONAttribute's own form), appended with list_append.
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


# -- reading --------------------------------------------------------------------------------------

def payment_doc(p: PaymentEntry) -> dict[str, Any]:
    return {"id": p.payment_id, "on": p.on.isoformat(), "amount": p.amount, "channel": p.channel,
            "installment": p.installment}


def payment_of(d: dict[str, Any]) -> PaymentEntry:
    return PaymentEntry(str(d["id"]), date.fromisoformat(d["on"]), int(d["amount"]), str(d["channel"]),
                        None if d.get("installment") is None else int(d["installment"]))


def disbursement_doc(d: Disbursement) -> dict[str, Any]:
    return {"id": d.disbursement_id, "on": d.on.isoformat(), "amount": d.amount, "kind": d.kind, "to": d.to}


def disbursement_of(d: dict[str, Any]) -> Disbursement:
    return Disbursement(str(d["id"]), date.fromisoformat(d["on"]), int(d["amount"]), str(d["kind"]), str(d["to"]))


def ledger_key(pk: str) -> LedgerKey:
    """(household, fiscal year) of a ledger item's partition key `LEDGER#<household>#FY#<fy>`."""
    household, _, fy = pk.removeprefix("LEDGER#").rpartition("#FY#")
    return household, int(fy)


def stored_ledger(key: LedgerKey, charged: Charged | None, item: LedgerModel | None) -> StoredLedger | None:
    """The ledger of `key`: the charge of its latest version with a notice (`charged`; under 特別徴収 the one the
    pension state makes of it), or of the 仮徴収 that opened it at version 0; what collection wrote (`item`).
    None: not charged (no version with a notice, no 仮徴収)."""
    pension = None if item is None or item.pension is None else dict(item.pension)
    charge = None if charged is None else charged.charge(pension)
    if charge is None:
        if item is None or item.annual is None or item.payer_id is None:
            return None
        charge = pension_ledger_charge(key[0], key[1], version=0, payer_id=item.payer_id, annual=int(item.annual),
                                       overlay=pension or {})
    docs: dict[str, list[dict[str, Any]]] = {
        name: cast(list[dict[str, Any]], getattr(item, name, None) or [])
        for name in ("payments", "disbursements", "debit_failures", "reminders", "late_charges", "arrears", "fees")}
    return StoredLedger(charge, tuple(payment_of(p) for p in docs["payments"]),
                        tuple(disbursement_of(d) for d in docs["disbursements"]), tuple(docs["debit_failures"]),
                        tuple(docs["reminders"]), tuple(docs["late_charges"]), tuple(docs["arrears"]),
                        pension, fees=tuple(docs["fees"]))


def _ledger_items(keys: Iterable[LedgerKey]) -> dict[LedgerKey, LedgerModel]:
    wanted = [LedgerModel.key(h, fy) for h, fy in dict.fromkeys(keys)]
    return {ledger_key(str(i.pk)): i for i in LedgerModel.batch_get(wanted)} if wanted else {}


def _unmatched_doc(u: UnmatchedPayment) -> dict[str, Any]:
    return {"payment_id": u.payment_id, "channel": u.channel, "on": u.on, "amount": u.amount, "reason": u.reason,
            "file_digest": u.file_digest, "line": u.line, "payment_number": u.payment_number,
            "payer_id": u.payer_id, "resolution": u.resolution}


def _unmatched_of(item: UnmatchedModel) -> UnmatchedPayment:
    d = dict(item.doc)
    return UnmatchedPayment(str(d["payment_id"]), str(d["channel"]), str(d["on"]), int(d["amount"]),
                            str(d["reason"]), str(d["file_digest"]), int(d["line"]), d.get("payment_number"),
                            d.get("payer_id"), item.status, d.get("resolution"))


class DynamoCollectionStore(RecordsAccess):
    """`kokuho.collection.ports.CollectionStore` on the collection table."""

    CATEGORY = LEDGER_CATEGORY

    # the ledger
    def ledgers(self, keys: Iterable[LedgerKey]) -> dict[LedgerKey, StoredLedger]:
        # each key's latest version with a notice (a query a key, in parallel when many) and its ledger item
        wanted = list(dict.fromkeys(keys))
        charged, items = charged_versions(wanted), _ledger_items(wanted)
        found = {k: stored_ledger(k, charged.get(k), items.get(k)) for k in wanted}
        return {k: lg for k, lg in found.items() if lg is not None}

    def ledgers_of_payer(self, payer_id: str) -> list[StoredLedger]:
        # the ledgers of the households the person is or was a member of (kokuho.records.payer_ledgers: no
        # index entry written per household), those whose charge names them as payer; by year, then household
        keys = ledger_keys_of_households(households_of_person(payer_id))
        found = self.ledgers(keys)
        return [found[k] for k in keys if k in found and found[k].charge.payer_id == payer_id]

    def all_ledgers(self) -> Iterator[StoredLedger]:
        # Every charged ledger: the versions, a segment of the assessment table at a time, joined with their
        # ledger items; then the ledgers the pension run's 仮徴収 opened for a year without a version yet.
        for part in every_charged_version():
            for first in range(0, len(keys := list(part)), 100):
                items = _ledger_items(keys[first:first + 100])
                for key in keys[first:first + 100]:
                    if (ledger := stored_ledger(key, part[key], items.get(key))) is not None:
                        yield ledger
        opened = list(LedgerModel.opened.query(OPENED))
        for first in range(0, len(opened), 100):
            chunk = {ledger_key(str(i.pk)): i for i in opened[first:first + 100]}
            assessed = versions_exist(chunk)
            for key, item in chunk.items():
                if key not in assessed and (ledger := stored_ledger(key, None, item)) is not None:
                    yield ledger

    def overpaid_ledgers(self) -> list[LedgerKey]:
        return [ledger_key(str(i.pk)) for i in LedgerModel.queue.query(OVERPAID)]

    def clear_overpaid(self, key: LedgerKey) -> None:
        pk, sk = LedgerModel.key(*key)
        LedgerModel(pk, sk).update(actions=[LedgerModel.gsi2pk.remove(), LedgerModel.gsi2sk.remove()],
                                   condition=LedgerModel.pk.exists())

    # 納付番号
    def put_slips(self, slips: Sequence[Slip]) -> None:
        with SlipModel.batch_write() as batch:
            for s in slips:
                pk, sk = SlipModel.key(s.number)
                batch.save(SlipModel(pk, sk, household_id=s.household_id, fiscal_year=s.fiscal_year,
                                     installment=s.installment, amount=s.amount, payer_id=s.payer_id))

    def slips(self, numbers: Iterable[str]) -> dict[str, Slip]:
        keys = [SlipModel.key(n) for n in dict.fromkeys(numbers)]
        return {i.pk.removeprefix("SLIP#"): Slip(i.pk.removeprefix("SLIP#"), i.household_id, int(i.fiscal_year),
                                                 int(i.installment), int(i.amount), i.payer_id)
                for i in SlipModel.batch_get(keys)}

    # payments
    def applied_payment_ids(self, payment_ids: Iterable[str]) -> set[str]:
        keys = [PaymentModel.key(p) for p in dict.fromkeys(payment_ids)]
        return {i.pk.removeprefix("PAYMENT#") for i in PaymentModel.batch_get(keys, attributes_to_get=["pk", "sk"])}

    @staticmethod
    def join_ledger_writes(tx: TransactWrite, writes: Sequence[LedgerWrite]) -> None:
        """The ledger writes (payments, each once) in another use case's transaction: a benefit offset against
        unpaid premiums (kokuho.benefits.payment) is written with the benefit payment, all or nothing."""
        for w in writes:
            DynamoCollectionStore._add_payments(tx, w)
            DynamoCollectionStore._update_ledger(tx, w)

    @staticmethod
    def _add_payments(tx: TransactWrite, w: LedgerWrite) -> None:
        household, fy = w.key
        for p in w.payments:
            pk, sk = PaymentModel.key(p.payment_id)
            tx.save(PaymentModel(pk, sk, household_id=household, fiscal_year=fy, amount=p.amount),
                    condition=PaymentModel.pk.does_not_exist())
        for r in w.reminders:
            pk, sk = ReminderIdModel.key(str(r["id"]))
            tx.save(ReminderIdModel(pk, sk, issued_on=str(r["issued_on"])),
                    condition=ReminderIdModel.pk.does_not_exist())
        for b in w.late_charges:
            pk, sk = ReminderIdModel.late_charge_key(str(b["id"]))
            tx.save(ReminderIdModel(pk, sk, issued_on=str(b["billed_on"])),
                    condition=ReminderIdModel.pk.does_not_exist())
        for a in w.arrears:
            pk, sk = ReminderIdModel.arrears_key(str(a["id"]))
            tx.save(ReminderIdModel(pk, sk, issued_on=str(a["on"])), condition=ReminderIdModel.pk.does_not_exist())
        for f in w.fees:
            pk, sk = ReminderIdModel.fee_key(str(f["id"]))
            tx.save(ReminderIdModel(pk, sk, issued_on=str(f["billed_on"])),
                    condition=ReminderIdModel.pk.does_not_exist())

    @staticmethod
    def _update_ledger(tx: TransactWrite, w: LedgerWrite) -> None:
        household, fy = w.key
        actions: list[Any] = []
        if w.payments:
            actions.append(LedgerModel.payments.set(
                (LedgerModel.payments | []).append([_json(payment_doc(p)) for p in w.payments])))
        if w.debit_failures:
            actions.append(LedgerModel.debit_failures.set(
                (LedgerModel.debit_failures | []).append([_json(f) for f in w.debit_failures])))
        if w.reminders:
            actions.append(LedgerModel.reminders.set(
                (LedgerModel.reminders | []).append([_json(r) for r in w.reminders])))
        if w.late_charges:
            actions.append(LedgerModel.late_charges.set(
                (LedgerModel.late_charges | []).append([_json(b) for b in w.late_charges])))
        if w.arrears:
            actions.append(LedgerModel.arrears.set(
                (LedgerModel.arrears | []).append([_json(a) for a in w.arrears])))
        if w.fees:
            actions.append(LedgerModel.fees.set((LedgerModel.fees | []).append([_json(f) for f in w.fees])))
        if w.overpaid:
            actions += [LedgerModel.gsi2pk.set(OVERPAID), LedgerModel.gsi2sk.set(f"{household}#{fy}")]
        if actions:  # an upsert: the ledger's item is created by collection's first write to it
            pk, sk = LedgerModel.key(household, fy)
            tx.update(LedgerModel(pk, sk), actions=actions)

    @staticmethod
    def _add_unmatched(tx: TransactWrite, u: UnmatchedPayment) -> None:
        pk, sk = PaymentModel.key(u.payment_id)
        tx.save(PaymentModel(pk, sk, amount=u.amount), condition=PaymentModel.pk.does_not_exist())
        upk, usk = UnmatchedModel.key(u.payment_id)
        tx.save(UnmatchedModel(upk, usk, status="open", doc=_unmatched_doc(u), gsi2pk=UNMATCHED,
                               gsi2sk=f"{u.on}#{u.payment_id}"), condition=UnmatchedModel.pk.does_not_exist())

    def apply(self, writes: Sequence[LedgerWrite], unmatched: Sequence[UnmatchedPayment], *, actor: Any,
              chain: str) -> None:
        payers = sorted({w.payer_id for w in writes})
        with transaction_or(WriteConflict) as tx:
            for w in writes:
                self._add_payments(tx, w)
                self._update_ledger(tx, w)
            for u in unmatched:
                self._add_unmatched(tx, u)
            if payers:
                self._record_access(actor, payers, LEDGER_CATEGORY, "write", chain=chain, transaction=tx)

    # payment files
    def payment_file(self, digest: str) -> dict[str, Any] | None:
        try:
            return dict(PaymentFileModel.get(*PaymentFileModel.key(digest), consistent_read=True).record)
        except PaymentFileModel.DoesNotExist:
            return None

    def mark_file(self, digest: str, record: dict[str, Any]) -> None:
        pk, sk = PaymentFileModel.key(digest)
        PaymentFileModel(pk, sk, record=record).save()

    # the unmatched queue
    def unmatched(self, *, status: str = "open", limit: int = 100) -> list[UnmatchedPayment]:
        if status == "open":
            return [_unmatched_of(i) for i in UnmatchedModel.queue.query(UNMATCHED, limit=limit)]
        raise ValueError("only the open queue is listed")

    def get_unmatched(self, payment_id: str) -> UnmatchedPayment | None:
        try:
            return _unmatched_of(UnmatchedModel.get(*UnmatchedModel.key(payment_id), consistent_read=True))
        except UnmatchedModel.DoesNotExist:
            return None

    def resolve_unmatched(self, item: UnmatchedPayment, write: LedgerWrite | None, resolution: dict[str, Any], *,
                          actor: Any) -> None:
        upk, usk = UnmatchedModel.key(item.payment_id)
        doc = {**_unmatched_doc(item), "resolution": resolution}
        with transaction_or(WriteConflict) as tx:
            tx.update(UnmatchedModel(upk, usk), actions=[
                UnmatchedModel.status.set("resolved"), UnmatchedModel.doc.set(doc),
                UnmatchedModel.gsi2pk.remove(), UnmatchedModel.gsi2sk.remove()],
                condition=UnmatchedModel.status == "open")
            if write is not None:
                household, fy = write.key
                pk, sk = PaymentModel.key(item.payment_id)
                tx.update(PaymentModel(pk, sk), actions=[PaymentModel.household_id.set(household),
                                                         PaymentModel.fiscal_year.set(fy)],
                          condition=PaymentModel.pk.exists())
                self._update_ledger(tx, write)
            subject = write.payer_id if write is not None else (item.payer_id or f"PAYMENT:{item.payment_id}")
            self._record_access(actor, [subject], LEDGER_CATEGORY, "write", transaction=tx)

    # overpayments and refunds
    def disburse(self, payer_id: str, into: Sequence[LedgerWrite], out: dict[LedgerKey, list[Disbursement]],
                 refunds: Sequence[RefundOrder], *, clear: Sequence[LedgerKey], actor: Any) -> None:
        into_by_key = {w.key: w for w in into}
        keys = list(dict.fromkeys([*into_by_key, *out, *clear]))
        with transaction_or(WriteConflict) as tx:
            for key in keys:  # one update a ledger: DynamoDB takes an item once per transaction
                w = into_by_key.get(key)
                if w is not None:
                    self._add_payments(tx, w)
                actions: list[Any] = []
                if w is not None and w.payments:
                    actions.append(LedgerModel.payments.set(
                        (LedgerModel.payments | []).append([_json(payment_doc(p)) for p in w.payments])))
                if out.get(key):
                    actions.append(LedgerModel.disbursements.set((LedgerModel.disbursements | []).append(
                        [_json(disbursement_doc(d)) for d in out[key]])))
                if key in clear:
                    actions += [LedgerModel.gsi2pk.remove(), LedgerModel.gsi2sk.remove()]
                if actions:  # an upsert, as `_update_ledger`
                    pk, sk = LedgerModel.key(*key)
                    tx.update(LedgerModel(pk, sk), actions=actions)
            for r in refunds:
                pk, sk = RefundModel.key(r.refund_id)
                tx.save(RefundModel(pk, sk, status=r.status, doc=_refund_doc(r), gsi1pk=f"PAYER#{r.payer_id}",
                                    gsi1sk=f"REFUND#{r.refund_id}", gsi2pk=_refund_queue(r.status, r.file_id),
                                    gsi2sk=f"{r.created_on}#{r.refund_id}"),
                        condition=RefundModel.pk.does_not_exist())
            if into or out or refunds:
                self._record_access(actor, [payer_id], LEDGER_CATEGORY, "write", transaction=tx)

    def refunds(self, status: str) -> list[RefundOrder]:
        return [_refund_of(i) for i in RefundModel.queue.query(_refund_queue(status, None))]

    def refunds_of_file(self, file_id: str) -> list[RefundOrder]:
        keys = [(i.pk, i.sk) for i in RefundModel.queue.query(_refund_queue("filed", file_id))]
        return [_refund_of(i) for i in RefundModel.batch_get(keys)]  # consistent reads of what the index names

    def file_refunds(self, file_id: str, refund_ids: Sequence[str]) -> None:
        for first in range(0, len(refund_ids), ITEMS_PER_TRANSACTION):
            with transaction_or(WriteConflict) as tx:
                for rid in refund_ids[first:first + ITEMS_PER_TRANSACTION]:
                    pk, sk = RefundModel.key(rid)
                    tx.update(RefundModel(pk, sk), actions=[
                        RefundModel.status.set("filed"), RefundModel.file_id.set(file_id),
                        RefundModel.gsi2pk.set(_refund_queue("filed", file_id))],
                        condition=RefundModel.status == "ready")

    def set_refund_account(self, refund_id: str, account: RefundAccount, *, actor: Any) -> None:
        try:
            current = RefundModel.get(*RefundModel.key(refund_id), consistent_read=True)
        except RefundModel.DoesNotExist:
            raise WriteConflict("no such refund") from None
        order = _refund_of(current)
        doc = _refund_doc(RefundOrder(order.refund_id, order.payer_id, order.source, order.amount, order.created_on,
                                      account, "ready", returns=order.returns))
        with transaction_or(WriteConflict) as tx:
            tx.update(RefundModel(*RefundModel.key(refund_id)), actions=[
                RefundModel.status.set("ready"), RefundModel.doc.set(doc),
                RefundModel.gsi2pk.set(_refund_queue("ready", None))], condition=RefundModel.status == "held")
            self._record_access(actor, [order.payer_id], LEDGER_CATEGORY, "write", transaction=tx)

    def return_refund(self, refund_id: str, file_id: str, doc: dict[str, Any], *, actor: Any) -> bool:
        try:
            current = RefundModel.get(*RefundModel.key(refund_id), consistent_read=True)
        except RefundModel.DoesNotExist:
            raise WriteConflict("no such refund") from None
        order = _refund_of(current)
        if not returnable(order.returns, order.status, order.file_id, order.account is not None, file_id,
                          WriteConflict):
            return False
        assert order.account is not None  # returnable: filed with its account
        returns = (*order.returns, {**doc, "account": account_key(order.account)})
        held = _refund_doc(replace(order, account=None, status="held", file_id=None, returns=returns))
        with transaction_or(WriteConflict) as tx:
            tx.update(RefundModel(*RefundModel.key(refund_id)), actions=[
                RefundModel.status.set("held"), RefundModel.doc.set(held), RefundModel.file_id.remove(),
                RefundModel.gsi2pk.set(_refund_queue("held", None))],
                condition=(RefundModel.status == "filed") & (RefundModel.file_id == file_id))
            self._record_access(actor, [order.payer_id], LEDGER_CATEGORY, "write", transaction=tx)
        return True

    # 特別徴収
    def set_pension(self, writes: Sequence[PensionWrite], *, actor: Any, chain: str) -> None:
        # A state made from the charge of version `expected_version` is written only while that is the ledger's
        # charge: the version read again (consistent), and no newer version (a condition on its key) in the
        # transaction — the version is the assessment table's, the state the collection table's.
        checked = charged_versions([w.key for w in writes if w.expected_version is not None], consistent=True)
        with transaction_or(WriteConflict) as tx:
            for w in writes:
                pk, sk = LedgerModel.key(*w.key)
                state = {**w.state, "rev": int(w.state.get("rev") or 0)}
                actions: list[Any] = [LedgerModel.pension.set(state), LedgerModel.pension_rev.set(state["rev"])]
                if w.create_annual is not None:  # 仮徴収 of a year not yet assessed: the ledger opens at version 0
                    household, fy = w.key
                    actions += [LedgerModel.payer_id.set(w.payer_id), LedgerModel.annual.set(w.create_annual),
                                LedgerModel.gsi1pk.set(OPENED), LedgerModel.gsi1sk.set(f"{fy}#{household}")]
                    condition: Any = LedgerModel.pension_rev.does_not_exist() & LedgerModel.annual.does_not_exist()
                else:
                    if w.expected_version is not None:
                        read = checked[w.key]
                        if (read.version or 0) != w.expected_version:
                            raise WriteConflict("the ledger's charge is another version's now")
                        household, fy = w.key
                        tx.condition_check(AssessmentVersionModel, AssessmentVersionModel.pk_of(household, fy),
                                           AssessmentVersionModel.sk_of(read.latest + 1),
                                           condition=AssessmentVersionModel.pk.does_not_exist())
                    condition = (LedgerModel.pension_rev.does_not_exist() if w.expected_rev is None
                                 else LedgerModel.pension_rev == w.expected_rev)
                tx.update(LedgerModel(pk, sk), actions=actions, condition=condition)
            payers = sorted({w.payer_id for w in writes})
            if payers:
                self._record_access(actor, payers, LEDGER_CATEGORY, "write", chain=chain, transaction=tx)

    # statistics
    def put_statistics(self, fiscal_year: int, doc: dict[str, Any]) -> None:
        StatisticsModel(*StatisticsModel.key(fiscal_year), doc=doc).save()

    def statistics(self, fiscal_year: int) -> dict[str, Any] | None:
        try:
            return dict(StatisticsModel.get(*StatisticsModel.key(fiscal_year), consistent_read=True).doc)
        except StatisticsModel.DoesNotExist:
            return None
