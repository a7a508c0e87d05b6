"""Batch and workflow functions reach personal data as their run (issue 11 item 1): the source identity of
their data-access session is the run id, so every data event of a run in CloudTrail names that run.

`acts_as_run(workflow, purpose)` wraps a Lambda handler: the whole invocation runs inside
`acting_as(Caller(run id, workflow, function, purpose))` (kokuho.access.data_role: one AssumeRole per
run per container, the session reused while valid and never by another run) and `serving(request ids)`
(kokuho.platform.request_ids: the access records it writes and the userAgent of its AWS calls carry the
Lambda request id and the run id, so the two join).

The run id: the Step Functions execution's name, given as `execution_name` or read from `execution_id`
(the execution ARN ends with the name) — one id for every step of the execution; a function started on
its own (no execution in its event) is its own run: its Lambda request id, the id those functions
already name their runs by. A state whose step takes its state's input hands it over wrapped, `{"input.$": "$",
"execution_name.$": "$$.Execution.Name"}` (statemachines/*.asl.json): the handler is given the input alone, as
before, and the name is the run; the handler reads its run with `current_run()` (its records' terminal).
A source identity is at most 64 characters of [\\w+=,.@-]: a longer or
otherwise unfit name keeps its fit prefix and a hash of the whole, so two runs never share one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar

from kokuho.access.data_role import Caller, DataAccessRefused, acting_as, source_identity
from kokuho.access.identity import INDIVIDUAL_STAFF_ID
from kokuho.access.run_inputs import InputRefused
from kokuho.identity.mynumber import contains_my_number, id_digest, is_aws_request_id
from kokuho.identity.redaction import errors_without_my_numbers
from kokuho.platform.request_ids import current_request_ids, lambda_ids, serving

__all__ = ["acts_as_run", "current_run", "run_caller", "run_id_of", "run_source_identity", "step_input"]

Event = dict[str, Any]
Handler = TypeVar("Handler", bound=Callable[[Any, Any], Any])
_FIT = re.compile(r"^[\w+=,.@-]{2,64}$", re.ASCII)
_EXECUTION_ARN = re.compile(r"^arn:aws[\w-]*:states:[^:]+:\d+:execution:[^:]+:([^:]+)$")


WRAPPED = frozenset({"input", "execution_name"})  # a state's input handed over with its execution's name


def step_input(event: Any) -> Any:
    """What the handler is given: the state's input of a wrapped event (see the module), else the event itself."""
    if isinstance(event, dict) and set(event) == WRAPPED and isinstance(event["input"], dict):
        return event["input"]
    return event


def current_run() -> str:
    """The run of the invocation being served by `acts_as_run`: its execution's name, else its request id."""
    ids = current_request_ids()
    if ids is None or not ids.run_id:
        raise DataAccessRefused("not serving a run: the handler is not wrapped by acts_as_run")
    return ids.run_id


def run_id_of(event: Any, context: Any) -> str:
    """The run a task belongs to: its execution's name, else this invocation's request id."""
    if isinstance(event, dict):
        name = event.get("execution_name")
        if isinstance(name, str) and name:
            return name
        found = _EXECUTION_ARN.match(str(event.get("execution_id") or ""))
        if found:
            return found.group(1)
    request_id = str(getattr(context, "aws_request_id", "") or "")
    if not request_id:
        raise DataAccessRefused("a workflow step needs its run: no execution in the event, no request id")
    return request_id


def run_source_identity(run_id: str) -> str:
    """The run id as a source identity STS accepts (itself when it fits; never invented, never a My Number).
    A canonical UUID is AWS's: the invocation's own request id, or the name Step Functions gives every scheduled
    execution. Its last group reads as a valid My Number about once in 2,800 ids; the name already stands in
    CloudTrail's StartExecution event whatever a step does, so refusing it would only fail a run at random.
    Every other shape of a name holding a My Number is refused, and so is a name that is a member of staff's id
    (kokuho.access.identity.INDIVIDUAL_STAFF_ID): a staff session's source identity is the staff id, so a run
    named "S0301" put S0301 on every data event of the run (a bulk-read finding, the staff-activity query)."""
    if run_id and is_aws_request_id(run_id):
        return run_id
    # Refusals of the run's name (the execution's, an input like the run's fields): InputRefused, which no
    # retrier of the state machines takes for a fault — the same name would be refused four times over 3.5 min.
    if not run_id or contains_my_number(run_id):
        raise InputRefused("data access needs the id of who causes it (a staff id or a run id)")
    if INDIVIDUAL_STAFF_ID.fullmatch(run_id):
        raise InputRefused("a run is never named as a member of staff (their staff id is their sessions' "
                           "source identity): start it under another name")
    if _FIT.match(run_id):
        return run_id
    # Shortened with a digest of eleven hex characters (twelve were twelve digits with a valid check digit one run
    # id in three thousand: refused, the run failed), cut where no number is cut in two (a cut 14-digit run would
    # leave twelve).
    digest = id_digest(run_id)
    kept = re.sub(r"[^\w+=,.@-]", ".", run_id, flags=re.ASCII)[:64 - len(digest) - 1].rstrip("0123456789-")
    return source_identity(f"{kept}.{digest}")


def run_caller(run_id: str, workflow: str, function: str, purpose: str) -> Caller:
    """The caller of a run's accesses: the run id as source identity, the workflow as the terminal tag."""
    return Caller(run_source_identity(run_id), workflow, function, purpose)


def _time_left(context: Any) -> float:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return max(0.0, remaining() / 1000) if callable(remaining) else 0.0


def acts_as_run(workflow: str, purpose: str,
                run_id: Callable[[Any, Any], str] = run_id_of) -> Callable[[Handler], Handler]:
    """A Lambda handler whose every AWS call is made as its run (see the module docstring)."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        @errors_without_my_numbers
        def as_run(event: Any, context: Any) -> Any:
            run = run_id(event, context)
            function = str(getattr(context, "function_name", "") or workflow)
            caller = run_caller(run, workflow, function, purpose)
            # the session must outlast the invocation: every call is signed with the one it starts with
            with serving(lambda_ids(context, run_id=run)), acting_as(caller, valid_for=_time_left(context)):
                return handler(step_input(event), context)

        as_run.acts_as_run = workflow  # type: ignore[attr-defined]  # (the catalog's check reads it)
        return as_run  # type: ignore[return-value]

    return wrap
