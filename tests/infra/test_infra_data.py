"""Keys & Data: every table and bucket from kokuho.platform.tables, on its data class's CMK."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template
from infra_helpers import resources

from infra.app import KokuhoApp
from infra.guards import EXCEPTION_METADATA
from kokuho.platform.tables import BUCKETS, TABLES, DataClass


def _key_ids(data: dict[str, Any]) -> dict[str, str]:
    """alias name → key logical id."""
    return {a["Properties"]["AliasName"]: a["Properties"]["TargetKeyId"]["Fn::GetAtt"][0]
            for a in resources(data, "AWS::KMS::Alias").values()}


def test_one_rotating_retained_key_per_data_class(raw: dict[str, dict[str, Any]]) -> None:
    data = raw["KokuhoData"]
    aliases = _key_ids(data)
    # Besides, the asymmetric key that signs the access-record digests (test_infra_audit).
    assert set(aliases) == {f"alias/kokuho-{dc.value}" for dc in DataClass} | {"alias/kokuho-access-digest"}
    keys = {k: v for k, v in resources(data, "AWS::KMS::Key").items()
            if v["Properties"].get("KeyUsage", "ENCRYPT_DECRYPT") == "ENCRYPT_DECRYPT"}
    assert len(keys) == len(DataClass)
    for key in keys.values():
        assert key["Properties"]["EnableKeyRotation"] is True
        assert key["DeletionPolicy"] == "Retain"


def test_every_table_matches_its_spec(raw: dict[str, dict[str, Any]]) -> None:
    data = raw["KokuhoData"]
    key_of = _key_ids(data)
    tables = {t["Properties"]["TableName"]: t for t in resources(data, "AWS::DynamoDB::Table").values()}
    assert set(tables) == {spec.default_name for spec in TABLES}
    for spec in TABLES:
        t = tables[spec.default_name]
        props = t["Properties"]
        keys = {k["KeyType"]: k["AttributeName"] for k in props["KeySchema"]}
        assert keys == ({"HASH": spec.partition_key} | ({"RANGE": spec.sort_key} if spec.sort_key else {}))
        assert [g["IndexName"] for g in props.get("GlobalSecondaryIndexes", [])] == [ix.name for ix in spec.indexes]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["DeletionProtectionEnabled"] is True
        sse = props["SSESpecification"]
        assert sse["SSEEnabled"] is True and sse["SSEType"] == "KMS"
        assert sse["KMSMasterKeyId"]["Fn::GetAtt"][0] == key_of[f"alias/kokuho-{spec.data_class.value}"]
        ttl = props.get("TimeToLiveSpecification")
        assert (ttl["AttributeName"] if ttl else None) == spec.ttl_attribute
        assert t["DeletionPolicy"] == "Retain"


def test_tables_are_in_a_backup_plan(templates: dict[str, Template]) -> None:
    templates["KokuhoData"].resource_count_is("AWS::Backup::BackupSelection", 1)


def _tls_only(data: dict[str, Any], bucket_id: str) -> bool:
    for policy in resources(data, "AWS::S3::BucketPolicy").values():
        if policy["Properties"]["Bucket"] != {"Ref": bucket_id}:
            continue
        for st in policy["Properties"]["PolicyDocument"]["Statement"]:
            if st["Effect"] == "Deny" and st.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}:
                return True
    return False


def test_buckets_private_tls_only_versioned_logged_and_on_their_key(raw: dict[str, dict[str, Any]]) -> None:
    data = raw["KokuhoData"]
    key_of = _key_ids(data)
    buckets = resources(data, "AWS::S3::Bucket")
    by_name = {b["Properties"]["BucketName"]: (lid, b) for lid, b in buckets.items()}
    for spec in BUCKETS:
        lid, bucket = by_name[f"kokuho-{spec.logical}-111111111111-ap-northeast-1"]
        props = bucket["Properties"]
        default = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
        assert default["SSEAlgorithm"] == "aws:kms"
        assert default["KMSMasterKeyID"]["Fn::GetAtt"][0] == key_of[f"alias/kokuho-{spec.data_class.value}"]
        assert "LoggingConfiguration" in props
    for lid, bucket in buckets.items():
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True}
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}
        assert _tls_only(data, lid), lid
        assert bucket["DeletionPolicy"] == "Retain"


def test_audit_bucket_object_lock_compliance_seven_years(raw: dict[str, dict[str, Any]]) -> None:
    data = raw["KokuhoData"]
    audit = next(b for b in resources(data, "AWS::S3::Bucket").values()
                 if b["Properties"]["BucketName"].startswith("kokuho-audit-"))
    lock = audit["Properties"]["ObjectLockConfiguration"]
    assert audit["Properties"]["ObjectLockEnabled"] is True
    assert lock["Rule"]["DefaultRetention"]["Mode"] == "COMPLIANCE"
    assert lock["Rule"]["DefaultRetention"]["Days"] >= 7 * 365


def test_only_the_access_log_bucket_uses_sse_s3(raw: dict[str, dict[str, Any]]) -> None:
    sse_s3 = [b["Properties"]["BucketName"] for b in resources(raw["KokuhoData"], "AWS::S3::Bucket").values()
              if b["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
              ["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"]
    assert sse_s3 == ["kokuho-access-logs-111111111111-ap-northeast-1"]


def test_the_only_guard_exception_is_the_access_log_bucket(real_app: KokuhoApp) -> None:
    exceptions = [(node.node.path, entry.data) for node in real_app.app.node.find_all()
                  for entry in node.node.metadata if entry.type == EXCEPTION_METADATA]
    assert [(path, data["guard"]) for path, data in exceptions] == [("KokuhoData/AccessLogBucket", "cmk")]
    assert "SSE-S3" in exceptions[0][1]["reason"]
