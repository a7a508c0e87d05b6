"""Signed digests of the access-record chains: the anchor of the access history outside its table.

The records' hash chain shows an edited or deleted record, but not what someone with write access
to the table could do at the end of a chain: rewrite the last record with a recomputed hash, delete
the tail, delete a whole chain (a person's entire access history). So, as CloudTrail does for its own
log files, a scheduled step (the `audit-anchor` state machine, hourly, after `kokuho audit verify`
found the records intact) writes a digest to the Object-Locked audit bucket:

- `access-digests/<number, 10 digits>.json`: the format, its number, when, the previous digest (its
  key and signature), the number of chains, the head (last seq and hash) of every chain that is new
  or grew since the previous digest, and `heads_root`, a SHA-256 over the head of EVERY chain;
- signed with an asymmetric KMS key (ECDSA P-256) that only the digest step's role may use to sign;
  the signature, over the format, the object key and the SHA-256 of the body, is in the object's
  metadata (`signature`, `signing-key`).

Replaying the digests in order rebuilds the set of chains and each one's anchored head; `verify`
checks every signature with the key's public part, every link to the previous digest, that no
digest moves a chain back, and then the records against the anchored heads (kokuho.access.chain).
A digest step that finds a chain behind its anchored head refuses to sign (DigestRefused).

Object Lock (compliance mode, 7 years) means no one, root included, deletes or overwrites a digest
version; the bucket policy also denies deleting objects. Both the digest step and `verify` replay
the whole digest chain (a small object an hour) and scan the table once.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kokuho.access.chain import GENESIS, Anchor
from kokuho.access.ports import AccessLog
from kokuho.access.stores import access_log, aws_client
from kokuho.identity.redaction import without_my_numbers
from kokuho.platform.tables import AUDIT_BUCKET, SIGNING_KEYS_BY_LOGICAL, SigningKeySpec

FORMAT = "kokuho-access-digest/1"
PREFIX = AUDIT_BUCKET.function_prefix or "access-digests/"
SIGNING_KEY: SigningKeySpec = SIGNING_KEYS_BY_LOGICAL["access_digest"]


class DigestRefused(RuntimeError):
    """The digest step will not sign: the digest chain is broken or a chain went behind its anchor."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s): " + "; ".join(problems[:20]))
        self.problems = problems


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _canonical(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def heads_root(heads: Mapping[str, tuple[int, str]]) -> str:
    """SHA-256 over the head of every chain: the set of chains and each one's end, in one value."""
    return _b64(hashlib.sha256(_canonical({c: [s, h] for c, (s, h) in heads.items()})).digest())


def string_to_sign(key: str, body: bytes) -> bytes:
    # Small (KMS signs at most 4 KB raw) and binds the body to its place in the bucket.
    return f"{FORMAT}\n{key}\n{_b64(hashlib.sha256(body).digest())}".encode("ascii")


def digest_key(number: int) -> str:
    return f"{PREFIX}{number:010d}.json"


@dataclass
class DigestChain:
    """The digests replayed: every anchored chain's head and what was wrong with the chain itself."""

    heads: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # chain → (seq, hash, digest key)
    # chain → (first seq kept, hash of the last record purged): the retention cuts anchored (`floors`)
    floors: dict[str, tuple[int, str]] = field(default_factory=dict)
    bucket: str = ""
    bucket_found: bool = True
    count: int = 0
    latest_key: str | None = None
    latest_signature: str | None = None
    latest_written_at: str | None = None
    problems: list[str] = field(default_factory=list)

    def anchors(self) -> dict[str, Anchor]:
        return {c: Anchor(seq, h, key, *self.floors.get(c, (0, GENESIS))) for c, (seq, h, key) in self.heads.items()}


def _digest_keys(s3: Any, bucket: str) -> list[str] | None:
    """The digests' keys in order; None if there is no such bucket (a wrong name, or no audit bucket)."""
    keys: list[str] = []
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=PREFIX):
            keys += [o["Key"] for o in page.get("Contents", [])]
    except s3.exceptions.NoSuchBucket:
        return None
    return sorted(keys)


def _public_key(kms: Any, key_id: str) -> tuple[str, Any]:
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    resp = kms.get_public_key(KeyId=key_id)
    return str(resp["KeyId"]), load_der_public_key(resp["PublicKey"])


def _bare(key_id: str) -> str:
    # KMS names a key by ARN in Sign's answer and (moto) by bare id in GetPublicKey's: compare the id.
    return key_id.rsplit("/", 1)[-1]


def _signature_ok(public_key: Any, signature: str, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        public_key.verify(_unb64(signature), message, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def load_chain(bucket: str | None = None, key_id: str | None = None, *, s3: Any = None,
               kms: Any = None) -> DigestChain:
    """Read every digest in order, check signatures, links and numbering, and replay the heads."""
    s3 = s3 or aws_client("s3")
    bucket = bucket or AUDIT_BUCKET.name()
    keys = _digest_keys(s3, bucket)
    chain = DigestChain(bucket=bucket, bucket_found=keys is not None)
    if not keys:
        return chain
    key_arn, public_key = _public_key(kms or aws_client("kms"), key_id or SIGNING_KEY.key_id())
    for number, key in enumerate(keys, start=1):
        chain.count = number
        if key != digest_key(number):
            # A digest hidden (or one slipped in): the numbering no longer runs 1, 2, 3…
            chain.problems.append(f"digest {digest_key(number)} missing, found {key} in its place")
        obj = s3.get_object(Bucket=bucket, Key=key)
        body, meta = obj["Body"].read(), obj.get("Metadata", {})
        signature = meta.get("signature", "")
        if _bare(meta.get("signing-key", "")) != _bare(key_arn) or not _signature_ok(public_key, signature,
                                                                    string_to_sign(key, body)):
            chain.problems.append(f"digest {key}: signature does not verify with the digest key: forged or altered")
            continue
        doc = json.loads(body)
        previous = None if chain.latest_key is None else {"key": chain.latest_key,
                                                          "signature": chain.latest_signature}
        if doc.get("format") != FORMAT or doc.get("number") != number or doc.get("previous") != previous:
            chain.problems.append(f"digest {key}: does not name the digest before it (number, previous)")
        for name, (seq, digest) in sorted(doc.get("heads", {}).items()):
            old = chain.heads.get(name)
            if old is not None and (seq < old[0] or (seq == old[0] and digest != old[1])):
                chain.problems.append(f"digest {key}: moves chain {name} back from record {old[0]} to {seq}")
            chain.heads[name] = (int(seq), str(digest), key)
        for name, (seq, prev) in sorted(doc.get("floors", {}).items()):
            floor = chain.floors.get(name)
            if name not in chain.heads or int(seq) - 1 > chain.heads[name][0] or (floor and int(seq) <= floor[0]):
                chain.problems.append(f"digest {key}: floor of chain {name} at {seq} is past its head or moves back")
            chain.floors[name] = (int(seq), str(prev))
        current = {c: (s, h) for c, (s, h, _) in chain.heads.items()}
        if doc.get("heads_root") != heads_root(current) or doc.get("chains") != len(current):
            chain.problems.append(f"digest {key}: its set of chains differs from the one its predecessors built")
        chain.latest_key, chain.latest_signature = key, signature
        chain.latest_written_at = str(doc.get("written_at"))
    return chain


def _due(at: str | None, now: datetime | None) -> bool:
    """Whether a record made at `at` may be cut: the access-records retention class's period has passed
    (kokuho.retention.classes, the one rule of every class); a record not there cannot show it."""
    from kokuho.dates.tokyo import TOKYO
    from kokuho.retention.classes import decide, retention_class

    if not at:
        return False
    try:
        made = datetime.fromisoformat(at)
    except ValueError:
        return False
    today = (now or datetime.now(UTC)).astimezone(TOKYO).date()
    day = (made if made.tzinfo else made.replace(tzinfo=UTC)).astimezone(TOKYO).date()
    return decide(retention_class("access-records"), day, today) != "keep"


def write_digest(now: datetime | None = None, *, bucket: str | None = None, s3: Any = None, kms: Any = None,
                 log: AccessLog | None = None) -> dict[str, Any]:
    """The digest step: anchor every chain's current head in the next signed digest.

    Refuses (DigestRefused) when the digest chain is broken or a chain is behind, or differs at, the
    head the last digest anchored: a digest must never anchor a history that was rewritten."""
    s3, kms = s3 or aws_client("s3"), kms or aws_client("kms")
    bucket = bucket or AUDIT_BUCKET.name()
    chain = load_chain(bucket, s3=s3, kms=kms)
    problems = list(chain.problems)
    current, at_anchor = (log or access_log()).heads({c: seq for c, (seq, _, _) in chain.heads.items()})
    for name, (seq, digest, key) in sorted(chain.heads.items()):
        found = current.get(name)
        if found is None:
            problems.append(f"chain {name}: deleted (digest {key} anchored {seq} records)")
        elif found[0] < seq:
            problems.append(f"chain {name}: tail truncated (digest {key} anchored {seq}, {found[0]} left)")
        elif at_anchor.get(name) != digest:
            problems.append(f"chain {name}: record {seq} differs from the one digest {key} anchored")
    # Retention cuts waiting (kokuho.retention.access_records): anchored as the chain's floor when sound and
    # above the floor anchored before; the records below may be purged only once a digest anchored it.
    # A cut covers only records the access-records class lets go (its period passed): otherwise anyone who can
    # append to the log could cut fresh records and, once anchored, delete them unseen.
    floors: dict[str, list[Any]] = {}
    for name, (seq, prev, sound, last_at) in sorted((log or access_log()).cuts().items()):
        if seq <= chain.floors.get(name, (0, ""))[0]:
            continue
        if not sound or name not in current or seq - 1 > current[name][0]:
            problems.append(f"chain {name}: retention cut before record {seq} does not match the chain")
        elif not _due(last_at, now):
            problems.append(f"chain {name}: retention cut before record {seq} covers records not yet due")
        else:
            floors[name] = [seq, prev]
    if problems:
        raise DigestRefused(problems)
    changed = {c: [s, h] for c, (s, h) in sorted(current.items())
               if chain.heads.get(c, (None, None, None))[:2] != (s, h)}
    number = chain.count + 1
    key = digest_key(number)
    doc = {
        "format": FORMAT, "number": number,
        "written_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "previous": None if chain.latest_key is None else {"key": chain.latest_key,
                                                           "signature": chain.latest_signature},
        "chains": len(current), "heads": changed, "heads_root": heads_root(current),
    }
    if floors:  # only when there are: a digest without cuts is byte for byte what it was before
        doc["floors"] = floors
    body = _canonical(doc)
    signed = kms.sign(KeyId=SIGNING_KEY.key_id(), Message=string_to_sign(key, body),
                                 MessageType="RAW", SigningAlgorithm=SIGNING_KEY.algorithm)
    s3.put_object(
        Bucket=bucket, Key=key, Body=body, ContentType="application/json",
        Metadata={"signature": _b64(signed["Signature"]), "signing-key": str(signed["KeyId"]),
                  "signing-algorithm": SIGNING_KEY.algorithm})
    return {"digest": key, "number": number, "chains": len(current), "changed": len(changed),
            "floors": len(floors), "written_at": doc["written_at"]}


@dataclass(frozen=True)
class Verification:
    chains: int
    records: int
    bucket: str
    bucket_found: bool
    digests: int
    latest_digest: str | None
    latest_written_at: str | None
    breaks: list[str]

    @property
    def intact(self) -> bool:
        return not self.breaks


def verify(bucket: str | None = None, key_id: str | None = None, *, s3: Any = None, kms: Any = None,
           log: AccessLog | None = None) -> Verification:
    """`kokuho audit verify`: the digest chain, then every record against its chain and its anchor."""
    chain = load_chain(bucket, key_id, s3=s3, kms=kms)
    n_chains, n_records, breaks = (log or access_log()).verify(chain.anchors())
    problems = chain.problems if chain.bucket_found else [
        f"no bucket {chain.bucket}: the records cannot be checked against their digests"]
    texts = [without_my_numbers(f"digest chain: {p}") for p in problems] + [str(b) for b in breaks]
    return Verification(n_chains, n_records, chain.bucket, chain.bucket_found, chain.count, chain.latest_key,
                        chain.latest_written_at, texts)


__all__ = ["DigestChain", "DigestRefused", "Verification", "load_chain", "verify", "write_digest"]
