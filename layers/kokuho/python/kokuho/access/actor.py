"""Who acts on a person's data (the actor of an access record): free of AWS, so ports and pure code can
name it without importing the access-record table."""

from __future__ import annotations

from dataclasses import dataclass


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
