"""Throughput of `kokuho trail scan`: CloudTrail records per second, one core, over gzipped log files
(issue 11: ≥ 100,000 records/s per core).

    .venv/bin/python benchmarks/trail_scan.py [--files N] [--records R] [--runs K]

Writes N synthetic log files of R records each (real format, domain.md §7: mostly DynamoDB data events of
staff sessions with their source identity, some KMS and management calls, a few refusals and one bulk
reader) into a temporary directory, then times `scan_directory` with the shipped detections — reading,
decompressing, parsing and every rule — on the CPU time of this process, median of K runs. Run `uptime`
alongside: the machine is shared.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kokuho.trail.detections import load_detections
from kokuho.trail.scan import scan_directory
from kokuho_local import trail_recorder as trail

ACCOUNT = "123456789012"
START = datetime(2024, 11, 5, 0, 0, tzinfo=UTC)


def event(rng: random.Random, moment: datetime) -> dict[str, Any]:
    staff = f"S{rng.randint(1, 300):04d}"
    role = "kokuho-data-access"
    kind = rng.random()
    if kind < 0.85:
        source, name = "dynamodb.amazonaws.com", rng.choice(["GetItem", "Query", "PutItem", "BatchGetItem"])
        params: dict[str, Any] = {"tableName": "kokuho-persons", "key": {"pk": f"PERSON#P{rng.randint(1, 99999):06d}",
                                                                         "sk": "PROFILE"}}
    elif kind < 0.95:
        source, name = "kms.amazonaws.com", rng.choice(["Decrypt", "GenerateDataKey"])
        params = {"encryptionAlgorithm": "SYMMETRIC_DEFAULT",
                  "encryptionContext": {"table": "kokuho-persons", "purpose": "qualification"}}
    else:
        source, name = rng.choice([("sts.amazonaws.com", "AssumeRole"), ("lambda.amazonaws.com", "Invoke"),
                                   ("states.amazonaws.com", "StartExecution")])
        params = {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/{role}", "sourceIdentity": staff}
    rec: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": {"type": "AssumedRole", "principalId": f"AROAEXAMPLEROLEID01:{staff}",
                         "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{staff}", "accountId": ACCOUNT,
                         "accessKeyId": "ASIAEXAMPLEKEYID0001",
                         "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLEROLEID01",
                                                              "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
                                                              "accountId": ACCOUNT, "userName": role},
                                            "attributes": {"creationDate": "2024-11-05T00:00:00Z",
                                                           "mfaAuthenticated": "false"},
                                            "sourceIdentity": staff}},
        "eventTime": moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "eventSource": source, "eventName": name,
        "awsRegion": "ap-northeast-1", "sourceIPAddress": "10.20.1.15",
        "userAgent": "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux lang/python#3.12 exec-env/AWS_Lambda_python3.12",
        "requestParameters": params, "responseElements": None, "requestID": uuid.UUID(int=rng.getrandbits(128)).hex,
        "eventID": str(uuid.UUID(int=rng.getrandbits(128))), "readOnly": name not in ("PutItem",),
        "resources": [{"accountId": ACCOUNT, "type": "AWS::DynamoDB::Table",
                       "ARN": f"arn:aws:dynamodb:ap-northeast-1:{ACCOUNT}:table/kokuho-persons"}],
        "eventType": "AwsApiCall", "managementEvent": source != "dynamodb.amazonaws.com",
        "recipientAccountId": ACCOUNT, "eventCategory": "Data" if source == "dynamodb.amazonaws.com" else "Management",
        "vpcEndpointId": "vpce-0a1b2c3d4e5f60718"}
    if rng.random() < 0.002:
        rec["errorCode"], rec["errorMessage"] = "AccessDenied", "not authorized"
    return rec


def write_logs(root: Path, files: int, per_file: int, seed: int) -> tuple[int, int]:
    rng = random.Random(seed)
    total_bytes = 0
    for n in range(files):
        base = START + timedelta(minutes=5 * n)
        records = [event(rng, base + timedelta(seconds=rng.randint(0, 299))) for _ in range(per_file)]
        if n == files // 2:  # one member of staff reading in bulk
            for rec in records[: per_file // 2]:
                rec["eventName"], rec["eventSource"] = "GetItem", "dynamodb.amazonaws.com"
                rec["userIdentity"]["sessionContext"]["sourceIdentity"] = "S0999"
        path = trail.log_path(root, base, f"{n:08x}", account=ACCOUNT, region="ap-northeast-1")
        path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"Records": records}).encode()
        total_bytes += len(body)
        path.write_bytes(gzip.compress(body, compresslevel=6))
    return files * per_file, total_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    detections = load_detections()
    with tempfile.TemporaryDirectory(prefix="kokuho-trail-bench-") as tmp:
        records, size = write_logs(Path(tmp), args.files, args.records, args.seed)
        rates = []
        findings = 0
        for _ in range(args.runs):
            gc.collect()
            start = time.process_time()
            scanner = scan_directory(Path(tmp), detections, {"bulk-read": {"count": 500}})
            findings = len(scanner.findings())
            rates.append(records / (time.process_time() - start))
    print(f"trail scan: {statistics.median(rates):,.0f} records/s per core (median of {args.runs} runs on CPU "
          f"time; runs {', '.join(f'{r:,.0f}' for r in rates)}); {args.files} gzipped files, {records:,} records, "
          f"{size / records:,.0f} bytes a record, {len(detections)} detections, {findings} findings")


if __name__ == "__main__":
    main()
