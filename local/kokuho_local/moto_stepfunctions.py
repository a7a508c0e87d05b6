"""moto's Step Functions for the embedded AWS: a definition already found valid is not parsed again.

moto 5.2.5 parses a state machine's ASL with its ANTLR grammar to validate it at CreateStateMachine and
throws the parse away (StepFunctionsParserBackend._validate_definition); executions parse it again. Every
embedded AWS creates the catalog's state machines from the same files with the same substitutions, so
the same texts were validated again and again (about a third of setting one up). Inside
patched_stepfunctions() a text that passed once passes without a parse; any other text is validated as
moto does (and refused each time it is invalid); executions are untouched.

Every Lambda task state moto runs makes a new boto3 client to invoke its function (lambda_eval_utils
calls boto_client_for each time: ≈ 3 ms of CPU, one per Distributed Map iteration). Inside
patched_stepfunctions() the task states reuse one client per region and endpoint, made as moto makes it
(the same credentials and configuration; botocore clients are thread-safe); invocations are unchanged.

Every JSONPath moto's interpreter reads (`$.run_id` of a Map's ItemSelector, a Choice's `$.batches`, …) is
parsed again at each evaluation (json_path.extract_json calls jsonpath_ng's `parse`, which builds a new
PLY lexer and parser each time: ≈ 0.4 CPU-s of a 10,000-household run, a hundred Map items of six paths
each). Inside patched_stepfunctions() a path is parsed once: the parsed expression is only read (`find`),
never changed; a path the parser refuses raises at each use, as in moto.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Every attribute of moto this module replaces (only inside patched_stepfunctions()), why, and the test
# that fails without it (tests/integration/test_moto_patches.py checks these are all that change).
PATCHES: dict[str, str] = {
    "moto.stepfunctions.parser.models.StepFunctionsParserBackend._validate_definition":
        "moto parses every definition with its ANTLR grammar at CreateStateMachine only to validate it (≈ 10 ms "
        "each, 20-odd per embedded AWS); a text found valid once in the process is not parsed again; "
        "tests/integration/test_moto_patches.py::test_a_definition_found_valid_is_parsed_once",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils.boto_client_for":
        "moto makes a new boto3 client for every Lambda task it runs (≈ 3 ms of CPU each, one per Map "
        "iteration); one client per region and endpoint, made as moto makes it; "
        "tests/integration/test_moto_patches.py::test_lambda_tasks_reuse_one_client",
    "moto.stepfunctions.parser.asl.utils.json_path.parse":
        "moto's interpreter parses every JSONPath again at each evaluation, building a new PLY parser each time "
        "(≈ 0.4 CPU-s of a 10,000-household run); a path is parsed once (the expression is only read); "
        "tests/integration/test_moto_patches.py::test_a_json_path_is_parsed_once",
}
_PARSED_PATHS_MAX = 1024  # a bound: the paths are the definitions' own, a few dozen

_VALID: set[str] = set()  # definitions moto's parser accepted in this process
_LOCK = threading.Lock()


@contextmanager
def patched_stepfunctions() -> Iterator[None]:
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = StepFunctionsParserBackend.__dict__["_validate_definition"]
    validate = original.__func__

    def validate_definition(definition: Any) -> None:
        with _LOCK:
            if isinstance(definition, str) and definition in _VALID:
                return
        validate(definition=definition)  # raises InvalidDefinition as moto does
        if isinstance(definition, str):
            with _LOCK:
                _VALID.add(definition)

    from moto.core.models import botocore_stubber
    from moto.settings import moto_server_port
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

    original_client_for = lambda_eval_utils.boto_client_for
    clients: dict[tuple[str, str, bool, Any], Any] = {}

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        # moto's own client ignores the credentials; what it depends on is the region, the service and
        # whether calls are intercepted in-process or sent to moto's server (its port)
        intercepting = bool(botocore_stubber.enabled)
        key = (region, service, intercepting, None if intercepting else moto_server_port())
        with _LOCK:
            client = clients.get(key)
            if client is None:
                client = clients[key] = original_client_for(region, service, state_credentials)
        return client

    from moto.stepfunctions.parser.asl.utils import json_path

    original_parse = json_path.parse
    parsed: dict[str, Any] = {}

    def parse(path: str, debug: bool | None = None) -> Any:
        if debug is not None or not isinstance(path, str):
            return original_parse(path, debug)
        with _LOCK:
            hit = parsed.get(path)
        if hit is None:
            hit = original_parse(path)  # a path the parser refuses raises here, every time
            with _LOCK:
                if len(parsed) >= _PARSED_PATHS_MAX:
                    parsed.clear()
                parsed[path] = hit
        return hit

    StepFunctionsParserBackend._validate_definition = staticmethod(validate_definition)  # type: ignore[method-assign]
    lambda_eval_utils.boto_client_for = boto_client_for  # type: ignore[assignment]
    json_path.parse = parse  # type: ignore[assignment]
    try:
        yield
    finally:
        StepFunctionsParserBackend._validate_definition = original  # type: ignore[method-assign]
        lambda_eval_utils.boto_client_for = original_client_for  # type: ignore[assignment]
        json_path.parse = original_parse  # type: ignore[assignment]
