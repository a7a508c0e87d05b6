"""Receipt files in the exchange bucket (docs/receipt_files.md): delivered under `receipts/incoming/`, each taken in
(stored whole or refused whole) and moved out — to `processed/receipts/`, or to `rejected/receipts/` with a reason
object beside it naming line and field (kept for review; both expire with the exchanged files). Not under
`incoming/`: that folder is the 国保連合会 qualification exchange's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kokuho.access.records import Actor
from kokuho.benefits.receipt_intake import intake_receipt_file
from kokuho.dates.tokyo import today_jst
from kokuho.platform.exchange import list_delivered, move_out, read_delivered
from kokuho.receipts import wiring
from kokuho.requests.suspension import declare_use

INCOMING = "receipts/incoming/"
PROCESSED = "processed/receipts/"
REJECTED = "rejected/receipts/"
STAFF_ID = "system:receipt-intake"
PURPOSE = "給付管理: レセプトデータの受領 (国保法第45条・第57条の2)"


def take_receipt_file(data: bytes, *, key: str, run_id: str) -> dict[str, Any]:
    """Validate and store the whole file on DynamoDB, or answer why not (nothing stored)."""
    declare_use("benefits.receipts")  # 利用停止: the claims of the person's care go on (the data says which law)
    actor = Actor(staff_id=STAFF_ID, terminal_id=run_id, purpose=PURPOSE)
    return intake_receipt_file(data, store=wiring.receipt_store(), actor=actor, key=key, received_on=today_jst())


def list_receipt_files(s3: Any, bucket: str) -> list[dict[str, str]]:
    return [{"key": k} for k in list_delivered(s3, bucket, INCOMING)]


def take_object(s3: Any, bucket: str, key: str, *, run_id: str) -> dict[str, Any]:
    """Take in one delivered file and move it out of the incoming folder (a refused one with its reasons)."""
    data = read_delivered(s3, bucket, key)
    out = take_receipt_file(data, key=key, run_id=run_id)
    if not key.startswith(INCOMING) or out.get("superseded"):
        return out  # a file handed over from elsewhere is only read; another run took this one over and moves it
    if out["accepted"]:
        return {**out, "moved_to": move_out(s3, bucket, key, INCOMING, PROCESSED)}
    reason = {"key": key, "rejected_at": datetime.now(UTC).isoformat(timespec="seconds"), "errors": out["errors"]}
    return {**out, "moved_to": move_out(s3, bucket, key, INCOMING, REJECTED, reason)}
