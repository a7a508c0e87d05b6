"""Who a command acts as. `--as STAFF` names the member of staff, and a command that reads or writes a person's
data needs that member's active grant of the function its private API route needs (kokuho.access.grants: per
member, per function, with its period) — the command line is no way around a grant. A refusal is recorded as the
API records one (result `denied`, the subject the command names) before anything is read or written.

`--as` and `--terminal` are typed, not authenticated: the API learns its caller from the login broker's signed
session, but a command runs with whatever AWS credentials its shell holds, and whoever can run it may type any
member's id. So (`cli_source`) every record a command writes carries, in `terminal_source` (under the record's
hash), where its identity came from: `cli:os_user=<login>,host=<host>,principal=<the AWS principal of the
credentials, without the account>` — a false claim is traceable to the login and the credentials that made it
(and to CloudTrail's events of that principal). Where the credentials are the login broker's (an assumed role
whose session name is an individual staff id, kokuho.access.identity), the claim is checked: `--as` naming another
member is refused (exit 1), the refusal recorded under the member of the credentials.
"""

from __future__ import annotations

import getpass
import re
import socket
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
    from kokuho.access.identity import INDIVIDUAL_STAFF_ID, valid_terminal_id
    from kokuho.access.records import AccessRecordError, record_access

    if not valid_terminal_id(terminal):  # the form the API takes (never repeated: it may hold anything)
        raise AccessRecordError("--terminal: a registered terminal's id (letters, digits, hyphens; 2-40)")
    principal = _principal()
    source = cli_source(principal)
    session = principal.rpartition("/")[2] if principal.startswith("assumed-role/") else ""
    if INDIVIDUAL_STAFF_ID.fullmatch(session) and session != staff_id:
        # the credentials are a member's own session: a claim of another id is refused, recorded as theirs
        record_access(Actor(session, terminal, "(--as names another member of staff)", source),
                      list(subjects) or ["none"], category, operation, result="denied")
        raise NotGranted(f"refused: --as is not the member of staff of these credentials ({session})")
    decision = authorize(staff_id, function, purpose=named_purpose)
    if not decision.allowed:
        record_access(Actor(staff_id, terminal, "(no active grant)", source), list(subjects) or ["none"], category,
                      operation, result="denied")
        raise NotGranted(f"refused: {decision.reason}")
    return Actor(staff_id, terminal, purpose, source)


_NAME = re.compile(r"[^A-Za-z0-9._@/:+=-]")


def _name(value: str) -> str:
    """A login, host or principal as a record may hold it: printable ASCII of a name, at most 128, never a My
    Number (an account id stripped, a host named by digits) — else `withheld`."""
    from kokuho.identity.mynumber import contains_my_number

    text = _NAME.sub("_", value)[:128] or "unknown"
    return "withheld" if contains_my_number(text) else text


def _principal() -> str:
    """The AWS principal the command's credentials are (`assumed-role/<role>/<session>`, `user/<name>`), without
    the account; `unknown` when STS cannot say (then nothing else of AWS answers either). Asked once a command
    (one `staff_actor`), never cached: the credentials are the shell's of the moment."""
    from botocore.exceptions import BotoCoreError, ClientError

    from kokuho.access.stores import aws_client

    try:
        arn = str(aws_client("sts").get_caller_identity()["Arn"])
    except (BotoCoreError, ClientError, KeyError):
        return "unknown"
    return _name(arn.split(":", 5)[-1])


def cli_source(principal: str | None = None) -> str:
    """Where a command's `--as` and `--terminal` came from: typed at this login on this host, with the credentials
    of this AWS principal (the records' `terminal_source`)."""
    try:
        login = getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment and no passwd entry
        login = "unknown"
    principal = _principal() if principal is None else principal
    return f"cli:os_user={_name(login)},host={_name(socket.gethostname())},principal={principal}"


def acting(command: str, staff_id: str, terminal: str, function: Function | str, purpose: str, *,
           subjects: Sequence[str], category: str, operation: str, named_purpose: str | None = None) -> Actor | int:
    """`staff_actor` for a command (`command`: its words, e.g. "audit export"), or the exit code once the refusal is
    printed as one line naming the command: 1 without an active grant, 2 for an id no access record can hold (a
    terminal not of a registered terminal's form among them)."""
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
