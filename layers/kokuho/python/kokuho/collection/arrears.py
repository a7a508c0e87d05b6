"""滞納整理 — the arrears view of a ledger (domain.md §6 "Arrears"). Pure: no AWS.

Each installment has one status as of a day (the first that holds, in this order):

| status | when |
|---|---|
| `paid` | its principal is paid in full |
| `written_off` | a 不納欠損 (the year-end run) wrote it off |
| `seized` | a 差押 decision covers it |
| `pledged` | a 分納誓約 covers it and no plan payment of that pledge has been missed |
| `in_arrears` | unpaid after its 督促's deadline |
| `reminded` | a 督促状 was issued and its deadline has not passed |
| `overdue` | unpaid after its due date, no 督促状 yet (the daily run issues it) |
| `current` | not yet past its due date |

The right to collect (消滅時効, 国保法 第110条) ends 2 years after the due date unless renewed: a 督促 renews
it from its deadline; a payment of the installment or a pledge (承認) covering it renews it from that day. A
renewal counts only while the right still exists: nothing revives an extinguished one (地方自治法 第236条:
extinguished without 援用). The period ends on the same date 2 years on, or the last day of that month
when there is none (民法 第143条: 29 February → 28 February); the right is extinguished the day after.

The measures (催告, 納付相談, 分納誓約, 差押, and the runs' 誓約不履行 and 不納欠損) are documents in the
ledger's `arrears` list (`kokuho.collection.ports.StoredLedger.arrears`), each with its id, kind, day and
who recorded it. A staff measure entered late (kokuho.collection.arrears_entry) carries `needs_approval` and is
in force — counted for status, limit and runs — only once a second member of staff's 遡及入力承認 approves it.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from kokuho.collection.late_charge import Installment, apply_payments
from kokuho.collection.ledger import InstallmentState, engine_payments
from kokuho.collection.ports import StoredLedger

LIMIT_YEARS = 2  # 国民健康保険法 第110条

# Kinds of measure: staff record the first four through the API; the runs record 催告 too, and the last two.
DEMAND, CONSULTATION, PLEDGE, SEIZURE = "催告", "納付相談", "分納誓約", "差押"
PLEDGE_MISSED, WRITE_OFF = "誓約不履行", "不納欠損"
APPROVAL = "遡及入力承認"  # a second member's decision on a measure entered late (kokuho.collection.arrears_entry)
STAFF_KINDS = (DEMAND, CONSULTATION, PLEDGE, SEIZURE)
KINDS = (*STAFF_KINDS, PLEDGE_MISSED, WRITE_OFF, APPROVAL)

CURRENT, OVERDUE, REMINDED, IN_ARREARS = "current", "overdue", "reminded", "in_arrears"
PLEDGED, SEIZED, WRITTEN_OFF, PAID = "pledged", "seized", "written_off", "paid"
STATUSES = (CURRENT, OVERDUE, REMINDED, IN_ARREARS, PLEDGED, SEIZED, WRITTEN_OFF, PAID)


def years_later(day: date, years: int) -> date:
    """The same date `years` on, or the last day of that month when it has none (民法 第143条)."""
    year = day.year + years
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


@dataclass(frozen=True)
class Renewal:
    cause: str  # 督促 | 納付 | 分納誓約
    happened_on: date
    restarts_on: date


@dataclass(frozen=True)
class Limitation:
    """消滅時効 of one installment: the last day the right to collect exists, and the renewals that set it."""

    last_day: date
    renewals: tuple[Renewal, ...]

    def extinguished(self, on: date) -> bool:
        return on > self.last_day


def limitation_of(due: date, *, reminder: tuple[date, date] | None, payments: Iterable[date],
                  pledges: Iterable[date], years: int = LIMIT_YEARS) -> Limitation:
    """The limit of an installment due on `due`: `reminder` (issued on, deadline) of its 督促状, the days of
    payments made on it and of pledges covering it (domain.md §6). `years`: the right's period — 2 for premiums,
    5 for a 返還金 (kokuho.benefits.payment: the same renewals, 地方自治法 第236条)."""
    events: list[tuple[date, date, str]] = []
    if reminder is not None:
        events.append((reminder[0], reminder[1], "督促"))
    events += [(d, d, "納付") for d in payments]
    events += [(d, d, PLEDGE) for d in pledges]
    last_day = years_later(due, years)
    renewals: list[Renewal] = []
    start = due
    for happened, restarts, cause in sorted(events):
        if happened > last_day:
            break  # extinguished before this: nothing revives it
        if restarts > start:
            start, last_day = restarts, years_later(restarts, years)
            renewals.append(Renewal(cause, happened, restarts))
    return Limitation(last_day, tuple(renewals))


@dataclass(frozen=True)
class ArrearsInstallment(InstallmentState):
    """An installment's state as 滞納整理 sees it: the ledger's installment state with the status of this
    module (督促, 分納誓約, 差押, 不納欠損 taken into account), its 督促状's deadline and its limit."""

    reminder_deadline: date | None  # the 督促状's deadline (pay_by), if one was issued
    limitation: Limitation | None  # None once paid in full


@dataclass(frozen=True)
class ArrearsView:
    key: tuple[str, int]
    payer_id: str
    as_of: date
    installments: tuple[ArrearsInstallment, ...]
    actions: tuple[dict[str, Any], ...]
    fees_owed: int  # 督促手数料 of the 督促状 issued (ordinance; 0 by default)
    # what the ledger billed beside the principal (each once its installment's principal was paid in full, on its
    # own slip: kokuho.collection.reminders): 延滞金 and 督促手数料 bills, as of the day
    late_charges: tuple[dict[str, Any], ...] = ()
    fees: tuple[dict[str, Any], ...] = ()
    in_force: frozenset[str] = frozenset()  # ids of the measures that count (all but those awaiting approval)

    @property
    def unpaid_in_arrears(self) -> int:
        return sum(i.unpaid for i in self.installments if i.status in (IN_ARREARS, PLEDGED, SEIZED))

    def installment(self, number: int) -> ArrearsInstallment | None:
        return next((i for i in self.installments if i.number == number), None)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def in_force(measures: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The measures that count: all but those entered late and not approved (awaiting a decision, or refused)."""
    approved = {str(a["action"]) for a in measures if a["kind"] == APPROVAL and a.get("decision") == "approve"}
    return [a for a in measures if not a.get("needs_approval") or str(a["id"]) in approved]


def actions_of(ledger: StoredLedger, kind: str, on: date | None = None) -> list[dict[str, Any]]:
    """The ledger's measures of one kind in force (dated on or before `on` when given)."""
    return [a for a in in_force(ledger.arrears) if a["kind"] == kind and (on is None or _day(a["on"]) <= on)]


def broken_pledges(ledger: StoredLedger, on: date | None = None) -> set[str]:
    return {str(a["pledge"]) for a in actions_of(ledger, PLEDGE_MISSED, on)}


def applied_by_installment(ledger: StoredLedger) -> dict[int, list[tuple[date, int]]]:
    """What each installment received, (day, amount), by the one rule of domain.md §6."""
    applied = apply_payments([Installment(i.number, i.amount, i.due) for i in ledger.charge.installments],
                             engine_payments(ledger.charge, ledger.payments))
    return applied.applied


def _covered(actions: Sequence[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for a in actions:
        for n in a.get("installments") or ():
            out.setdefault(int(n), []).append(a)
    return out


def arrears_view(ledger: StoredLedger, as_of: date) -> ArrearsView:
    """Every installment's status, unpaid amount and limit as of a day (payments and measures up to it)."""
    applied = applied_by_installment(ledger)
    reminders = {int(r["installment"]): r for r in ledger.reminders if _day(r["issued_on"]) <= as_of}
    broken = broken_pledges(ledger, as_of)
    pledges = _covered(actions_of(ledger, PLEDGE, as_of))
    seized = _covered(actions_of(ledger, SEIZURE, as_of))
    written = _covered(actions_of(ledger, WRITE_OFF, as_of))
    out = []
    for inst in ledger.charge.installments:
        paid = sum(a for d, a in applied[inst.number] if d <= as_of)
        r = reminders.get(inst.number)
        deadline = _day(r["pay_by"]) if r is not None else None
        limit = None
        if paid < inst.amount:
            limit = limitation_of(inst.due, reminder=(_day(r["issued_on"]), _day(r["pay_by"])) if r else None,
                                  payments=[d for d, _ in applied[inst.number] if d <= as_of],
                                  pledges=[_day(p["on"]) for p in pledges.get(inst.number, ())])
        if paid >= inst.amount:
            status = PAID
        elif inst.number in written:
            status = WRITTEN_OFF
        elif inst.number in seized:
            status = SEIZED
        elif any(str(p["id"]) not in broken for p in pledges.get(inst.number, ())):
            status = PLEDGED
        elif deadline is not None:
            status = IN_ARREARS if as_of > deadline else REMINDED
        else:
            status = OVERDUE if as_of > inst.due else CURRENT
        out.append(ArrearsInstallment(inst.number, inst.month, inst.due, inst.amount, paid, status, deadline, limit))
    fees = sum(int(r.get("fee") or 0) for r in reminders.values())
    return ArrearsView(ledger.key, ledger.charge.payer_id, as_of, tuple(out),
                       tuple(a for a in ledger.arrears if _day(a["on"]) <= as_of), fees,
                       tuple(b for b in ledger.late_charges if _day(b["billed_on"]) <= as_of),
                       tuple(b for b in ledger.fees if _day(b["billed_on"]) <= as_of),
                       frozenset(str(a["id"]) for a in in_force(ledger.arrears)))


def view_doc(view: ArrearsView) -> dict[str, Any]:
    """The view as the API answers it (JSON)."""
    return {
        "household_id": view.key[0], "fiscal_year": view.key[1], "payer_id": view.payer_id,
        "as_of": view.as_of.isoformat(), "unpaid_in_arrears": view.unpaid_in_arrears, "fees_owed": view.fees_owed,
        "installments": [{
            "number": i.number, "month": i.month, "due": i.due.isoformat(), "amount": i.amount, "paid": i.paid,
            "unpaid": i.unpaid, "status": i.status,
            "reminder_deadline": i.reminder_deadline.isoformat() if i.reminder_deadline else None,
            "limitation": None if i.limitation is None else {
                "last_day": i.limitation.last_day.isoformat(),
                "extinguished": i.limitation.extinguished(view.as_of),
                "renewals": [{"cause": r.cause, "happened_on": r.happened_on.isoformat(),
                              "restarts_on": r.restarts_on.isoformat()} for r in i.limitation.renewals]},
        } for i in view.installments],
        "actions": [{**a, "in_force": str(a["id"]) in view.in_force} for a in view.actions],
        "late_charges_billed": sum(int(b["amount"]) for b in view.late_charges),
        "late_charges": [_bill_doc(b) for b in view.late_charges],
        "fees_billed": sum(int(b["amount"]) for b in view.fees),
        "fees": [{**_bill_doc(b), "reminder": str(b["reminder"])} for b in view.fees],
    }


def _bill_doc(b: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(b["id"]), "installment": int(b["installment"]), "amount": int(b["amount"]),
            "billed_on": str(b["billed_on"])}
