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
import gc
import gzip
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from kokuho.trail.validate import load_public_keys, validate_directory
from kokuho_local import trail_recorder as trail

sys.path.insert(0, str(Path(__file__).parent))
from trail_scan import ACCOUNT, START, event  # noqa: E402


def build(root: Path, hours: int, per_hour: int, records: int, seed: int) -> int:
    """The chain laid out and signed by the local trail recorder's writers (kokuho_local.trail_recorder)."""
    rng = random.Random(seed)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    total = 0
    previous: tuple[str, str, str] | None = None
    for hour in range(hours):
        entries: list[dict[str, Any]] = []
        for n in range(per_hour):
            moment = START + timedelta(hours=hour, minutes=5 * n)
            body = json.dumps({"Records": [event(rng, moment) for _ in range(records)]}).encode()
            total += len(body)
            path = trail.log_path(root, moment, f"{hour:04d}{n:04d}", account=ACCOUNT, region="ap-northeast-1")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(gzip.compress(body, compresslevel=6))
            entries.append(trail.log_entry(root, path))
        doc = trail.digest_doc(START + timedelta(hours=hour), entries, key, previous, account=ACCOUNT,
                               region="ap-northeast-1")
        sha, signature = trail.write_digest(root, doc, key)
        previous = (doc["digestS3Object"], sha, signature)
    (root.parent / "keys.json").write_text(json.dumps({"PublicKeyList": [
        trail.public_key_entry(key, "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z")]}))
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
