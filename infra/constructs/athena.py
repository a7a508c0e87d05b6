"""Athena for the security team over the audit bucket (issue 11 item 5; domain.md §7).

A Glue database with two tables read in place: the CloudTrail logs (partition projection over
`AWSLogs/<account>/CloudTrail/<region>/<YYYY>/<MM>/<DD>`, no crawler, no partitions to add) and the access
records' daily export (`access-records/<YYYY>/<MM>/<DD>/`, JSON Lines). An Athena workgroup whose result
location and encryption (SSE-KMS, the audit key) are enforced — a query cannot send its results elsewhere
or unencrypted — writing to a bucket of its own that keeps results 30 days. One named query per file of
kokuho/data/athena/ (the same SQL text `kokuho trail query` runs with DuckDB). And the managed policy the
security team's own role gets to use all this: read the two prefixes of the audit bucket, run queries in
this workgroup, nothing that writes evidence.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_athena as athena
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.settings import PROJECT, DeploySettings
from kokuho.platform.tables import AUDIT_BUCKET
from kokuho.trail.athena import (
    ACCESS_COLUMNS,
    ACCESS_EXPORT_PREFIX,
    ACCESS_PARTITIONS,
    ACCESS_TABLE,
    DATABASE,
    DAY_FORMAT,
    PROJECTION_START,
    TRAIL_COLUMNS,
    TRAIL_PARTITIONS,
    TRAIL_REGIONS,
    TRAIL_TABLE,
    glue_type,
    load_queries,
)

RESULTS_BUCKET = "athena-results"
RESULTS_PREFIX = "results/"
RESULTS_DAYS = 30  # query results hold person and staff ids: kept a month for the review, then deleted
WORKGROUP = f"{PROJECT}-security"
# A runaway query (a year of logs without a day filter) stops at 100 GB scanned (about US$0.50 at list price).
BYTES_SCANNED_CUTOFF = 100 * 1024**3


def _columns(columns: tuple[tuple[str, str], ...]) -> list[glue.CfnTable.ColumnProperty]:
    return [glue.CfnTable.ColumnProperty(name=name.lower(), type=glue_type(kind)) for name, kind in columns]


def _day_projection(key: str) -> dict[str, str]:
    """Partition projection of the day partition `key` (no crawler, no partitions to add): every day from
    PROJECTION_START to today, in the path's DAY_FORMAT."""
    return {f"projection.{key}.type": "date", f"projection.{key}.format": DAY_FORMAT,
            f"projection.{key}.range": f"{PROJECTION_START},NOW", f"projection.{key}.interval": "1",
            f"projection.{key}.interval.unit": "DAYS"}


class SecurityAthena(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, settings: DeploySettings, audit_key: kms.IKey,
                 access_log_bucket: s3.IBucket) -> None:
        super().__init__(scope, construct_id)
        account = settings.account
        audit_bucket = settings.bucket_name(AUDIT_BUCKET.logical)
        trail_root = f"s3://{audit_bucket}/AWSLogs/{account}/CloudTrail"
        export_root = f"s3://{audit_bucket}/{ACCESS_EXPORT_PREFIX}"

        self.results_bucket = s3.Bucket(
            self, "Results",
            bucket_name=settings.bucket_name(RESULTS_BUCKET),
            encryption=s3.BucketEncryption.KMS,
            encryption_key=audit_key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=access_log_bucket,
            server_access_logs_prefix=f"{RESULTS_BUCKET}/",
            lifecycle_rules=[
                s3.LifecycleRule(id="expire-results", prefix=RESULTS_PREFIX, expiration=Duration.days(RESULTS_DAYS)),
                s3.LifecycleRule(id="old-versions-and-unfinished-uploads",
                                 noncurrent_version_expiration=Duration.days(1),
                                 abort_incomplete_multipart_upload_after=Duration.days(1)),
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )

        self.database = glue.CfnDatabase(
            self, "Database", catalog_id=account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=DATABASE, description="kokuho security review: CloudTrail and the access records, read in place"))

        self.trail_table = self._table(
            "TrailTable", TRAIL_TABLE,
            "CloudTrail log files of the kokuho trail (all regions), partition projection by day",
            partitions=TRAIL_PARTITIONS, columns=TRAIL_COLUMNS, location=trail_root, template="${region}/${timestamp}",
            parameters={"classification": "cloudtrail",
                        "projection.region.type": "enum",
                        "projection.region.values": ",".join(TRAIL_REGIONS),
                        **_day_projection("timestamp")},
            input_format="com.amazon.emr.cloudtrail.CloudTrailInputFormat",
            serde="org.apache.hive.hcatalog.data.JsonSerDe")
        self.access_table = self._table(
            "AccessRecordsTable", ACCESS_TABLE,
            "kokuho access records, exported daily as JSON Lines (kokuho.access.export)",
            partitions=ACCESS_PARTITIONS, columns=ACCESS_COLUMNS, location=export_root, template="${day}",
            parameters={"classification": "json", **_day_projection("day")},
            input_format="org.apache.hadoop.mapred.TextInputFormat",
            serde="org.openx.data.jsonserde.JsonSerDe")

        self.workgroup = athena.CfnWorkGroup(
            self, "WorkGroup", name=WORKGROUP,
            description="kokuho security review: results encrypted with the audit key, in their own bucket",
            state="ENABLED",
            recursive_delete_option=False,
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,  # clients cannot override location or encryption
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=BYTES_SCANNED_CUTOFF,
                engine_version=athena.CfnWorkGroup.EngineVersionProperty(
                    selected_engine_version="Athena engine version 3"),
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{settings.bucket_name(RESULTS_BUCKET)}/{RESULTS_PREFIX}",
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_KMS", kms_key=audit_key.key_arn),
                    expected_bucket_owner=account,
                ),
            ))

        self.named_queries: dict[str, athena.CfnNamedQuery] = {}
        for query in load_queries():
            named = athena.CfnNamedQuery(
                self, f"Query{query.name.title().replace('-', '')}", name=query.name, database=DATABASE,
                work_group=WORKGROUP, description=query.description[:1024], query_string=query.sql)
            named.node.add_dependency(self.workgroup)
            self.named_queries[query.name] = named

        self.user_policy = self._user_policy(settings, audit_key, audit_bucket)

    def _user_policy(self, settings: DeploySettings, audit_key: kms.IKey, audit_bucket: str) -> iam.ManagedPolicy:
        """For the security team's own role (created by the city's identity team, like the verifier)."""
        account, region = settings.account, settings.region
        audit_arn = settings.bucket_arn(AUDIT_BUCKET.logical)
        prefixes = [f"AWSLogs/{account}/CloudTrail/*", f"{ACCESS_EXPORT_PREFIX}/*"]
        glue_arns = [f"arn:aws:glue:{region}:{account}:catalog",
                     f"arn:aws:glue:{region}:{account}:database/{DATABASE}",
                     f"arn:aws:glue:{region}:{account}:table/{DATABASE}/{TRAIL_TABLE}",
                     f"arn:aws:glue:{region}:{account}:table/{DATABASE}/{ACCESS_TABLE}"]
        results = settings.bucket_arn(RESULTS_BUCKET)
        return iam.ManagedPolicy(
            self, "SecurityAthenaUser", managed_policy_name=f"{PROJECT}-security-athena",
            description="Athena queries of the trail and the access records in the kokuho-security workgroup",
            statements=[
                iam.PolicyStatement(
                    actions=["athena:StartQueryExecution", "athena:StopQueryExecution", "athena:GetQueryExecution",
                             "athena:GetQueryResults", "athena:GetWorkGroup", "athena:ListNamedQueries",
                             "athena:GetNamedQuery", "athena:BatchGetNamedQuery", "athena:ListQueryExecutions"],
                    resources=[f"arn:aws:athena:{region}:{account}:workgroup/{WORKGROUP}"]),
                iam.PolicyStatement(actions=["glue:GetDatabase", "glue:GetTable", "glue:GetTables",
                                             "glue:GetPartition", "glue:GetPartitions"], resources=glue_arns),
                iam.PolicyStatement(actions=["s3:ListBucket", "s3:GetBucketLocation"], resources=[audit_arn],
                                    conditions={"StringLike": {"s3:prefix": prefixes}}),
                iam.PolicyStatement(actions=["s3:GetObject"], resources=[f"{audit_arn}/{p}" for p in prefixes]),
                iam.PolicyStatement(actions=["s3:ListBucket", "s3:GetBucketLocation"],
                                    resources=[results]),
                iam.PolicyStatement(actions=["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
                                    resources=[f"{results}/{RESULTS_PREFIX}*"]),
                # Through S3 only: reading SSE-KMS log files, writing SSE-KMS results.
                iam.PolicyStatement(actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[audit_key.key_arn],
                                    conditions={"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}}),
            ])

    def _table(self, construct_id: str, name: str, description: str, *,
               partitions: tuple[tuple[str, str], ...], columns: tuple[tuple[str, str], ...], location: str,
               template: str, parameters: dict[str, str], input_format: str, serde: str) -> glue.CfnTable:
        """An external table of the database read in place under `location`, partitions projected."""
        table = glue.CfnTable(
            self, construct_id, catalog_id=self.database.catalog_id, database_name=DATABASE,
            table_input=glue.CfnTable.TableInputProperty(
                name=name, table_type="EXTERNAL_TABLE", description=description,
                partition_keys=_columns(partitions),
                parameters={"projection.enabled": "true", **parameters,
                            "storage.location.template": f"{location}/{template}"},
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    columns=_columns(columns), location=f"{location}/", input_format=input_format,
                    output_format="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                    serde_info=glue.CfnTable.SerdeInfoProperty(serialization_library=serde)),
            ))
        table.node.add_dependency(self.database)
        return table
