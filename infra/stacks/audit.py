"""Audit stack: the CloudTrail trail and the alarms on it (assessment III-3 リスク2 アクセス記録, IV-1).

Management events plus data events for every table, bucket and function that holds personal data
(the L2 Trail cannot select DynamoDB tables, hence AdvancedEventSelectors on the L1 CfnTrail);
log-file validation; encrypted with the audit key; delivered to the Object-Locked audit bucket and to
an encrypted, retained CloudWatch Logs group whose metric filters raise alarms on unauthorized calls,
KMS key disable/deletion, trail changes and bulk reads of personal data. And the access history's own
alarms: the hourly anchoring (`kokuho audit verify`, then the signed digest) failed — a break in the
access records or the digest chain — or has not succeeded for three hours.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.athena import SecurityAthena
from infra.constructs.log_group import encrypted_log_group
from infra.constructs.roles import ServiceRole
from infra.settings import AUDIT_LOG_RETENTION, PROJECT, TRAIL_NAME, AlarmSubscription, DeploySettings
from kokuho.platform import exchange
from kokuho.platform.catalog.audit import ANCHOR
from kokuho.platform.tables import AUDIT_BUCKET, BUCKETS, TABLES, TABLES_BY_LOGICAL

METRIC_NAMESPACE = "kokuho/Security"
# Reads of personal tables by ONE principal within 5 minutes above which a person should look: the
# monthly batch reads by household batch (hundreds of calls per batch role), a clerk's screen a few.
BULK_READ_THRESHOLD = 5000
READ_EVENTS = ("GetItem", "BatchGetItem", "Query", "Scan")

FILTERS: dict[str, tuple[str, str]] = {
    "UnauthorizedApiCalls": (
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
        "API calls refused for lack of permission"),
    "KmsKeyDisableOrDeletion": (
        "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || "
        "($.eventName = ScheduleKeyDeletion)) }",
        "a KMS key was disabled or scheduled for deletion"),
    "CloudTrailChanges": (
        "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || "
        "($.eventName = StartLogging) || ($.eventName = StopLogging) || ($.eventName = PutEventSelectors) }",
        "the audit trail's configuration changed"),
}


def data_event_selectors(
    settings: DeploySettings, table_names: Sequence[str], bucket_logicals: Sequence[str],
) -> list[cloudtrail.CfnTrail.AdvancedEventSelectorProperty]:
    def field(name: str, **kw: list[str]) -> cloudtrail.CfnTrail.AdvancedFieldSelectorProperty:
        return cloudtrail.CfnTrail.AdvancedFieldSelectorProperty(field=name, **kw)

    return [
        cloudtrail.CfnTrail.AdvancedEventSelectorProperty(
            name="Management events", field_selectors=[field("eventCategory", equal_to=["Management"])]),
        cloudtrail.CfnTrail.AdvancedEventSelectorProperty(
            name="Personal-data tables", field_selectors=[
                field("eventCategory", equal_to=["Data"]),
                field("resources.type", equal_to=["AWS::DynamoDB::Table"]),
                field("resources.ARN", equal_to=[settings.table_arn(n) for n in table_names]),
            ]),
        cloudtrail.CfnTrail.AdvancedEventSelectorProperty(
            name="Personal-data buckets", field_selectors=[
                field("eventCategory", equal_to=["Data"]),
                field("resources.type", equal_to=["AWS::S3::Object"]),
                field("resources.ARN", starts_with=[f"{settings.bucket_arn(b)}/" for b in bucket_logicals]),
            ]),
        cloudtrail.CfnTrail.AdvancedEventSelectorProperty(
            name="kokuho functions", field_selectors=[
                field("eventCategory", equal_to=["Data"]),
                field("resources.type", equal_to=["AWS::Lambda::Function"]),
                field("resources.ARN", starts_with=[settings.function_arn(f"{PROJECT}-")]),
            ]),
    ]


class AuditStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, settings: DeploySettings, audit_key: kms.IKey,
        audit_bucket: s3.IBucket, alarm_subscription: AlarmSubscription, digest_key: kms.IKey | None = None,
        access_log_bucket: s3.IBucket | None = None, **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, env=settings.env, **kwargs)  # type: ignore[arg-type]
        self.settings = settings
        self.log_group = encrypted_log_group(
            self, "TrailLogs", key=audit_key, retention=AUDIT_LOG_RETENTION, name=f"/{PROJECT}/cloudtrail")
        delivery_role = ServiceRole(
            self, "TrailLogsDelivery", service=iam.ServicePrincipal("cloudtrail.amazonaws.com"),
            description="CloudTrail delivery to the kokuho trail log group only")
        delivery_role.allow(["logs:CreateLogStream", "logs:PutLogEvents"], [self.log_group.log_group_arn])

        self.trail = cloudtrail.CfnTrail(
            self, "Trail",
            trail_name=TRAIL_NAME,
            is_logging=True,
            s3_bucket_name=audit_bucket.bucket_name,
            kms_key_id=audit_key.key_arn,
            enable_log_file_validation=True,
            include_global_service_events=True,
            # All regions: a call made outside Japan is itself a finding worth recording.
            is_multi_region_trail=True,
            cloud_watch_logs_log_group_arn=self.log_group.log_group_arn,
            cloud_watch_logs_role_arn=delivery_role.role.role_arn,
            advanced_event_selectors=data_event_selectors(
                settings, [t.default_name for t in TABLES], [b.logical for b in BUCKETS]),
        )
        self.trail.node.add_dependency(delivery_role.policy)

        self.topic = sns.Topic(
            self, "SecurityAlarms", display_name="kokuho security alarms", master_key=audit_key,
            enforce_ssl=True)
        # The alarms reach a person: the security team's address or its HTTPS receiver (configuration).
        # An alarm the receiver refuses is kept 14 days in a dead-letter queue instead of being lost.
        self.undelivered_alarms = sqs.Queue(
            self, "UndeliveredAlarms", encryption=sqs.QueueEncryption.KMS, encryption_master_key=audit_key,
            enforce_ssl=True, retention_period=Duration.days(14))
        if alarm_subscription.protocol == "https":
            self.topic.add_subscription(subscriptions.UrlSubscription(
                alarm_subscription.endpoint, protocol=sns.SubscriptionProtocol.HTTPS,
                dead_letter_queue=self.undelivered_alarms))
        else:
            self.topic.add_subscription(subscriptions.EmailSubscription(
                alarm_subscription.endpoint, dead_letter_queue=self.undelivered_alarms))
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for name, (pattern, description) in FILTERS.items():
            self._filter_alarm(name, logs.FilterPattern.literal(pattern), description, threshold=1)
        self._bulk_read_alarms()
        self.verifier_policy = (self._verifier_policy(settings, audit_key, digest_key)
                                if digest_key is not None else None)
        self._access_history_alarms(settings)
        self._exchange_name_alarm()
        # Athena over the audit bucket (its results bucket logs to the server-access-log bucket).
        self.athena = (SecurityAthena(self, "SecurityAthena", settings=settings, audit_key=audit_key,
                                      access_log_bucket=access_log_bucket)
                       if access_log_bucket is not None else None)

    def _filter_alarm(self, name: str, pattern: logs.IFilterPattern, description: str, threshold: int) -> None:
        metric_filter = self.log_group.add_metric_filter(
            f"{name}Filter", filter_pattern=pattern, metric_namespace=METRIC_NAMESPACE, metric_name=name,
            metric_value="1", default_value=0)
        alarm = cloudwatch.Alarm(
            self, f"{name}Alarm",
            alarm_description=description,
            metric=metric_filter.metric(statistic="Sum", period=Duration.minutes(5)),
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(self.topic))
        self.alarms[name] = alarm

    def _verifier_policy(self, settings: DeploySettings, audit_key: kms.IKey,
                         digest_key: kms.IKey) -> iam.ManagedPolicy:
        """What `kokuho audit verify` needs and nothing more, for the security team's own role (which the
        city's identity team creates): read the access records, list and read the digests, the digest
        key's public part, and the audit key to read SSE-KMS objects through S3. Nothing that writes."""
        table_arn = settings.table_arn(TABLES_BY_LOGICAL["access_log"].default_name)
        bucket_arn = settings.bucket_arn(AUDIT_BUCKET.logical)
        prefix = AUDIT_BUCKET.function_prefix or ""
        return iam.ManagedPolicy(
            self, "AccessHistoryVerifier", managed_policy_name=f"{PROJECT}-access-history-verifier",
            description="kokuho audit verify: read the access records and the signed digests, nothing else",
            statements=[
                iam.PolicyStatement(actions=["dynamodb:Scan", "dynamodb:Query", "dynamodb:GetItem",
                                             "dynamodb:DescribeTable"], resources=[table_arn]),
                iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket_arn],
                                    conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}}),
                iam.PolicyStatement(actions=["s3:GetObject"], resources=[f"{bucket_arn}/{prefix}*"]),
                iam.PolicyStatement(actions=["kms:GetPublicKey", "kms:DescribeKey"],
                                    resources=[digest_key.key_arn]),
                iam.PolicyStatement(actions=["kms:Decrypt"], resources=[audit_key.key_arn], conditions={
                    "StringEquals": {"kms:ViaService": f"s3.{settings.region}.amazonaws.com"}}),
            ])

    def _access_history_alarms(self, settings: DeploySettings) -> None:
        """The audit-anchor state machine fails when `kokuho audit verify` finds a break (or a digest
        cannot be signed): any failed or timed-out run raises the alarm. A schedule disabled or runs
        stopped show as no success for three hours."""
        dims = {"StateMachineArn": settings.state_machine_arn(ANCHOR)}

        def metric(name: str, period: Duration) -> cloudwatch.Metric:
            return cloudwatch.Metric(namespace="AWS/States", metric_name=name, dimensions_map=dims,
                                     statistic="Sum", period=period)

        broken = cloudwatch.Alarm(
            self, "AccessHistoryBrokenAlarm",
            alarm_description="kokuho audit verify found a break in the access records or their signed digests "
                              "(or the digest could not be signed): see the audit-anchor execution",
            metric=cloudwatch.MathExpression(
                expression="FILL(failed, 0) + FILL(timedout, 0)", period=Duration.minutes(5),
                using_metrics={"failed": metric("ExecutionsFailed", Duration.minutes(5)),
                               "timedout": metric("ExecutionsTimedOut", Duration.minutes(5))},
                label="failed anchoring runs"),
            threshold=1, evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        stalled = cloudwatch.Alarm(
            self, "AccessHistoryNotAnchoredAlarm",
            alarm_description="no successful anchoring of the access history for three hours",
            metric=metric("ExecutionsSucceeded", Duration.hours(1)),
            threshold=1, evaluation_periods=3,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
        )
        for name, alarm in (("AccessHistoryBroken", broken), ("AccessHistoryNotAnchored", stalled)):
            alarm.add_alarm_action(cw_actions.SnsAction(self.topic))
            self.alarms[name] = alarm

    def _exchange_name_alarm(self) -> None:
        """A file delivered into the exchange bucket under a name holding a My Number is refused by every intake
        and left in place (kokuho.platform.exchange): the security team removes it — any refusal raises this."""
        alarm = cloudwatch.Alarm(
            self, "DeliveredFileNameRefusedAlarm",
            alarm_description="a file in the exchange bucket is named with a My Number: refused by the intakes and "
                              "left in place; the log line names it by reference (sha256:…) — remove it",
            metric=cloudwatch.Metric(namespace=exchange.METRIC_NAMESPACE, metric_name=exchange.REFUSED_NAME_METRIC,
                                     dimensions_map=exchange.METRIC_DIMENSIONS, statistic="Sum",
                                     period=Duration.minutes(5)),
            threshold=1, evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(self.topic))
        self.alarms["DeliveredFileNameRefused"] = alarm

    def _bulk_read_alarms(self) -> None:
        """Bulk reads of personal tables: a metric filter on all read data events (overall volume),
        and a Contributor Insights rule keyed by principal so the alarm fires when ONE principal reads
        more than BULK_READ_THRESHOLD items' worth of calls in 5 minutes (III-3 リスク4, 不正な複製)."""
        reads = " || ".join(f"($.eventName = {e})" for e in READ_EVENTS)
        self._filter_alarm(
            "PersonalDataReads",
            logs.FilterPattern.literal(f"{{ ($.eventSource = dynamodb.amazonaws.com) && ({reads}) }}"),
            "read calls on personal-data tables (all principals)", threshold=BULK_READ_THRESHOLD * 4)
        rule_name = f"{PROJECT}-personal-reads-by-principal"
        cloudwatch.CfnInsightRule(
            self, "ReadsByPrincipal",
            rule_name=rule_name,
            rule_state="ENABLED",
            rule_body=json.dumps({
                "Schema": {"Name": "CloudWatchLogRule", "Version": 1},
                "LogGroupNames": [self.log_group.log_group_name],
                "LogFormat": "JSON",
                "Contribution": {
                    "Keys": ["$.userIdentity.arn"],
                    "Filters": [
                        {"Match": "$.eventSource", "In": ["dynamodb.amazonaws.com"]},
                        {"Match": "$.eventName", "In": list(READ_EVENTS)},
                    ],
                },
                "AggregateOn": "Count",
            }),
        ).node.add_dependency(self.log_group)
        alarm = cloudwatch.Alarm(
            self, "BulkReadByOnePrincipalAlarm",
            alarm_description="one principal read personal-data tables in bulk",
            metric=cloudwatch.MathExpression(
                expression=f"INSIGHT_RULE_METRIC('{rule_name}', 'MaxContributorValue')",
                period=Duration.minutes(5), label="max reads by one principal"),
            threshold=BULK_READ_THRESHOLD,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(self.topic))
        self.alarms["BulkReadByOnePrincipal"] = alarm
