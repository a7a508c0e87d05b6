"""Who a command acts as. `--as STAFF` names the member of staff, and a command that reads or writes a person's
data needs that member's active grant of the function its private API route needs (kokuho.access.grants: per
member, per function, with its period) — the command line is no way around a grant. A refusal is recorded as the
API records one (result `denied`, the subject the command names) before anything is read or written."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from kokuho.access.actor import Actor
from kokuho.access.grants import Function


class NotGranted(Exception):
    """No active grant of the function for `--as` (the command exits 1 with the reason, never with data)."""


def staff_actor(staff_id: str, terminal: str, function: Function | str, purpose: str, *, subjects: Sequence[str],
                category: str, operation: str, named_purpose: str | None = None) -> Actor:
    """The actor the command acts as, once the member's grant of `function` is found active today (and, with
    `named_purpose`, names that purpose); else the refusal recorded and NotGranted."""
    from kokuho.access.grants import authorize
    from kokuho.access.records import record_access

    decision = authorize(staff_id, function, purpose=named_purpose)
    if not decision.allowed:
        record_access(Actor(staff_id, terminal, "(no active grant)"), list(subjects) or ["none"], category,
                      operation, result="denied")
        raise NotGranted(f"refused: {decision.reason}")
    return Actor(staff_id, terminal, purpose)


def acting(command: str, staff_id: str, terminal: str, function: Function | str, purpose: str, *,
           subjects: Sequence[str], category: str, operation: str, named_purpose: str | None = None) -> Actor | int:
    """`staff_actor` for a command (`command`: its words, e.g. "audit export"), or the exit code once the refusal is
    printed as one line naming the command: 1 without an active grant, 2 for an id no access record can hold."""
    from kokuho.access.records import AccessRecordError

    try:
        return staff_actor(staff_id, terminal, function, purpose, subjects=subjects, category=category,
                           operation=operation, named_purpose=named_purpose)
    except NotGranted as exc:
        print(f"kokuho {command}: {exc}", file=sys.stderr)
        return 1
    except AccessRecordError as exc:
        print(f"kokuho {command}: {exc}", file=sys.stderr)
        return 2


__all__ = ["NotGranted", "acting", "staff_actor"]
