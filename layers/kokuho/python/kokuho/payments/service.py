"""The collection use cases on DynamoDB: payment-file intake (kokuho.collection.payment_intake), the
overpayment run and the refund file (kokuho.collection.overpayments), each with the collection
store (kokuho.payments.wiring) and its system actor (its access records name the run)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from importlib import resources
from typing import Any

from kokuho.access.records import Actor, record_access
from kokuho.collection import overpayments, reminders
from kokuho.collection.payment_files import KINDS
from kokuho.collection.payment_intake import intake_payment_file
from kokuho.collection.ports import LEDGER_CATEGORY
from kokuho.collection.zengin import Requester
from kokuho.payments import wiring
from kokuho.payments.accounts import public_funds_account
from kokuho.platform import exchange_subjects
from kokuho.requests.suspension import declare_use

PURPOSE = "保険料の収納 (国保法第79条の2・地方自治法第231条の3)"
STAFF_ID = "system:payment-intake"


def take_payment_file(kind: str, data: bytes, *, key: str, run_id: str, received_on: date) -> dict[str, Any]:
    """Validate the whole file, match and apply it, or answer why not (nothing applied)."""
    declare_use("collection.payments")  # 利用停止: 消込 goes on under its law (the data says which)
    if kind not in KINDS:
        return {"accepted": False, "key": key, "kind": kind,
                "errors": [{"line": 0, "field": "kind", "message": f"must be one of {', '.join(KINDS)}"}]}
    actor = Actor(staff_id=STAFF_ID, terminal_id=run_id, purpose=PURPOSE)
    return intake_payment_file(kind, data, store=wiring.store(), actor=actor, key=key,
                               received_on=received_on)


# -- overpayments and refunds -------------------------------------------------------------------------

OVERPAYMENT_STAFF_ID = "system:overpayment-run"
REFUND_PURPOSE = "保険料の還付・充当 (地方自治法施行令第171条の6 / 国保法第79条の2)"


def requester() -> Requester:
    """The city as the refund file's requester (data file, replaced at deployment)."""
    raw = json.loads(resources.files("kokuho.data").joinpath("collection/refund_requester.json").read_text("utf-8"))
    return Requester(**{k: v for k, v in raw.items() if k != "note"})


def run_overpayments(*, on: date, run_id: str) -> dict[str, Any]:
    """Every ledger marked as overpaid: 充当 to the payer's unpaid premiums, the rest refunded (to the
    公金受取口座 a linkage query stored, else held until the payer names an account)."""
    declare_use("collection.refunds")  # 利用停止: refunds and 充当 are owed by law (the data says which)
    actor = Actor(staff_id=OVERPAYMENT_STAFF_ID, terminal_id=run_id, purpose=REFUND_PURPOSE)
    return overpayments.run_overpayments(wiring.store(), on=on, actor=actor,
                                         account_of=lambda payer: public_funds_account(payer, actor=actor))


SUBJECTS_PER_RECORD = 100


def exported(actor: Actor, category: str) -> Callable[[str, Sequence[str]], None]:
    """The access records of a transfer file's payees (operation export, chain FILE#<file id>), 100 a record."""
    def record(file_id: str, payees: Sequence[str]) -> None:
        for first in range(0, len(payees), SUBJECTS_PER_RECORD):
            record_access(actor, list(payees[first:first + SUBJECTS_PER_RECORD]), category, "export",
                          chain=f"FILE#{file_id}")

    return record


def write_refund_file(*, on: date, run_id: str) -> dict[str, Any]:
    """Every ready refund into one 総合振込 file in the exchange bucket (outgoing/refunds/), its payers recorded as
    an export of their accounts by the run before the file is put."""
    put = wiring.exchange_put("outgoing/refunds/", ".txt", "text/plain")
    actor = Actor(staff_id=OVERPAYMENT_STAFF_ID, terminal_id=run_id, purpose=REFUND_PURPOSE)
    with exchange_subjects.collecting():  # the payees, recorded beside the file (legal hold)
        out = overpayments.write_refund_file(wiring.store(), requester(), on, put,
                                             record=exported(actor, LEDGER_CATEGORY))
    if out["file_id"]:
        out["key"] = f"outgoing/refunds/{out['file_id']}.txt"
    return out


# -- 督促 ---------------------------------------------------------------------------------------------

REMINDER_STAFF_ID = "system:reminder-run"
REMINDER_PURPOSE = "督促 (地方自治法第231条の3・国保法第79条の2)"


def run_reminders(*, on: date, run_id: str) -> dict[str, Any]:
    declare_use("collection.reminders")  # 利用停止: 督促 is a duty (the data says which law)
    actor = Actor(staff_id=REMINDER_STAFF_ID, terminal_id=run_id, purpose=REMINDER_PURPOSE)
    return reminders.run_reminders(wiring.store(), on=on, actor=actor)
