"""Real-format CloudTrail records and log files for the trail tests (domain.md §7)."""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kokuho_local import trail_recorder as trail_files
from kokuho_local.trail_recorder import write_log as write_log

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
    return trail_files.log_path(root, T0 + timedelta(seconds=seconds), unique, account=ACCOUNT, region=region)


class SignedTrail:
    """A bucket copy with log files and a chain of hourly digests signed as CloudTrail signs them: gzip'd
    digests, the hex signature beside each as `<name>.signature`, and the keys in ListPublicKeys form — laid
    out and signed by the local trail recorder's own writers (kokuho_local.trail_recorder), with keys of its own."""

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
                path = write_log(log_path(root, seconds, f"H{hour}N{n}"), [get_item(seconds + i) for i in range(3)])
                entries.append(trail_files.log_entry(root, path))
                self.logs.append(entries[-1]["s3Object"])
            # Keys rotate: the first two digests by key 1, the rest by key 2; key 0 is listed first, never used.
            key = self.keys[1 if hour < 2 else 2]
            doc = trail_files.digest_doc(T0 + timedelta(hours=hour), entries, key, previous, account=ACCOUNT,
                                         region="ap-northeast-1")
            sha, signature = trail_files.write_digest(root, doc, key)
            self.digests.append(doc["digestS3Object"])
            previous = (doc["digestS3Object"], sha, signature)
        self.public_keys = root.parent / f"{root.name}-public-keys.json"
        self.public_keys.write_text(json.dumps({"PublicKeyList": [
            trail_files.public_key_entry(k, "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z") for k in self.keys]}))

    def rewrite_digest(self, index: int, change: Any) -> None:
        """Re-sign digest `index` after `change(doc)`, validly (same key, same previous signature)."""
        path = self.root / self.digests[index]
        doc = json.loads(gzip.decompress(path.read_bytes()))
        change(doc)
        key = next(k for k in self.keys if trail_files.fingerprint(k) == doc["digestPublicKeyFingerprint"])
        trail_files.write_digest(self.root, doc, key, raw=json.dumps(doc, indent=1).encode())


def write_by_day(root: Path, records: list[dict[str, Any]]) -> None:
    """Records into the bucket layout, one log file per region and day (as CloudTrail delivers them)."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for rec in records:
        moment = datetime.fromisoformat(str(rec["eventTime"]).replace("Z", "+00:00"))
        groups.setdefault((str(rec.get("awsRegion") or "ap-northeast-1"), moment.strftime("%Y/%m/%d")),
                          []).append(rec)
    for n, ((region, day), recs) in enumerate(sorted(groups.items())):
        folder = root / "AWSLogs" / ACCOUNT / "CloudTrail" / region / day
        stamp = day.replace("/", "")
        write_log(folder / f"{ACCOUNT}_CloudTrail_{region}_{stamp}T0000Z_file{n}.json.gz", recs)
