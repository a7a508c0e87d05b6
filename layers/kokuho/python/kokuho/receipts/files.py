"""Receipt files in the exchange bucket (docs/receipt_files.md): delivered under `receipts/incoming/`, each taken in
(stored whole or refused whole) and moved out — to `processed/receipts/`, or to `rejected/receipts/` with a reason
object beside it naming line and field (kept for review; both expire with the exchanged files). Not under
`incoming/`: that folder is the 国保連合会 qualification exchange's."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from kokuho.access.records import Actor
from kokuho.benefits.receipt_intake import intake_receipt_file
from kokuho.records.receipts import DynamoReceiptStore

INCOMING = "receipts/incoming/"
PROCESSED = "processed/receipts/"
REJECTED = "rejected/receipts/"
STAFF_ID = "system:receipt-intake"
PURPOSE = "給付管理: レセプトデータの受領 (国保法第45条・第57条の2)"


def take_receipt_file(data: bytes, *, key: str, run_id: str) -> dict[str, Any]:
    """Validate and store the whole file on DynamoDB, or answer why not (nothing stored)."""
    actor = Actor(staff_id=STAFF_ID, terminal_id=run_id, purpose=PURPOSE)
    return intake_receipt_file(data, store=DynamoReceiptStore(), actor=actor, key=key)


def list_receipt_files(s3: Any, bucket: str) -> list[dict[str, str]]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=INCOMING):
        keys += [o["Key"] for o in page.get("Contents", []) if not o["Key"].endswith("/")]
    return [{"key": k} for k in sorted(keys)]


def _move(s3: Any, bucket: str, key: str, target: str) -> None:
    s3.copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": key})
    s3.delete_object(Bucket=bucket, Key=key)


def take_object(s3: Any, bucket: str, key: str, *, run_id: str) -> dict[str, Any]:
    """Take in one delivered file and move it out of the incoming folder (a refused one with its reasons)."""
    data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    out = take_receipt_file(data, key=key, run_id=run_id)
    if not key.startswith(INCOMING):
        return out  # a file handed over from elsewhere is only read
    name = key.removeprefix(INCOMING)
    if out["accepted"]:
        _move(s3, bucket, key, f"{PROCESSED}{name}")
        return {**out, "moved_to": f"{PROCESSED}{name}"}
    reason = {"key": key, "rejected_at": datetime.now(UTC).isoformat(timespec="seconds"), "errors": out["errors"]}
    s3.put_object(Bucket=bucket, Key=f"{REJECTED}{name}.reason.json", ContentType="application/json",
                  Body=json.dumps(reason, ensure_ascii=False, indent=1).encode("utf-8"))
    _move(s3, bucket, key, f"{REJECTED}{name}")
    return {**out, "moved_to": f"{REJECTED}{name}"}
