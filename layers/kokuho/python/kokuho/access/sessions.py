"""Login sessions of the staff role (IAM path of kokuho.access.identity).

The city's IC-card login broker mints a short-lived STS session of the staff role for one member of
staff at one terminal (role session name = staff id, session tag `kokuho-terminal` = terminal id) and
registers it here: pk SESSION#<temporary access key id>, sk SESSION — staff id, terminal id, expiry
(DynamoDB TTL on `expires_at`). API Gateway hands the function the access key id that signed the request
(`requestContext.identity.accessKey`) but not the session's tags, so the function reads the terminal
from this registry, and only while the session lives. Written by the broker alone (its role may
PutItem on this table); the API function only reads it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from kokuho.records.base import table_meta


class StaffSessionModel(Model):
    Meta = table_meta("staff_sessions")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    staff_id = UnicodeAttribute()
    terminal_id = UnicodeAttribute()
    role_arn = UnicodeAttribute()
    registered_at = UnicodeAttribute()
    expires_at = NumberAttribute()  # epoch seconds: the STS credentials' expiry (TTL)


def _pk(access_key_id: str) -> str:
    return f"SESSION#{access_key_id}"


def register_session(access_key_id: str, staff_id: str, terminal_id: str, role_arn: str,
                     expires_at: datetime) -> None:
    """The broker's registration of one STS session it minted (never overwrites another session)."""
    from kokuho.access.identity import check_individual

    check_individual(staff_id, terminal_id)  # the broker cannot register a shared id or a bad terminal
    StaffSessionModel(
        _pk(access_key_id), "SESSION", staff_id=staff_id, terminal_id=terminal_id, role_arn=role_arn,
        registered_at=datetime.now(UTC).isoformat(timespec="seconds"), expires_at=int(expires_at.timestamp()),
    ).save(condition=StaffSessionModel.pk.does_not_exist())


def session_terminal(access_key_id: str, staff_id: str, *, now: float | None = None) -> str | None:
    """The terminal of a live session of that member of staff signed with that key, else None (TTL
    deletion is lazy: an expired item may still be there, so the expiry is checked here too)."""
    try:
        item = StaffSessionModel.get(_pk(access_key_id), "SESSION", consistent_read=True)
    except StaffSessionModel.DoesNotExist:
        return None
    if item.staff_id != staff_id or int(item.expires_at) <= (now if now is not None else time.time()):
        return None
    return str(item.terminal_id)
