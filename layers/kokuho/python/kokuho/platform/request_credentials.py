"""Per-request credentials for every AWS call a block of code makes (kokuho.access.data_role decides whose).

Inside `signing_with(credentials)`, every request this thread or task signs — through any botocore client,
boto3's and pynamodb's alike, whenever the client was created — is signed with those credentials, by
botocore's own per-request credentials (`request.context["signing"]["request_credentials"]`, set by a
`before-sign` handler); outside, with the client's own. The handler joins botocore's built-in handlers at
import (kokuho.records.base imports this module, so before any client exists) and the default boto3
session if it already exists.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import botocore.handlers

# registered with this module's handler, so every session that signs per request also marks the request
from kokuho.platform import request_ids  # noqa: F401

_current: contextvars.ContextVar[Any] = contextvars.ContextVar("kokuho_request_credentials", default=None)


def sign_with_current(request: Any, **_: Any) -> None:
    """botocore `before-sign` handler: inside `signing_with`, the request is signed with its credentials."""
    credentials = _current.get()
    if credentials is not None:
        request.context.setdefault("signing", {})["request_credentials"] = credentials


def current_credentials() -> Any:
    """The credentials this block's requests are signed with (None: each client's own)."""
    return _current.get()


@contextmanager
def signing_with(credentials: Any) -> Iterator[None]:
    token = _current.set(credentials)
    try:
        yield
    finally:
        _current.reset(token)


if ("before-sign", sign_with_current) not in botocore.handlers.BUILTIN_HANDLERS:
    botocore.handlers.BUILTIN_HANDLERS.append(("before-sign", sign_with_current))
    if boto3.DEFAULT_SESSION is not None:
        boto3.DEFAULT_SESSION.events.register("before-sign", sign_with_current)
