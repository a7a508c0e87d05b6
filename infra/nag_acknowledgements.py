"""Every cdk-nag acknowledgement of the app, in one place, each with the reason a security reviewer
can check. Acknowledgements are attached to the narrowest construct that owns the finding (one
function, one state machine, one bucket) and name the exact rule and, for wildcard findings, the
exact resource — never a whole stack, never a rule prefix.

The outside scanner's (checkov) accepted findings are here too, as checkov reads them: a `checkov.skip`
entry (check id and the same kind of written reason) in the metadata of the one resource concerned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, CfnResource, Validations
from constructs import IConstruct

from kokuho.platform.catalog.model import FunctionSpec, StateMachineSpec, bucket_prefixes
from kokuho.platform.tables import AUDIT_BUCKET, BUCKETS_BY_LOGICAL

if TYPE_CHECKING:
    from infra.app import KokuhoApp


@dataclass(frozen=True)
class Ack:
    rule: str
    reason: str


@dataclass(frozen=True)
class AppliedAck:
    path: str
    rule: str
    reason: str


# --- reasons ----------------------------------------------------------------------------------------

LAMBDA_RUNTIME = (
    "Python 3.12 is pinned on purpose: the shared layer's binary wheels (pydantic-core, cryptography) are "
    "built for cp312 and the domain is tested on it; a runtime upgrade is a planned change with a layer "
    "rebuild and a full regression run, not something to float.")
LAMBDA_DLQ = (
    "The function is only invoked synchronously (by Step Functions, whose Retry/Catch records failed "
    "batches, or by API Gateway, which returns the error to the caller); dead-letter queues apply to "
    "asynchronous invocations only, so a DLQ would never receive anything.")
LAMBDA_WILDCARDS = (
    "Resource '*' only for actions with no resource-level permissions: the ec2 ENI actions Lambda performs "
    "with the function role to attach it to the isolated subnets (ENI ids do not exist beforehand) and "
    "xray:PutTraceSegments/PutTelemetryRecords for active tracing.")
OBJECT_WILDCARD = (
    "Object keys are generated per run and per exchanged file, so the bucket's objects ('/*') are the "
    "narrowest stable scope; the bucket holds only this data class, is KMS-encrypted, and the catalog "
    "grants read or write explicitly.")
SFN_WILDCARDS = (
    "Resource '*' only for CloudWatch Logs vended-log delivery (logs:*LogDelivery, PutResourcePolicy, "
    "Describe*) and X-Ray, which AWS documents as not supporting resource-level permissions; everything "
    "else in this role is scoped to named functions, tables and buckets.")
SFN_CHILD_EXECUTIONS = (
    "A Distributed Map runs child executions of this same state machine whose names are generated at run "
    "time; the wildcard is limited to this state machine's own executions and map runs.")
BUCKET_REPLICATION = (
    "Cross-region replication needs the DR region's (ap-northeast-3) bucket and key, deployed with the DR "
    "stack; until then durability rests on S3's multi-AZ storage, versioning and (for audit) Object Lock. "
    "Replication outside Japan is forbidden by the domestic-storage rule, so no other target is possible.")
ACCESS_LOG_SSE_S3 = (
    "S3 server access log delivery only supports SSE-S3 on the destination bucket; it holds request "
    "metadata, never object contents, and is private, TLS-only and versioned (guard exception recorded).")
BACKUP_MANAGED_POLICY = (
    "AWSBackupServiceRolePolicyForBackup is the AWS-maintained policy for the AWS Backup service role; "
    "it is assumed only by backup.amazonaws.com and used only for the selection of kokuho tables.")
APIGW_CLOUDWATCH_ROLE = (
    "AmazonAPIGatewayPushToCloudWatchLogs is the AWS-maintained policy for API Gateway's account-level "
    "logging role, assumed only by apigateway.amazonaws.com to write the API's own execution logs.")
APIGW_WAF = (
    "The API is PRIVATE: reachable only through the project's execute-api VPC endpoint from the closed "
    "network (resource policy denies any other aws:SourceVpce); AWS WAF does not apply to private APIs.")
APIGW_COGNITO = (
    "Methods use IAM (SigV4) authorization: staff obtain per-person STS credentials from the city's "
    "IC-card login broker, so every call is signed by a named staff member; Cognito is not used.")
APIGW_CACHE = (
    "Caching is deliberately off: responses carry personal data and must reflect the caller's current "
    "grants on every call; with no cache nothing is stored that would need encrypting.")
APIGW_CLIENT_CERT = (
    "Backend client certificates authenticate API Gateway to HTTP backends; every integration here is a "
    "Lambda proxy integration inside AWS, where the certificate is not used.")


DEAD_LETTER_QUEUE = (
    "This queue IS a dead-letter queue (of the asynchronously invoked custom-resource handler, or of the "
    "security topic's subscription); a dead-letter queue of a dead-letter queue would only move the same "
    "messages again, so it has none. It is KMS-encrypted, TLS-only and keeps messages 14 days.")
ENI_WRITE_WITHOUT_RESOURCE = (
    "The only write actions on '*' are the EC2 network-interface actions Lambda performs with the function's "
    "role to attach it to the isolated subnets: ec2:CreateNetworkInterface works only on all resources, and "
    "the interface ids do not exist before the call (AWS Lambda VPC documentation).")
APIGW_NO_XRAY = (
    "X-Ray is deliberately off on the API stage: API Gateway's trace segment records the request URL with its query "
    "string, and the person search's criteria (kana name, birth date, address) travel there, as would a My Number "
    "a client typed into a URL, which the function refuses only after the stage traced it; that personal data "
    "would sit in X-Ray outside the encrypted, access-recorded stores. The Lambda functions keep active tracing, "
    "whose segments carry no request content; the stage's JSON access log and CloudTrail record every call.")
CACHE_OFF = (
    "API Gateway caching is deliberately off: every response carries personal data and must reflect the "
    "caller's current grants at the time of the call, so nothing is cached and nothing needs encrypting.")
ACCESS_LOG_BUCKET_NOT_LOGGED = (
    "This is the server-access-log bucket itself: it receives the access logs of every other bucket, and "
    "logging it into itself would log its own log deliveries in an endless loop; it is private and TLS-only.")

ATHENA_RESULTS_NOT_REPLICATED = (
    "The Athena results bucket holds query results for at most 30 days: each can be produced again from the "
    "evidence it was computed from (the trail and the access-record export in the audit bucket, which is the "
    "kept copy); replicating short-lived derivatives would only spread person and staff ids to a second place.")
ATHENA_EVIDENCE_PREFIXES = (
    "The security team reads the trail's log files and the access records' daily export, whose object keys "
    "are made per hour and per day by CloudTrail and the export: the prefix is the narrowest stable scope. "
    "Read only (GetObject); the same policy writes nothing but its own query results under results/.")


def _skip(resource: IConstruct, check: str, reason: str) -> None:
    """A checkov skip in the resource's metadata (added to those already there)."""
    cfn = resource if isinstance(resource, CfnResource) else resource.node.default_child
    assert isinstance(cfn, CfnResource), resource.node.path
    entry = cfn.get_metadata("checkov") or {"skip": []}
    entry["skip"] = [s for s in entry["skip"] if s["id"] != check] + [{"id": check, "comment": reason}]
    cfn.add_metadata("checkov", entry)


def _ack(applied: list[AppliedAck], scope: IConstruct, *acks: Ack) -> None:
    for ack in acks:
        Validations.of(scope).acknowledge(Acknowledgment(id=ack.rule, reason=ack.reason))
        applied.append(AppliedAck(scope.node.path, ack.rule, ack.reason))


def _object_wildcard(bucket_arn: str, prefix: str = "") -> Ack:
    return Ack(f"AwsSolutions-IAM5[Resource::{bucket_arn}/{prefix}*]", OBJECT_WILDCARD)


def _function_acks(spec: FunctionSpec, bucket_arns: list[tuple[str, str]]) -> list[Ack]:
    acks = [
        Ack("AwsSolutions-L1", LAMBDA_RUNTIME),
        Ack("Serverless-LambdaLatestVersion", LAMBDA_RUNTIME),
        Ack("NIST.800.53.R5-LambdaDLQ", LAMBDA_DLQ),
        Ack("HIPAA.Security-LambdaDLQ", LAMBDA_DLQ),
        Ack("Serverless-LambdaDLQ", LAMBDA_DLQ),
        Ack("AwsSolutions-IAM5[Resource::*]", LAMBDA_WILDCARDS),
    ]
    return acks + [_object_wildcard(arn, prefix) for arn, prefix in bucket_arns]


def _state_machine_acks(built: KokuhoApp, spec: StateMachineSpec) -> list[Ack]:
    acks = [Ack("AwsSolutions-IAM5[Resource::*]", SFN_WILDCARDS)]
    settings = built.workflows.settings
    name = f"kokuho-{spec.logical}"
    if built.workflows.is_distributed(spec.logical):
        prefix = f"arn:aws:states:{settings.region}:{settings.account}"
        acks += [Ack(f"AwsSolutions-IAM5[Resource::{prefix}:execution:{name}/*]", SFN_CHILD_EXECUTIONS),
                 Ack(f"AwsSolutions-IAM5[Resource::{prefix}:mapRun:{name}/*]", SFN_CHILD_EXECUTIONS)]
    return acks + [_object_wildcard(settings.bucket_arn(b)) for b in spec.distributed_map_buckets]


def acknowledge(built: KokuhoApp) -> list[AppliedAck]:
    """Acknowledge the app's accepted findings; return what was acknowledged (for review and tests)."""
    applied: list[AppliedAck] = []
    data = built.data
    for bucket in [data.access_log_bucket, data.audit_bucket, *data.buckets.values()]:
        _ack(applied, bucket, Ack("NIST.800.53.R5-S3BucketReplicationEnabled", BUCKET_REPLICATION),
             Ack("HIPAA.Security-S3BucketReplicationEnabled", BUCKET_REPLICATION))
    _ack(applied, data.access_log_bucket, Ack("NIST.800.53.R5-S3DefaultEncryptionKMS", ACCESS_LOG_SSE_S3),
         Ack("HIPAA.Security-S3DefaultEncryptionKMS", ACCESS_LOG_SSE_S3))
    _ack(applied, data.backup_selection_role, Ack(
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AWSBackupServiceRolePolicyForBackup]", BACKUP_MANAGED_POLICY))

    _skip(data.access_log_bucket, "CKV_AWS_18", ACCESS_LOG_BUCKET_NOT_LOGGED)

    stacks = [s for s in (built.workflows, built.api) if s is not None]
    for stack in stacks:
        settings = stack.settings
        for spec in stack.catalog_functions.specs:
            scope = stack.catalog_functions.node.find_child(spec.logical)
            buckets = [(settings.bucket_arn(b), p) for b in sorted(spec.buckets)
                       for p in bucket_prefixes(spec, b, BUCKETS_BY_LOGICAL[b].function_prefix)]
            _ack(applied, scope, *_function_acks(spec, buckets))
            _skip(stack.catalog_functions.functions[spec.logical], "CKV_AWS_116", LAMBDA_DLQ)
            _skip(stack.catalog_functions.roles[spec.logical].policy, "CKV_AWS_111", ENI_WRITE_WITHOUT_RESOURCE)

    verifier = built.audit.verifier_policy
    if verifier is not None:
        _ack(applied, verifier, _object_wildcard(
            built.audit.settings.bucket_arn(AUDIT_BUCKET.logical), AUDIT_BUCKET.function_prefix or ""))

    athena = built.audit.athena
    if athena is not None:
        from infra.constructs.athena import RESULTS_BUCKET, RESULTS_PREFIX
        from kokuho.trail.athena import ACCESS_EXPORT_PREFIX

        settings = built.audit.settings
        audit_arn = settings.bucket_arn(AUDIT_BUCKET.logical)
        _ack(applied, athena.results_bucket,
             Ack("NIST.800.53.R5-S3BucketReplicationEnabled", ATHENA_RESULTS_NOT_REPLICATED),
             Ack("HIPAA.Security-S3BucketReplicationEnabled", ATHENA_RESULTS_NOT_REPLICATED))
        _ack(applied, athena.user_policy,
             Ack(f"AwsSolutions-IAM5[Resource::{audit_arn}/AWSLogs/{settings.account}/CloudTrail/*]",
                 ATHENA_EVIDENCE_PREFIXES),
             Ack(f"AwsSolutions-IAM5[Resource::{audit_arn}/{ACCESS_EXPORT_PREFIX}/*]", ATHENA_EVIDENCE_PREFIXES),
             _object_wildcard(settings.bucket_arn(RESULTS_BUCKET), RESULTS_PREFIX))

    network = built.network
    for queue in (network.custom_resource_dlq, built.audit.undelivered_alarms):
        _ack(applied, queue, Ack("AwsSolutions-SQS3", DEAD_LETTER_QUEUE),
             Ack("Serverless-SQSRedrivePolicy", DEAD_LETTER_QUEUE))
    provider = network.node.try_find_child("Custom::VpcRestrictDefaultSGCustomResourceProvider")
    if provider is not None:
        _skip(provider.node.find_child("Role"), "CKV_AWS_111", ENI_WRITE_WITHOUT_RESOURCE)
    for machine in built.workflows.state_machine_specs:
        _ack(applied, built.workflows.node.find_child(machine.logical), *_state_machine_acks(built, machine))

    if built.api is not None:
        api = built.api.api
        _ack(applied, api, Ack("AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                      "AmazonAPIGatewayPushToCloudWatchLogs]", APIGW_CLOUDWATCH_ROLE),
             Ack("AwsSolutions-APIG3", APIGW_WAF), Ack("NIST.800.53.R5-APIGWAssociatedWithWAF", APIGW_WAF),
             Ack("AwsSolutions-COG4", APIGW_COGNITO),
             Ack("NIST.800.53.R5-APIGWCacheEnabledAndEncrypted", APIGW_CACHE),
             Ack("HIPAA.Security-APIGWCacheEnabledAndEncrypted", APIGW_CACHE),
             Ack("NIST.800.53.R5-APIGWSSLEnabled", APIGW_CLIENT_CERT),
             Ack("HIPAA.Security-APIGWSSLEnabled", APIGW_CLIENT_CERT),
             Ack("HIPAA.Security-APIGWXrayEnabled", APIGW_NO_XRAY),
             Ack("Serverless-APIGWXrayEnabled", APIGW_NO_XRAY))
        _skip(api.deployment_stage, "CKV_AWS_120", CACHE_OFF)
        _skip(api.deployment_stage, "CKV_AWS_73", APIGW_NO_XRAY)
    return applied
