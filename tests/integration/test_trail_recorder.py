"""A trail for local runs (issue 11 item 2): the recorder writes every call the project's code makes to the
embedded AWS as a CloudTrail record in the real format, in the real bucket layout, with signed hourly
digests — and `kokuho trail validate` and `kokuho trail scan` read it as they read the city's bucket."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from kokuho.access.data_role import Caller, DataAccessSessions, acting_as
from kokuho.access.records import Actor, record_access
from kokuho.cli.main import main as cli_main
from kokuho.identity.mynumber import count_my_numbers
from kokuho.platform.tables import AWS_REGION, DataClass
from kokuho_local.embedded import EmbeddedAWS
from kokuho_local.trail_recorder import TrailRecorder

ROLE = "arn:aws:iam::123456789012:role/kokuho-qualification-api-read-data"


def _records(root: Path) -> list[dict[str, Any]]:
    out = []
    for path in sorted((root / "AWSLogs").glob("*/CloudTrail/*/*/*/*/*.json.gz")):
        out.extend(json.loads(gzip.decompress(path.read_bytes()))["Records"])
    return out


def test_a_recorded_run_is_a_trail_the_security_commands_read(aws: EmbeddedAWS, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    hours = iter(datetime(2026, 11, 30, 9, 0, tzinfo=UTC) + timedelta(minutes=20 * n) for n in range(10_000))
    recorder = TrailRecorder(tmp_path / "trail", clock=lambda: next(hours))
    sessions = DataAccessSessions(ROLE, lambda: boto3.client("sts", region_name=AWS_REGION))
    with recorder.recording():
        with acting_as(Caller("S0301", "T-KOKUHO-03", "qualification-api-read", "資格管理"), sessions):
            record_access(Actor("S0301", "T-KOKUHO-03", "資格管理"), ["P0001"], "qualification", "read")
        record_access(Actor("system:monthly", "run-1", "月次賦課"), ["H0001"], "assessment", "write")
        kms = boto3.client("kms", region_name=AWS_REGION)
        kms.encrypt(KeyId=aws.key_arn(DataClass.PERSONAL), Plaintext=b"123456789018",  # never in the trail
                    EncryptionContext={"kokuho:person": "P0001"})
        with pytest.raises(ClientError):
            boto3.client("dynamodb", region_name=AWS_REGION).get_item(TableName="no-such-table",
                                                                       Key={"pk": {"S": "x"}})
    files = recorder.write()
    assert files.records == len(recorder.records) > 5
    assert len(files.digests) >= 2  # the calls span more than one hour: a chain of signed digests

    records = _records(files.root)
    assert len(records) == files.records
    # the staff member's calls: the data role's session, named by the source identity
    staff = [r for r in records if r["userIdentity"].get("sessionContext", {}).get("sourceIdentity") == "S0301"]
    assert {r["eventName"] for r in staff} >= {"Query", "TransactWriteItems"}
    put = next(r for r in staff if r["eventName"] == "TransactWriteItems")
    assert put["userIdentity"]["arn"] == (
        "arn:aws:sts::123456789012:assumed-role/kokuho-qualification-api-read-data/S0301")
    assert put["userIdentity"]["sessionContext"]["sessionIssuer"]["userName"] == "kokuho-qualification-api-read-data"
    assert put["eventCategory"] == "Data" and put["managementEvent"] is False and put["readOnly"] is False
    assert put["requestParameters"]["transactItems"][0]["put"]["key"]["pk"] == "CHAIN#SUBJECT#P0001"
    assume = next(r for r in records if r["eventName"] == "AssumeRole")
    assert assume["requestParameters"]["sourceIdentity"] == "S0301"
    assert {t["key"] for t in assume["requestParameters"]["tags"]} == {
        "kokuho-terminal", "kokuho-function", "kokuho-purpose"}
    # the field set of domain.md §7 on every record; an error carries its code
    for r in records:
        assert {"eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion",
                "sourceIPAddress", "userAgent", "requestParameters", "responseElements", "requestID", "eventID",
                "readOnly", "eventType", "managementEvent", "recipientAccountId", "eventCategory"} <= set(r)
    failed = next(r for r in records if r["eventName"] == "GetItem")
    assert failed["errorCode"] == "ResourceNotFoundException"
    encrypt = next(r for r in records if r["eventName"] == "Encrypt")
    assert encrypt["requestParameters"]["encryptionContext"] == {"kokuho:person": "P0001"}
    text = "".join(json.dumps(r, ensure_ascii=False) for r in records)
    assert count_my_numbers(text) == 0 and "Plaintext" not in text and "prev_hash" not in text

    # the security team's commands read it as the city's bucket
    assert cli_main(["trail", "validate", "--logs", str(files.root), "--public-keys", str(files.public_keys),
                     "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert lines and all(line.get("status") in (None, "valid") for line in lines)
    assert cli_main(["trail", "scan", "--logs", str(files.root), "--json"]) == 0
    capsys.readouterr()
    # an edited log is named by validate
    log = files.logs[0]
    body = json.loads(gzip.decompress(log.read_bytes()))
    body["Records"][0]["eventName"] = "Edited"
    log.write_bytes(gzip.compress(json.dumps(body).encode()))
    assert cli_main(["trail", "validate", "--logs", str(files.root), "--public-keys", str(files.public_keys)]) == 1


def test_an_api_functions_own_record_is_known_by_its_role_and_a_session_named_like_it_is_not(
        aws: EmbeddedAWS, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused request's record is appended by the api function's own role, whose session Lambda names after the
    function: access-log-write knew it by that name — which whoever assumes a role may choose. It is known by the
    role that issued the session (an api function's own role is named as the function, as deployed): the local
    trail shows it so and the scan says nothing of it; a session so named but issued by another role is reported."""
    from kokuho.trail.detections import load_detections
    from kokuho.trail.scan import Scanner

    recorder = TrailRecorder(tmp_path / "trail", clock=lambda: datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    with recorder.recording():
        monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "kokuho-qualification-api-read")
        record_access(Actor("S0301", "T-KOKUHO-03", "(no active grant)"), ["P0001"], "qualification", "read",
                      result="denied")
        monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME")
    writes = [r for r in recorder.records if r["eventName"] in ("PutItem", "TransactWriteItems")]
    assert writes and {r["userIdentity"]["sessionContext"]["sessionIssuer"]["userName"] for r in writes} == {
        "kokuho-qualification-api-read"}
    detection = next(d for d in load_detections() if d.id == "access-log-write")
    scanner = Scanner([detection], {detection.id: {}})
    scanner.feed(writes)
    assert scanner.findings() == []
    impostor = json.loads(json.dumps(writes))
    for r in impostor:
        r["userIdentity"]["sessionContext"]["sessionIssuer"]["userName"] = "kokuho-admin"
    scanner = Scanner([detection], {detection.id: {}})
    scanner.feed(impostor)
    assert len(scanner.findings()) == len(impostor)
