"""Offline validation of CloudTrail's digest chain and log files (domain.md §7; interfaces.md "kokuho trail
validate"), as CloudTrail's own validation does it, against a copy of the bucket.

A digest is valid when its signature — RSA PKCS#1 v1.5 with SHA-256, by the public key whose MD5 fingerprint
it names — holds over `digestEndTime\\ndigestS3Bucket/digestS3Object\\nhex(SHA-256(digest))\\n
previousDigestSignature` (`null` for the first digest), by a key valid when the digest was delivered, lying where
it was delivered (its digestS3Object), and, when a valid digest names it as its previous one,
its SHA-256 is that digest's previousDigestHashValue. A log file is valid when a valid digest names it with
its SHA-256 (of the uncompressed file). What digests name and DIR lacks is missing; a log that no valid digest
names is not covered.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from kokuho.trail import logs as trail_logs
from kokuho.trail.logs import DIGEST_FOLDER, TrailFileError, digest_files, inflated, log_files, read_bytes

MAX_SIGNATURE_CHARS = 64 * 1024  # hex of a signature, with room for whitespace: RSA 4096 is 1,024 characters
Kind = Literal["digest", "log"]
Status = Literal["valid", "invalid", "missing", "not-covered"]
LOG_FOLDER = "CloudTrail"
# What CloudTrail puts below its folder (region, date, file name): no "%", "\\", ":" or empty segment, so a
# name read as a path, a URL or a Windows path is the same name. "." and ".." are refused apart.
_SEGMENT = re.compile(r"[A-Za-z0-9_.-]+")


class PublicKeyError(Exception):
    """The public-key file cannot be used (names the file and what is wrong)."""


@dataclass(frozen=True)
class FileResult:
    file: str        # path relative to DIR, with forward slashes
    kind: Kind
    status: Status
    reason: str = ""


@dataclass(frozen=True)
class PublicKey:
    """One key of a ListPublicKeys answer and when CloudTrail signed with it (None: the file does not say)."""

    key: rsa.RSAPublicKey
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def signs(self, digest_end: datetime) -> bool:
        """Whether CloudTrail could have signed, with this key, a digest ending at `digest_end`: it signs on
        delivery, within the hour after, with the key valid then — never with a retired key, nor one not yet
        issued."""
        if self.valid_from is not None and self.valid_from > digest_end + DELIVERY:
            return False
        return self.valid_until is None or self.valid_until >= digest_end


DELIVERY = timedelta(hours=1)  # CloudTrail delivers an hour's digest within the next hour


def _moment(value: Any) -> datetime | None:
    """A time as ListPublicKeys gives it: ISO 8601 (the CLI's output) or epoch seconds (the API's JSON)."""
    if isinstance(value, bool):
        raise ValueError("not a time")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def load_public_keys(path: Path) -> dict[str, PublicKey]:
    """The keys of a ListPublicKeys answer, by the hex MD5 of their DER bytes (computed, not taken on trust), with
    their validity."""
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise PublicKeyError(f"{path}: cannot be read as JSON ({exc})") from exc
    except RecursionError as exc:
        raise PublicKeyError(f"{path}: cannot be read as JSON (nested too deep)") from exc
    entries = doc.get("PublicKeyList") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise PublicKeyError(f'{path}: no "PublicKeyList" list (the JSON that ListPublicKeys returns)')
    keys: dict[str, PublicKey] = {}
    for i, entry in enumerate(entries):
        try:
            der = base64.b64decode(entry["Value"], validate=True)
            key = load_der_public_key(der)
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise PublicKeyError(f"{path}: PublicKeyList[{i}].Value: not a base64 DER RSA public key") from exc
        if not isinstance(key, rsa.RSAPublicKey):
            raise PublicKeyError(f"{path}: PublicKeyList[{i}].Value: not an RSA key")
        bounds = []
        for name in ("ValidityStartTime", "ValidityEndTime"):
            try:
                bounds.append(None if entry.get(name) is None else _moment(entry[name]))
            except (TypeError, ValueError, OverflowError, OSError) as exc:
                raise PublicKeyError(f"{path}: PublicKeyList[{i}].{name}: not a time (ISO 8601 or epoch "
                                     "seconds)") from exc
        keys[hashlib.md5(der, usedforsecurity=False).hexdigest()] = PublicKey(key, *bounds)
    return keys


def sha256_of_log(path: Path) -> str:
    """Hex SHA-256 of a file's uncompressed content, streamed (logs can be large; past MAX_LOG_BYTES, refused)."""
    digest = hashlib.sha256()
    for chunk in inflated(path, trail_logs.MAX_LOG_BYTES):
        digest.update(chunk)
    return digest.hexdigest()


def within_trail(digest_rel: str, name: str, folder: str) -> bool:
    """Whether `name`, a file a digest names, lies in `folder` (CloudTrail or CloudTrail-Digest) of the digest's
    own trail — the path, bucket prefix and account included, where the digest itself was found. A digest only
    names files CloudTrail delivered there; any other name (absolute, `..`, a backslash, URL-encoded, another
    account's or folder's) is one the validator must not follow out of the trail (domain.md §7)."""
    parts = digest_rel.split("/")
    cut = len(parts) - 1 - parts[::-1].index(DIGEST_FOLDER)
    prefix = "/".join([*parts[:cut], folder]) + "/"
    if not name.startswith(prefix):
        return False
    return all(_SEGMENT.fullmatch(s) and s not in (".", "..") for s in name[len(prefix):].split("/"))


@dataclass
class _Digest:
    rel: str
    sha256: str = ""
    doc: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)
    logs: list[tuple[str, str]] = field(default_factory=list)  # (name, hashValue), each within the trail
    previous: str = ""  # previousDigestS3Object, within the trail's digests ("" for the first digest)

    @property
    def valid(self) -> bool:
        return self.doc is not None and not self.problems


def _check_digest(root: Path, path: Path, keys: dict[str, PublicKey]) -> _Digest:
    result = _Digest(path.relative_to(root).as_posix())
    try:
        raw = read_bytes(path, trail_logs.MAX_DIGEST_BYTES)
        doc = json.loads(raw)
    except (TrailFileError, ValueError) as exc:
        result.problems.append(f"cannot be read: {exc}")
        return result
    except RecursionError:
        result.problems.append("cannot be read: JSON nested too deep")
        return result
    if not isinstance(doc, dict):
        result.problems.append("not a digest (not a JSON object)")
        return result
    result.doc, result.sha256 = doc, hashlib.sha256(raw).hexdigest()
    if doc.get("digestS3Object") != result.rel:
        # Signed with the place it was delivered to: found anywhere else, it was moved or copied there (CloudTrail's
        # own validation says so too), and whatever it covers is not what lies here.
        result.problems.append("digestS3Object does not name the place the digest lies (moved or copied)")
    _names_within(result, doc)
    signature_file = path.with_name(path.name + ".signature")
    try:
        with signature_file.open("r", encoding="ascii") as handle:
            text = handle.read(MAX_SIGNATURE_CHARS + 1)  # a huge file, or a device, is read no further
        if len(text) > MAX_SIGNATURE_CHARS:
            raise ValueError("longer than any signature")
        signature = bytes.fromhex(text.strip())
    except (OSError, ValueError) as exc:
        result.problems.append(f"no readable signature ({signature_file.name}: {exc})")
        return result
    # What the digest says is named, never echoed (a value from the file may be anything, a My Number included).
    fingerprint = str(doc.get("digestPublicKeyFingerprint", "")).lower()
    public = keys.get(fingerprint)
    if public is None:
        result.problems.append("no public key with the digestPublicKeyFingerprint it names")
        return result
    try:
        digest_end = _moment(doc.get("digestEndTime"))
    except (TypeError, ValueError, OverflowError, OSError):
        digest_end = None
    if digest_end is None:
        result.problems.append("digestEndTime is not a time")
        return result
    if not public.signs(digest_end):
        result.problems.append("its key was not valid when the digest was delivered (ValidityStartTime, "
                               "ValidityEndTime)")
        return result
    key = public.key
    if doc.get("digestSignatureAlgorithm") != "SHA256withRSA":
        result.problems.append("digestSignatureAlgorithm is not SHA256withRSA")
        return result
    previous = doc.get("previousDigestSignature")
    signed = (f"{doc.get('digestEndTime')}\n{doc.get('digestS3Bucket')}/{doc.get('digestS3Object')}\n"
              f"{result.sha256}\n{'null' if previous is None else previous}")
    try:
        key.verify(signature, signed.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        result.problems.append("signature does not verify")
    return result


def _names_within(result: _Digest, doc: dict[str, Any]) -> None:
    """The files the digest names, each checked to lie within its trail before anything looks for it; a digest
    naming any other is invalid, the field named and its value never echoed nor followed."""
    previous = doc.get("previousDigestS3Object")
    if previous is not None and previous != "":
        if isinstance(previous, str) and within_trail(result.rel, previous, DIGEST_FOLDER):
            result.previous = previous
        else:
            result.problems.append("previousDigestS3Object names a file outside its trail's digest folder")
    entries = doc.get("logFiles") or []
    if not isinstance(entries, list):
        result.problems.append("logFiles is not a list")
        return
    for i, entry in enumerate(entries):
        name = entry.get("s3Object", "") if isinstance(entry, dict) else ""
        if not name:
            continue
        if isinstance(name, str) and within_trail(result.rel, name, LOG_FOLDER):
            result.logs.append((name, str(entry.get("hashValue") or "").lower()))
        else:
            result.problems.append(f"logFiles[{i}].s3Object names a file outside its trail's log folder")


def validate_directory(root: Path, keys: dict[str, PublicKey]) -> list[FileResult]:
    """One result per digest and log file under `root` or named by a digest, in path order."""
    digests = {d.rel: d for d in (_check_digest(root, p, keys) for p in digest_files(root))}
    logs = {p.relative_to(root).as_posix(): p for p in log_files(root)}
    missing: dict[str, Kind] = {}
    signed = {rel for rel, d in digests.items() if d.valid}
    hashes_named: dict[str, set[str]] = defaultdict(set)  # log → hashes that valid digests give it
    for digest in digests.values():
        doc = digest.doc
        if doc is None:
            continue
        previous = digest.previous
        if previous:
            if previous in digests:
                expected = str(doc.get("previousDigestHashValue") or "").lower()
                target = digests[previous]
                # Only a digest whose own signature holds is believed (decided before any chain check, so the
                # outcome does not depend on the order digests are visited).
                if digest.rel in signed and target.doc is not None and target.sha256 != expected:
                    target.problems.append(f"SHA-256 differs from the previousDigestHashValue in {digest.rel}")
            elif not (root / previous).is_file():
                missing[previous] = "digest"
    # Logs only after every chain check: a digest found invalid by its successor covers nothing.
    for digest in digests.values():
        doc = digest.doc
        if doc is None:
            continue
        for name, hash_value in digest.logs:
            if name not in logs and not (root / name).is_file():
                missing[name] = "log"
            elif digest.valid:
                hashes_named[name].add(hash_value)
                logs.setdefault(name, root / name)
    results = [FileResult(d.rel, "digest", "valid" if d.valid else "invalid", "; ".join(d.problems))
               for d in digests.values()]
    for rel, path in logs.items():
        if rel not in hashes_named:
            results.append(FileResult(rel, "log", "not-covered", "no valid digest names it"))
            continue
        try:
            actual = sha256_of_log(path)
        except TrailFileError as exc:  # an edited log need not be gzip any more: it is invalid, not an error
            results.append(FileResult(rel, "log", "invalid", exc.reason))
            continue
        if actual in hashes_named[rel]:
            results.append(FileResult(rel, "log", "valid"))
        else:
            results.append(FileResult(rel, "log", "invalid", "SHA-256 differs from its digest"))
    results += [FileResult(rel, kind, "missing", "named by a digest, absent") for rel, kind in missing.items()]
    return sorted(results, key=lambda r: r.file)
