"""Who acts on a person's data (the actor of an access record): free of AWS, so ports and pure code can
name it without importing the access-record table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    """Who acts: an individual staff id and terminal, or `system:<workflow>` and the execution id."""

    staff_id: str
    terminal_id: str
    purpose: str
    terminal_source: str | None = None  # API calls: where the terminal id came from (identity.py)
    # The chain every record of this actor goes to (an API request: its container's own chain,
    # kokuho.access.records.own_chain); None: the chain the caller names, else the first subject's.
    chain: str | None = None


def authorised_actor(context: Mapping[str, Any], routes: str) -> Actor:
    """The actor a route acts as: put in the router's context by the API's admission once the caller's
    identity and grant are checked. Missing only if a host forgets those checks: a wiring fault, not a 4xx."""
    actor = context.get("actor")
    if not isinstance(actor, Actor):
        raise RuntimeError(f"{routes} route called without an authorised actor")
    return actor
