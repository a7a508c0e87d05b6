"""A CloudTrail for local runs (issue 11 item 2): every call the project's code makes to the embedded AWS,
written as a CloudTrail record in the real format, into log files in the real bucket layout, with hourly
digest files signed by a local key — so `kokuho trail validate` and `kokuho trail scan` read a local run's
trail exactly as they read the city's bucket (domain.md §7).

A recorder, not an AWS: moto still serves every call. botocore's own events (joined to every botocore
session, as kokuho_local.local_lambda's grant check is) see each call: its parameters
(`provide-client-params`), the key that signed it (`before-sign`, the per-request credentials of
kokuho.access.data_role included) and its answer (`after-call`, errors too). Who signed is known from the
sessions the run started: an AssumeRole the recorder saw maps its access key to the assumed-role identity,
its `SourceIdentity` and its role (moto's STS keeps neither); any other key is the function's own role when
a Lambda handler runs (`AWS_LAMBDA_FUNCTION_NAME`, its session named after the function, as Lambda names
it) and the operator otherwise.

What a record holds follows CloudTrail: DynamoDB data events log the table and the item's key values (keys
are surrogate ids, domain.md §7), never other attributes; KMS logs the key, algorithm and encryption
context, never plaintext or ciphertext; S3 the bucket and key; STS the role, session name, source identity
and tags; other calls their scalar parameters except bodies and payloads. Any string holding a My Number in
any shape is replaced before a record is kept. Local-only: never in the Lambda layer.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import re
import secrets
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import botocore.handlers

from kokuho.identity.mynumber import contains_my_number
from kokuho.platform.tables import AWS_REGION, TABLES

ACCOUNT = "123456789012"  # moto's default account: the embedded AWS's
TRAIL_NAME = "kokuho-audit"
BUCKET = "kokuho-audit-trail"
LOG_WINDOW_MINUTES = 5  # CloudTrail delivers a log file about every 5 minutes
OPERATOR = "kokuho-operator"
LAMBDA_ROLE = "kokuho-lambda"  # the embedded AWS's execution role (kokuho_local.embedded.LAMBDA_ROLE)


def _own_role(function: str) -> str:
    """The own role a function's session is issued by as deployed: an api function's is named as the function
    (kokuho.platform.catalog.own_role_name: the trail recognises it so), the others' the embedded AWS's one role."""
    from kokuho.platform.catalog import FUNCTIONS_BY_LOGICAL, own_role_name

    spec = FUNCTIONS_BY_LOGICAL.get(function.removeprefix("kokuho-"))
    return (own_role_name(spec) if spec is not None else None) or LAMBDA_ROLE
_KEYS_OF_TABLE = {t.name(): [a for a in (t.partition_key, t.sort_key) if a] for t in TABLES}
_DATA_EVENTS = {
    "dynamodb": {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem",
                 "BatchWriteItem", "TransactGetItems", "TransactWriteItems", "ExecuteStatement",
                 "BatchExecuteStatement", "ExecuteTransaction"},
    "s3": {"GetObject", "PutObject", "DeleteObject", "HeadObject", "ListObjects", "ListObjectsV2",
           "CopyObject", "DeleteObjects", "GetObjectRetention", "GetObjectLegalHold"},
    "lambda": {"Invoke"},
}
_READ_PREFIXES = ("Get", "List", "Describe", "Query", "Scan", "BatchGet", "TransactGet", "Head", "Lookup",
                  "Decrypt", "Verify")
# Never logged, whatever the service: bodies, payloads, items and secrets.
_WITHHELD = {"Body", "Payload", "Input", "Output", "Item", "Items", "Plaintext", "CiphertextBlob", "Message",
             "Cause", "Error", "TaskToken", "SecretString", "SecretBinary", "Policy", "ExpressionAttributeValues",
             "Entries", "MessageBody", "Definition", "Code", "ZipFile", "Environment", "Tags"}


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _plain(value: Any) -> Any:
    """A DynamoDB AttributeValue as CloudTrail shows a key value: the value itself."""
    if isinstance(value, dict) and len(value) == 1:
        (kind, inner), = value.items()
        if kind in ("S", "N"):
            return inner
        if kind == "B":
            return base64.b64encode(inner).decode() if isinstance(inner, bytes) else inner
    return None


def _key_of(table: str, attributes: Any) -> dict[str, Any] | None:
    if not isinstance(attributes, dict):
        return None
    names = _KEYS_OF_TABLE.get(table) or [n for n in attributes if n in ("pk", "sk")]
    key = {n: _plain(attributes[n]) for n in names if n in attributes}
    return key or None


def _dynamodb_parameters(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    table = str(params.get("TableName", ""))
    out: dict[str, Any] = {}
    if table:
        out["tableName"] = table
    if "Key" in params:
        out["key"] = _key_of(table, params["Key"])
    if operation == "PutItem" and "Item" in params:
        out["key"] = _key_of(table, params["Item"])
    for name in ("IndexName", "KeyConditionExpression", "ConditionExpression", "UpdateExpression",
                 "ProjectionExpression", "FilterExpression", "Limit", "ScanIndexForward", "ConsistentRead",
                 "Select", "ReturnValues"):
        if name in params:
            out[_camel(name)] = params[name]
    if operation in ("Query", "Scan"):
        # A query's key condition names key values (an index's keys included) and its start key is a
        # key: CloudTrail shows key values in clear, never other attributes (domain.md §7).
        values = params.get("ExpressionAttributeValues") or {}
        condition = str(params.get("KeyConditionExpression", ""))
        keyed = {n: _plain(v) for n, v in values.items() if re.search(re.escape(n) + r"(?![A-Za-z0-9_])", condition)}
        if keyed:
            out["expressionAttributeValues"] = keyed
        if isinstance(params.get("ExclusiveStartKey"), dict):
            out["exclusiveStartKey"] = {n: _plain(v) for n, v in params["ExclusiveStartKey"].items()}
    if operation == "TransactWriteItems":
        items = []
        for entry in params.get("TransactItems", []):
            for kind, op in entry.items():
                name = str(op.get("TableName", ""))
                items.append({_camel(kind): {"tableName": name,
                                             "key": _key_of(name, op.get("Key") or op.get("Item"))}})
        out["transactItems"] = items
    if operation in ("BatchWriteItem", "BatchGetItem"):
        out["requestItems"] = [{"tableName": name} for name in params.get("RequestItems", {})]
    if operation == "TransactGetItems":
        out["transactItems"] = [{"get": {"tableName": e.get("Get", {}).get("TableName"),
                                         "key": _key_of(str(e.get("Get", {}).get("TableName", "")),
                                                        e.get("Get", {}).get("Key"))}}
                                for e in params.get("TransactItems", [])]
    return out


def _request_parameters(service: str, operation: str, params: dict[str, Any]) -> dict[str, Any] | None:
    if service == "dynamodb":
        return _dynamodb_parameters(operation, params)
    if service == "s3":
        out = {"bucketName": params.get("Bucket"), "Host": f"{params.get('Bucket')}.s3.{AWS_REGION}.amazonaws.com"}
        if "Key" in params:
            out["key"] = params["Key"]
        if "Prefix" in params:
            out["prefix"] = params["Prefix"]
        return out
    if service == "sts" and operation == "AssumeRole":
        out = {"roleArn": params.get("RoleArn"), "roleSessionName": params.get("RoleSessionName"),
               "durationSeconds": params.get("DurationSeconds")}
        if params.get("SourceIdentity"):
            out["sourceIdentity"] = params["SourceIdentity"]
        if params.get("Tags"):
            out["tags"] = [{"key": t.get("Key"), "value": t.get("Value")} for t in params["Tags"]]
        return out
    out = {}
    for name, value in params.items():
        if name in _WITHHELD:
            continue
        if isinstance(value, str | int | float | bool):
            out[_camel(name)] = value
        elif name == "EncryptionContext" and isinstance(value, dict):
            out["encryptionContext"] = dict(value)
    return out or None


def _scrub(value: Any) -> Any:
    """Every string holding a My Number (in any shape) replaced: a trail never holds one."""
    if isinstance(value, str):
        return "***" if contains_my_number(value) else value
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class TrailRecorder:
    """Records the calls while `recording()` is active; `write()` lays out the logs and signed digests."""

    out: Path
    account: str = ACCOUNT
    region: str = AWS_REGION
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    records: list[dict[str, Any]] = field(default_factory=list)
    _sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _active: bool = False

    # --- botocore events ---------------------------------------------------------------------------

    def _params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if self._active:
            context["kokuho_trail"] = {"params": dict(params)}

    def _signed(self, request: Any, request_signer: Any = None, **_: Any) -> None:
        trail = request.context.get("kokuho_trail")
        if trail is None:
            return
        credentials = request.context.get("signing", {}).get("request_credentials")
        if credentials is None and request_signer is not None:
            credentials = getattr(request_signer, "_credentials", None)
        if credentials is not None:
            trail["access_key"] = credentials.get_frozen_credentials().access_key
        agent = request.headers.get("User-Agent")
        trail["user_agent"] = agent.decode() if isinstance(agent, bytes) else agent

    def _answered(self, http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any],
                  **_: Any) -> None:
        trail = context.get("kokuho_trail")
        if trail is None or not self._active:
            return
        service = model.service_model.endpoint_prefix
        operation = model.name
        if service == "sts" and operation == "AssumeRole" and "Credentials" in parsed:
            self._learn_session(trail["params"], parsed)
        record = self._record(service, operation, trail, parsed, int(getattr(http_response, "status_code", 200)))
        with self._lock:
            self.records.append(record)

    def _learn_session(self, params: dict[str, Any], parsed: dict[str, Any]) -> None:
        role_arn = str(params.get("RoleArn", ""))
        role_name = role_arn.rsplit("/", 1)[-1]
        account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else self.account
        user = parsed.get("AssumedRoleUser", {})
        role_id = str(user.get("AssumedRoleId", "AROA:")).split(":", 1)[0]
        context: dict[str, Any] = {
            "sessionIssuer": {"type": "Role", "principalId": role_id, "arn": role_arn, "accountId": account,
                              "userName": role_name},
            "attributes": {"creationDate": _iso(self.clock()), "mfaAuthenticated": "false"}}
        if params.get("SourceIdentity"):
            context["sourceIdentity"] = params["SourceIdentity"]
        key = parsed["Credentials"]["AccessKeyId"]
        self._sessions[key] = {"type": "AssumedRole", "principalId": user.get("AssumedRoleId"),
                               "arn": user.get("Arn"), "accountId": account, "accessKeyId": key,
                               "sessionContext": context}

    def _identity(self, access_key: str | None) -> dict[str, Any]:
        if access_key and access_key in self._sessions:
            return self._sessions[access_key]
        function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        if function:  # a handler running with its function's own role: Lambda names the session after it
            role = _own_role(function)
            return {"type": "AssumedRole", "principalId": f"AROALOCALLAMBDAROLE1:{function}",
                    "arn": f"arn:aws:sts::{self.account}:assumed-role/{role}/{function}",
                    "accountId": self.account, "accessKeyId": access_key,
                    "sessionContext": {"sessionIssuer": {
                        "type": "Role", "principalId": "AROALOCALLAMBDAROLE1",
                        "arn": f"arn:aws:iam::{self.account}:role/{role}", "accountId": self.account,
                        "userName": role},
                        "attributes": {"creationDate": _iso(self.clock()), "mfaAuthenticated": "false"}}}
        return {"type": "IAMUser", "principalId": "AIDALOCALOPERATOR001",
                "arn": f"arn:aws:iam::{self.account}:user/{OPERATOR}", "accountId": self.account,
                "accessKeyId": access_key, "userName": OPERATOR}

    def _record(self, service: str, operation: str, trail: dict[str, Any], parsed: dict[str, Any],
                status: int) -> dict[str, Any]:
        params = trail["params"]
        data = operation in _DATA_EVENTS.get(service, set())
        record: dict[str, Any] = {
            "eventVersion": "1.09", "userIdentity": self._identity(trail.get("access_key")),
            "eventTime": _iso(self.clock()), "eventSource": f"{service}.amazonaws.com", "eventName": operation,
            "awsRegion": self.region, "sourceIPAddress": "127.0.0.1",
            "userAgent": trail.get("user_agent") or "Boto3",
            "requestParameters": _request_parameters(service, operation, params), "responseElements": None,
            "requestID": parsed.get("ResponseMetadata", {}).get("RequestId") or uuid.uuid4().hex.upper(),
            "eventID": str(uuid.uuid4()), "readOnly": operation.startswith(_READ_PREFIXES),
            "eventType": "AwsApiCall", "managementEvent": not data, "recipientAccountId": self.account,
            "eventCategory": "Data" if data else "Management"}
        error = parsed.get("Error") if status >= 300 else None
        if error:
            record["errorCode"] = error.get("Code")
            record["errorMessage"] = str(error.get("Message", ""))[:200]
        elif service == "sts" and operation == "AssumeRole" and "Credentials" in parsed:
            user = parsed.get("AssumedRoleUser", {})
            record["responseElements"] = {
                "credentials": {"accessKeyId": parsed["Credentials"]["AccessKeyId"],
                                "expiration": str(parsed["Credentials"].get("Expiration"))},
                "assumedRoleUser": {"assumedRoleId": user.get("AssumedRoleId"), "arn": user.get("Arn")},
                **({"sourceIdentity": params["SourceIdentity"]} if params.get("SourceIdentity") else {})}
        if service == "dynamodb" and params.get("TableName"):
            record["resources"] = [{"accountId": self.account, "type": "AWS::DynamoDB::Table",
                                    "ARN": f"arn:aws:dynamodb:{self.region}:{self.account}:table/"
                                           f"{params['TableName']}"}]
        return _scrub(record)  # type: ignore[no-any-return]

    # --- recording -----------------------------------------------------------------------------------

    _HANDLERS = (("provide-client-params", "_params"), ("before-sign", "_signed"), ("after-call", "_answered"))

    @contextmanager
    def recording(self) -> Iterator[TrailRecorder]:
        handlers = [(event, getattr(self, name)) for event, name in self._HANDLERS]
        for spec in handlers:
            botocore.handlers.BUILTIN_HANDLERS.append(spec)
            if boto3.DEFAULT_SESSION is not None:
                boto3.DEFAULT_SESSION.events.register(spec[0], spec[1])
        self._active = True
        try:
            yield self
        finally:
            self._active = False
            for spec in handlers:
                if spec in botocore.handlers.BUILTIN_HANDLERS:
                    botocore.handlers.BUILTIN_HANDLERS.remove(spec)

    # --- the bucket layout ---------------------------------------------------------------------------

    def write(self) -> TrailFiles:
        """Log files (one per 5-minute window), hourly digests chained and signed, the public key."""
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        windows: dict[datetime, list[dict[str, Any]]] = {}
        for record in sorted(self.records, key=lambda r: r["eventTime"]):
            moment = datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            start = moment.replace(minute=moment.minute - moment.minute % LOG_WINDOW_MINUTES, second=0)
            windows.setdefault(start, []).append(record)
        hours: dict[datetime, list[dict[str, Any]]] = {}
        logs = []
        for start, records in sorted(windows.items()):
            path = write_log(log_path(self.out, start + timedelta(minutes=LOG_WINDOW_MINUTES), secrets.token_hex(8),
                                      account=self.account, region=self.region), records)
            logs.append(path)
            hours.setdefault(start.replace(minute=0), []).append(log_entry(self.out, path))
        digests = []
        previous: tuple[str, str, str] | None = None  # object, sha256, signature
        for hour, entries in sorted(hours.items()):
            doc = digest_doc(hour, entries, key, previous, account=self.account, region=self.region)
            sha, signature = write_digest(self.out, doc, key)
            digests.append(self.out / doc["digestS3Object"])
            previous = (doc["digestS3Object"], sha, signature)
        first = min(hours) if hours else self.clock()
        # beside the bucket copy, not in it (validate would name it a file no digest covers), as a security
        # reviewer keeps the `aws cloudtrail list-public-keys` answer
        public_keys = self.out.parent / f"{self.out.name}-public-keys.json"
        self.out.mkdir(parents=True, exist_ok=True)
        public_keys.write_text(json.dumps({"PublicKeyList": [
            public_key_entry(key, _iso(first - timedelta(hours=1)), _iso(first + timedelta(days=400)))]},
            indent=1) + "\n")
        return TrailFiles(self.out, logs, digests, public_keys, len(self.records))


# --- CloudTrail's bucket layout: log files, signed digests, public keys (the recorder's and the tests') ------


def log_path(root: Path, delivered: datetime, unique: str, *, account: str = ACCOUNT,
             region: str = AWS_REGION) -> Path:
    """Where CloudTrail delivers a log file: AWSLogs/<account>/CloudTrail/<region>/<YYYY/MM/DD>/<name>.json.gz."""
    folder = root / "AWSLogs" / account / "CloudTrail" / region / delivered.strftime("%Y/%m/%d")
    return folder / f"{account}_CloudTrail_{region}_{delivered:%Y%m%dT%H%MZ}_{unique}.json.gz"


def write_log(path: Path, records: list[dict[str, Any]]) -> Path:
    """A log file {"Records": [...]}: gzip'd as CloudTrail writes it (plain JSON for a name without .gz)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps({"Records": records}, ensure_ascii=False).encode("utf-8")
    path.write_bytes(gzip.compress(raw) if path.name.endswith(".gz") else raw)
    return path


def log_entry(root: Path, path: Path) -> dict[str, Any]:
    """A digest's entry for a log file: its object, the SHA-256 of its uncompressed bytes, its event times."""
    raw = path.read_bytes()
    raw = gzip.decompress(raw) if path.name.endswith(".gz") else raw
    times = [r["eventTime"] for r in json.loads(raw)["Records"]]
    return {"s3Bucket": BUCKET, "s3Object": path.relative_to(root).as_posix(),
            "hashValue": hashlib.sha256(raw).hexdigest(), "hashAlgorithm": "SHA-256",
            "newestEventTime": max(times), "oldestEventTime": min(times)}


def _der(key: Any) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return bytes(key.public_key().public_bytes(Encoding.DER, PublicFormat.PKCS1))


def fingerprint(key: Any) -> str:
    """CloudTrail's public key fingerprint: MD5 of the DER (PKCS#1) public key."""
    return hashlib.md5(_der(key)).hexdigest()  # noqa: S324 (CloudTrail's key fingerprint is MD5)


def public_key_entry(key: Any, valid_from: str, valid_until: str) -> dict[str, Any]:
    """One key as `aws cloudtrail list-public-keys` lists it."""
    return {"Value": base64.b64encode(_der(key)).decode(), "ValidityStartTime": valid_from,
            "ValidityEndTime": valid_until, "Fingerprint": fingerprint(key)}


def digest_doc(hour: datetime, entries: list[dict[str, Any]], key: Any, previous: tuple[str, str, str] | None, *,
               account: str = ACCOUNT, region: str = AWS_REGION) -> dict[str, Any]:
    """The digest of the hour starting at `hour` over `entries` (log_entry), chained to `previous` (its object,
    SHA-256 and signature; None for the first), in CloudTrail's digest layout."""
    end = hour + timedelta(hours=1)
    rel = (f"AWSLogs/{account}/CloudTrail-Digest/{region}/{end:%Y/%m/%d}/{account}_"
           f"CloudTrail-Digest_{region}_{TRAIL_NAME}_{region}_{end:%Y%m%dT%H%M%SZ}.json.gz")
    return {"awsAccountId": account, "digestStartTime": _iso(hour), "digestEndTime": _iso(end),
            "digestS3Bucket": BUCKET, "digestS3Object": rel,
            "newestEventTime": max(e["newestEventTime"] for e in entries),
            "oldestEventTime": min(e["oldestEventTime"] for e in entries),
            "digestPublicKeyFingerprint": fingerprint(key), "digestSignatureAlgorithm": "SHA256withRSA",
            "previousDigestS3Bucket": BUCKET if previous else None,
            "previousDigestS3Object": previous[0] if previous else None,
            "previousDigestHashValue": previous[1] if previous else None,
            "previousDigestHashAlgorithm": "SHA-256" if previous else None,
            "previousDigestSignature": previous[2] if previous else None,
            "logFiles": entries}


def write_digest(root: Path, doc: dict[str, Any], key: Any, raw: bytes | None = None) -> tuple[str, str]:
    """The digest `doc` (its bytes `raw`, else compact JSON) gzip'd at its digestS3Object under `root`, its hex
    signature beside it as `<name>.signature`, signed as CloudTrail signs: SHA256withRSA over
    `digestEndTime\ndigestS3Bucket/digestS3Object\nhex(SHA-256(bytes))\npreviousDigestSignature` (`null` for
    the first). Returns (SHA-256, signature)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    raw = json.dumps(doc).encode() if raw is None else raw
    sha = hashlib.sha256(raw).hexdigest()
    signed = (f"{doc['digestEndTime']}\n{doc['digestS3Bucket']}/{doc['digestS3Object']}\n{sha}\n"
              f"{doc['previousDigestSignature'] or 'null'}")
    signature = key.sign(signed.encode(), padding.PKCS1v15(), hashes.SHA256()).hex()
    path = root / doc["digestS3Object"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(raw))
    path.with_name(path.name + ".signature").write_text(signature + "\n")
    return sha, signature


@dataclass(frozen=True)
class TrailFiles:
    root: Path
    logs: list[Path]
    digests: list[Path]
    public_keys: Path
    records: int
