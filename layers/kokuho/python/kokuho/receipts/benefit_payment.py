"""The benefit payment run (statemachines/benefits_payment_run.asl.json; docs/benefit_payment.md),
called by the thin handlers in functions/benefits/payment_run.py:

pay        every household with a benefit version: its plan of the day (kokuho.benefits.payment.plan_household) —
           payments (to the application's account or the 公金受取口座 the linkage query stored), offsets into the
           premium ledgers with consent, 返還金 claims, 支給申請勧奨 marks — committed per household in one
           transaction with its access record; a conflict reads and plans again
file       every ready payment into one 全銀協 総合振込 file in outgoing/benefits/ of the exchange bucket (the refunds'
           writer, kokuho.collection.transfer_files)
notices    what the day's run made, as notices (勧奨, 支給決定通知書, 返還請求書) in one print run under
           notices/BEN-<YYYYMMDD>/ of the work bucket, addressed to the householder's 送付先

The run is named by its day: a retried step or a second execution the same day plans the same ids, finds them
stored and writes nothing twice; the notices of the day are made again from what is stored (the same bytes).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from kokuho.access.records import Actor
from kokuho.benefits.benefit_ports import WriteConflict, parse_month
from kokuho.benefits.payment import OpenInstallment, PaymentRules, load_rules, plan_household
from kokuho.benefits.payment_ports import CATEGORY as PAYMENTS_CATEGORY
from kokuho.benefits.payment_ports import BenefitPaymentStore
from kokuho.benefits.receipt_ports import InsuredPeriod
from kokuho.collection import transfer_files
from kokuho.collection.ledger import PaymentEntry, ledger_state
from kokuho.collection.ports import CollectionStore, LedgerKey, LedgerWrite, RefundAccount
from kokuho.collection.zengin import Transfer
from kokuho.notices import addressee_of
from kokuho.notices.benefit import BenefitDecision, BenefitInvitation, RecoveryNotice
from kokuho.notices.print_run import PREFIX, Put, Record, print_run
from kokuho.payments import wiring
from kokuho.platform import exchange_subjects
from kokuho.qualification.ports import QualificationStore
from kokuho.receipts.wiring import benefit_payment_store
from kokuho.requests.suspension import declare_use

STAFF_ID = "system:benefit-payment-run"
PURPOSE = "給付管理: 高額療養費の支給・返還 (国保法第57条の2・第63条の2 / 地方自治法第236条)"
READ_CATEGORY = "資格情報"  # the members' insured periods and the householder's 送付先
ATTEMPTS = 4
FILE_PREFIX = "outgoing/benefits/"


def actor(run_id: str) -> Actor:
    return Actor(staff_id=STAFF_ID, terminal_id=run_id or "local", purpose=PURPOSE)


@dataclass(frozen=True)
class Ports:
    """What the run reaches: the benefit payments, the premium ledgers (offsets), the information file (the
    householder, the members' insured periods, the 送付先; its reads recorded through it), the payer's 公金受取口座,
    the notice parts' writer and the exchange bucket's outgoing/benefits/. `wired()` answers the production
    adapters; the unit tests pass fakes."""

    payments: BenefitPaymentStore
    ledgers: CollectionStore
    persons: QualificationStore
    public_account: Callable[..., RefundAccount | None]  # (payer_id, *, actor)
    notice_writer: Callable[[Actor], tuple[Put, Record]]
    put_file: Callable[[str, bytes], None]  # (file id, bytes)


def wired() -> Ports:
    from kokuho.payments.accounts import public_funds_account
    from kokuho.qualification.application import wired as information_file

    return Ports(benefit_payment_store(), wiring.store(), information_file(), public_funds_account,
                 wiring.notice_writer, wiring.exchange_put(FILE_PREFIX, ".txt", "text/plain"))


def _open_installments(collection: CollectionStore, payer_id: str, on: date, who: Actor, chain: str
                       ) -> list[OpenInstallment]:
    """The payer's premiums past their due date and unpaid on `on` (the read recorded)."""
    ledgers = collection.ledgers_of_payer(payer_id)
    collection.record_reads([payer_id], actor=who, chain=chain)
    out = []
    for lg in ledgers:
        state = ledger_state(lg.charge, lg.payments, lg.disbursements, as_of=on)
        out += [OpenInstallment(i.due, lg.key, i.number, i.unpaid) for i in state.installments
                if i.unpaid > 0 and i.due < on]
    return out


def _ledger_writes(plan: Any, payer_id: str, on: date) -> list[LedgerWrite]:
    writes: dict[LedgerKey, LedgerWrite] = {}
    for p in plan.payments:
        for o in p.offsets:
            writes.setdefault(o.ledger, LedgerWrite(o.ledger, payer_id)).payments.append(
                PaymentEntry(o.payment_id, on, o.amount, "充当", o.installment))
    return list(writes.values())


def pay(*, on: date, run_id: str, rules: PaymentRules | None = None, ports: Ports | None = None) -> dict[str, Any]:
    """Every household's plan of the day committed (see the module)."""
    declare_use("benefits.kogaku")  # 利用停止: a benefit owed (and its recovery) goes on under its law
    rules = rules or load_rules()
    ports = ports or wired()
    store, collection, information, who = ports.payments, ports.ledgers, ports.persons, actor(run_id)
    chain = f"BPAYRUN#{on.isoformat()}"
    totals: dict[str, int] = defaultdict(int)
    for household_id in store.households_with_benefits():
        for attempt in range(ATTEMPTS):
            state = store.household(household_id)
            household = information.household(household_id)
            if household is None:
                totals["unknown_households"] += 1
                break
            ids = sorted({m.person_id for m in household.members} | {household.householder_id}
                         | {p for m in state.months for p in m.members})
            persons = information.persons(ids)
            information.record(who, ids, READ_CATEGORY, "read", chain=chain)
            store.record_reads(ids, actor=who, chain=chain)

            def insured(person_id: str, month: str, persons: Any = persons) -> bool:
                p = persons.get(person_id)
                return p is not None and any(InsuredPeriod(x.acquired_on, x.until).covers(parse_month(month))
                                             for x in p.periods)

            payer = household.householder_id
            plan = plan_household(
                household_id, payer, state.months, payments=state.payments, claims=state.claims,
                applications=state.applications, withholdings=state.withholdings, invited=state.invited,
                insured=insured, public_account=partial(ports.public_account, payer, actor=who),
                open_installments=partial(_open_installments, collection, payer, on, who, chain), rules=rules, on=on)
            totals["withheld"] += len(plan.withheld)  # counted whether or not anything is written
            totals["no_account"] += len(plan.no_account)
            totals["awaiting"] += len(plan.awaiting)
            totals["expired"] += len(plan.expired)
            if plan.empty:
                break
            try:
                store.commit(plan, _ledger_writes(plan, payer, on), on=on, persons=ids, actor=who, chain=chain)
            except WriteConflict:
                if attempt == ATTEMPTS - 1:
                    raise
                for key in ("withheld", "no_account", "awaiting", "expired"):  # planned again: counted again
                    totals[key] -= len(getattr(plan, key))
                continue
            totals["payments"] += len(plan.payments)
            totals["paid_yen"] += sum(p.amount for p in plan.payments)
            totals["offset_yen"] += sum(o.amount for p in plan.payments for o in p.offsets)
            totals["claims"] += len(plan.claims)
            totals["claimed_yen"] += sum(c.amount for c in plan.claims)
            totals["invitations"] += len(plan.invitations)
            break
    keys = ("payments", "paid_yen", "offset_yen", "claims", "claimed_yen", "invitations", "withheld", "no_account",
            "awaiting", "expired", "unknown_households")
    return {"on": on.isoformat(), **{k: totals[k] for k in keys}}


def write_file(*, on: date, run_id: str, ports: Ports | None = None) -> dict[str, Any]:
    """Every ready payment into one 総合振込 file (outgoing/benefits/<file id>.txt of the exchange bucket), its payees
    recorded as an export of their accounts by the run before the file is put."""
    from kokuho.payments.service import SUBJECTS_PER_RECORD, requester

    ports = ports or wired()
    store, who = ports.payments, actor(run_id)

    def record(file_id: str, payees: Sequence[str]) -> None:
        for first in range(0, len(payees), SUBJECTS_PER_RECORD):
            ports.persons.record(who, list(payees[first:first + SUBJECTS_PER_RECORD]), PAYMENTS_CATEGORY, "export",
                                 chain=f"FILE#{file_id}")

    def transfer(p: Any) -> Transfer:
        a = p.account
        return Transfer(a.bank_code, a.branch_code, a.account_type, a.account_number, a.holder_kana, p.transfer,
                        transfer_files.customer_code(p.payment_id))

    with exchange_subjects.collecting():  # the payees, recorded beside the file (legal hold)
        out = transfer_files.write_transfers(
            "BPF", store.ready_payments(), id_of=lambda p: p.payment_id, transfer_of=transfer,
            mark=store.file_payments, filed=store.payments_of_file, amount_of=lambda p: p.transfer,
            requester=requester(), on=on, put_file=ports.put_file, payee_of=lambda p: p.payee_id, record=record)
    if out["file_id"]:
        out["key"] = f"{FILE_PREFIX}{out['file_id']}.txt"
    return {"on": on.isoformat(), **out}


def print_id_of(on: date) -> str:
    return f"BEN-{on:%Y%m%d}"


def notices(*, on: date, run_id: str, ports: Ports | None = None) -> dict[str, Any]:
    """The day's 勧奨, 支給決定通知書 and 返還請求書, from what the day's run stored, in one print run."""
    ports = ports or wired()
    store, information, who = ports.payments, ports.persons, actor(run_id)
    print_id = print_id_of(on)
    day = on.isoformat()
    made: list[Any] = []
    unaddressed = 0
    for household_id in store.households_of_day(on):
        state = store.household(household_id)
        household = information.household(household_id)
        payer = information.persons([household.householder_id]).get(household.householder_id) if household else None
        if household is None or payer is None:
            unaddressed += 1
            continue
        information.record(who, [household.householder_id], READ_CATEGORY, "read", chain=f"NOTICES#{print_id}#payers")
        store.record_reads([household_id, household.householder_id], actor=who, chain=f"NOTICES#{print_id}#payers")
        to, name = addressee_of(payer), payer.name_kanji
        invited = sorted(store.invitations_of(household_id, day))
        if invited:
            made.append(BenefitInvitation(household_id, household.householder_id, name, to, on, invited))
        made += [BenefitDecision(p, name, to, on) for p in sorted(state.payments, key=lambda p: p.payment_id)
                 if p.created_on == day]
        made += [RecoveryNotice(c, name, to, on) for c in sorted(state.claims, key=lambda c: c.claim_id)
                 if c.created_on == day]
    if not made:
        return {"print_id": None, "notices": 0, "pages": 0, "unaddressed": unaddressed}
    put, record = ports.notice_writer(who)
    manifest = print_run(print_id, made, put=put, record=record)
    return {"print_id": print_id, "manifest": f"{PREFIX}{print_id}/manifest.json", "notices": manifest["notices"],
            "pages": manifest["pages"], "unaddressed": unaddressed}


__all__ = ["Ports", "actor", "notices", "pay", "print_id_of", "wired", "write_file"]
