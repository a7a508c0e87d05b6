"""Lambda functions built from the function catalog (kokuho.platform.catalog.FUNCTIONS).

Each function: Python 3.12, in the isolated subnets behind the endpoint-only security group, X-Ray
active, the shared kokuho layer, its own log group (personal-data key, retention set), and its own
role whose permissions are exactly the catalog's `tables`/`buckets` (read or write) plus the KMS keys of
those data classes. Table and bucket ARNs are built from their fixed names (see DeploySettings).
Environment variables are encrypted under the personal-data key (the role may decrypt them for its own
function only, by encryption context), and every function has the reserved concurrency its catalog
entry names (so no fan-out can take another function's share of the account's pool).
A function that answers task tokens (`answers_task_tokens_of`) may SendTask* to exactly those state
machines (their fixed ARNs) and encrypt their execution history under the personal-data key, limited by
encryption context to those machines — from whichever stack deploys it (the Api stack included).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.log_group import encrypted_log_group
from infra.constructs.roles import ServiceRole
from infra.settings import APP_LOG_RETENTION, DeploySettings
from kokuho.access.data_role import ROLE_ENV as DATA_ROLE_ENV
from kokuho.platform.catalog import has_data_role, own_role_name
from kokuho.platform.catalog.model import FunctionSpec, bucket_prefixes
from kokuho.platform.catalog.qualification import VAULT_FUNCTION
from kokuho.platform.iam_actions import BUCKET_LIST, object_actions, table_actions  # also held locally
from kokuho.platform.tables import BUCKETS_BY_LOGICAL, SIGNING_KEYS_BY_LOGICAL, TABLES_BY_LOGICAL, DataClass

# Signing keys (kokuho.platform.tables.SIGNING_KEYS): only a "sign" function may Sign; verifiers check
# signatures with the public key.
SIGNING_KEY_USE = {"sign": ["kms:Sign", "kms:GetPublicKey", "kms:DescribeKey"],
                   "verify": ["kms:GetPublicKey", "kms:DescribeKey"]}
KEY_READ = ["kms:Decrypt", "kms:DescribeKey"]
KEY_WRITE = KEY_READ + ["kms:Encrypt", "kms:GenerateDataKey"]
# Lambda creates the function's ENIs in the VPC with the function's role; ENI ids are not known in
# advance, so these cannot be scoped to a resource (acknowledged in nag_acknowledgements).
ENI_ACTIONS = ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
               "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
# X-Ray trace submission has no resource-level permissions.
XRAY_ACTIONS = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
TASK_TOKEN_ACTIONS = ["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"]
FUNCTIONS_EXCLUDE = ["tests", "**/tests", "__pycache__", "**/__pycache__", "*.pyc", "**/*.pyc"]


DATA_ROLE_ACTIONS = ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]


def _holders(spec: FunctionSpec, table: str, role: ServiceRole, data_role: ServiceRole | None) -> list[ServiceRole]:
    """Who holds a table: without a data role, the function's own role; a batch or workflow function's data
    role holds all (the whole invocation acts as its run: kokuho.access.run_identity); an api function's
    own role keeps the caller's tables, and both write the access records (a refused request's too)."""
    from kokuho.platform.catalog import own_role_holds
    from kokuho.platform.catalog.qualification import CALLER_TABLES

    own = [role] if own_role_holds(spec, table) else []
    if data_role is None or (spec.api and table in CALLER_TABLES and table != "access_log"):
        return own
    return [*own, data_role]


class CatalogError(ValueError):
    """The catalog names a table, bucket or function that does not exist."""


class CatalogFunctions(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, settings: DeploySettings, specs: Sequence[FunctionSpec],
        vpc: ec2.IVpc, subnets: ec2.SubnetSelection, security_group: ec2.ISecurityGroup,
        keys: Mapping[DataClass, kms.IKey], functions_root: Path, layer_root: Path,
        state_machines: Collection[str] | None = None, signing_keys: Mapping[str, kms.IKey] | None = None,
    ) -> None:
        """`state_machines`: the logicals a function may answer task tokens of (default: the catalog's)."""
        super().__init__(scope, construct_id)
        self.settings = settings
        self.keys = keys
        self.signing_keys = dict(signing_keys or {})
        self.specs = tuple(specs)
        if state_machines is None:
            from kokuho.platform.catalog import STATE_MACHINES_BY_LOGICAL

            state_machines = set(STATE_MACHINES_BY_LOGICAL)
        self.known_state_machines = frozenset(state_machines)
        self.functions: dict[str, lambda_.Function] = {}
        self.roles: dict[str, ServiceRole] = {}
        self.data_roles: dict[str, ServiceRole] = {}  # catalog.has_data_role: their data-access roles
        if not specs:
            return
        code = lambda_.Code.from_asset(str(functions_root), exclude=FUNCTIONS_EXCLUDE)
        self.layer = lambda_.LayerVersion(
            self, "KokuhoLayer",
            code=lambda_.Code.from_asset(str(layer_root)),
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_12],
            compatible_architectures=[lambda_.Architecture.X86_64],
            description="kokuho domain package and its runtime dependencies",
        )
        for spec in specs:
            self.functions[spec.logical] = self._function(spec, code, vpc, subnets, security_group)

    def _function(
        self, spec: FunctionSpec, code: lambda_.Code, vpc: ec2.IVpc, subnets: ec2.SubnetSelection,
        security_group: ec2.ISecurityGroup,
    ) -> lambda_.Function:
        scope = Construct(self, spec.logical)
        name = self.settings.function_name(spec.logical)
        # A signer signs through its data-access role, whose fixed name the signing key's policy names
        # (DeploySettings.signer_role_arn), with no reference from the Data stack to this one.
        # The vault's own role has a fixed name too (its data role is the My Number key's only user), as has every
        # api function's: the trail recognises their own records (a refused request's) by the role that issued the
        # session, never by the session's name (kokuho.platform.catalog.own_role_name).
        if "mynumber" in spec.tables and spec.logical != VAULT_FUNCTION:
            raise CatalogError(f"function {spec.logical}: only {VAULT_FUNCTION} may touch the mynumber table "
                               "(others hand numbers to it: FunctionSpec.invokes)")
        if own_role_name(spec) not in (None, name):
            raise CatalogError(f"function {spec.logical}: its own role's fixed name is not its function's name")
        role = ServiceRole(
            scope, "Execution", service=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{name}: exactly the tables, buckets and keys its catalog entry names",
            role_name=own_role_name(spec),
        )
        self.roles[spec.logical] = role
        log_group = encrypted_log_group(
            scope, "Logs", name=f"/aws/lambda/{name}", key=self.keys[DataClass.PERSONAL],
            retention=APP_LOG_RETENTION,
        )
        role.allow(["logs:CreateLogStream", "logs:PutLogEvents"], [log_group.log_group_arn])
        role.allow(ENI_ACTIONS, ["*"])
        role.allow(XRAY_ACTIONS, ["*"])
        if spec.reserved_concurrency < 1:
            raise CatalogError(f"function {spec.logical}: reserved_concurrency must be at least 1")
        env_key = self.keys[DataClass.PERSONAL]
        role.allow(["kms:Decrypt"], [env_key.key_arn],
                   {"StringEquals": {"kms:EncryptionContext:LambdaFunctionName": name}})
        data_role = self._data_role(scope, spec, name, role) if has_data_role(spec) else None
        environment, classes = self._data_access(spec, role, data_role)
        if data_role is not None:
            environment[DATA_ROLE_ENV] = self.settings.data_role_arn(spec.logical)
        # Task-token answers and invocations are made while acting (an api route, a workflow step): the
        # data role's, when there is one.
        self._task_tokens(spec, data_role or role)
        self._invokes(spec, data_role or role)
        for data_class in sorted(classes, key=lambda c: c.value):
            environment[f"KOKUHO_KEY_{data_class.name}"] = self.keys[data_class].key_arn
        environment["POWERTOOLS_SERVICE_NAME"] = name
        environment["POWERTOOLS_LOG_LEVEL"] = "INFO"
        environment["POWERTOOLS_METRICS_NAMESPACE"] = "kokuho"
        function = lambda_.Function(
            scope, "Function",
            function_name=name,
            description=spec.description[:256],
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.X86_64,
            handler=spec.handler,
            code=code,
            layers=[self.layer],
            role=role.immutable,
            vpc=vpc,
            vpc_subnets=subnets,
            security_groups=[security_group],
            tracing=lambda_.Tracing.ACTIVE,
            timeout=Duration.seconds(spec.timeout_seconds),
            memory_size=spec.memory_mb,
            reserved_concurrent_executions=spec.reserved_concurrency,
            environment=environment,
            environment_encryption=env_key,
            log_group=log_group,
        )
        # Lambda checks the role's ENI permissions when it creates a VPC function: attach first.
        function.node.add_dependency(role.policy)
        return function

    def _invokes(self, spec: FunctionSpec, role: ServiceRole) -> None:
        """lambda:InvokeFunction on exactly the catalog functions it names (their fixed ARNs)."""
        from kokuho.platform.catalog import FUNCTIONS_BY_LOGICAL

        known = set(FUNCTIONS_BY_LOGICAL) | {s.logical for s in self.specs}
        for logical in spec.invokes:
            if logical not in known:
                raise CatalogError(f"function {spec.logical}: invokes unknown function {logical!r}")
        if spec.invokes:
            role.allow(["lambda:InvokeFunction"], [
                self.settings.function_arn(self.settings.function_name(lg)) for lg in sorted(set(spec.invokes))])

    def _task_tokens(self, spec: FunctionSpec, role: ServiceRole) -> None:
        """SendTask* on exactly the named state machines, and the history key for them only."""
        for logical in spec.answers_task_tokens_of:
            if logical not in self.known_state_machines:
                raise CatalogError(f"function {spec.logical}: answers task tokens of unknown state machine "
                                   f"{logical!r}")
        arns = [self.settings.state_machine_arn(lg) for lg in sorted(set(spec.answers_task_tokens_of))]
        if not arns:
            return
        role.allow(TASK_TOKEN_ACTIONS, arns)
        # The answer (output or cause) goes into the machine's execution history, which is encrypted under
        # the personal-data key with the machine's ARN as encryption context (see WorkflowsStack).
        role.allow(["kms:GenerateDataKey"], [self.keys[DataClass.PERSONAL].key_arn],
                   {"StringEquals": {"kms:EncryptionContext:aws:states:stateMachineArn":
                                     arns[0] if len(arns) == 1 else arns}})

    def _data_role(self, scope: Construct, spec: FunctionSpec, name: str, role: ServiceRole) -> ServiceRole:
        """The function's data-access role (kokuho.access.data_role): trusted by the function's own role
        only, only with a source identity (a staff id, or a batch's or workflow's run id) and the three
        session tags, so every data event in CloudTrail names who caused it."""
        from kokuho.access.data_role import SESSION_TAGS, data_role_name

        principal = iam.ArnPrincipal(role.role.role_arn)
        tags_given = {f"aws:RequestTag/{tag}": "false" for tag in SESSION_TAGS}
        data = ServiceRole(
            scope, "DataAccess", role_name=data_role_name(name),
            service=iam.PrincipalWithConditions(principal, {"Null": {"sts:SourceIdentity": "false", **tags_given}}),
            description=f"{name}: its personal data, as the member of staff (source identity) or run it acts for",
        )
        data.trust(iam.PolicyStatement(actions=["sts:SetSourceIdentity"], principals=[principal],
                                       conditions={"Null": {"sts:SourceIdentity": "false"}}))
        data.trust(iam.PolicyStatement(actions=["sts:TagSession"], principals=[principal],
                                       conditions={"ForAllValues:StringEquals": {"aws:TagKeys": sorted(SESSION_TAGS)}}))
        role.allow(DATA_ROLE_ACTIONS, [self.settings.data_role_arn(spec.logical)])
        self.data_roles[spec.logical] = data
        return data

    def _data_access(self, spec: FunctionSpec, role: ServiceRole,
                     data_role: ServiceRole | None = None) -> tuple[dict[str, str], set[DataClass]]:
        """Grant exactly the catalog's table/bucket access; return env vars and the data classes used.
        With a data role: the personal data goes to it, the function's own role keeps the caller's tables
        (catalog.qualification.CALLER_TABLES), and the access records go to both."""
        env: dict[str, str] = {}
        classes: dict[DataClass, bool] = {}  # data class → needs write on its key
        key_users: dict[int, tuple[ServiceRole, dict[DataClass, bool]]] = {}
        for logical, access in sorted(spec.tables.items()):
            if logical not in TABLES_BY_LOGICAL:
                raise CatalogError(f"function {spec.logical}: unknown table {logical!r}")
            table = TABLES_BY_LOGICAL[logical]
            arn = self.settings.table_arn(table.default_name)
            resources = [arn] + [f"{arn}/index/{ix.name}" for ix in table.indexes]
            for holder in _holders(spec, logical, role, data_role):
                holder.allow(table_actions(table, access), resources)
                used = key_users.setdefault(id(holder), (holder, {}))[1]
                used[table.data_class] = used.get(table.data_class, False) or access != "read"
            env[table.env_var] = table.default_name
            classes[table.data_class] = classes.get(table.data_class, False) or access != "read"
        role = data_role or role  # buckets and signing keys: personal data too
        for logical, access in sorted(spec.buckets.items()):
            if logical not in BUCKETS_BY_LOGICAL:
                raise CatalogError(f"function {spec.logical}: unknown bucket {logical!r}")
            bucket = BUCKETS_BY_LOGICAL[logical]
            arn = self.settings.bucket_arn(logical)
            prefixes = bucket_prefixes(spec, logical, bucket.function_prefix)
            role.allow([BUCKET_LIST], [arn],
                       {"StringLike": {"s3:prefix": [f"{p}*" for p in prefixes]}} if all(prefixes) else None)
            role.allow(object_actions(bucket, access), [f"{arn}/{p}*" for p in prefixes])
            env[bucket.env_var] = self.settings.bucket_name(logical)
            classes[bucket.data_class] = classes.get(bucket.data_class, False) or access != "read"
            used = key_users.setdefault(id(role), (role, {}))[1]
            used[bucket.data_class] = used.get(bucket.data_class, False) or access != "read"
        for holder, used in key_users.values():
            for data_class, write in sorted(used.items(), key=lambda kv: kv[0].value):
                holder.allow(KEY_WRITE if write else KEY_READ, [self.keys[data_class].key_arn])
        for logical, use in sorted(spec.signing_keys.items()):
            if logical not in SIGNING_KEYS_BY_LOGICAL or logical not in self.signing_keys:
                raise CatalogError(f"function {spec.logical}: unknown signing key {logical!r}")
            if use == "sign" and SIGNING_KEYS_BY_LOGICAL[logical].signer != spec.logical:
                raise CatalogError(f"function {spec.logical}: only {SIGNING_KEYS_BY_LOGICAL[logical].signer} "
                                   f"signs with {logical!r}")
            key = self.signing_keys[logical]
            role.allow(SIGNING_KEY_USE[use], [key.key_arn])
            env[SIGNING_KEYS_BY_LOGICAL[logical].env_var] = key.key_arn
        return env, set(classes)
