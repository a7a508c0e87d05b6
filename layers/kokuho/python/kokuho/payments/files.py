"""Payment files in the exchange bucket: delivered under `payments/incoming/<kind>/`, each taken in (applied
whole or refused whole) and moved out — to `processed/payments/<kind>/`, or to `rejected/payments/<kind>/` with a
reason object beside it naming line and field (kept for review; both expire with the exchanged files).
Not under `incoming/`: that folder is the 国保連合会 exchange's."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from kokuho.collection.payment_files import KINDS
from kokuho.payments.service import take_payment_file

INCOMING = "payments/incoming/"
PROCESSED = "processed/payments/"
REJECTED = "rejected/payments/"


def kind_of(key: str) -> str:
    """The kind of a delivered file from its folder (`payments/incoming/<kind>/…`), or '' if none."""
    rest = key.removeprefix(INCOMING)
    kind = rest.split("/", 1)[0] if rest != key and "/" in rest else ""
    return kind if kind in KINDS else ""


def list_payment_files(s3: Any, bucket: str) -> list[dict[str, str]]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=INCOMING):
        keys += [o["Key"] for o in page.get("Contents", []) if not o["Key"].endswith("/")]
    return [{"key": k, "kind": kind_of(k)} for k in sorted(keys)]


def _move(s3: Any, bucket: str, key: str, target: str) -> None:
    s3.copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": key})
    s3.delete_object(Bucket=bucket, Key=key)


def take_object(s3: Any, bucket: str, key: str, kind: str, *, run_id: str, received_on: date) -> dict[str, Any]:
    """Take in one delivered file and move it out of the incoming folder (a refused one with its reasons)."""
    data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    out = take_payment_file(kind, data, key=key, run_id=run_id, received_on=received_on)
    if not key.startswith(INCOMING):
        return out  # a file handed over from elsewhere is only read
    name = key.removeprefix(INCOMING)
    if out["accepted"]:
        _move(s3, bucket, key, f"{PROCESSED}{name}")
        return {**out, "moved_to": f"{PROCESSED}{name}"}
    reason = {"key": key, "kind": kind, "rejected_at": datetime.now(UTC).isoformat(timespec="seconds"),
              "errors": out["errors"]}
    s3.put_object(Bucket=bucket, Key=f"{REJECTED}{name}.reason.json", ContentType="application/json",
                  Body=json.dumps(reason, ensure_ascii=False, indent=1).encode("utf-8"))
    _move(s3, bucket, key, f"{REJECTED}{name}")
    return {**out, "moved_to": f"{REJECTED}{name}"}
