"""Audit: CloudTrail with validation, CMK, CloudWatch Logs and data events on every personal-data store."""

from __future__ import annotations

import fnmatch
import json
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
    assert len(alarms) == 8
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]
    rule = next(iter(resources(audit, "AWS::CloudWatch::InsightRule").values()))
    assert "userIdentity.arn" in str(rule["Properties"]["RuleBody"])


# --- the access records are append-only (issue 9 item 10a) ----------------------------------------
# Written out here, not taken from the catalog or from infra.constructs: this is what the security team
# expects of the deployed policies, whatever the code that builds them says.
ACCESS_LOG_ARN = "arn:aws:dynamodb:ap-northeast-1:111111111111:table/kokuho-access-log"
# Every way to change or remove a stored record (BatchWriteItem can delete; a TTL attribute would let
# DynamoDB delete; a table deletion or restore-over removes everything).
REWRITING_ACTIONS = ("dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
                     "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete", "dynamodb:UpdateTimeToLive",
                     "dynamodb:DeleteTable")
RETENTION_PURGE = "kokuho-linkage-retention-purge"  # (its data-access role's policy: it purges as its run)
KNOWN_WRITERS = ("kokuho-qualification-api-register", "kokuho-assessment-batch", "kokuho-linkage-provision-provide")


def _statements(raw: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(owner description or id, statement) of every identity policy in every stack."""
    found: list[tuple[str, dict[str, Any]]] = []
    for stack, template in raw.items():
        for rid, res in template.get("Resources", {}).items():
            props = res.get("Properties", {})
            docs: list[tuple[str, Any]] = []
            if res["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
                docs.append((str(props.get("Description") or f"{stack}/{rid}"), props.get("PolicyDocument")))
            elif res["Type"] == "AWS::IAM::Role":
                docs += [(f"{stack}/{rid}", p.get("PolicyDocument")) for p in props.get("Policies", [])]
            for owner, doc in docs:
                for st in (doc or {}).get("Statement", []):
                    found.append((owner, st))
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _covers(pattern: Any, value: str) -> bool:
    # IAM wildcards; a non-string (token) resource is taken to cover everything, to be safe.
    return not isinstance(pattern, str) or fnmatch.fnmatchcase(value.lower(), pattern.lower())


def test_no_role_can_update_or_delete_access_records(raw: dict[str, dict[str, Any]]) -> None:
    offenders = []
    writers = set()
    for owner, st in _statements(raw):
        if st.get("Effect") != "Allow" or "NotAction" in st or "NotResource" in st:
            assert st.get("Effect") != "Allow" or ("NotAction" not in st and "NotResource" not in st), owner
            continue
        resources = _as_list(st.get("Resource", []))
        if not any(_covers(r, ACCESS_LOG_ARN) for r in resources):
            continue
        actions = _as_list(st.get("Action", []))
        for forbidden in REWRITING_ACTIONS:
            if any(_covers(a, forbidden) for a in actions):
                offenders.append(f"{owner}: {forbidden}")
        if any(_covers(a, "dynamodb:PutItem") for a in actions):
            writers.add(owner.split(":")[0])
    # One exception, reviewed: the retention run deletes (never updates) access records, only below a floor a
    # signed digest anchored (docs/retention.md); its data-access role holds DeleteItem and nothing else of these.
    purge = [o for o in offenders if o.split(":")[0] == RETENTION_PURGE and o.endswith(": dynamodb:DeleteItem")]
    assert purge and [o for o in offenders if o not in purge] == [], offenders
    # Not vacuous: the functions that do write access records can still put them.
    assert set(KNOWN_WRITERS) <= writers


# --- the access history is anchored hourly, and a break raises the alarm (issue 9 items 10b, 11) ------
ANCHOR_ARN = "arn:aws:states:ap-northeast-1:111111111111:stateMachine:kokuho-audit-anchor"


def test_a_failed_anchoring_raises_the_security_alarm(raw: dict[str, dict[str, Any]]) -> None:
    audit = raw["KokuhoAudit"]
    (topic_id,) = resources(audit, "AWS::SNS::Topic")
    watching = {}
    for rid, alarm in resources(audit, "AWS::CloudWatch::Alarm").items():
        props = alarm["Properties"]
        metrics = [m["MetricStat"]["Metric"] for m in props.get("Metrics", []) if "MetricStat" in m]
        if "MetricName" in props:
            metrics.append(props)
        names = {m["MetricName"] for m in metrics if m.get("Namespace") == "AWS/States"
                 and {"Name": "StateMachineArn", "Value": ANCHOR_ARN} in m.get("Dimensions", [])}
        if names:
            watching[rid] = names
            assert props["AlarmActions"] == [{"Ref": topic_id}]
    assert sorted(map(sorted, watching.values())) == [["ExecutionsFailed", "ExecutionsTimedOut"],
                                                       ["ExecutionsSucceeded"]]


def test_a_file_named_with_a_my_number_raises_the_security_alarm(raw: dict[str, dict[str, Any]]) -> None:
    """Written out here: the metric every intake emits when it refuses such a file (kokuho.platform.exchange)."""
    audit = raw["KokuhoAudit"]
    (topic_id,) = resources(audit, "AWS::SNS::Topic")
    watching = [a["Properties"] for a in resources(audit, "AWS::CloudWatch::Alarm").values()
                if a["Properties"].get("MetricName") == "DeliveredFileNamesRefused"]
    assert [(p["Namespace"], p["Dimensions"], p["Threshold"], p["AlarmActions"]) for p in watching] == [
        ("kokuho", [{"Name": "area", "Value": "exchange"}], 1, [{"Ref": topic_id}])]


def test_the_anchoring_runs_hourly(raw: dict[str, dict[str, Any]]) -> None:
    schedules = [s["Properties"] for s in resources(raw["KokuhoWorkflows"], "AWS::Scheduler::Schedule").values()]
    # The target is a Ref to the state machine: its logical id carries the catalog name.
    hourly = [s for s in schedules if "auditanchor" in json.dumps(s["Target"]["Arn"]).lower()]
    assert [(s["ScheduleExpression"], s["State"]) for s in hourly] == [("cron(5 * * * ? *)", "ENABLED")]


def test_only_the_digest_step_may_sign(raw: dict[str, dict[str, Any]]) -> None:
    signers = {owner.split(":")[0] for owner, st in _statements(raw)
               if st.get("Effect") == "Allow" and any(_covers(a, "kms:Sign") for a in _as_list(st.get("Action", [])))}
    assert signers == {"kokuho-audit-digest"}  # (its data-access role's policy: it signs as its run)
    (key,) = [k["Properties"] for k in resources(raw["KokuhoData"], "AWS::KMS::Key").values()
              if k["Properties"].get("KeyUsage") == "SIGN_VERIFY"]
    assert key["KeySpec"] == "ECC_NIST_P256"
    # And the key itself refuses Sign to any other principal, whatever their identity policy says.
    signer_role = "arn:aws:iam::111111111111:role/kokuho-audit-digest-data"
    denies = [st for st in key["KeyPolicy"]["Statement"] if st["Effect"] == "Deny"]
    assert [(st["Action"], st["Principal"], st["Condition"]) for st in denies] == [
        ("kms:Sign", {"AWS": "*"}, {"ArnNotEquals": {"aws:PrincipalArn": signer_role}})]
    role_names = [r["Properties"].get("RoleName") for r in resources(raw["KokuhoWorkflows"], "AWS::IAM::Role").values()]
    assert "kokuho-audit-digest-data" in role_names


def test_no_one_deletes_audit_evidence(raw: dict[str, dict[str, Any]]) -> None:
    policies = resources(raw["KokuhoData"], "AWS::S3::BucketPolicy").values()
    denies = [st for p in policies if "AuditBucket" in json.dumps(p["Properties"]["Bucket"])
              for st in p["Properties"]["PolicyDocument"]["Statement"] if st["Effect"] == "Deny"]
    assert any(st["Principal"] == {"AWS": "*"} and "s3:DeleteObjectVersion" in st["Action"] for st in denies)
    for owner, st in _statements(raw):
        if st.get("Effect") == "Allow" and "audit" in json.dumps(st.get("Resource")):
            assert not any(_covers(a, "s3:DeleteObject") for a in _as_list(st.get("Action", []))), owner


def test_the_security_team_gets_a_read_only_verifier_policy(raw: dict[str, dict[str, Any]]) -> None:
    (policy,) = [p["Properties"] for p in resources(raw["KokuhoAudit"], "AWS::IAM::ManagedPolicy").values()
                 if p["Properties"].get("ManagedPolicyName") == "kokuho-access-history-verifier"]
    actions = sorted(a for st in policy["PolicyDocument"]["Statement"] for a in _as_list(st["Action"]))
    assert actions == ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan",
                       "kms:Decrypt", "kms:DescribeKey", "kms:GetPublicKey", "s3:GetObject", "s3:ListBucket"]
    resources_ = json.dumps([st["Resource"] for st in policy["PolicyDocument"]["Statement"]])
    assert ACCESS_LOG_ARN in resources_
    assert "arn:aws:s3:::kokuho-audit-111111111111-ap-northeast-1/access-digests/*" in resources_
