"""Run the catalog's Lambda handlers in-process when moto is asked to invoke a function.

moto executes Lambda code only in Docker. Everything that invokes a function — boto3 `lambda.invoke`
from a test, or moto's Step Functions interpreter (moto/stepfunctions/parser/.../lambda_eval_utils.py,
which calls `lambda.invoke` through a boto3 client on the mock) — ends in
`moto.awslambda.models.LambdaFunction.invoke(body, request_headers, response_headers)`. That one method
is patched, for the duration of `routed_lambda()`, to import the handler named by the function's
`Handler` setting (dotted path relative to functions/, e.g. "assessment.batch.handler") and call it with
the JSON event and a realistic LambdaContext. A handler exception becomes a Lambda *function error*
(header X-Amz-Function-Error: Unhandled, payload {"errorType", "errorMessage"}), exactly what Step
Functions Retry/Catch match on. Error messages are passed through My Number redaction.

Distributed Map iterations run on threads: imports are serialised by a lock; handlers are shared.
An asynchronous invocation (InvocationType=Event) also runs to completion before the call returns.
"""

from __future__ import annotations

import importlib
import json
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kokuho.identity.redaction import redact

Handler = Callable[[Any, Any], Any]

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


def _error_payload(exc: BaseException) -> bytes:
    return json.dumps({
        "errorType": type(exc).__name__,
        "errorMessage": redact(str(exc)),
        "stackTrace": [redact(line) for line in traceback.format_tb(exc.__traceback__)][-5:],
    }, ensure_ascii=False).encode("utf-8")


@contextmanager
def routed_lambda(functions_root: Path) -> Iterator[None]:
    """Patch moto's LambdaFunction.invoke to run handlers in-process; restored on exit."""
    from moto.awslambda.models import LambdaFunction

    original = LambdaFunction.invoke

    def invoke(self: Any, body: str, request_headers: Any, response_headers: Any) -> bytes:
        event = json.loads(body) if body else {}
        context = LocalLambdaContext(
            function_name=self.function_name,
            invoked_function_arn=self.function_arn,
            memory_limit_in_mb=int(self.memory_size or 512),
            timeout_seconds=int(self.timeout or 60),
        )
        try:
            handler = resolve_handler(self.handler, functions_root)
            result = handler(event, context)
        except Exception as exc:  # any handler failure is a function error, as on Lambda
            response_headers["x-amz-function-error"] = "Unhandled"
            # what the function's CloudWatch log would show (redacted), so local failures are visible
            print(f"[local-lambda] {self.function_name} failed: {type(exc).__name__}: {redact(str(exc))}",
                  file=sys.stderr)
            return _error_payload(exc)
        return json.dumps(result, ensure_ascii=False, default=str).encode("utf-8")

    LambdaFunction.invoke = invoke  # type: ignore[method-assign]
    try:
        yield
    finally:
        LambdaFunction.invoke = original  # type: ignore[method-assign]
