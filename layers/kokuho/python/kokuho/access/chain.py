"""Hash chain of access records (アクセス記録) — pure, no AWS.

Each record carries the hash of the previous record of its chain, and its own hash over EVERY stored
attribute but the hash itself (keys and index keys included: an edited `gsi1sk` or an added attribute
is an edit); editing, deleting or reordering any record breaks the chain at that point.

What the records alone cannot show — the last record rewritten with a recomputed hash, the tail
deleted, a whole chain deleted — is shown by the signed digests (kokuho.access.digest): each names
every chain's head (seq and hash) at the time it was written, and `verify_chain` checks the records
against the head the latest digest anchored.

Hashes are base64url (not hex) so that no run of 12 digits — a My Number look-alike — ever
appears in a record or a log line.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

GENESIS = "GENESIS"
HASH_ATTRIBUTE = "hash"


def _plain(value: Any) -> Any:
    # DynamoDB hands numbers back as Decimal; a record's numbers are integers (seq).
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    raise TypeError(f"unexpected {type(value).__name__} in an access record")


def record_hash(item: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical JSON of every attribute of the item except `hash`."""
    canonical = json.dumps(
        {k: v for k, v in item.items() if k != HASH_ATTRIBUTE},
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_plain,
    )
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Anchor:
    """A chain's head as a signed digest recorded it: the records up to `seq` existed, the last
    with `hash`."""

    seq: int
    hash: str
    digest: str  # which digest (its object key), for the message
    # The chain's floor, when a digest anchored a retention cut (kokuho.retention.access_records): the
    # records before `floor_seq` may be gone (purged when due) and the record at `floor_seq` links to
    # `floor_hash`, the hash of the last record purged. 0: no cut, the chain starts at 1 (GENESIS).
    floor_seq: int = 0
    floor_hash: str = GENESIS


@dataclass(frozen=True)
class ChainBreak:
    chain: str
    seq: int
    reason: str

    def __str__(self) -> str:
        # The chain and the reason may carry what an intruder wrote into the access log (a key, a subject): never
        # a My Number in a report (kokuho audit verify prints these)
        from kokuho.identity.redaction import without_my_numbers

        return without_my_numbers(f"chain {self.chain} record {self.seq}: {self.reason}")


@dataclass(frozen=True)
class LinkView:
    """What verification needs of one stored record (kept small: a verify holds every record's)."""

    seq: int
    prev_hash: str
    hash: str
    content_ok: bool  # its hash matches its content

    @classmethod
    def of(cls, item: Mapping[str, Any]) -> LinkView:
        return cls(int(item["seq"]), str(item.get("prev_hash")), str(item.get(HASH_ATTRIBUTE)),
                   record_hash(item) == item.get(HASH_ATTRIBUTE))


def verify_chain(chain: str, records: Iterable[LinkView], anchor: Anchor | None = None) -> list[ChainBreak]:
    """Check one chain: records in seq order from 1, each linked to its predecessor, none edited;
    and, if a digest anchored the chain, its anchored head still there, unchanged.

    Names the four ways to rewrite history: an edited record, a deleted record, a truncated tail
    (records up to the anchored head missing), a rewritten head (the anchored record's hash changed,
    even if recomputed so the chain itself still links) — and a deleted chain (no record at all).

    A chain whose oldest records were purged by retention starts at the floor the digest anchored
    (`anchor.floor_seq`, linked to `anchor.floor_hash`): records below it may be absent; any still
    there must be unedited, and the last of them must be the one the floor names."""
    breaks: list[ChainBreak] = []
    floor = anchor.floor_seq if anchor is not None and anchor.floor_seq > 1 else 0
    expected_prev = anchor.floor_hash if floor and anchor is not None else GENESIS
    expected_seq = floor or 1
    anchored_hash: str | None = None
    if anchor is not None and floor and anchor.seq == floor - 1:
        anchored_hash = anchor.floor_hash  # the anchored head was the last record purged
    for rec in sorted(records, key=lambda r: r.seq):
        if rec.seq < expected_seq and floor and rec.seq < floor:  # purged or due: only its content counts
            if not rec.content_ok:
                breaks.append(ChainBreak(chain, rec.seq, "content does not match its hash: edited"))
            elif rec.seq == floor - 1 and rec.hash != expected_prev:
                breaks.append(ChainBreak(chain, rec.seq, "differs from the record the retention cut names"))
            continue
        if rec.seq != expected_seq:
            breaks.append(ChainBreak(chain, expected_seq, f"missing (next present record is {rec.seq}): deleted"))
        elif rec.prev_hash != expected_prev:
            breaks.append(ChainBreak(chain, rec.seq, "does not link to the previous record"))
        if not rec.content_ok:
            breaks.append(ChainBreak(chain, rec.seq, "content does not match its hash: edited"))
        if anchor is not None and rec.seq == anchor.seq:
            anchored_hash = rec.hash
        expected_prev = rec.hash
        expected_seq = rec.seq + 1
    last_seq = expected_seq - 1
    if anchor is None:
        return breaks
    if anchor.seq < last_seq and anchor.seq < floor:
        return breaks  # the anchored head is below the floor: what it anchored is accounted by the cut
    if last_seq == 0:
        breaks.append(ChainBreak(chain, anchor.seq, f"chain deleted: digest {anchor.digest} anchored "
                                                    f"{anchor.seq} record(s), none found"))
    elif last_seq < anchor.seq:
        breaks.append(ChainBreak(chain, last_seq + 1, f"tail truncated: records {last_seq + 1}..{anchor.seq} "
                                                      f"anchored by digest {anchor.digest} are gone"))
    elif anchored_hash is not None and anchored_hash != anchor.hash:
        breaks.append(ChainBreak(chain, anchor.seq, f"head rewritten: differs from the record digest "
                                                    f"{anchor.digest} anchored"))
    return breaks
