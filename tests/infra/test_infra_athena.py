"""Athena over the audit bucket (issue 11 item 5): the Glue tables read the bucket in place with partition
projection over the layout CloudTrail writes (domain.md §7), the workgroup enforces an encrypted result
location in a bucket of its own, every named query of kokuho/data/athena/ is deployed with exactly the SQL
text the DuckDB tests run, and the security team's policy reads evidence without writing it."""

from __future__ import annotations

import json
from typing import Any

from infra_helpers import resources

from kokuho.trail.athena import load_queries

ACCOUNT, REGION = "111111111111", "ap-northeast-1"
AUDIT = f"kokuho-audit-{ACCOUNT}-{REGION}"
RESULTS = f"kokuho-athena-results-{ACCOUNT}-{REGION}"


def _one(raw: dict[str, dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [r["Properties"] for r in resources(raw["KokuhoAudit"], kind).values()
             if json.dumps(r["Properties"]).find(f'"{name}"') >= 0]
    assert len(found) == 1, (kind, name, len(found))
    return found[0]


def test_trail_table_projects_the_cloudtrail_layout_by_region_and_day(raw: dict[str, dict[str, Any]]) -> None:
    table = _one(raw, "AWS::Glue::Table", "cloudtrail_logs")["TableInput"]
    params = table["Parameters"]
    assert params["projection.enabled"] == "true"
    assert params["projection.timestamp.type"] == "date" and params["projection.timestamp.format"] == "yyyy/MM/dd"
    assert params["storage.location.template"] == (
        f"s3://{AUDIT}/AWSLogs/{ACCOUNT}/CloudTrail/${{region}}/${{timestamp}}")
    assert {"ap-northeast-1", "ap-northeast-3", "us-east-1"} <= set(params["projection.region.values"].split(","))
    assert [k["Name"] for k in table["PartitionKeys"]] == ["region", "timestamp"]
    storage = table["StorageDescriptor"]
    assert storage["InputFormat"] == "com.amazon.emr.cloudtrail.CloudTrailInputFormat"
    columns = {c["Name"]: c["Type"] for c in storage["Columns"]}
    # domain.md §7: the record's fields; requestParameters is the JSON text read with json_extract_scalar
    for name in ("eventversion", "useridentity", "eventtime", "eventsource", "eventname", "awsregion",
                 "sourceipaddress", "useragent", "errorcode", "errormessage", "requestparameters",
                 "responseelements", "requestid", "eventid", "readonly", "resources", "eventtype",
                 "managementevent", "recipientaccountid", "eventcategory", "vpcendpointid"):
        assert name in columns, name
    assert columns["requestparameters"] == "string"
    assert "sourceIdentity:string" in columns["useridentity"]


def test_access_record_export_table_is_partitioned_by_day(raw: dict[str, dict[str, Any]]) -> None:
    table = _one(raw, "AWS::Glue::Table", "access_records")["TableInput"]
    assert table["Parameters"]["storage.location.template"] == f"s3://{AUDIT}/access-records/${{day}}"
    assert table["Parameters"]["projection.day.format"] == "yyyy/MM/dd"
    columns = {c["Name"]: c["Type"] for c in table["StorageDescriptor"]["Columns"]}
    assert columns["subject_ids"] == "array<string>" and "staff_id" in columns


def test_workgroup_enforces_encrypted_results_in_their_own_bucket(raw: dict[str, dict[str, Any]]) -> None:
    (wg,) = [r["Properties"] for r in resources(raw["KokuhoAudit"], "AWS::Athena::WorkGroup").values()]
    config = wg["WorkGroupConfiguration"]
    assert config["EnforceWorkGroupConfiguration"] is True
    assert config["BytesScannedCutoffPerQuery"] > 0
    result = config["ResultConfiguration"]
    assert result["EncryptionConfiguration"]["EncryptionOption"] == "SSE_KMS"
    assert "KeyAudit" in json.dumps(result["EncryptionConfiguration"]["KmsKey"])
    assert RESULTS in json.dumps(result["OutputLocation"])
    bucket = _one(raw, "AWS::S3::Bucket", RESULTS)
    assert "ObjectLockConfiguration" not in bucket
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["expire-results"]["Prefix"] == "results/" and rules["expire-results"]["ExpirationInDays"] == 30
    enc = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert enc["SSEAlgorithm"] == "aws:kms" and "KeyAudit" in json.dumps(enc["KMSMasterKeyID"])
    assert bucket["LoggingConfiguration"]["LogFilePrefix"] == "athena-results/"


def test_every_named_query_is_deployed_with_the_text_the_tests_run(raw: dict[str, dict[str, Any]]) -> None:
    deployed = {r["Properties"]["Name"]: r["Properties"]
                for r in resources(raw["KokuhoAudit"], "AWS::Athena::NamedQuery").values()}
    assert set(deployed) == {q.name for q in load_queries()}
    for q in load_queries():
        assert deployed[q.name]["QueryString"] == q.sql
        assert deployed[q.name]["Database"] == "kokuho_audit" and deployed[q.name]["WorkGroup"] == "kokuho-security"


def test_the_security_teams_policy_reads_evidence_and_writes_only_results(raw: dict[str, dict[str, Any]]) -> None:
    policy = _one(raw, "AWS::IAM::ManagedPolicy", "kokuho-security-athena")
    statements = policy["PolicyDocument"]["Statement"]
    text = json.dumps(statements)
    writes = [s for s in statements if any(str(a).startswith(("s3:Put", "s3:Delete")) for a in s["Action"])]
    assert len(writes) == 1 and RESULTS in json.dumps(writes[0]["Resource"]) and AUDIT not in json.dumps(writes)
    assert "s3:*" not in text and '"*"' not in text
    assert "dynamodb" not in text  # the access records are read from their export, not the table
