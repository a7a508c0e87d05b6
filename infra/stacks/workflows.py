"""Workflows stack: the Lambda functions behind the state machines and the state machines themselves,
built from kokuho.platform.catalog, plus their EventBridge Scheduler schedules (Asia/Tokyo).

State-machine logging is level ALL but WITHOUT execution data: inputs and outputs of states carry
personal data (households, incomes, premiums), and CloudWatch Logs is not the place for it — the
application's own access records are. Events (which state ran, when, how it ended) are enough to
operate and to audit the runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.constructs.functions import CatalogError, CatalogFunctions
from infra.constructs.log_group import encrypted_log_group
from infra.constructs.roles import ServiceRole
from infra.settings import APP_LOG_RETENTION, DeploySettings
from kokuho.platform.catalog.model import FunctionSpec, Schedule, StateMachineSpec
from kokuho.platform.tables import BUCKETS_BY_LOGICAL, TABLES_BY_LOGICAL, DataClass

TIMEZONE = "Asia/Tokyo"
LOG_DELIVERY_ACTIONS = ["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
                        "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
                        "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"]


def _asl_resources(node: Any) -> set[str]:
    """Every Task `Resource` in an ASL document (nested Map/Parallel states included)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Resource" and isinstance(value, str):
                found.add(value)
            else:
                found |= _asl_resources(value)
    elif isinstance(node, list):
        for item in node:
            found |= _asl_resources(item)
    return found


def _has_key(node: Any, wanted: str) -> bool:
    if isinstance(node, dict):
        return wanted in node or any(_has_key(v, wanted) for v in node.values())
    if isinstance(node, list):
        return any(_has_key(v, wanted) for v in node)
    return False


def _dynamodb_actions(resources: set[str]) -> list[str]:
    """Direct DynamoDB integrations used by the ASL (…:::dynamodb:putItem / …:::aws-sdk:dynamodb:query)."""
    actions = set()
    for r in resources:
        for prefix in ("arn:aws:states:::dynamodb:", "arn:aws:states:::aws-sdk:dynamodb:"):
            if r.startswith(prefix):
                op = r[len(prefix):].split(".")[0]
                actions.add("dynamodb:" + op[:1].upper() + op[1:])
    return sorted(actions)


def schedule_expression(cron: str) -> str:
    cron = cron.strip()
    return cron if cron.startswith(("cron(", "rate(", "at(")) else f"cron({cron})"


class WorkflowsStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, settings: DeploySettings,
        functions: Sequence[FunctionSpec], state_machines: Sequence[StateMachineSpec],
        vpc: ec2.IVpc, subnets: ec2.SubnetSelection, security_group: ec2.ISecurityGroup,
        keys: Mapping[DataClass, kms.IKey], functions_root: Path, layer_root: Path, statemachines_root: Path,
        signing_keys: Mapping[str, kms.IKey] | None = None, **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, env=settings.env, **kwargs)  # type: ignore[arg-type]
        self.settings = settings
        self.keys = keys
        self.catalog_functions = CatalogFunctions(
            self, "Functions", settings=settings, specs=functions, vpc=vpc, subnets=subnets,
            security_group=security_group, keys=keys, functions_root=functions_root, layer_root=layer_root,
            state_machines=[s.logical for s in state_machines], signing_keys=signing_keys,
        )
        self.state_machine_specs = tuple(state_machines)
        self._distributed: set[str] = set()
        self.state_machines: dict[str, sfn.StateMachine] = {}
        self.schedules: list[scheduler.CfnSchedule] = []
        for spec in state_machines:
            self.state_machines[spec.logical] = self._state_machine(spec, statemachines_root)

    def _arn_prefix(self, kind: str) -> str:
        return f"arn:aws:states:{self.settings.region}:{self.settings.account}:{kind}"

    def _state_machine(self, spec: StateMachineSpec, root: Path) -> sfn.StateMachine:
        asl_path = root / spec.asl_file
        if not asl_path.is_file():
            raise CatalogError(f"state machine {spec.logical}: {asl_path} does not exist")
        asl = json.loads(asl_path.read_text())
        resources = _asl_resources(asl)
        scope = Construct(self, spec.logical)
        name = self.settings.state_machine_name(spec.logical)
        own_arn = self.settings.state_machine_arn(spec.logical)
        role = ServiceRole(scope, "Execution", service=iam.ServicePrincipal("states.amazonaws.com"),
                           description=f"{name}: invoke its own functions only")

        substitutions: dict[str, str] = {}
        tables: list[str] = []
        function_arns: list[str] = []
        for placeholder, (kind, value) in sorted(spec.substitutions.items()):
            if kind == "function":
                fn = self.catalog_functions.functions.get(value)
                if fn is None:
                    raise CatalogError(f"state machine {spec.logical}: function {value!r} is not in the "
                                       "catalog (or is an api function, deployed by the Api stack)")
                substitutions[placeholder] = fn.function_arn
                function_arns.append(fn.function_arn)
            elif kind == "table":
                if value not in TABLES_BY_LOGICAL:
                    raise CatalogError(f"state machine {spec.logical}: unknown table {value!r}")
                substitutions[placeholder] = TABLES_BY_LOGICAL[value].default_name
                tables.append(value)
            elif kind == "bucket":
                if value not in BUCKETS_BY_LOGICAL:
                    raise CatalogError(f"state machine {spec.logical}: unknown bucket {value!r}")
                substitutions[placeholder] = self.settings.bucket_name(value)
            elif kind == "literal":
                substitutions[placeholder] = value
            elif kind == "map_execution_type":
                if value not in ("EXPRESS", "STANDARD"):
                    raise CatalogError(f"state machine {spec.logical}: map execution type {value!r}")
                substitutions[placeholder] = value  # the embedded AWS runs these children as STANDARD
            else:
                raise CatalogError(f"state machine {spec.logical}: unknown substitution kind {kind!r}")

        if function_arns:
            role.allow(["lambda:InvokeFunction"], function_arns)
        # Execution history (inputs/outputs of every state) holds personal data: encrypted below with
        # the personal-data key. Everyone who starts executions or answers task tokens needs the key,
        # limited by encryption context to this state machine (task-token answerers get it from
        # CatalogFunctions, FunctionSpec.answers_task_tokens_of, in whichever stack deploys them).
        history_key = self.keys[DataClass.PERSONAL]
        state_key_condition: dict[str, object] = {
            "StringEquals": {"kms:EncryptionContext:aws:states:stateMachineArn": own_arn}}
        self._grant_direct_integrations(spec, role, tables, resources)
        self._grant_distributed_map(spec, role, name, own_arn, asl)

        # Log delivery and X-Ray APIs have no resource-level permissions (documented by AWS).
        role.allow(LOG_DELIVERY_ACTIONS, ["*"])
        role.allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                    "xray:GetSamplingTargets"], ["*"])
        log_group = encrypted_log_group(
            scope, "Logs", name=f"/aws/vendedlogs/states/{name}", key=self.keys[DataClass.AUDIT],
            retention=APP_LOG_RETENTION,
        )
        role.allow(["kms:Decrypt", "kms:GenerateDataKey"], [history_key.key_arn], state_key_condition)
        machine = sfn.StateMachine(
            scope, "StateMachine",
            state_machine_name=name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_file(str(asl_path)),
            definition_substitutions=substitutions,
            role=role.immutable,
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
            encryption_configuration=sfn.CustomerManagedEncryptionConfiguration(
                history_key, Duration.minutes(5)),
        )
        # Step Functions validates the logging permissions when it creates the state machine.
        machine.node.add_dependency(role.policy)
        for index, schedule in enumerate(spec.schedules):
            self.schedules.append(self._schedule(
                scope, spec, index, schedule, own_arn, machine, (history_key, state_key_condition)))
        return machine

    def _grant_direct_integrations(
        self, spec: StateMachineSpec, role: ServiceRole, tables: list[str], resources: set[str],
    ) -> None:
        actions = _dynamodb_actions(resources)
        if not (actions and tables):
            return
        arns = []
        classes = set()
        for logical in tables:
            table = TABLES_BY_LOGICAL[logical]
            arn = self.settings.table_arn(table.default_name)
            arns += [arn] + [f"{arn}/index/{ix.name}" for ix in table.indexes]
            classes.add(table.data_class)
        role.allow(actions, arns)
        role.allow(["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
                   [self.keys[c].key_arn for c in sorted(classes, key=lambda c: c.value)])

    def _grant_distributed_map(
        self, spec: StateMachineSpec, role: ServiceRole, name: str, own_arn: str, asl: Any,
    ) -> None:
        distributed = '"DISTRIBUTED"' in json.dumps(asl) or bool(spec.distributed_map_buckets)
        if not distributed:
            return
        self._distributed.add(spec.logical)
        # A Distributed Map runs its items as child executions of this same state machine.
        role.allow(["states:StartExecution"], [own_arn])
        role.allow(["states:DescribeExecution", "states:StopExecution"],
                   [f"{self._arn_prefix('execution')}:{name}/*"])
        role.allow(["states:DescribeMapRun", "states:UpdateMapRun", "states:ListMapRuns"],
                   [f"{self._arn_prefix('mapRun')}:{name}/*"])
        writes_results = _has_key(asl, "ResultWriter")
        for logical in spec.distributed_map_buckets:
            if logical not in BUCKETS_BY_LOGICAL:
                raise CatalogError(f"state machine {spec.logical}: unknown bucket {logical!r}")
            arn = self.settings.bucket_arn(logical)
            role.allow(["s3:ListBucket"], [arn])
            # ResultWriter uploads the map results in parts (AWS-documented permissions).
            writer = ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
            role.allow(["s3:GetObject"] + (writer if writes_results else []), [f"{arn}/*"])
            key = self.keys[BUCKETS_BY_LOGICAL[logical].data_class]
            role.allow(["kms:Decrypt"] + (["kms:GenerateDataKey"] if writes_results else []), [key.key_arn])

    def is_distributed(self, logical: str) -> bool:
        return logical in self._distributed

    def _schedule(
        self, scope: Construct, spec: StateMachineSpec, index: int, schedule: Schedule, own_arn: str,
        machine: sfn.StateMachine, history_key: tuple[kms.IKey, dict[str, object]],
    ) -> scheduler.CfnSchedule:
        role = ServiceRole(
            scope, f"Schedule{index}Execution",
            service=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": self.settings.account}}),
            description=f"EventBridge Scheduler: start {spec.logical} only",
        )
        role.allow(["states:StartExecution"], [own_arn])
        key, condition = history_key
        role.allow(["kms:GenerateDataKey"], [key.key_arn], condition)  # the execution input is encrypted
        cfn = scheduler.CfnSchedule(
            scope, f"Schedule{index}",
            description=(schedule.description or f"{spec.logical} schedule {index}")[:512],
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            schedule_expression=schedule_expression(schedule.cron),
            schedule_expression_timezone=TIMEZONE,
            state="ENABLED",
            target=scheduler.CfnSchedule.TargetProperty(
                arn=machine.state_machine_arn,
                role_arn=role.role.role_arn,
                input=json.dumps(schedule.input, ensure_ascii=False, sort_keys=True),
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                    maximum_event_age_in_seconds=3600, maximum_retry_attempts=3),
            ),
        )
        cfn.node.add_dependency(role.policy)
        return cfn
