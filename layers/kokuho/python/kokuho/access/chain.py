"""Hash chain of access records (アクセス記録) — pure, no AWS.

Each record carries the hash of the previous record of its chain, and its own hash over its
canonical content; editing, deleting or reordering any record breaks the chain at that point.
Hashes are base64url (not hex) so that no run of 12 digits — a My Number look-alike — ever
appears in a record or a log line.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "GENESIS"

# The fields a record's hash covers, in this order. Adding a field is a new chain format.
HASHED_FIELDS = (
    "chain", "seq", "at", "staff_id", "terminal_id", "purpose", "subject_ids",
    "category", "operation", "result", "prev_hash",
)


def record_hash(fields: Mapping[str, Any]) -> str:
    canonical = json.dumps(
        {k: fields[k] for k in HASHED_FIELDS}, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class ChainBreak:
    chain: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"chain {self.chain} record {self.seq}: {self.reason}"


def verify_chain(
    chain: str, records: Iterable[Mapping[str, Any]], head_seq: int | None, head_hash: str | None
) -> list[ChainBreak]:
    """Check one chain: records in seq order from 1, each linked to its predecessor, none edited,
    and the head (the chain's last written seq and hash) pointing at the last record."""
    breaks: list[ChainBreak] = []
    expected_prev = GENESIS
    expected_seq = 1
    last_hash = GENESIS
    for rec in records:
        seq = int(rec["seq"])
        if seq != expected_seq:
            breaks.append(ChainBreak(chain, expected_seq, f"missing (next present record is {seq}): deleted"))
        if rec["prev_hash"] != expected_prev and seq == expected_seq:
            breaks.append(ChainBreak(chain, seq, "does not link to the previous record"))
        if record_hash(rec) != rec["hash"]:
            breaks.append(ChainBreak(chain, seq, "content does not match its hash: edited"))
        expected_prev = rec["hash"]
        last_hash = rec["hash"]
        expected_seq = seq + 1
    last_seq = expected_seq - 1
    if head_seq is not None and head_seq != last_seq:
        breaks.append(ChainBreak(chain, head_seq, f"head says {head_seq} records, {last_seq} found: deleted"))
    elif head_hash is not None and head_hash != last_hash:
        breaks.append(ChainBreak(chain, last_seq, "last record differs from the one the head recorded"))
    return breaks
