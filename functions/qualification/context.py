"""The member of staff a request acts as: set on the resolver by the admission step (qualification.api)
before any handler runs, read by the handlers."""

from __future__ import annotations

from typing import Any

from kokuho.access.records import Actor

_resolver: Any = None


def bind(resolver: Any) -> None:
    """The resolver whose request context holds the actor (qualification.api.app)."""
    global _resolver
    _resolver = resolver


def current_actor() -> Actor:
    actor = _resolver.context.get("actor") if _resolver is not None else None
    assert isinstance(actor, Actor)  # set by authorize_request before any handler
    return actor
