"""Payment files in the exchange bucket: delivered under `payments/incoming/<kind>/`, each taken in (applied
whole or refused whole) and moved out — to `processed/payments/<kind>/`, or to `rejected/payments/<kind>/` with a
reason object beside it naming line and field (kept for review; both expire with the exchanged files).
Not under `incoming/`: that folder is the 国保連合会 exchange's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from kokuho.collection.payment_files import KINDS
from kokuho.collection.transfer_returns import KIND as TRANSFER_RETURNS
from kokuho.payments.service import take_payment_file
from kokuho.platform.exchange import list_delivered, move_out, read_delivered

INCOMING = "payments/incoming/"
PROCESSED = "processed/payments/"
REJECTED = "rejected/payments/"
# the bank's 振込不能 notices of the refund and benefit transfer files: taken by their own function
# (collection-transfer-returns, which may write the benefit payments), listed with the payment files
INTAKE_KINDS = (*KINDS, TRANSFER_RETURNS)


def kind_of(key: str) -> str:
    """The kind of a delivered file from its folder (`payments/incoming/<kind>/…`), or '' if none."""
    rest = key.removeprefix(INCOMING)
    kind = rest.split("/", 1)[0] if rest != key and "/" in rest else ""
    return kind if kind in INTAKE_KINDS else ""


def list_payment_files(s3: Any, bucket: str) -> list[dict[str, str]]:
    return [{"key": k, "kind": kind_of(k)} for k in list_delivered(s3, bucket, INCOMING)]


def take_object(s3: Any, bucket: str, key: str, kind: str, *, run_id: str, received_on: date) -> dict[str, Any]:
    """Take in one delivered file and move it out of the incoming folder (a refused one with its reasons)."""
    data = read_delivered(s3, bucket, key)
    if kind == TRANSFER_RETURNS:
        from kokuho.payments.transfer_returns import take_transfer_returns

        out = take_transfer_returns(data, key=key, run_id=run_id, received_on=received_on)
    else:
        out = take_payment_file(kind, data, key=key, run_id=run_id, received_on=received_on)
    if not key.startswith(INCOMING):
        return out  # a file handed over from elsewhere is only read
    if out["accepted"]:
        return {**out, "moved_to": move_out(s3, bucket, key, INCOMING, PROCESSED)}
    reason = {"key": key, "kind": kind, "rejected_at": datetime.now(UTC).isoformat(timespec="seconds"),
              "errors": out["errors"]}
    return {**out, "moved_to": move_out(s3, bucket, key, INCOMING, REJECTED, reason)}
