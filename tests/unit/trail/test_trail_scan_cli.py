"""`kokuho trail scan` as interfaces.md states it: which files are read, the finding objects, principal
resolution, the five contract rules and the exit codes."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from trail_fixtures import ACCOUNT, at, get_item, log_path, record, staff_identity, write_log

from kokuho.cli.main import main


def scan(capsys: pytest.CaptureFixture[str], root: Path, *extra: str) -> tuple[int, list[dict[str, Any]], str]:
    code = main(["trail", "scan", "--logs", str(root), "--json", *extra])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_finding_objects_have_exactly_the_contract_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stop = record("StopLogging", "cloudtrail.amazonaws.com", 10, params={"name": "kokuho-audit"})
    write_log(log_path(tmp_path, 0), [stop])
    code, findings, _ = scan(capsys, tmp_path)
    assert code == 0
    assert findings == [{"rule": "trail-tampering", "principal": "S0301", "count": 1, "first": at(10),
                         "last": at(10), "event_ids": [stop["eventID"]]}]


def test_reads_json_and_gzip_recursively_and_skips_digests_and_signatures(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = record("DeleteTrail", "cloudtrail.amazonaws.com", 1)
    b = record("DisableKey", "kms.amazonaws.com", 2)
    write_log(log_path(tmp_path, 0), [a])
    write_log(tmp_path / "archive" / "deep" / "copy.json", [b])
    digest = tmp_path / "AWSLogs" / ACCOUNT / "CloudTrail-Digest" / "ap-northeast-1" / "d.json.gz"
    write_log(digest, [record("StopLogging", "cloudtrail.amazonaws.com", 3)])  # would be found if read
    digest.with_name("d.json.gz.signature").write_text("00ff")
    (tmp_path / "notes.txt").write_text("not a log, not read")
    code, findings, _ = scan(capsys, tmp_path)
    assert code == 0
    assert [(f["rule"], f["event_ids"]) for f in findings] == [
        ("trail-tampering", [a["eventID"]]), ("key-disabled", [b["eventID"]])]


@pytest.mark.parametrize("content", [b"not json", b'{"records": []}', b'[1, 2]', b'{"Records": [1]}'])
def test_a_file_that_is_not_a_cloudtrail_log_exits_2_naming_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes) -> None:
    write_log(log_path(tmp_path, 0), [get_item(1)])
    bad = tmp_path / "AWSLogs" / "bad.json"
    bad.write_bytes(content)
    code, findings, err = scan(capsys, tmp_path)
    assert code == 2 and findings == [] and str(bad) in err


def test_a_gz_that_is_not_gzip_exits_2_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = log_path(tmp_path, 0)
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b'{"Records": []}')
    code, _, err = scan(capsys, tmp_path)
    assert code == 2 and str(bad) in err


def test_an_unreadable_directory_exits_2_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere"
    code, _, err = scan(capsys, missing)
    assert code == 2 and str(missing) in err
    a_file = tmp_path / "file.json"
    a_file.write_text("{}")
    code, _, err = scan(capsys, a_file)
    assert code == 2 and str(a_file) in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any directory")
def test_a_directory_without_permission_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0)
    try:
        code, _, err = scan(capsys, locked)
    finally:
        locked.chmod(0o755)
    assert code == 2 and str(locked) in err


def test_principal_is_source_identity_then_arn_then_invoked_by(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    staff = record("StopLogging", "cloudtrail.amazonaws.com", 1, staff_identity("S0301"))
    no_source = staff_identity("batch")
    del no_source["sessionContext"]["sourceIdentity"]
    role = record("StopLogging", "cloudtrail.amazonaws.com", 2, no_source)
    service = record("StopLogging", "cloudtrail.amazonaws.com", 3,
                     {"type": "AWSService", "invokedBy": "config.amazonaws.com"})
    write_log(log_path(tmp_path, 0), [staff, role, service])
    _, findings, _ = scan(capsys, tmp_path)
    assert [f["principal"] for f in findings] == [
        "S0301", f"arn:aws:sts::{ACCOUNT}:assumed-role/kokuho-data-access/batch", "config.amazonaws.com"]


@pytest.mark.parametrize("name", ["StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors",
                                  "PutInsightSelectors"])
def test_trail_tampering_whatever_the_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    events = [record(name, "cloudtrail.amazonaws.com", 1),
              record(name, "cloudtrail.amazonaws.com", 2, error="AccessDenied")]
    write_log(log_path(tmp_path, 0), events)
    _, findings, _ = scan(capsys, tmp_path)
    assert [(f["rule"], f["event_ids"]) for f in findings if f["rule"] == "trail-tampering"] == [
        ("trail-tampering", [events[0]["eventID"]]), ("trail-tampering", [events[1]["eventID"]])]


@pytest.mark.parametrize("name", ["DisableKey", "ScheduleKeyDeletion", "PutKeyPolicy"])
def test_key_disabled_per_event(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    events = [record(name, "kms.amazonaws.com", 1),
              record(name, "kms.amazonaws.com", 2, error="KMSInvalidStateException"),
              record("Decrypt", "kms.amazonaws.com", 3)]
    write_log(log_path(tmp_path, 0), events)
    _, findings, _ = scan(capsys, tmp_path)
    assert [f["event_ids"] for f in findings if f["rule"] == "key-disabled"] == [
        [events[0]["eventID"]], [events[1]["eventID"]]]


def _reads(n: int, start: float, spacing: float, staff: str = "S0301") -> list[dict[str, Any]]:
    return [get_item(start + i * spacing, staff) for i in range(n)]


def test_bulk_read_default_threshold_is_more_than_5000(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exactly = _reads(5000, 0, 0.05, "S0301")
    over = _reads(5001, 0, 0.05, "S0302")
    # Events within one log file carry whole seconds: 5,000 over 250 s, 20 a second.
    write_log(log_path(tmp_path, 0), exactly + over)
    _, findings, _ = scan(capsys, tmp_path)
    bulk = [f for f in findings if f["rule"] == "bulk-read"]
    assert [(f["principal"], f["count"], len(f["event_ids"])) for f in bulk] == [("S0302", 5001, 5001)]
    assert bulk[0]["first"] == over[0]["eventTime"] and bulk[0]["last"] == over[-1]["eventTime"]


def test_bulk_read_knows_no_exempt_principal_a_scheduled_run_is_reported_like_staff(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Decided (README, security review): a workflow run's source identity is the name its execution was
    started with, so naming scheduled intakes as exempt would exempt whoever names a run alike. The
    intakes read by batch instead and stay far below the threshold."""
    run = "demo-city-intake-2024"  # the city-intake's run id, as the demo starts it
    write_log(log_path(tmp_path, 0), _reads(5001, 0, 0.05, run))
    _, findings, _ = scan(capsys, tmp_path)
    assert [(f["rule"], f["principal"], f["count"]) for f in findings] == [("bulk-read", run, 5001)]


def test_bulk_read_threshold_option_sliding_window_and_bursts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Four reads 01:03:00–01:07:59 (two in each clock-aligned box), then an hour later five in ten seconds,
    # spread over two files.
    first = [get_item(s) for s in (180, 250, 330, 479)]
    second = [get_item(3600 + s) for s in range(0, 10, 2)]
    write_log(log_path(tmp_path, 0), first)
    write_log(log_path(tmp_path, 3600, "Second01"), second)
    _, findings, _ = scan(capsys, tmp_path, "--bulk-read-threshold", "3")
    bulk = [f for f in findings if f["rule"] == "bulk-read"]
    assert [(f["count"], f["first"], f["last"], f["event_ids"]) for f in bulk] == [
        (4, at(180), at(479), [r["eventID"] for r in first]),
        (5, at(3600), at(3608), [r["eventID"] for r in second])]


def test_bulk_read_counts_reads_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ddb = "dynamodb.amazonaws.com"
    reads = [record("BatchGetItem", ddb, 1, params={"requestItems": {"kokuho-persons": {"keys": [{}] * 100}}}),
             record("Query", ddb, 2), record("Scan", ddb, 3), record("TransactGetItems", ddb, 4),
             record("ExecuteStatement", ddb, 5, params={"statement": "SELECT * FROM \"kokuho-persons\""}),
             # CloudTrail logs a batch's statements under requestItems (the API calls them Statements)
             record("BatchExecuteStatement", ddb, 6, params={"requestItems": [{"statement": "UPDATE t SET a = 1"},
                                                                              {"statement": " select pk FROM t"}]}),
             record("BatchExecuteStatement", ddb, 6, params={"statements": [{"statement": "SELECT pk FROM t"}]})]
    others = [record("PutItem", ddb, 7), record("ExecuteStatement", ddb, 8, params={"statement": "DELETE FROM t"}),
              record("BatchExecuteStatement", ddb, 9, params={"requestItems": [{"statement": "INSERT INTO t"}]}),
              record("GetObject", "s3.amazonaws.com", 10), record("DescribeTable", ddb, 11)]
    write_log(log_path(tmp_path, 0), reads + others)
    _, findings, _ = scan(capsys, tmp_path, "--bulk-read-threshold", "6")
    assert [(f["rule"], f["count"], f["event_ids"]) for f in findings] == [
        ("bulk-read", 7, [r["eventID"] for r in reads])]
    _, findings, _ = scan(capsys, tmp_path, "--bulk-read-threshold", "7")
    assert findings == []


def test_access_denied_one_finding_per_principal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a1 = record("GetItem", "dynamodb.amazonaws.com", 5, staff_identity("S0401"), error="AccessDenied")
    a2 = record("Decrypt", "kms.amazonaws.com", 1, staff_identity("S0401"), error="AccessDeniedException")
    b1 = record("RunInstances", "ec2.amazonaws.com", 3, staff_identity("S0402"), error="Client.UnauthorizedOperation")
    fine = record("PutItem", "dynamodb.amazonaws.com", 4, staff_identity("S0401"),
                  error="ConditionalCheckFailedException")
    write_log(log_path(tmp_path, 0), [a1, b1, fine])
    write_log(log_path(tmp_path, 0, "Other001"), [a2])
    _, findings, _ = scan(capsys, tmp_path)
    assert findings == [
        {"rule": "access-denied", "principal": "S0401", "count": 2, "first": at(1), "last": at(5),
         "event_ids": [a2["eventID"], a1["eventID"]]},
        {"rule": "access-denied", "principal": "S0402", "count": 1, "first": at(3), "last": at(3),
         "event_ids": [b1["eventID"]]}]


def test_outside_japan_except_global_services(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def sts(seconds: float, region: str, host: str | None) -> dict[str, Any]:
        rec = record("GetCallerIdentity", "sts.amazonaws.com", seconds, region=region)
        if host:
            rec["tlsDetails"] = {"tlsVersion": "TLSv1.3", "clientProvidedHostHeader": host}
        return rec
    japan = [record("GetItem", "dynamodb.amazonaws.com", 1, region=r) for r in ("ap-northeast-1", "ap-northeast-3")]
    global_ = [record("CreateRole", f"{svc}.amazonaws.com", 2, region="us-east-1")
               for svc in ("iam", "signin", "organizations", "cloudfront", "route53")]
    global_ += [sts(3, "us-east-1", "sts.amazonaws.com"), sts(3, "us-east-1", None)]
    outside = [record("ListBuckets", "s3.amazonaws.com", 4, region="us-east-1"),
               record("GetItem", "dynamodb.amazonaws.com", 5, region="ap-southeast-1"),
               sts(6, "us-east-1", "sts.us-east-1.amazonaws.com"), sts(7, "eu-west-1", "sts.eu-west-1.amazonaws.com"),
               # A global service's event is exempt where CloudTrail records it, us-east-1, only: a console sign-in
               # through Stockholm's endpoint (recorded there), or an IAM event anywhere else, is outside Japan.
               record("ConsoleLogin", "signin.amazonaws.com", 8, region="eu-north-1"),
               *(record("CreateRole", f"{svc}.amazonaws.com", 9, region="eu-west-1")
                 for svc in ("iam", "organizations", "cloudfront", "route53"))]
    write_log(log_path(tmp_path, 0), japan + global_ + outside)
    _, findings, _ = scan(capsys, tmp_path)
    assert [(f["rule"], f["event_ids"]) for f in findings if f["rule"] == "outside-japan"] == [
        ("outside-japan", [r["eventID"]]) for r in outside]


def test_human_output_is_a_table_and_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_log(log_path(tmp_path, 0), [record("StopLogging", "cloudtrail.amazonaws.com", 1),
                                      record("DisableKey", "kms.amazonaws.com", 2)])
    assert main(["trail", "scan", "--logs", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["severity", "rule", "principal", "count", "first", "last", "first",
                                           "event"]
    assert "critical  trail-tampering" in out
    assert out.rstrip().endswith("2 records read; 2 findings (key-disabled 1, trail-tampering 1)")


def _varied_logs(root: Path) -> None:
    reads = [get_item(i * 0.5, "S0301") for i in range(40)]
    odd_identity = record("StopLogging", "cloudtrail.amazonaws.com", 30, {"type": "Root", "principalId": ACCOUNT,
                                                                           "arn": f"arn:aws:iam::{ACCOUNT}:root"})
    null_identity = record("DisableKey", "kms.amazonaws.com", 31)
    null_identity["userIdentity"] = None
    text_params = record("ExecuteStatement", "dynamodb.amazonaws.com", 32)
    text_params["requestParameters"] = "SELECT * FROM t"  # not CloudTrail's shape: read, and not a select
    write_log(log_path(root, 0), reads[:20] + [odd_identity])
    batch_dict = record("BatchGetItem", "dynamodb.amazonaws.com", 34,
                        params={"requestItems": {"kokuho-mynumber": {"keys": [{"pk": "P1"}]}}})
    batch_dict["resources"] = [{"accountId": ACCOUNT, "type": "AWS::DynamoDB::Table",
                                "ARN": f"arn:aws:dynamodb:ap-northeast-1:{ACCOUNT}:table/kokuho-mynumber"}]
    transact = record("TransactWriteItems", "dynamodb.amazonaws.com", 35,
                      params={"requestItems": [{"operation": "Delete", "tableName": "kokuho-access-log"}, "odd"]})
    transact["resources"] = [{"accountId": ACCOUNT, "type": "AWS::DynamoDB::Table",
                              "ARN": f"arn:aws:dynamodb:ap-northeast-1:{ACCOUNT}:table/kokuho-access-log"}]
    write_log(log_path(root, 0, "Odd00001"), [null_identity, text_params])
    write_log(log_path(root, 0, "Batch001"), [batch_dict, transact])
    write_log(log_path(root, 60, "Plain001").with_suffix(""), reads[20:] + [
        record("ListBuckets", "s3.amazonaws.com", 33, region="eu-west-1", error="AccessDenied")])


def test_the_fast_reader_finds_what_the_full_parse_finds(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from kokuho.trail import logs

    _varied_logs(tmp_path)
    fast = scan(capsys, tmp_path, "--bulk-read-threshold", "10")
    monkeypatch.setattr(logs, "_typed_decoder", lambda fields: None)
    full = scan(capsys, tmp_path, "--bulk-read-threshold", "10")
    assert fast == full
    assert sorted(f["rule"] for f in fast[1]) == [
        "access-denied", "access-log-write", "bulk-read", "key-disabled", "mynumber-access", "outside-japan",
        "root-use", "trail-tampering"]
    assert {f["principal"] for f in fast[1]} >= {None, f"arn:aws:iam::{ACCOUNT}:root", "S0301"}


@pytest.mark.parametrize("bad_time", [None, 1730768400, "5 Nov 2024", "2024-11-05T01:00:00"])
def test_a_record_without_a_usable_event_time_exits_2_naming_the_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], bad_time: Any) -> None:
    rec = record("StopLogging", "cloudtrail.amazonaws.com", 1)
    rec["eventTime"] = bad_time
    path = write_log(log_path(tmp_path, 0), [rec])
    code, _, err = scan(capsys, tmp_path)
    assert code == 2 and str(path) in err and "eventTime" in err


# Hostile files planted in the bucket copy: the review must name the file and stop with exit 2, never die with a
# traceback (exit 1) nor take the machine's memory.

def test_a_log_nested_too_deep_for_the_parser_exits_2_naming_it(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import gzip

    path = log_path(tmp_path, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(b'{"Records": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}"))
    code, findings, err = scan(capsys, tmp_path)
    assert (code, findings) == (2, [])
    assert str(path) in err and "Traceback" not in err


@pytest.mark.parametrize("gz", [True, False])
def test_a_log_larger_than_any_cloudtrail_log_exits_2_naming_it_read_no_further(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, gz: bool) -> None:
    # A gzip bomb (a few KB that inflate to gigabytes) was inflated whole into memory. The limit is lowered here so
    # that the test inflates little; the reader must stop at it, not after reading everything.
    import gzip
    import zlib

    from kokuho.trail import logs

    monkeypatch.setattr(logs, "MAX_LOG_BYTES", 1 << 20)
    inflated: list[int] = []
    real = zlib.decompressobj

    class Counting:
        def __init__(self, *args: Any) -> None:
            self._inner = real(*args)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._inner, name)

        def decompress(self, data: bytes, *args: Any) -> bytes:
            out = self._inner.decompress(data, *args)
            inflated.append(len(out))
            return out

    monkeypatch.setattr(zlib, "decompressobj", Counting)
    padding = b" " * (8 << 20)  # valid JSON, 8 MiB of it
    body = b'{"Records": []' + padding + b"}"
    path = log_path(tmp_path, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        path.write_bytes(gzip.compress(body, compresslevel=1))
    else:
        path = path.with_name(path.name.removesuffix(".gz"))
        path.write_bytes(body)
    code, findings, err = scan(capsys, tmp_path)
    assert (code, findings) == (2, [])
    assert str(path) in err and "larger than" in err
    assert sum(inflated) <= 2 << 20  # stopped near the limit, never inflated the 8 MiB


def test_a_table_deleted_emptied_or_exported_in_bulk_is_reported(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    # Management calls no data event shows: TTL switched on over the access log's `seq` (small numbers, read as
    # 1970) has DynamoDB itself delete every record; deletion protection off then DeleteTable; point-in-time
    # recovery off; a backup deleted; the whole qualification table exported to a bucket (no read event: bulk-read
    # never sees it) or restored into a table of the caller's. Reported whoever calls, whatever the errorCode.
    admin = staff_identity("S0999", role="kokuho-admin")
    log, mn, qual = "kokuho-access-log", "kokuho-mynumber", "kokuho-qualification"
    arn = f"arn:aws:dynamodb:ap-northeast-1:{ACCOUNT}:table/"
    ddb = "dynamodb.amazonaws.com"

    def mgmt(name: str, seconds: float, params: dict[str, Any], error: str | None = None) -> dict[str, Any]:
        rec = record(name, ddb, seconds, admin, params=params, error=error)
        rec["managementEvent"], rec["eventCategory"] = True, "Management"
        return rec

    reported = [
        mgmt("UpdateTimeToLive", 1, {"tableName": log, "timeToLiveSpecification": {"enabled": True,
                                                                                  "attributeName": "seq"}}),
        mgmt("UpdateTable", 2, {"tableName": log, "deletionProtectionEnabled": False}),
        mgmt("DeleteTable", 3, {"tableName": mn}, error="ResourceInUseException"),
        mgmt("UpdateContinuousBackups", 4, {"tableName": log, "pointInTimeRecoverySpecification": {
            "pointInTimeRecoveryEnabled": False}}),
        mgmt("DeleteBackup", 5, {"backupArn": f"{arn}{log}/backup/01730000000000-abcdef12"}),
        mgmt("ExportTableToPointInTime", 6, {"tableArn": f"{arn}{qual}", "s3Bucket": "somewhere-else"}),
        mgmt("RestoreTableToPointInTime", 7, {"sourceTableName": qual, "targetTableName": "copy"}),
        mgmt("RestoreTableFromBackup", 8, {"targetTableName": "copy2",
                                           "backupArn": f"{arn}{mn}/backup/01730000000000-abcdef12"}),
    ]
    quiet = [
        mgmt("DescribeTable", 9, {"tableName": log}),
        *(mgmt("UpdateTimeToLive", 10, {"tableName": name, "timeToLiveSpecification": {
            "enabled": True, "attributeName": "expires_at"}})
          for name in ("kokuho-api-usage", "kokuho-linkage", "kokuho-idempotency", "kokuho-staff-sessions")),
        mgmt("UpdateTable", 11, {"tableName": log, "billingMode": "PAY_PER_REQUEST"}),
        mgmt("DeleteTable", 12, {"tableName": "someone-elses-table"}),
    ]
    write_log(log_path(tmp_path, 0), reported + quiet)
    code, findings, _ = scan(capsys, tmp_path)
    assert code == 0
    assert [f["event_ids"] for f in findings if f["rule"] == "table-tampering"] == [[r["eventID"]] for r in reported]
    assert {f["principal"] for f in findings if f["rule"] == "table-tampering"} == {"S0999"}


def test_table_tampering_excepts_the_ttl_of_exactly_the_tables_designed_with_one() -> None:
    # The rule names the tables whose TTL is by design (their TableSpec's ttl_attribute): a table given one, or one
    # losing its own, must be reviewed with the rule, or its TTL goes unreported or the designed one is reported.
    from kokuho.platform.tables import TABLES
    from kokuho.trail.detections import by_id, load_detections

    rule = json.dumps(by_id(load_detections())["table-tampering"].match)
    excepted = set(rule.split('"UpdateTimeToLive"')[1].split('"in": [', 1)[1].split("]", 1)[0].replace('"', "")
                   .replace(" ", "").split(","))
    assert excepted == {f"${{table:{t.logical}}}" for t in TABLES if t.ttl_attribute}
