"""Audit: CloudTrail with validation, CMK, CloudWatch Logs and data events on every personal-data store."""

from __future__ import annotations

from typing import Any

from infra_helpers import resources

from kokuho.platform.tables import BUCKETS, TABLES


def _trail(raw: dict[str, dict[str, Any]]) -> dict[str, Any]:
    (trail,) = resources(raw["KokuhoAudit"], "AWS::CloudTrail::Trail").values()
    return dict(trail["Properties"])


def test_trail_validated_encrypted_multi_region_to_logs(raw: dict[str, dict[str, Any]]) -> None:
    trail = _trail(raw)
    assert trail["EnableLogFileValidation"] is True
    assert trail["IsLogging"] is True and trail["IsMultiRegionTrail"] is True
    assert "Fn::ImportValue" in trail["KMSKeyId"] and "KeyAudit" in trail["KMSKeyId"]["Fn::ImportValue"]
    assert "AuditBucket" in trail["S3BucketName"]["Fn::ImportValue"]
    assert trail["CloudWatchLogsLogGroupArn"] and trail["CloudWatchLogsRoleArn"]
    (group,) = [g for g in resources(raw["KokuhoAudit"], "AWS::Logs::LogGroup").values()]
    assert group["Properties"]["RetentionInDays"] == 2557 and "KmsKeyId" in group["Properties"]


def _selector(trail: dict[str, Any], resource_type: str) -> dict[str, list[str]]:
    for sel in trail["AdvancedEventSelectors"]:
        fields = {f["Field"]: f for f in sel["FieldSelectors"]}
        if fields.get("resources.type", {}).get("Equals") == [resource_type]:
            return {name: f.get("Equals", f.get("StartsWith", [])) for name, f in fields.items()}
    raise AssertionError(f"no selector for {resource_type}")


def test_data_events_cover_every_table_bucket_and_function(raw: dict[str, dict[str, Any]]) -> None:
    trail = _trail(raw)
    assert "EventSelectors" not in trail
    management = [s for s in trail["AdvancedEventSelectors"]
                  if s["FieldSelectors"] == [{"Field": "eventCategory", "Equals": ["Management"]}]]
    assert management
    tables = _selector(trail, "AWS::DynamoDB::Table")
    assert tables["eventCategory"] == ["Data"]
    assert sorted(tables["resources.ARN"]) == sorted(
        f"arn:aws:dynamodb:ap-northeast-1:111111111111:table/{t.default_name}" for t in TABLES)
    buckets = _selector(trail, "AWS::S3::Object")
    assert sorted(buckets["resources.ARN"]) == sorted(
        f"arn:aws:s3:::kokuho-{b.logical}-111111111111-ap-northeast-1/" for b in BUCKETS)
    functions = _selector(trail, "AWS::Lambda::Function")
    assert functions["resources.ARN"] == ["arn:aws:lambda:ap-northeast-1:111111111111:function:kokuho-"]


def test_function_names_fall_under_the_trail_prefix(raw: dict[str, dict[str, Any]]) -> None:
    for name in ("KokuhoWorkflows", "KokuhoApi"):
        for fn in resources(raw.get(name, {}), "AWS::Lambda::Function").values():
            assert fn["Properties"]["FunctionName"].startswith("kokuho-")


def test_security_alarms_publish_to_encrypted_topic(raw: dict[str, dict[str, Any]]) -> None:
    audit = raw["KokuhoAudit"]
    patterns = " ".join(f["Properties"]["FilterPattern"] for f in resources(audit, "AWS::Logs::MetricFilter").values())
    for needle in ("AccessDenied", "ScheduleKeyDeletion", "DisableKey", "StopLogging", "DeleteTrail",
                   "dynamodb.amazonaws.com"):
        assert needle in patterns, needle
    (topic_id, topic), = resources(audit, "AWS::SNS::Topic").items()
    assert "KmsMasterKeyId" in topic["Properties"]
    alarms = resources(audit, "AWS::CloudWatch::Alarm")
    assert len(alarms) == 5
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]
    rule = next(iter(resources(audit, "AWS::CloudWatch::InsightRule").values()))
    assert "userIdentity.arn" in str(rule["Properties"]["RuleBody"])
