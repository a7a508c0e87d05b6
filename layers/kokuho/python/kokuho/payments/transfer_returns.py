"""振込不能 notices (kokuho.collection.transfer_returns) on DynamoDB: the refunds of an `RFF-` file in the collection
store, the 高額療養費 payments of a `BPF-` file in the receipts table; the notice applied once by its content (its
digest marked in the collection store beside the payment files')."""

from __future__ import annotations

from datetime import date
from typing import Any

from kokuho.access.records import Actor
from kokuho.benefits.payment_returns import BenefitBook
from kokuho.collection.transfer_returns import RefundBook, TransferBook, intake_transfer_returns
from kokuho.payments import wiring
from kokuho.requests.suspension import declare_use

STAFF_ID = "system:transfer-returns"
PURPOSE = "振込不能の処理 (還付・高額療養費の支払: 地方自治法施行令第171条の6・国保法第57条の2)"


def take_transfer_returns(data: bytes, *, key: str, run_id: str, received_on: date) -> dict[str, Any]:
    """Validate, match and apply the bank's 振込不能 notice, or answer why not (nothing changed)."""
    declare_use("collection.refunds")  # 利用停止: a refund owed by law is paid (the data says which)
    from kokuho.receipts.wiring import benefit_payment_store

    store = wiring.store()
    actor = Actor(staff_id=STAFF_ID, terminal_id=run_id, purpose=PURPOSE)
    books: dict[str, TransferBook] = {"refund": RefundBook(store), "benefit": BenefitBook(benefit_payment_store())}
    return intake_transfer_returns(data, store=store, books=books, actor=actor, key=key, received_on=received_on)
