"""Run the catalog's Lambda handlers in-process when moto is asked to invoke a function.

moto executes Lambda code only in Docker. Everything that invokes a function — boto3 `lambda.invoke`
from a test, or moto's Step Functions interpreter (moto/stepfunctions/parser/.../lambda_eval_utils.py,
which calls `lambda.invoke` through a boto3 client on the mock) — ends in
`moto.awslambda.models.LambdaFunction.invoke(body, request_headers, response_headers)`. That one method
is patched, for the duration of `routed_lambda()`, to import the handler named by the function's
`Handler` setting (dotted path relative to functions/, e.g. "assessment.batch.handler") and call it with
the JSON event and a realistic LambdaContext. A handler exception becomes a Lambda *function error*
(header X-Amz-Function-Error: Unhandled, payload {"errorType", "errorMessage"}), exactly what Step
Functions Retry/Catch match on. Error messages are answered as AWS answers them (the handlers keep My
Numbers out of them).

Distributed Map iterations run on threads: imports are serialised by a lock; handlers are shared.
An asynchronous invocation (InvocationType=Event) also runs to completion before the call returns.

Warm containers. On Lambda a container serves one invocation at a time and keeps its thread, module
state and clients for the next one; a function scales out by adding containers. Here each function has
such containers — one thread each, made when every existing one is busy — and an invocation runs in an
idle one, whichever thread invoked it. (moto's Distributed Map invokes each iteration from a new thread:
run on it, every batch made its own botocore session and clients, as if each invocation were a cold
start.) A handler sees none of its invoker's context variables, as on Lambda. A function has at most
CONTAINERS_PER_FUNCTION containers: an invocation beyond them waits for one to be idle (Lambda would
throttle it at the function's concurrency limit, and Step Functions retry it; the embedded AWS runs in
one process on a few cores, where a hundred concurrent batches only contend for the interpreter and
each builds its clients — so the Map's 100 iterations of a 10,000-household run share 4 containers).

Grants. On AWS a handler reaches only what its role allows: the tables and buckets of its catalog
entry, at the entry's access (kokuho.platform.iam_actions, the same lists the CDK roles grant). In-process
every handler would reach every table (an undeclared one resolves to its default name and moto has
them all), so a forgotten grant passed locally and failed on AWS. During an invocation, every
DynamoDB and S3 request the handler makes (boto3 or pynamodb: a botocore event hook, not a moto
patch) is checked against its entry and refused with AccessDenied as IAM would. Requests outside an
invocation (tests seeding data, the demo's set-up) are not confined. Lambda invokes are held to the
entry's `invokes` likewise; KMS keys and Step Functions task tokens are not checked here (the infra
tests hold those grants).

Environment. On Lambda a handler sees its function's variables (what CDK declares from the catalog
entry) and the runtime's (region, credentials, AWS_LAMBDA_FUNCTION_NAME, ...), never the shell's of
whoever deployed it. While `routed_lambda()` runs, `os.environ` is an InvocationEnviron: inside an
invocation (a context variable, per thread) it is exactly that function's environment as moto stores
it (create_function / update_function_configuration), outside it the process's own.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore.handlers
from botocore.exceptions import ClientError

from kokuho.identity.redaction import redact
from kokuho.platform.catalog import FUNCTIONS_BY_LOGICAL
from kokuho.platform.catalog.model import bucket_prefixes
from kokuho.platform.iam_actions import BUCKET_LIST, object_actions, table_actions
from kokuho.platform.tables import BUCKETS_BY_LOGICAL, TABLES_BY_LOGICAL

Handler = Callable[[Any, Any], Any]

# The attribute of moto this module replaces (inside routed_lambda()), why, and the test that fails without it.
PATCHES: dict[str, str] = {
    "moto.awslambda.models.LambdaFunction.invoke":
        "moto runs Lambda code only in Docker; the handler runs in-process instead; "
        "tests/integration/test_embedded_lambda.py::test_lambda_invoke_runs_the_catalog_handler_in_process",
}

_IMPORT_LOCK = threading.Lock()
_HANDLERS: dict[str, Handler] = {}


@dataclass
class LocalLambdaContext:
    """The attributes of the Lambda runtime's context object that handlers and powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 512
    timeout_seconds: int = 60
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"
    _started: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self._started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


def resolve_handler(dotted: str, functions_root: Path) -> Handler:
    """"assessment.batch.handler" → functions/assessment/batch.py:handler (imported once, thread-safe)."""
    with _IMPORT_LOCK:
        if dotted in _HANDLERS:
            return _HANDLERS[dotted]
        root = str(functions_root)
        if root not in sys.path:
            sys.path.insert(0, root)
        module_name, _, attr = dotted.rpartition(".")
        fn: Handler = getattr(importlib.import_module(module_name), attr)
        _HANDLERS[dotted] = fn
        return fn


@dataclass(frozen=True)
class Grants:
    """What one function's role allows on tables and buckets (physical name → IAM actions)."""

    function: str  # the catalog logical (or the function's name when it is not in the catalog)
    tables: dict[str, frozenset[str]]
    buckets: dict[str, tuple[frozenset[str], tuple[str, ...]]]  # → (actions, key prefixes the grant is limited to)
    invokes: frozenset[str] = frozenset()  # function names it may invoke (lambda:InvokeFunction)

    @classmethod
    def of(cls, function_name: str) -> Grants:
        logical = function_name.removeprefix("kokuho-")
        spec = FUNCTIONS_BY_LOGICAL.get(logical)
        if spec is None:  # a function the catalog does not declare has no grant
            return cls(function_name, {}, {})
        tables = {TABLES_BY_LOGICAL[t].name(): frozenset(table_actions(TABLES_BY_LOGICAL[t], access))
                  for t, access in spec.tables.items()}
        buckets = {}
        for b, access in spec.buckets.items():
            bucket = BUCKETS_BY_LOGICAL[b]
            buckets[bucket.name()] = (frozenset([*object_actions(bucket, access), BUCKET_LIST]),
                                      bucket_prefixes(spec, b, bucket.function_prefix))
        return cls(logical, tables, buckets, frozenset(f"kokuho-{lg}" for lg in spec.invokes))

    def refuse(self, action: str, resource: str, operation: str) -> None:
        code = "AccessDenied" if action.startswith("s3:") else "AccessDeniedException"
        raise ClientError({"Error": {"Code": code, "Message": (
            f"User: assumed-role/kokuho-{self.function}/local is not authorized to perform: {action} on "
            f"resource: {resource} (not granted to {self.function} by its catalog entry)")}},
            operation)

    def check_table(self, action: str, name: str, operation: str) -> None:
        if action not in self.tables.get(name, frozenset()):
            self.refuse(action, f"table/{name}", operation)

    def check_invoke(self, function: str, operation: str) -> None:
        # a name, a partial or full ARN, with or without a qualifier
        name = function.split(":function:")[-1].split(":")[0]
        if name not in self.invokes:
            self.refuse("lambda:InvokeFunction", f"function/{name}", operation)

    def check_object(self, action: str, bucket: str, key: str, operation: str) -> None:
        actions, prefixes = self.buckets.get(bucket, (frozenset(), ("",)))
        if action not in actions or not key.startswith(prefixes):
            self.refuse(action, f"{bucket}/{key}", operation)


# The grants of the invocation running on this thread (None: not inside a handler). A context variable:
# Distributed Map iterations invoke on several threads at once, and threads start without one.
_GRANTS: ContextVar[Grants | None] = ContextVar("kokuho_local_grants", default=None)

# DynamoDB operations → the IAM action each is authorized as; the transactions and batches per item.
_TRANSACT_ACTIONS = {"Put": "dynamodb:PutItem", "Update": "dynamodb:UpdateItem", "Delete": "dynamodb:DeleteItem",
                     "ConditionCheck": "dynamodb:ConditionCheckItem", "Get": "dynamodb:GetItem"}
# S3 operations → IAM action on an object (or, for listings, on the bucket).
_S3_OBJECT_ACTIONS = {
    "GetObject": "s3:GetObject", "HeadObject": "s3:GetObject", "PutObject": "s3:PutObject",
    "DeleteObject": "s3:DeleteObject", "CreateMultipartUpload": "s3:PutObject", "UploadPart": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject", "AbortMultipartUpload": "s3:AbortMultipartUpload",
    "CopyObject": "s3:PutObject",
}
_S3_LIST = ("ListObjects", "ListObjectsV2", "HeadBucket")


def _check_dynamodb(grants: Grants, operation: str, params: dict[str, Any]) -> None:
    if operation in ("TransactWriteItems", "TransactGetItems"):
        for entry in params.get("TransactItems") or []:
            for kind, op in entry.items():
                grants.check_table(_TRANSACT_ACTIONS.get(kind, f"dynamodb:{kind}"), op.get("TableName", ""),
                                   operation)
    elif operation in ("BatchGetItem", "BatchWriteItem"):
        for name in params.get("RequestItems") or {}:
            grants.check_table(f"dynamodb:{operation}", name, operation)
    else:  # single-table operations; any other (ListTables, PartiQL…) is granted to no function
        grants.check_table(f"dynamodb:{operation}", str(params.get("TableName", "*")), operation)


def _check_s3(grants: Grants, operation: str, params: dict[str, Any]) -> None:
    bucket = str(params.get("Bucket", "*"))
    if operation in _S3_LIST:
        actions, prefixes = grants.buckets.get(bucket, (frozenset(), ("",)))
        if BUCKET_LIST not in actions or not str(params.get("Prefix", "")).startswith(prefixes):
            grants.refuse(BUCKET_LIST, bucket, operation)
    elif operation == "DeleteObjects":
        for obj in (params.get("Delete") or {}).get("Objects") or []:
            grants.check_object("s3:DeleteObject", bucket, str(obj.get("Key", "")), operation)
    elif operation in _S3_OBJECT_ACTIONS:
        if operation == "CopyObject":
            source = params.get("CopySource")
            src_bucket, src_key = ((source.get("Bucket", ""), source.get("Key", "")) if isinstance(source, dict)
                                   else str(source).lstrip("/").partition("/")[::2])
            grants.check_object("s3:GetObject", src_bucket, src_key, operation)
        grants.check_object(_S3_OBJECT_ACTIONS[operation], bucket, str(params.get("Key", "")), operation)
    else:
        grants.refuse(f"s3:{operation}", bucket, operation)


def _check_grants(params: dict[str, Any], model: Any, **_: Any) -> None:
    """botocore `before-parameter-build`: refuse what the invoking function's role would refuse."""
    grants = _GRANTS.get()
    if grants is None:
        return
    service = model.service_model.service_name
    if service == "dynamodb":
        _check_dynamodb(grants, model.name, params)
    elif service == "s3":
        _check_s3(grants, model.name, params)
    elif service == "lambda" and model.name in ("Invoke", "InvokeAsync", "InvokeWithResponseStream"):
        grants.check_invoke(str(params.get("FunctionName", "")), model.name)


# Every botocore session created from now on (boto3's, pynamodb's) calls the check; it does nothing
# outside an invocation. Registered at import: the embedded AWS imports this module before any client.
if ("before-parameter-build", _check_grants) not in botocore.handlers.BUILTIN_HANDLERS:
    botocore.handlers.BUILTIN_HANDLERS.append(("before-parameter-build", _check_grants))


# The environment of the invocation running on this thread (None: the process's).
_ENVIRON: ContextVar[dict[str, str] | None] = ContextVar("kokuho_local_environ", default=None)
# What the Lambda runtime provides, taken from the process locally: the role's credentials (the embedded
# AWS's dummy ones), the region, and PATH.
_RUNTIME_FROM_PROCESS = ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                         "AWS_SESSION_TOKEN", "PATH")


class InvocationEnviron(MutableMapping[str, str]):
    """`os.environ` while handlers are routed in-process (see the module docstring)."""

    def __init__(self, process: MutableMapping[str, str]) -> None:
        self.process = process

    def _current(self) -> MutableMapping[str, str]:
        env = _ENVIRON.get()
        return self.process if env is None else env

    def __getitem__(self, key: str) -> str:
        return self._current()[key]

    def __setitem__(self, key: str, value: str) -> None:
        self._current()[key] = value

    def __delitem__(self, key: str) -> None:
        del self._current()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._current()))

    def __len__(self) -> int:
        return len(self._current())

    def copy(self) -> dict[str, str]:
        return dict(self._current())


def function_environment(fn: Any, process: MutableMapping[str, str]) -> dict[str, str]:
    """A moto LambdaFunction's environment as Lambda gives it: runtime variables, then its own."""
    env = {k: process[k] for k in _RUNTIME_FROM_PROCESS if k in process}
    env |= {
        "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size or 128),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{fn.function_name}",
        "_HANDLER": str(fn.handler),
        "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon locally
    }
    return env | {str(k): str(v) for k, v in (fn.environment_vars or {}).items()}


@contextmanager
def confined_to(function_name: str) -> Iterator[Grants]:
    """Run the enclosed handler call with the grants of that function's catalog entry."""
    grants = Grants.of(function_name)
    token = _GRANTS.set(grants)
    try:
        yield grants
    finally:
        _GRANTS.reset(token)


def _error_payload(exc: BaseException) -> bytes:
    return json.dumps({
        "errorType": type(exc).__name__,
        # As AWS answers: the message and frames as they are (the handlers keep My Numbers out of them,
        # kokuho.identity.redaction.errors_without_my_numbers) — redacting here hid a leak from the tests.
        "errorMessage": str(exc),
        "stackTrace": traceback.format_tb(exc.__traceback__)[-5:],
    }, ensure_ascii=False).encode("utf-8")


CONTAINERS_PER_FUNCTION = 4
_IN_CONTAINER = threading.local()  # the function whose container this thread is


class Containers:
    """Each function's warm containers: single-thread executors, an idle one taken per invocation."""

    def __init__(self, per_function: int = CONTAINERS_PER_FUNCTION) -> None:
        self.per_function = per_function
        self._idle: dict[str, list[ThreadPoolExecutor]] = {}
        self._count: dict[str, int] = {}
        self._all: list[ThreadPoolExecutor] = []
        self._free = threading.Condition()

    def _take(self, function_name: str) -> ThreadPoolExecutor:
        with self._free:
            idle = self._idle.setdefault(function_name, [])
            # a container invoking its own function never waits for itself
            while not idle and self._count.get(function_name, 0) >= self.per_function \
                    and getattr(_IN_CONTAINER, "function", None) != function_name:
                self._free.wait()
            if idle:
                return idle.pop()
            self._count[function_name] = self._count.get(function_name, 0) + 1

            def mark() -> None:
                _IN_CONTAINER.function = function_name

            container = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"lambda:{function_name}",
                                           initializer=mark)
            self._all.append(container)
            return container

    def run(self, function_name: str, call: Callable[[], Any]) -> Any:
        container = self._take(function_name)
        try:
            return container.submit(call).result()
        finally:
            with self._free:
                self._idle[function_name].append(container)
                self._free.notify()

    def shutdown(self) -> None:
        with self._free:
            containers, self._all, self._idle, self._count = self._all, [], {}, {}
        for container in containers:
            container.shutdown(wait=False)


@contextmanager
def routed_lambda(functions_root: Path) -> Iterator[None]:
    """Patch moto's LambdaFunction.invoke to run handlers in-process; restored on exit."""
    import boto3
    from moto.awslambda.models import LambdaFunction

    if boto3.DEFAULT_SESSION is not None:  # made before this module was imported: without the check
        boto3.DEFAULT_SESSION.events.register("before-parameter-build", _check_grants,
                                              unique_id="kokuho-local-grants")
    original = LambdaFunction.invoke
    process_environ = os.environ
    containers = Containers()

    def invoke(self: Any, body: str, request_headers: Any, response_headers: Any) -> bytes:
        event = json.loads(body) if body else {}
        context = LocalLambdaContext(
            function_name=self.function_name,
            invoked_function_arn=self.function_arn,
            memory_limit_in_mb=int(self.memory_size or 512),
            timeout_seconds=int(self.timeout or 60),
        )

        def call() -> Any:  # in the container's thread
            handler = resolve_handler(self.handler, functions_root)
            environ = _ENVIRON.set(function_environment(self, process_environ))
            try:
                with confined_to(self.function_name):
                    return handler(event, context)
            finally:
                _ENVIRON.reset(environ)

        try:
            result = containers.run(self.function_name, call)
        except Exception as exc:  # any handler failure is a function error, as on Lambda
            response_headers["x-amz-function-error"] = "Unhandled"
            # what the function's CloudWatch log would show (redacted), so local failures are visible
            print(f"[local-lambda] {self.function_name} failed: {type(exc).__name__}: {redact(str(exc))}",
                  file=sys.stderr)
            return _error_payload(exc)
        return json.dumps(result, ensure_ascii=False, default=str).encode("utf-8")

    LambdaFunction.invoke = invoke  # type: ignore[method-assign]
    # a view over the process environment, not a new one (nothing is cleared)
    os.environ = InvocationEnviron(process_environ)  # type: ignore[assignment]  # noqa: B003
    try:
        yield
    finally:
        os.environ = process_environ  # type: ignore[assignment]  # noqa: B003
        LambdaFunction.invoke = original  # type: ignore[method-assign]
        containers.shutdown()
