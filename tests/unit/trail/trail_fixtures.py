"""Real-format CloudTrail records and log files for the trail tests (domain.md §7)."""

from __future__ import annotations

import gzip
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
