"""The exchange bucket's folders: incoming files listed, each applied or rejected and moved out of
incoming/ — to processed/, or to rejected/ with a reason object beside it (kept for review)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from kokuho.linkage.federation_apply import Outcome
from kokuho.linkage.federation_codec import content_hash
from kokuho.platform.exchange import list_delivered, move_out, read_delivered

INCOMING, PROCESSED, REJECTED, OUTGOING = "incoming/", "processed/", "rejected/", "outgoing/"


def list_incoming(s3: Any, bucket: str) -> list[str]:
    return list_delivered(s3, bucket, INCOMING)


def intake_object(s3: Any, bucket: str, key: str, apply: Callable[[bytes, str], Outcome]) -> dict[str, Any]:
    """Apply (`apply`: kokuho.linkage.federation_apply) or reject one incoming file and move it out of
    incoming/ (kept for review if rejected)."""
    data = read_delivered(s3, bucket, key)
    out = apply(data, key)
    if out.status == "rejected":
        reason = {"key": key, "rejected_at": datetime.now(UTC).isoformat(timespec="seconds"),
                  "file_id": out.file_id, "content_hash": content_hash(data),
                  "errors": [{"line": e.line, "field": e.field, "reason": e.reason} for e in out.errors]}
        move_out(s3, bucket, key, INCOMING, REJECTED, reason)
    else:
        move_out(s3, bucket, key, INCOMING, PROCESSED)
    return {"key": key, "status": out.status, "file_id": out.file_id, "records": out.records,
            "errors": [str(e) for e in out.errors[:20]]}
