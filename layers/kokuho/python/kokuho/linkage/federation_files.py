"""The exchange bucket's folders: incoming files listed, each applied or rejected and moved out of
incoming/ — to processed/, or to rejected/ with a reason object beside it (kept for review)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from kokuho.linkage.federation_apply import Outcome
from kokuho.linkage.federation_codec import content_hash

INCOMING, PROCESSED, REJECTED, OUTGOING = "incoming/", "processed/", "rejected/", "outgoing/"


def list_incoming(s3: Any, bucket: str) -> list[str]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=INCOMING):
        keys += [o["Key"] for o in page.get("Contents", []) if not o["Key"].endswith("/")]
    return sorted(keys)


def _move(s3: Any, bucket: str, key: str, target: str) -> None:
    s3.copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": key})
    s3.delete_object(Bucket=bucket, Key=key)


def intake_object(s3: Any, bucket: str, key: str, apply: Callable[[bytes, str], Outcome]) -> dict[str, Any]:
    """Apply (`apply`: kokuho.linkage.federation_apply) or reject one incoming file and move it out of
    incoming/ (kept for review if rejected)."""
    data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    name = key.removeprefix(INCOMING)
    out = apply(data, key)
    if out.status == "rejected":
        reason = {"key": key, "rejected_at": datetime.now(UTC).isoformat(timespec="seconds"),
                  "file_id": out.file_id, "content_hash": content_hash(data),
                  "errors": [{"line": e.line, "field": e.field, "reason": e.reason} for e in out.errors]}
        s3.put_object(Bucket=bucket, Key=f"{REJECTED}{name}.reason.json",
                      Body=json.dumps(reason, ensure_ascii=False, indent=1).encode("utf-8"),
                      ContentType="application/json")
        _move(s3, bucket, key, f"{REJECTED}{name}")
    else:
        _move(s3, bucket, key, f"{PROCESSED}{name}")
    return {"key": key, "status": out.status, "file_id": out.file_id, "records": out.records,
            "errors": [str(e) for e in out.errors[:20]]}
