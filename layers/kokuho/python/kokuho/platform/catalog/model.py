"""Shapes of catalog entries (see package docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# "purge": write, and on an append-only table (the access log) DeleteItem beside PutItem — the retention
# run alone, which deletes access records only below a floor a signed digest anchored (docs/retention.md).
Access = Literal["read", "write", "purge"]
KeyUse = Literal["sign", "verify"]
DEFAULT_RESERVED_CONCURRENCY = 5  # a workflow step or a setup function: one run at a time, a few retries


def data_role_name(function_name: str) -> str:
    """The data-access role of a deployed api function (kokuho.access.data_role): a fixed name, so key
    policies and the trail's detections name it."""
    return f"{function_name}-data"


@dataclass(frozen=True)
class FunctionSpec:
    logical: str  # e.g. "assessment-batch"
    handler: str  # dotted path under functions/, e.g. "assessment.batch.handler"
    description: str
    tables: dict[str, Access] = field(default_factory=dict)  # table logical → access
    buckets: dict[str, Access] = field(default_factory=dict)  # bucket logical → access
    # bucket logical → the key prefix (or prefixes) this function's grant is limited to, instead of the bucket's
    # own function_prefix (the audit bucket: the digests under access-digests/, the records' export elsewhere)
    bucket_prefixes: dict[str, str | tuple[str, ...]] = field(default_factory=dict)
    timeout_seconds: int = 60
    memory_mb: int = 512
    api: bool = False  # True: the handler behind the private REST API (proxy integration)
    # An api function's concerns (qualification.api.RouteSpec.concern): the routes it serves; API Gateway
    # sends it those routes only and the handler refuses any other with 404. Empty: the whole path space.
    api_concerns: tuple[str, ...] = ()
    # Catalog functions (logicals) it invokes directly (lambda:InvokeFunction on their fixed ARNs).
    invokes: tuple[str, ...] = ()
    # Its own slice of the account's concurrency (1,000 by default, 100 of it never reservable): enough
    # for the function's callers, and a ceiling so one fan-out cannot starve the others (the counter API).
    reserved_concurrency: int = DEFAULT_RESERVED_CONCURRENCY
    # State machines (logicals) whose .waitForTaskToken tasks this function answers (SendTaskSuccess/
    # Failure/Heartbeat). Granted from the machine's fixed ARN, so it works from any stack.
    answers_task_tokens_of: tuple[str, ...] = ()
    # Signing keys (kokuho.platform.tables.SIGNING_KEYS) → "sign" (Sign and the public key) or "verify"
    # (the public key only).
    signing_keys: dict[str, KeyUse] = field(default_factory=dict)


def bucket_prefixes(spec: FunctionSpec, bucket: str, default: str | None) -> tuple[str, ...]:
    """The key prefixes a function's grant on `bucket` is limited to (("",) for the whole bucket)."""
    own = spec.bucket_prefixes.get(bucket, default or "")
    return (own,) if isinstance(own, str) else tuple(own)


@dataclass(frozen=True)
class Schedule:
    cron: str  # EventBridge Scheduler cron expression, evaluated in Asia/Tokyo
    input: dict[str, object] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class StateMachineSpec:
    logical: str  # e.g. "monthly-assessment"
    asl_file: str  # file name under statemachines/
    description: str
    substitutions: dict[str, tuple[str, str]] = field(default_factory=dict)
    schedules: tuple[Schedule, ...] = ()
    distributed_map_buckets: tuple[str, ...] = ()  # buckets a Distributed Map reads/writes
    # Who answers its .waitForTaskToken tasks is said on the function: FunctionSpec.answers_task_tokens_of.
