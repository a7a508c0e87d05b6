"""Real-format CloudTrail records and log files for the trail tests (domain.md §7)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ACCOUNT = "123456789012"  # not a valid My Number (the suite's guard would fail the test)
T0 = datetime(2024, 11, 5, 1, 0, 0, tzinfo=UTC)


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def staff_identity(staff: str, role: str = "kokuho-data-access") -> dict[str, Any]:
    return {"type": "AssumedRole", "principalId": f"AROAEXAMPLEROLEID01:{staff}",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{staff}", "accountId": ACCOUNT,
            "accessKeyId": "ASIAEXAMPLEKEYID0001",
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLEROLEID01",
                                                 "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
                                                 "accountId": ACCOUNT, "userName": role},
                               "attributes": {"creationDate": at(0), "mfaAuthenticated": "false"},
                               "sourceIdentity": staff}}


def record(name: str, source: str, seconds: float, identity: dict[str, Any] | None = None, *,
           region: str = "ap-northeast-1", error: str | None = None,
           params: dict[str, Any] | None = None) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "eventVersion": "1.09", "userIdentity": identity or staff_identity("S0301"), "eventTime": at(seconds),
        "eventSource": source, "eventName": name, "awsRegion": region, "sourceIPAddress": "10.20.1.15",
        "userAgent": "Boto3/1.34.0", "requestParameters": params, "responseElements": None,
        "requestID": uuid.uuid4().hex.upper(), "eventID": str(uuid.uuid4()), "eventType": "AwsApiCall",
        "managementEvent": source != "dynamodb.amazonaws.com", "recipientAccountId": ACCOUNT,
        "eventCategory": "Data" if source == "dynamodb.amazonaws.com" else "Management"}
    if error:
        rec["errorCode"] = error
        rec["errorMessage"] = "not authorized"
    return rec


def get_item(seconds: float, staff: str = "S0301") -> dict[str, Any]:
    return record("GetItem", "dynamodb.amazonaws.com", seconds, staff_identity(staff),
                  params={"tableName": "kokuho-persons", "key": {"pk": "PERSON#P000123"}})


def log_path(root: Path, seconds: float, unique: str = "AbCd1234", region: str = "ap-northeast-1") -> Path:
    moment = T0 + timedelta(seconds=seconds)
    folder = root / "AWSLogs" / ACCOUNT / "CloudTrail" / region / moment.strftime("%Y/%m/%d")
    return folder / f"{ACCOUNT}_CloudTrail_{region}_{moment.strftime('%Y%m%dT%H%MZ')}_{unique}.json.gz"


def write_log(path: Path, records: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"Records": records}).encode()
    path.write_bytes(gzip.compress(body) if path.name.endswith(".gz") else body)
    return path


class SignedTrail:
    """A bucket copy with log files and a chain of hourly digests signed as CloudTrail signs them: gzip'd
    digests, the hex signature beside each as `<name>.signature`, and the keys in ListPublicKeys form."""

    BUCKET = "kokuho-audit-trail"

    def __init__(self, root: Path, hours: int = 3, logs_per_hour: int = 2, key_bits: int = 2048) -> None:
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.root = root
        self.keys = [rsa.generate_private_key(public_exponent=65537, key_size=key_bits) for _ in range(3)]
        self.logs: list[str] = []
        self.digests: list[str] = []
        previous: tuple[str, str, str] | None = None  # object, sha256, signature
        for hour in range(hours):
            entries = []
            for n in range(logs_per_hour):
                seconds = hour * 3600 + n * 600 + 60
                path = write_log(log_path(root, seconds, f"H{hour}N{n}"),
                                 [get_item(seconds + i) for i in range(3)])
                rel = path.relative_to(root).as_posix()
                self.logs.append(rel)
                entries.append({"s3Bucket": self.BUCKET, "s3Object": rel,
                                "hashValue": hashlib.sha256(gzip.decompress(path.read_bytes())).hexdigest(),
                                "hashAlgorithm": "SHA-256", "newestEventTime": at(seconds + 2),
                                "oldestEventTime": at(seconds)})
            # Keys rotate: the first two digests by key 1, the rest by key 2; key 0 is listed first, never used.
            previous = self._write_digest(hour, entries, previous, self.keys[1 if hour < 2 else 2])
        self.public_keys = root.parent / f"{root.name}-public-keys.json"
        self.public_keys.write_text(json.dumps({"PublicKeyList": [
            {"Value": base64.b64encode(self._der(k)).decode(), "ValidityStartTime": "2024-01-01T00:00:00Z",
             "ValidityEndTime": "2025-01-01T00:00:00Z", "Fingerprint": hashlib.md5(self._der(k)).hexdigest()}
            for k in self.keys]}))

    @staticmethod
    def _der(key: Any) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return bytes(key.public_key().public_bytes(Encoding.DER, PublicFormat.PKCS1))

    def _write_digest(self, hour: int, entries: list[dict[str, Any]], previous: tuple[str, str, str] | None,
                      key: Any) -> tuple[str, str, str]:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        end = T0 + timedelta(hours=hour + 1)
        folder = f"AWSLogs/{ACCOUNT}/CloudTrail-Digest/ap-northeast-1/{end:%Y/%m/%d}"
        rel = (f"{folder}/{ACCOUNT}_CloudTrail-Digest_ap-northeast-1_kokuho-audit_ap-northeast-1_"
               f"{end:%Y%m%dT%H%M%SZ}.json.gz")
        doc = {"awsAccountId": ACCOUNT, "digestStartTime": at(hour * 3600), "digestEndTime": at((hour + 1) * 3600),
               "digestS3Bucket": self.BUCKET, "digestS3Object": rel,
               "digestPublicKeyFingerprint": hashlib.md5(self._der(key)).hexdigest(),
               "digestSignatureAlgorithm": "SHA256withRSA",
               "newestEventTime": at(hour * 3600 + 3000), "oldestEventTime": at(hour * 3600 + 60),
               "previousDigestS3Bucket": self.BUCKET if previous else None,
               "previousDigestS3Object": previous[0] if previous else None,
               "previousDigestHashValue": previous[1] if previous else None,
               "previousDigestHashAlgorithm": "SHA-256" if previous else None,
               "previousDigestSignature": previous[2] if previous else None,
               "logFiles": entries}
        raw = json.dumps(doc).encode()
        sha = hashlib.sha256(raw).hexdigest()
        signed = f"{doc['digestEndTime']}\n{self.BUCKET}/{rel}\n{sha}\n{previous[2] if previous else 'null'}"
        signature = key.sign(signed.encode(), padding.PKCS1v15(), hashes.SHA256()).hex()
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(raw))
        path.with_name(path.name + ".signature").write_text(signature + "\n")
        self.digests.append(rel)
        return rel, sha, signature

    def rewrite_digest(self, index: int, change: Any) -> None:
        """Re-sign digest `index` after `change(doc)`, validly (same key, same previous signature)."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        path = self.root / self.digests[index]
        doc = json.loads(gzip.decompress(path.read_bytes()))
        change(doc)
        raw = json.dumps(doc, indent=1).encode()
        key = next(k for k in self.keys if hashlib.md5(self._der(k)).hexdigest() == doc["digestPublicKeyFingerprint"])
        previous = doc["previousDigestSignature"] or "null"
        sha = hashlib.sha256(raw).hexdigest()
        signed = f"{doc['digestEndTime']}\n{self.BUCKET}/{doc['digestS3Object']}\n{sha}\n{previous}"
        path.write_bytes(gzip.compress(raw))
        path.with_name(path.name + ".signature").write_text(
            key.sign(signed.encode(), padding.PKCS1v15(), hashes.SHA256()).hex())
