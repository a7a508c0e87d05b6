"""The embedded AWS: moto in-process, provisioned from the same definitions the CDK stacks deploy.

Public API (stable — tests, the demo and benchmarks rely on it)::

    from kokuho_local.embedded import embedded_aws

    with embedded_aws() as aws:                 # moto on, region ap-northeast-1, dummy credentials,
        aws.client("dynamodb")                  # everything provisioned; boto3 clients on the mock
        aws.state_machine_arn("monthly-assessment")
        aws.function_arn("assessment-batch")
        aws.table_name("assessment"); aws.bucket_name("work"); aws.key_arn(DataClass.PERSONAL)
        out = aws.run_state_machine("monthly-assessment", {...}, name="run-2024-06")
        #   start + poll until done; returns the parsed output; raises ExecutionFailed(error, cause)
        aws.invoke("assessment-batch", {...})   # direct Lambda invoke through moto, parsed payload
        with aws.function_environment("linkage-provision-check", KOKUHO_X="1"):  # set on the function
            ...                                 # (UpdateFunctionConfiguration), restored after

    with embedded_aws(function_environment={"POWERTOOLS_LOG_LEVEL": "WARNING"}):  # on every function

    with embedded_aws(server=True) as aws:      # additionally a ThreadedMotoServer on 127.0.0.1
        aws.endpoint_url                        # "http://127.0.0.1:<port>" (None without server)

What is provisioned, and from where:
- tables: kokuho.platform.tables.TABLES (keys, GSIs with ALL projection, TTL, SSE on the data class key)
- buckets: BUCKETS and AUDIT_BUCKET (default SSE-KMS with the data class key; Object Lock where set)
- signing keys: SIGNING_KEYS (asymmetric, SIGN_VERIFY), aliased by their spec
- one KMS key per DataClass, aliased key_alias(data_class)
- Lambda functions: kokuho.platform.catalog.FUNCTIONS, each with the environment CDK declares from its
  entry (its tables, buckets, signing keys); invocations run the handler in-process with exactly that
  environment and confined to the entry's grants (kokuho_local.local_lambda: handler path relative to
  functions/)
- state machines: kokuho.platform.catalog.STATE_MACHINES, ASL loaded from statemachines/ with the
  `${Placeholder}` substitutions CDK's definition_substitutions applies (function ARN, table name,
  bucket name, literal).

Known gaps of moto's Step Functions interpreter (moto 5.2; the deployed ASL is kept as is and the
workflows are written within what both support):
- no `ItemBatcher` in its ASL grammar → work lists are written pre-batched (one JSON item per batch);
- `ResultWriter` writes only an empty manifest → failures are recorded by a Catch in the item
  processor, not read back from result files;
- a Choice on `$.a[0].b` reads a list → select the element first (Pass/ResultSelector);
- `ToleratedFailurePercentage: 0` is refused by its parser → omitted (0 is the default anyway);
- a Distributed Map's `ExecutionType` must be STANDARD (EXPRESS children, cheaper on AWS, are refused)
  → the ASL takes it from a ("map_execution_type", …) substitution: EXPRESS deployed, STANDARD here.
moto's DynamoDB is made thread-safe, its TransactWriteItems rollback and its queries O(items
concerned) instead of O(table), its AttributeValue serialisation fast (kokuho_local.moto_dynamodb);
its KMS keys' private keys are generated when first used (kokuho_local.moto_kms); a state machine
definition found valid is not parsed again at its creation (kokuho_local.moto_stepfunctions);
Lambda invocations are routed in-process (local_lambda); botocore's sessions share one data loader.
The cyclic garbage collector runs less often while the embedded AWS is up (`collecting_less`): every
table lives in this process as Python objects, so each full collection walked the whole database
(≈ 0.6 s at 5,000 households; 40 % of the monthly run's CPU went to the collector).
Executions run asynchronously on a thread: always pass an execution name and poll (run_state_machine).
`embedded_aws()` does not nest (moto's nested mocks share state): one at a time per process.
tests/integration/test_embedded_synth.py checks that all this equals the synthesized CDK app.
"""

from __future__ import annotations

import gc
import io
import json
import os
import re
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kokuho.access.data_role import ROLE_ENV as DATA_ROLE_ENV
from kokuho.access.data_role import data_role_name, forget_sessions
from kokuho.platform.catalog import FUNCTIONS, STATE_MACHINES, StateMachineSpec, has_data_role
from kokuho.platform.tables import (
    AWS_REGION,
    BUCKETS_BY_LOGICAL,
    SIGNING_KEYS,
    TABLES,
    DataClass,
    TableSpec,
    key_alias,
)
from kokuho_local.local_lambda import routed_lambda  # at import: its grant check joins botocore's handlers

# The one moto version the embedded AWS is tested with (pinned in pyproject.toml). moto_dynamodb and
# local_lambda patch moto's internals and the ASL is written around its interpreter's gaps (above):
# on another version they may silently stop fitting, so embedded_aws() refuses to start instead.
TESTED_MOTO = "5.2.5"


class UntestedMoto(RuntimeError):
    """The installed moto is not the version the embedded AWS is tested with."""


def _installed_moto_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("moto")
    except PackageNotFoundError:
        return "none"


def require_tested_moto() -> None:
    installed = _installed_moto_version()
    if installed != TESTED_MOTO:
        raise UntestedMoto(
            f"the embedded AWS is tested with moto {TESTED_MOTO} only, and moto {installed} is installed: "
            f"its patches of moto's DynamoDB and Lambda internals may not fit another version. "
            f"Run ./scripts/setup (pyproject.toml pins moto=={TESTED_MOTO}), or test the patches on the "
            f"new version and raise TESTED_MOTO and the pin together.")


ACCOUNT_ID = "123456789012"  # moto's default account
ROOT = Path(os.environ.get("KOKUHO_ROOT", Path(__file__).resolve().parents[2]))
FUNCTIONS_ROOT = ROOT / "functions"
STATEMACHINES_ROOT = ROOT / "statemachines"
LAMBDA_ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/kokuho-lambda"
SFN_ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/kokuho-states"

_ENV = {
    "AWS_DEFAULT_REGION": AWS_REGION,
    "AWS_REGION": AWS_REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon locally
    "POWERTOOLS_METRICS_NAMESPACE": "kokuho",
}
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


class ExecutionFailed(RuntimeError):
    """A state machine execution ended FAILED, TIMED_OUT or ABORTED."""

    def __init__(self, status: str, error: str | None, cause: str | None, execution_arn: str) -> None:
        super().__init__(f"{status}: {error or '-'}: {cause or '-'}")
        self.status, self.error, self.cause, self.execution_arn = status, error, cause, execution_arn


def substitute(definition: str, spec: StateMachineSpec, resolve: dict[str, dict[str, str]]) -> str:
    """Apply `${Placeholder}` substitutions like CDK's definition_substitutions (every one must resolve)."""
    values: dict[str, str] = {}
    for placeholder, (kind, ref) in spec.substitutions.items():
        if kind == "map_execution_type":
            values[placeholder] = "STANDARD"  # moto's interpreter refuses EXPRESS children (see above)
        else:
            values[placeholder] = ref if kind == "literal" else resolve[kind][ref]

    def repl(m: re.Match[str]) -> str:
        if m.group(1) not in values:
            raise KeyError(f"{spec.asl_file}: no substitution for ${{{m.group(1)}}}")
        return values[m.group(1)]

    return _PLACEHOLDER.sub(repl, definition)


def dynamodb_create_args(spec: TableSpec, kms_key_id: str | None = None) -> dict[str, Any]:
    """CreateTable arguments for a TableSpec (shared with tests that compare schemas)."""
    attrs = [{"AttributeName": a, "AttributeType": "S"} for a in spec.key_attributes()]
    schema = [{"AttributeName": spec.partition_key, "KeyType": "HASH"}]
    if spec.sort_key:
        schema.append({"AttributeName": spec.sort_key, "KeyType": "RANGE"})
    args: dict[str, Any] = {
        "TableName": spec.name(),
        "AttributeDefinitions": attrs,
        "KeySchema": schema,
        "BillingMode": "PAY_PER_REQUEST",
    }
    if spec.indexes:
        args["GlobalSecondaryIndexes"] = [
            {
                "IndexName": ix.name,
                "KeySchema": [{"AttributeName": ix.partition_key, "KeyType": "HASH"}]
                + ([{"AttributeName": ix.sort_key, "KeyType": "RANGE"}] if ix.sort_key else []),
                "Projection": {"ProjectionType": ix.projection},
            }
            for ix in spec.indexes
        ]
    if kms_key_id:
        args["SSESpecification"] = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": kms_key_id}
    return args


def _dummy_zip() -> bytes:
    # moto stores the code but never runs it: invocations are routed to functions/ in-process.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("README", "code runs in-process from functions/ (kokuho_local.local_lambda)")
    return buf.getvalue()


@dataclass
class EmbeddedAWS:
    """Handle on a running embedded AWS (see module docstring)."""

    endpoint_url: str | None = None
    _keys: dict[DataClass, str] = field(default_factory=dict)
    _signing_keys: dict[str, str] = field(default_factory=dict)
    _functions: dict[str, str] = field(default_factory=dict)
    _state_machines: dict[str, str] = field(default_factory=dict)
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        import boto3

        if service not in self._clients:
            self._clients[service] = boto3.client(service, region_name=AWS_REGION)
        return self._clients[service]

    def function_arn(self, logical: str) -> str:
        return self._functions[logical]

    def state_machine_arn(self, logical: str) -> str:
        return self._state_machines[logical]

    def key_arn(self, data_class: DataClass) -> str:
        return self._keys[data_class]

    @staticmethod
    def table_name(logical: str) -> str:
        return next(t for t in TABLES if t.logical == logical).name()

    @staticmethod
    def bucket_name(logical: str) -> str:
        return BUCKETS_BY_LOGICAL[logical].name()

    def signing_key_arn(self, logical: str) -> str:
        return self._signing_keys[logical]

    def invoke(self, logical: str, event: dict[str, Any]) -> Any:
        """Invoke a catalog function through moto; raises RuntimeError on a function error."""
        resp = self.client("lambda").invoke(FunctionName=self.function_arn(logical),
                                            Payload=json.dumps(event).encode("utf-8"))
        payload = json.loads(resp["Payload"].read() or b"null")
        if resp.get("FunctionError"):
            raise RuntimeError(f"{logical}: {payload.get('errorType')}: {payload.get('errorMessage')}")
        return payload

    @contextmanager
    def function_environment(self, *logicals: str, **values: str) -> Iterator[None]:
        """Set variables on these functions' configuration (as UpdateFunctionConfiguration on AWS: the
        only way a handler sees a variable), restoring each function's own on exit."""
        lam = self.client("lambda")
        saved = {lg: lam.get_function_configuration(FunctionName=self.function_arn(lg))
                 .get("Environment", {}).get("Variables", {}) for lg in logicals}
        for logical, env in saved.items():
            lam.update_function_configuration(FunctionName=self.function_arn(logical),
                                              Environment={"Variables": {**env, **values}})
        try:
            yield
        finally:
            for logical, env in saved.items():
                lam.update_function_configuration(FunctionName=self.function_arn(logical),
                                                  Environment={"Variables": env})

    def start_state_machine(self, logical: str, payload: dict[str, Any], *, name: str) -> str:
        resp = self.client("stepfunctions").start_execution(
            stateMachineArn=self.state_machine_arn(logical), name=name, input=json.dumps(payload))
        return str(resp["executionArn"])

    def wait_execution(self, execution_arn: str, *, timeout_s: float = 600.0,
                       poll_s: float = 0.05) -> Any:
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + timeout_s
        running = _running_execution(execution_arn)
        while True:
            if running is not None and running():
                # moto's own execution says it still runs: no DescribeExecution (≈ 2 ms of CPU each, 20 a
                # second, beside the run it waits for); the answer is still read through the API
                if time.monotonic() > deadline:
                    raise TimeoutError(f"execution still RUNNING after {timeout_s}s: {execution_arn}")
                time.sleep(min(poll_s, 0.01))
                continue
            desc = sfn.describe_execution(executionArn=execution_arn)
            status = desc["status"]
            if status == "SUCCEEDED":
                return json.loads(desc.get("output") or "null")
            if status in ("FAILED", "TIMED_OUT", "ABORTED"):
                raise ExecutionFailed(status, desc.get("error"), desc.get("cause"), execution_arn)
            if time.monotonic() > deadline:
                raise TimeoutError(f"execution still {status} after {timeout_s}s: {execution_arn}")
            time.sleep(poll_s)

    def run_state_machine(self, logical: str, payload: dict[str, Any], *, name: str,
                          timeout_s: float = 600.0) -> Any:
        """Start an execution (name required: makes reruns explicit) and wait for its output."""
        return self.wait_execution(self.start_state_machine(logical, payload, name=name),
                                   timeout_s=timeout_s)

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        while True:
            page = sfn.get_execution_history(**kwargs)
            events += page["events"]
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]

    # -- provisioning -----------------------------------------------------------------------------

    def _provision(self, function_environment: dict[str, str]) -> None:
        kms = self.client("kms")
        for dc in DataClass:
            key = kms.create_key(Description=f"kokuho {dc.value}", KeyUsage="ENCRYPT_DECRYPT")
            arn = key["KeyMetadata"]["Arn"]
            kms.create_alias(AliasName=key_alias(dc), TargetKeyId=key["KeyMetadata"]["KeyId"])
            self._keys[dc] = arn
        for sk in SIGNING_KEYS:
            meta = kms.create_key(Description=f"kokuho {sk.logical}", KeyUsage="SIGN_VERIFY",
                                  KeySpec=sk.key_spec)["KeyMetadata"]
            kms.create_alias(AliasName=sk.alias, TargetKeyId=meta["KeyId"])
            self._signing_keys[sk.logical] = meta["Arn"]

        ddb = self.client("dynamodb")
        for spec in TABLES:
            ddb.create_table(**dynamodb_create_args(spec, self._keys[spec.data_class]))
            if spec.ttl_attribute:
                ddb.update_time_to_live(TableName=spec.name(), TimeToLiveSpecification={
                    "Enabled": True, "AttributeName": spec.ttl_attribute})

        s3 = self.client("s3")
        for b in BUCKETS_BY_LOGICAL.values():
            s3.create_bucket(Bucket=b.name(), CreateBucketConfiguration={"LocationConstraint": AWS_REGION},
                             ObjectLockEnabledForBucket=bool(b.object_lock_days))
            if b.object_lock_days:
                s3.put_object_lock_configuration(Bucket=b.name(), ObjectLockConfiguration={
                    "ObjectLockEnabled": "Enabled",
                    "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": b.object_lock_days}}})
            s3.put_bucket_encryption(Bucket=b.name(), ServerSideEncryptionConfiguration={"Rules": [{
                "ApplyServerSideEncryptionByDefault": {
                    "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": self._keys[b.data_class]}}]})

        iam = self.client("iam")
        for role, principal in ((LAMBDA_ROLE, "lambda.amazonaws.com"), (SFN_ROLE, "states.amazonaws.com")):
            iam.create_role(RoleName=role.rsplit("/", 1)[1], AssumeRolePolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                        "Principal": {"Service": principal}}]}))

        # The functions' data-access roles (kokuho.access.data_role; catalog.has_data_role), trusted as CDK
        # declares them: their calls then carry the member of staff, or the workflow's run, as source
        # identity, as in the city's account.
        # (moto's STS neither evaluates the trust policy nor keeps the source identity: the trail recorder
        # keeps it from the AssumeRole request.)
        data_roles: dict[str, str] = {}
        for fn in FUNCTIONS:
            if has_data_role(fn):
                name = data_role_name(f"kokuho-{fn.logical}")
                data_roles[fn.logical] = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
                    "Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": LAMBDA_ROLE},
                         "Condition": {"Null": {"sts:SourceIdentity": "false"}}},
                        {"Effect": "Allow", "Action": ["sts:SetSourceIdentity", "sts:TagSession"],
                         "Principal": {"AWS": LAMBDA_ROLE}}]}))["Role"]["Arn"]
        forget_sessions()

        lam = self.client("lambda")
        code = _dummy_zip()
        for fn in FUNCTIONS:
            env = {t.env_var: t.name() for t in TABLES if t.logical in fn.tables}
            if fn.logical in data_roles:
                env[DATA_ROLE_ENV] = data_roles[fn.logical]
            env |= {b.env_var: b.name() for b in BUCKETS_BY_LOGICAL.values() if b.logical in fn.buckets}
            env |= {k.env_var: self._signing_keys[k.logical] for k in SIGNING_KEYS if k.logical in fn.signing_keys}
            env["POWERTOOLS_SERVICE_NAME"] = fn.logical
            env["POWERTOOLS_METRICS_NAMESPACE"] = "kokuho"  # as the CDK functions declare it
            env |= function_environment
            resp = lam.create_function(
                FunctionName=f"kokuho-{fn.logical}", Runtime="python3.11", Role=LAMBDA_ROLE,
                Handler=fn.handler, Code={"ZipFile": code}, Description=fn.description[:256],
                Timeout=fn.timeout_seconds, MemorySize=fn.memory_mb,
                Environment={"Variables": env})
            self._functions[fn.logical] = resp["FunctionArn"]

        resolve = {
            "function": self._functions,
            "table": {t.logical: t.name() for t in TABLES},
            "bucket": {b.logical: b.name() for b in BUCKETS_BY_LOGICAL.values()},
        }
        sfn = self.client("stepfunctions")
        for sm in STATE_MACHINES:
            definition = substitute((STATEMACHINES_ROOT / sm.asl_file).read_text("utf-8"), sm, resolve)
            resp = sfn.create_state_machine(name=f"kokuho-{sm.logical}", definition=definition,
                                            roleArn=SFN_ROLE, type="STANDARD")
            self._state_machines[sm.logical] = resp["stateMachineArn"]


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


_active = False


# The collector's thresholds while the embedded AWS is up: a young generation of 50,000 objects before a
# collection (700 by default) — an update or a transaction allocates thousands — and the defaults' ratios
# above it. A full collection then comes after ~10 million allocations rather than ~70,000; what it finds
# is still freed, later (the peak RSS of a 5,000-household run was the same, 361 against 365 MB).
COLLECTOR_THRESHOLDS = (50_000, 20, 10)


@contextmanager
def collecting_less() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _running_execution(execution_arn: str) -> Callable[[], bool] | None:
    """Whether moto's execution of this ARN still runs, read from its model (None: not found there, the
    caller asks the API each time)."""
    try:
        from moto.stepfunctions.parser.models import stepfunctions_parser_backends

        _, _, _, region, account, *_ = execution_arn.split(":")
        execution: Any = stepfunctions_parser_backends[account][region].describe_execution(execution_arn)
    except Exception:  # noqa: BLE001 - any other moto: poll through the API
        return None
    return lambda: str(getattr(getattr(execution, "exec_status", None), "value", "")) == "RUNNING"


def _deactivate() -> None:
    global _active
    _active = False


@contextmanager
def embedded_aws(*, server: bool = False,
                 function_environment: dict[str, str] | None = None) -> Iterator[EmbeddedAWS]:
    """Start moto (in-process; plus a loopback HTTP server if `server`), provision, yield the handle.
    `function_environment`: variables declared on every function besides its own (a deployment's
    settings, e.g. a log level)."""
    require_tested_moto()
    from moto import mock_aws

    from kokuho_local.botocore_paths import patched_botocore
    from kokuho_local.botocore_requests import patched_requests
    from kokuho_local.moto_dynamodb import patched_dynamodb
    from kokuho_local.moto_kms import patched_kms
    from kokuho_local.moto_stepfunctions import patched_stepfunctions

    global _active
    if _active:
        # moto's nested mocks share one state: a second embedded AWS would collide with the first.
        raise RuntimeError("embedded_aws() is already active in this process; it does not nest")
    with ExitStack() as stack:
        _active = True
        stack.callback(_deactivate)
        stack.enter_context(_environment(_ENV))
        stack.enter_context(mock_aws(config={"stepfunctions": {"execute_state_machine": True}}))
        stack.enter_context(routed_lambda(FUNCTIONS_ROOT))
        stack.enter_context(shared_botocore_loader())
        stack.enter_context(patched_dynamodb())
        stack.enter_context(patched_botocore())
        stack.enter_context(patched_requests())
        stack.enter_context(patched_kms())
        stack.enter_context(patched_stepfunctions())
        stack.enter_context(collecting_less())
        aws = EmbeddedAWS()
        if server:
            try:
                import flask  # noqa: F401  # moto's server needs the moto[server] extra
            except ImportError as exc:
                raise RuntimeError("embedded_aws(server=True) needs moto[server] (flask)") from exc
            from moto.server import ThreadedMotoServer

            srv = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
            srv.start()
            stack.callback(srv.stop)
            host, port = srv.get_host_and_port()
            aws.endpoint_url = f"http://{host}:{port}"
        _reset_pynamodb_connections()
        _reset_caches()
        aws._provision(dict(function_environment or {}))
        yield aws
        _reset_pynamodb_connections()


def _reset_pynamodb_connections() -> None:
    """pynamodb caches a connection per model class; drop them so each embedded AWS starts clean."""
    try:
        from pynamodb.models import Model
    except ImportError:  # pragma: no cover
        return
    for cls in _all_subclasses(Model):
        meta = getattr(cls, "Meta", None)
        if meta is not None and hasattr(cls, "_connection"):
            cls._connection = None


_LOADERS: dict[str | None, Any] = {}  # one botocore data loader per data path, for the whole process


@contextmanager
def shared_botocore_loader() -> Iterator[None]:
    """Share one botocore data loader among every botocore session created meanwhile.

    Each new botocore session (pynamodb builds one for every `Connection()`, moto resets boto3's default
    session at every start, the data-role sessions are new ones) re-reads and parses the service model,
    endpoint and ruleset JSON files: ≈ 0.1–0.2 s of CPU a session. Code that creates a Connection per call
    (the vault's and the access records' own transactions) would otherwise dominate local runs, and it was
    half of the test suite's CPU. The loader only caches parsed, read-only JSON files (botocore shares it
    among all the clients of a session the same way), so sharing it changes no behaviour. Kept for the
    process once created: the files do not change. (On Lambda that per-session cost is real: reuse a
    Connection per container.) Nests: only the outermost use patches and restores.
    """
    import botocore.session

    original = botocore.session.create_loader
    if getattr(original, "_kokuho_shared", False):
        yield
        return

    def create_loader(search_path_string: str | None = None) -> Any:
        if search_path_string not in _LOADERS:
            _LOADERS[search_path_string] = original(search_path_string)
        return _LOADERS[search_path_string]

    create_loader._kokuho_shared = True  # type: ignore[attr-defined]
    botocore.session.create_loader = create_loader  # type: ignore[assignment]
    try:
        yield
    finally:
        botocore.session.create_loader = original  # type: ignore[assignment]


def _reset_caches() -> None:
    """Module caches bound to a previous embedded AWS (the vault's KMS client and HMAC secret, the search
    index's secret, the container's transaction connection — its client would keep the previous run's
    event hooks —, the heads of the container's own access chains, the login sessions it keeps)."""
    base = sys.modules.get("kokuho.records.base")
    if base is not None:
        base.reset_connection()
    records = sys.modules.get("kokuho.access.records")
    if records is not None:
        records.forget_heads()  # the heads of the container's own chains are in the previous tables
    sessions = sys.modules.get("kokuho.access.sessions")
    if sessions is not None:
        sessions.forget_sessions()  # the login sessions the container keeps were the previous tables'
    vault = sys.modules.get("kokuho.identity.vault")
    if vault is not None and hasattr(vault, "reset_vault"):
        vault.reset_vault()
    search_index = sys.modules.get("kokuho.records.search_index")
    if search_index is not None:
        search_index.forget_secret()  # the search-index secret was the previous tables'


def _all_subclasses(cls: type) -> list[type]:
    out: list[type] = []
    sub: type
    for sub in cls.__subclasses__():
        out += [sub, *_all_subclasses(sub)]
    return out
