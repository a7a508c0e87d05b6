"""The measures staff record on a ledger in arrears (domain.md §6 "Arrears"): 催告, 納付相談, 分納誓約 (a plan of
amounts and dates) and 差押 (a decision with its basis). Against the port: each measure is checked against the
ledger as it stands on its day (`ActionRefused` names the field, nothing is written), then written once with
the payer's access record in the same transaction (`kokuho.collection.ports.CollectionStore.apply`).

Rules, beyond the shape of the body:
- 催告 and 差押 cover installments in arrears (unpaid after their 督促's deadline), still collectable (not
  written off, the 2-year limit not passed); by default every such installment of the ledger.
- 分納誓約 covers installments past their due date, unpaid and collectable (by default every one); its plan's
  dates are strictly increasing from the pledge's day, its amounts positive integer yen adding up to exactly
  the unpaid principal it covers (延滞金 is billed once the principal is paid: domain.md §6).
- 差押 names its legal basis, the property and the amount (at most the unpaid principal it covers).
- 納付相談 is a note (who, when, what was said); a note never holds a My Number.
- Judged again on the day it is entered (kokuho.collection.arrears_entry): never dated after that day; dated after
  the right was extinguished, refused naming `on`; covering what was written off by then, refused; entered late
  or reaching what the ledger reads as extinguished, recorded with `needs_approval` and in force only once a
  second member approves it (`record_decision`: a 遡及入力承認 naming the measure, approve or refuse).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

from kokuho.collection.arrears import (
    APPROVAL,
    CONSULTATION,
    DEMAND,
    PAID,
    PLEDGE,
    PLEDGED,
    SEIZED,
    SEIZURE,
    STAFF_KINDS,
    WRITTEN_OFF,
    ArrearsInstallment,
    ArrearsView,
    arrears_view,
)
from kokuho.collection.arrears_entry import DECISIONS, REFUSE, approval_reasons
from kokuho.collection.ports import CollectionStore, LedgerKey, LedgerWrite, StoredLedger, WriteConflict
from kokuho.identity.mynumber import contains_my_number, unmistakable_id

CODES = {DEMAND: "SK", CONSULTATION: "SD", PLEDGE: "BN", SEIZURE: "SO"}
APPROVAL_CODE = "SN"  # 遡及入力承認: one decision per measure, its id made from the measure's
MAX_NOTE = 500
MAX_BASIS = 300
MAX_PROPERTY = 200
MAX_PLAN = 60  # five years of monthly payments


class ActionRefused(ValueError):
    """A measure the ledger cannot take (names the field; never echoes a My Number). `payer`: whose ledger was read
    to refuse it (its answer tells from it what is in arrears, extinguished or decided)."""

    payer: str | None = None

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class UnknownLedger(LookupError):
    """No ledger of that household for that fiscal year."""


class AlreadyRecorded(RuntimeError):
    """The measure's id is taken (recorded already). `payer`: whose ledger was read."""

    payer: str | None = None


@contextmanager
def _refused_from(ledger: StoredLedger) -> Iterator[None]:
    """A refusal after the ledger was read names its payer (the refused attempt's record names them)."""
    try:
        yield
    except (ActionRefused, AlreadyRecorded) as exc:
        exc.payer = ledger.charge.payer_id
        raise


def _text(value: object, field: str, limit: int, *, required: bool) -> str | None:
    if value is None or value == "":
        if required:
            raise ActionRefused(field, "is required")
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise ActionRefused(field, f"must be text of at most {limit} characters")
    if contains_my_number(value):
        raise ActionRefused(field, "must not contain a My Number")
    return value


def _collectable(i: ArrearsInstallment, on: date) -> bool:
    return i.status not in (PAID, WRITTEN_OFF) and i.limitation is not None and not i.limitation.extinguished(on)


def _in_arrears(i: ArrearsInstallment, on: date) -> bool:
    return _collectable(i, on) and i.reminder_deadline is not None and on > i.reminder_deadline


def _past_due(i: ArrearsInstallment, on: date) -> bool:
    return _collectable(i, on) and on > i.due


def _extinguished(i: ArrearsInstallment, on: date) -> bool:
    return i.status not in (PAID, WRITTEN_OFF) and i.limitation is not None and i.limitation.extinguished(on)


def _dated_after_extinction(i: ArrearsInstallment, on: date) -> ActionRefused:
    last = i.limitation.last_day if i.limitation is not None else i.due
    return ActionRefused("on", f"installment {i.number}'s right to collect was extinguished after {last} (2-year "
                               f"limit, 国保法第110条); a measure dated {on} cannot revive it (地方自治法第236条)")


def _installments(view: ArrearsView, given: Sequence[object] | None, on: date, kind: str) -> list[ArrearsInstallment]:
    if kind == CONSULTATION and not given:
        return []
    rule, words = (_past_due, "past its due date, unpaid and not extinguished") if kind == PLEDGE else (
        _in_arrears, "in arrears (unpaid after its 督促's deadline) and not extinguished")
    if not given:
        # By default a measure leaves alone what a stronger one already holds: a 差押 what is seized, a 催告 or
        # a pledge also what is pledged.
        held = (SEIZED,) if kind == SEIZURE else (PLEDGED, SEIZED)
        chosen = [i for i in view.installments if rule(i, on) and i.status not in held]
        if not chosen:
            # nothing left because the right is gone: the measure's day is what is wrong
            gone = [i for i in view.installments if _extinguished(i, on) and i.limitation is not None
                    and rule(i, i.limitation.last_day)]
            if gone:
                raise _dated_after_extinction(gone[0], on)
            raise ActionRefused("installments", f"no installment of the ledger is {words}")
        return chosen
    out = []
    for n in given:
        inst = view.installment(n) if isinstance(n, int) and not isinstance(n, bool) else None
        if inst is None:
            raise ActionRefused("installments", f"the ledger has no installment {n!r}")
        if kind != CONSULTATION and _extinguished(inst, on):
            raise _dated_after_extinction(inst, on)
        if kind != CONSULTATION and not rule(inst, on):
            raise ActionRefused("installments", f"installment {n} is not {words}")
        out.append(inst)
    if len({i.number for i in out}) != len(out):
        raise ActionRefused("installments", "an installment is named twice")
    return out


def _plan(raw: object, on: date, owed: int) -> list[dict[str, Any]]:
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not 1 <= len(raw) <= MAX_PLAN:
        raise ActionRefused("plan", f"must list 1 to {MAX_PLAN} payments (on, amount)")
    out: list[dict[str, Any]] = []
    previous = None
    for k, entry in enumerate(raw):
        if not isinstance(entry, Mapping):
            raise ActionRefused("plan", f"payment {k + 1}: must be an object with on and amount")
        try:
            day = entry["on"] if isinstance(entry["on"], date) else date.fromisoformat(str(entry["on"]))
        except (KeyError, ValueError):
            raise ActionRefused("plan", f"payment {k + 1}: on must be a date YYYY-MM-DD") from None
        amount = entry.get("amount")
        if type(amount) is not int or amount <= 0:
            raise ActionRefused("plan", f"payment {k + 1}: amount must be a positive integer number of yen")
        if day < on or (previous is not None and day <= previous):
            raise ActionRefused("plan", f"payment {k + 1}: dates must increase from the pledge's day ({on})")
        previous = day
        out.append({"on": day.isoformat(), "amount": amount})
    total = sum(int(e["amount"]) for e in out)
    if total != owed:
        raise ActionRefused("plan", f"the plan adds up to {total} yen; the installments it covers owe {owed} yen")
    return out


def _new_id(kind: str, household_id: str, fiscal_year: int, on: date) -> str:
    """`SD-H0001-FY2024-D20240722-R73ab23`: a letter before each number keeps the year, the day and the random
    part from joining into twelve digits ("2024-20240722" read as a My Number one day in ten)."""
    return unmistakable_id(lambda: f"{CODES[kind]}-{household_id}-FY{fiscal_year}-D{on:%Y%m%d}-R{secrets.token_hex(3)}")


def build_action(view: ArrearsView, *, kind: str, on: date, staff_id: str, action_id: str | None = None,
                 installments: Sequence[object] | None = None, note: object = None, plan: object = None,
                 basis: object = None, property: object = None, amount: object = None) -> dict[str, Any]:
    """The measure's document, checked against the ledger's view on its day (pure)."""
    if kind not in STAFF_KINDS:
        raise ActionRefused("kind", f"must be one of {', '.join(STAFF_KINDS)}")
    chosen = _installments(view, installments, on, kind)
    h, fy = view.key
    doc: dict[str, Any] = {
        "id": action_id or _new_id(kind, h, fy, on), "kind": kind,
        "on": on.isoformat(), "by": staff_id, "installments": [i.number for i in chosen],
        "note": _text(note, "note", MAX_NOTE, required=kind == CONSULTATION)}
    owed = sum(i.unpaid for i in chosen)
    if kind == PLEDGE:
        doc["plan"] = _plan(plan, on, owed)
    elif plan is not None:
        raise ActionRefused("plan", f"only a {PLEDGE} has a plan")
    if kind == SEIZURE:
        doc["basis"] = _text(basis, "basis", MAX_BASIS, required=True)
        doc["property"] = _text(property, "property", MAX_PROPERTY, required=True)
        if type(amount) is not int or not 0 < amount <= owed:
            raise ActionRefused("amount", f"must be a positive integer number of yen, at most the {owed} yen owed")
        doc["amount"] = amount
    elif basis is not None or property is not None or amount is not None:
        raise ActionRefused("basis" if basis is not None else "property" if property is not None else "amount",
                            f"only a {SEIZURE} has a basis, property and amount")
    if kind in (DEMAND, PLEDGE):
        doc["unpaid"] = owed
    return doc


def _ledger(store: CollectionStore, key: LedgerKey) -> StoredLedger:
    found = store.ledgers([key])
    if key not in found:
        raise UnknownLedger("no ledger of that household for that fiscal year")
    return found[key]


def _not_written_off(ledger: StoredLedger, numbers: Sequence[int], entered_on: date) -> list[ArrearsInstallment]:
    """The installments as the ledger stands on the entry day; refused if one was written off by then."""
    now = arrears_view(ledger, entered_on)
    covered = [i for i in now.installments if i.number in numbers]
    for i in covered:
        if i.status == WRITTEN_OFF:
            raise ActionRefused("installments", f"installment {i.number} was written off (不納欠損) by {entered_on}: "
                                                "no measure applies to it (its correction is a procedure of its own)")
    return covered


def record_action(store: CollectionStore, key: LedgerKey, *, kind: str, on: date, entered_on: date, staff_id: str,
                  actor: Any, **fields: Any) -> dict[str, Any]:
    """Check and record one measure on the ledger `key`, dated `on`, entered on `entered_on` (the office's today);
    returns its document (with `needs_approval` when it waits for a second member: kokuho.collection.arrears_entry)."""
    if on > entered_on:
        raise ActionRefused("on", f"a measure cannot be entered ({entered_on}) before the day it takes place ({on})")
    ledger = _ledger(store, key)
    with _refused_from(ledger):
        doc = build_action(arrears_view(ledger, on), kind=kind, on=on, staff_id=staff_id, **fields)
        doc["entered_on"] = entered_on.isoformat()
        covered = _not_written_off(ledger, doc["installments"], entered_on) if kind != CONSULTATION else []
        reasons = approval_reasons(kind, on, entered_on, covered)
        if reasons:
            doc["needs_approval"] = reasons
        try:
            store.apply([LedgerWrite(key, ledger.charge.payer_id, arrears=[doc])], [], actor=actor,
                        chain=f"arrears#{key[0]}")
        except WriteConflict:
            raise AlreadyRecorded("a measure with that id is already recorded") from None
    return doc



def record_decision(store: CollectionStore, key: LedgerKey, measure_id: str, *, decision: str, entered_on: date,
                    staff_id: str, actor: Any, reason: object = None) -> dict[str, Any]:
    """A second member's 遡及入力承認 of a measure entered late: approve (it takes effect from its own day) or refuse
    with a reason (it never does). Never the member who entered it; one decision per measure; an approval is
    checked again against the ledger as it stands (nothing written off since)."""
    if decision not in DECISIONS:
        raise ActionRefused("decision", f"must be one of {', '.join(DECISIONS)}")
    ledger = _ledger(store, key)
    with _refused_from(ledger):
        measure = next((a for a in ledger.arrears if str(a["id"]) == measure_id and a["kind"] != APPROVAL), None)
        if measure is None or not measure.get("needs_approval"):
            raise ActionRefused("action", "the ledger has no measure of that id awaiting approval")
        if any(a["kind"] == APPROVAL and str(a["action"]) == measure_id for a in ledger.arrears):
            raise AlreadyRecorded("that measure's approval is already decided")
        if str(measure["by"]) == staff_id:
            raise ActionRefused("approver", "the member of staff who entered a measure cannot approve it")
        note = _text(reason, "reason", MAX_NOTE, required=decision == REFUSE)
        if decision != REFUSE:
            _not_written_off(ledger, [int(n) for n in measure.get("installments") or ()], entered_on)
        doc = {"id": f"{APPROVAL_CODE}-{measure_id}", "kind": APPROVAL, "on": entered_on.isoformat(), "by": staff_id,
               "action": measure_id, "decision": decision, "note": note, "installments": list(measure["installments"])}
        try:
            store.apply([LedgerWrite(key, ledger.charge.payer_id, arrears=[doc])], [], actor=actor,
                        chain=f"arrears#{key[0]}")
        except WriteConflict:
            raise AlreadyRecorded("that measure's approval is already decided") from None
    return doc
