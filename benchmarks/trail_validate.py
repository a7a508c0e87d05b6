"""Throughput of `kokuho trail validate`: MB of log data hashed per second, one core (issue 11: ≥ 200 MB/s).

    .venv/bin/python benchmarks/trail_validate.py [--hours H] [--logs-per-hour N] [--records R] [--runs K]

Writes a signed chain (RSA 2048 keys, hourly gzip'd digests with `.signature` beside them, the keys in
ListPublicKeys form) over H × N gzip'd log files of R real-format records each into a temporary directory,
then times `validate_directory` — every digest's signature and chain link, every log decompressed and its
SHA-256 checked — on the CPU time of this process, median of K runs. MB is 10^6 bytes of uncompressed log
data (what the SHA-256 covers). Run `uptime` alongside: the machine is shared.
"""

from __future__ import annotations

import argparse
import base64
import gc
import gzip
import hashlib
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kokuho.trail.validate import load_public_keys, validate_directory

sys.path.insert(0, str(Path(__file__).parent))
from trail_scan import ACCOUNT, START, event  # noqa: E402

BUCKET = "kokuho-audit-trail"


def build(root: Path, hours: int, per_hour: int, records: int, seed: int) -> int:
    rng = random.Random(seed)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = key.public_key().public_bytes(Encoding.DER, PublicFormat.PKCS1)
    fingerprint = hashlib.md5(der, usedforsecurity=False).hexdigest()
    total = 0
    previous: tuple[str, str, str] | None = None
    for hour in range(hours):
        entries: list[dict[str, Any]] = []
        for n in range(per_hour):
            moment = START + timedelta(hours=hour, minutes=5 * n)
            body = json.dumps({"Records": [event(rng, moment) for _ in range(records)]}).encode()
            total += len(body)
            rel = (f"AWSLogs/{ACCOUNT}/CloudTrail/ap-northeast-1/{moment:%Y/%m/%d}/"
                   f"{ACCOUNT}_CloudTrail_ap-northeast-1_{moment:%Y%m%dT%H%MZ}_{hour:04d}{n:04d}.json.gz")
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(gzip.compress(body, compresslevel=6))
            entries.append({"s3Bucket": BUCKET, "s3Object": rel, "hashValue": hashlib.sha256(body).hexdigest(),
                            "hashAlgorithm": "SHA-256"})
        end = START + timedelta(hours=hour + 1)
        rel = (f"AWSLogs/{ACCOUNT}/CloudTrail-Digest/ap-northeast-1/{end:%Y/%m/%d}/{ACCOUNT}_CloudTrail-Digest_"
               f"ap-northeast-1_kokuho-audit_ap-northeast-1_{end:%Y%m%dT%H%M%SZ}.json.gz")
        doc = {"awsAccountId": ACCOUNT, "digestStartTime": f"{end - timedelta(hours=1):%Y-%m-%dT%H:%M:%SZ}",
               "digestEndTime": f"{end:%Y-%m-%dT%H:%M:%SZ}", "digestS3Bucket": BUCKET, "digestS3Object": rel,
               "digestPublicKeyFingerprint": fingerprint, "digestSignatureAlgorithm": "SHA256withRSA",
               "previousDigestS3Bucket": BUCKET if previous else None,
               "previousDigestS3Object": previous[0] if previous else None,
               "previousDigestHashValue": previous[1] if previous else None,
               "previousDigestHashAlgorithm": "SHA-256" if previous else None,
               "previousDigestSignature": previous[2] if previous else None, "logFiles": entries}
        raw = json.dumps(doc).encode()
        sha = hashlib.sha256(raw).hexdigest()
        signed = f"{doc['digestEndTime']}\n{BUCKET}/{rel}\n{sha}\n{previous[2] if previous else 'null'}"
        signature = key.sign(signed.encode(), padding.PKCS1v15(), hashes.SHA256()).hex()
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(gzip.compress(raw))
        (root / (rel + ".signature")).write_text(signature)
        previous = (rel, sha, signature)
    (root.parent / "keys.json").write_text(json.dumps({"PublicKeyList": [
        {"Value": base64.b64encode(der).decode(), "Fingerprint": fingerprint,
         "ValidityStartTime": "2024-01-01T00:00:00Z", "ValidityEndTime": "2025-01-01T00:00:00Z"}]}))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--hours", type=int, default=8)
    parser.add_argument("--logs-per-hour", type=int, default=12)
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kokuho-trail-bench-") as tmp:
        root = Path(tmp) / "bucket"
        size = build(root, args.hours, args.logs_per_hour, args.records, args.seed)
        keys = load_public_keys(Path(tmp) / "keys.json")
        rates = []
        for _ in range(args.runs):
            gc.collect()
            start = time.process_time()
            results = validate_directory(root, keys)
            rates.append(size / 1e6 / (time.process_time() - start))
            assert all(r.status == "valid" for r in results), "the benchmark's chain must validate"
    files = args.hours * args.logs_per_hour
    print(f"trail validate: {statistics.median(rates):,.0f} MB/s of log data hashed per core (median of "
          f"{args.runs} runs on CPU time; runs {', '.join(f'{r:,.0f}' for r in rates)}); {files} gzipped logs, "
          f"{size / 1e6:,.0f} MB uncompressed, {args.hours} signed digests")


if __name__ == "__main__":
    main()
