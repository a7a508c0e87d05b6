"""The ids of the request (or workflow run) being served, carried into every AWS call and access record, so the
security team joins an access record to the CloudTrail events of the same request (issue 11 item 1).

Inside `serving(ids)`, every request this thread or task signs — through any botocore client, boto3's and
pynamodb's alike — carries `kokuho-req/<Lambda request id>` at the end of its User-Agent, which CloudTrail
writes in each event's `userAgent`; and kokuho.access.records stores the same ids in each access record it
writes (`request_id`, `api_request_id`, `run_id`). The data-access session cannot serve as the join: it is
kept per member of staff (or run) across requests, so its name says who, not which request. User-Agent is
not a signed header (SigV4 leaves it out), so adding to it changes no signature.

The ids are AWS's own (Lambda and API Gateway request ids, a Step Functions execution name): never data.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.handlers

USER_AGENT_MARK = "kokuho-req/"
# What a request id may hold to be carried in a header: the characters of AWS's request ids.
_ID = re.compile(r"^[A-Za-z0-9_.:=+@-]{1,128}$")


@dataclass(frozen=True)
class RequestIds:
    """The Lambda invocation's request id; the API Gateway request id (API calls); the run (workflows)."""

    request_id: str
    api_request_id: str | None = None
    run_id: str | None = None

    def __post_init__(self) -> None:
        # (a My Number in any of them is refused where they are written down: kokuho.access.records)
        if not _ID.match(self.request_id):  # it goes into a header
            raise ValueError("request_id: not a request id")
        for name in ("api_request_id", "run_id"):
            value = getattr(self, name)
            if value is not None and not 0 < len(value) <= 256:
                raise ValueError(f"{name}: not a request or run id")


_current: contextvars.ContextVar[RequestIds | None] = contextvars.ContextVar("kokuho_request_ids", default=None)


def current_request_ids() -> RequestIds | None:
    return _current.get()


@contextmanager
def serving(ids: RequestIds) -> Iterator[RequestIds]:
    token = _current.set(ids)
    try:
        yield ids
    finally:
        _current.reset(token)


def lambda_ids(context: Any, *, api_request_id: Any = None, run_id: str | None = None) -> RequestIds:
    """The ids of a Lambda invocation: its context's aws_request_id ("local" without one), the API Gateway
    request id when the event has a fit one (else none: an event's field is no reason to fail a request)."""
    request_id = getattr(context, "aws_request_id", None)
    request_id = request_id if isinstance(request_id, str) and _ID.match(request_id) else "local"
    api = api_request_id if isinstance(api_request_id, str) and _ID.match(api_request_id) else None
    return RequestIds(request_id, api, run_id or None)


def mark_user_agent(request: Any, **_: Any) -> None:
    """botocore `before-sign` handler: inside `serving`, the request's User-Agent names the request id."""
    ids = _current.get()
    if ids is None:
        return
    agent = request.headers.get("User-Agent")
    text = agent.decode() if isinstance(agent, bytes) else str(agent or "")
    if USER_AGENT_MARK not in text:
        # botocore's headers are an email Message: assigning adds a second User-Agent; replace the one
        del request.headers["User-Agent"]
        request.headers["User-Agent"] = f"{text} {USER_AGENT_MARK}{ids.request_id}".strip()


if ("before-sign", mark_user_agent) not in botocore.handlers.BUILTIN_HANDLERS:
    botocore.handlers.BUILTIN_HANDLERS.append(("before-sign", mark_user_agent))
    if boto3.DEFAULT_SESSION is not None:
        boto3.DEFAULT_SESSION.events.register("before-sign", mark_user_agent)
