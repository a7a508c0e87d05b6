"""Personal data reached under the name of who caused the access, so CloudTrail names them (issue 11 item 1).

A function does not touch personal data with its own role: for each request it acts through its
data-access role, assumed with `SourceIdentity` = the member of staff's id (or, for a batch or a
workflow, its run id) and the session tags `kokuho-terminal`, `kokuho-function`, `kokuho-purpose`.
AWS carries the source identity into every call made with those credentials, and CloudTrail writes it
in each event's `userIdentity.sessionContext.sourceIdentity`: the trail then says who read or wrote,
not which function. The role's trust policy requires `sts:SourceIdentity` (infra), so no session of it
exists without one — nor is one asked for here (`DataAccessRefused`).

Credentials are cached per caller — source identity and tags together — for their validity less a
margin, so a member of staff's next request reuses their session and two members of staff never share
one. Inside `acting_as(caller)` every AWS request this thread or task signs (any botocore client,
pynamodb's included) is signed with the caller's credentials (kokuho.platform.request_credentials);
outside it, with the function's own.

Without a configured role (`KOKUHO_DATA_ACCESS_ROLE_ARN` unset) `acting_as` changes nothing: a
development run that has not provisioned the role.
"""

from __future__ import annotations

import math
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3

from kokuho.identity.mynumber import contains_my_number
from kokuho.platform.catalog.model import data_role_name
from kokuho.platform.request_credentials import signing_with

__all__ = ["Caller", "DataAccessRefused", "DataAccessSessions", "acting_as", "caller_of", "data_role_name",
           "forget_sessions", "source_identity"]

ROLE_ENV = "KOKUHO_DATA_ACCESS_ROLE_ARN"
TAG_TERMINAL, TAG_FUNCTION, TAG_PURPOSE = "kokuho-terminal", "kokuho-function", "kokuho-purpose"
SESSION_TAGS = (TAG_TERMINAL, TAG_FUNCTION, TAG_PURPOSE)
DURATION_SECONDS = 900  # STS's minimum: a session outlives its last use by at most 15 minutes
REFRESH_MARGIN_SECONDS = 120  # renewed this long before it expires: no call is signed with a dying key
# A session asked to outlast a long invocation (a workflow step runs to 15 minutes) lasts at most this: the
# role's default MaxSessionDuration, and the limit STS puts on a role chained from a Lambda role.
MAX_DURATION_SECONDS = 3600
# STS: a source identity is 2-64 characters of [\w+=,.@-]; a session tag value at most 256 of
# [\p{L}\p{Z}\p{N}_.:/=+\-@] (Japanese purposes are letters).
_SOURCE_IDENTITY = re.compile(r"^[\w+=,.@-]{2,64}$", re.ASCII)
_TAG_VALUE_DROP = re.compile(r"[^\w\s.:/=+\-@]")


class DataAccessRefused(PermissionError):
    """No data access without a source identity (or with one STS would refuse)."""


@dataclass(frozen=True)
class Caller:
    """Who causes the access: a staff id, or a workflow's run id, and the session tags."""

    source_identity: str
    terminal: str
    function: str
    purpose: str

    def tags(self) -> list[dict[str, str]]:
        return [{"Key": TAG_TERMINAL, "Value": tag_value(self.terminal)},
                {"Key": TAG_FUNCTION, "Value": tag_value(self.function)},
                {"Key": TAG_PURPOSE, "Value": tag_value(self.purpose)}]


SYSTEM_PREFIX = "system:"  # a workflow's actor (kokuho.access.records.Actor): system:<workflow>, run id


def caller_of(staff_id: str, terminal_id: str, function: str, purpose: str) -> Caller:
    """The caller of an access by a member of staff (their id, their terminal), or by a batch or workflow
    (`system:<workflow>` and its run id): the run id is then the source identity, the workflow the
    terminal tag."""
    if staff_id.startswith(SYSTEM_PREFIX):
        return Caller(source_identity(terminal_id), staff_id, function, purpose)
    return Caller(source_identity(staff_id), terminal_id, function, purpose)


def source_identity(value: str) -> str:
    """A source identity STS accepts, from a staff id or a run id ('system:monthly' → 'system.monthly').

    Refused (never invented) when empty or holding a My Number: a source identity is logged in clear."""
    if not value or contains_my_number(value):
        raise DataAccessRefused("data access needs the id of who causes it (a staff id or a run id)")
    cleaned = re.sub(r"[^\w+=,.@-]", ".", value, flags=re.ASCII)[:64]
    if not _SOURCE_IDENTITY.match(cleaned):
        raise DataAccessRefused(f"source identity {cleaned!r}: 2-64 characters of letters, digits and +=,.@-")
    return cleaned


def tag_value(value: str) -> str:
    return (_TAG_VALUE_DROP.sub("_", value) or "-")[:256]


@dataclass(frozen=True)
class _Session:
    credentials: Any  # botocore.credentials.Credentials
    expires: float  # epoch seconds


class DataAccessSessions:
    """The function's sessions of its data-access role, one per caller, reused while valid."""

    def __init__(self, role_arn: str, sts: Callable[[], Any], clock: Callable[[], float] = time.time) -> None:
        self.role_arn = role_arn
        self._sts = sts
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[Caller, _Session] = {}
        self._assuming: dict[Caller, threading.Lock] = {}
        self.assumed = 0  # AssumeRole calls made (the cache's misses)

    def _valid(self, caller: Caller, valid_for: float) -> Any:
        held = self._sessions.get(caller)
        if held is not None and held.expires - max(REFRESH_MARGIN_SECONDS, valid_for) > self._clock():
            return held.credentials
        return None

    def credentials(self, caller: Caller, valid_for: float = 0) -> Any:
        """The caller's credentials, valid for at least `valid_for` seconds more (and the margin): every call
        of a block is signed with the credentials it started with, so a long workflow step asks for its
        remaining time."""
        if not caller.source_identity or not _SOURCE_IDENTITY.match(caller.source_identity):
            raise DataAccessRefused("data access needs a source identity")
        with self._lock:
            held = self._valid(caller, valid_for)
            if held is not None:
                return held
            assuming = self._assuming.setdefault(caller, threading.Lock())
        # One AssumeRole per caller at a time: threads of the same caller (a run's concurrent batches in one
        # process) wait for it and share its session; other callers are not held up.
        with assuming:
            with self._lock:
                held = self._valid(caller, valid_for)
            if held is not None:
                return held
            session = self._assume(caller, valid_for)
            with self._lock:
                self._sessions[caller] = session
                self._assuming.pop(caller, None)
                # expired sessions of other callers are dropped, never handed to anyone
                now = self._clock()
                for other in [c for c, s in self._sessions.items() if s.expires <= now]:
                    del self._sessions[other]
        return session.credentials

    def _assume(self, caller: Caller, valid_for: float = 0) -> _Session:
        from botocore.credentials import Credentials

        duration = min(MAX_DURATION_SECONDS, max(DURATION_SECONDS, math.ceil(valid_for) + REFRESH_MARGIN_SECONDS))
        answer = self._sts().assume_role(
            RoleArn=self.role_arn, RoleSessionName=caller.source_identity, SourceIdentity=caller.source_identity,
            Tags=caller.tags(), DurationSeconds=duration)
        self.assumed += 1
        given = answer["Credentials"]
        expires = given["Expiration"]
        expiry = expires.timestamp() if isinstance(expires, datetime) else self._clock() + duration
        return _Session(Credentials(given["AccessKeyId"], given["SecretAccessKey"], given["SessionToken"]), expiry)


_sessions: dict[str, DataAccessSessions] = {}  # role ARN → its sessions (one role a function, in AWS)
_sessions_lock = threading.Lock()


def _default_sessions() -> DataAccessSessions | None:
    role = os.environ.get(ROLE_ENV)
    if not role:
        return None
    with _sessions_lock:
        if role not in _sessions:
            from kokuho.platform.tables import aws_region

            client: list[Any] = []

            def sts() -> Any:  # created on first use, with the function's own credentials
                if not client:
                    client.append(boto3.client("sts", region_name=aws_region()))
                return client[0]

            _sessions[role] = DataAccessSessions(role, sts)
        return _sessions[role]


def forget_sessions() -> None:
    """Drop every cached session (a new embedded AWS: the old one's keys mean nothing there)."""
    with _sessions_lock:
        _sessions.clear()


@contextmanager
def acting_as(caller: Caller, sessions: DataAccessSessions | None = None, valid_for: float = 0) -> Iterator[Any]:
    """Every AWS call inside is made with the caller's session of the data-access role (None without a
    configured role), valid for `valid_for` seconds more at least. The credentials are the caller's own:
    never another caller's."""
    sessions = sessions or _default_sessions()
    if sessions is None:
        yield None
        return
    credentials = sessions.credentials(caller, valid_for)
    with signing_with(credentials):
        yield credentials
