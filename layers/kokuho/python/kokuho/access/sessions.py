"""Login sessions of the staff role (IAM path of kokuho.access.identity).

The city's IC-card login broker mints a short-lived STS session of the staff role for one member of
staff at one terminal (role session name = staff id, session tag `kokuho-terminal` = terminal id) and
registers it here (kokuho.access.ports.SessionStore; the table: kokuho.records.access_store) — staff
id, terminal id, expiry (DynamoDB TTL on `expires_at`). API Gateway hands the function the access key id
that signed the request (`requestContext.identity.accessKey`) but not the session's tags, so the
function reads the terminal from this registry, and only while the session lives. Written by the broker
alone (its role may PutItem on this table); the API function only reads it.

A registered session never changes: it is put only if its key is absent and removed only by TTL after it
expires. So a container keeps each live session it has read (per store), and the next request signed
with that key costs no read; the member and the expiry are still checked on every request. A key not
found is read again each time (its session may be registered since).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from kokuho.access.ports import StaffSession

if TYPE_CHECKING:
    from kokuho.access.ports import SessionStore


MAX_HELD = 10_000  # live sessions a container keeps; past it, the expired ones go (then all, if need be)
_held: dict[str, tuple[SessionStore, StaffSession]] = {}  # access key id → (the store it came from, it)
_held_lock = threading.Lock()


def forget_sessions() -> None:
    """Drop the sessions the container keeps (a new embedded AWS)."""
    with _held_lock:
        _held.clear()


def _read(store: SessionStore, access_key_id: str, now: float) -> StaffSession | None:
    with _held_lock:
        held = _held.get(access_key_id)
    if held is not None and held[0] is store:
        return held[1]
    item = store.get_session(access_key_id)
    if item is not None and item.expires_at > now:
        with _held_lock:
            if len(_held) >= MAX_HELD:
                for key in [k for k, (_, s) in _held.items() if s.expires_at <= now] or list(_held):
                    del _held[key]
            _held[access_key_id] = (store, item)
    return item


def _store(store: SessionStore | None) -> SessionStore:
    if store is not None:
        return store
    from kokuho.access import stores

    return stores.sessions()


def register_session(access_key_id: str, staff_id: str, terminal_id: str, role_arn: str,
                     expires_at: datetime, *, store: SessionStore | None = None) -> None:
    """The broker's registration of one STS session it minted (never overwrites another session:
    SessionExists)."""
    from kokuho.access.identity import check_individual

    check_individual(staff_id, terminal_id)  # the broker cannot register a shared id or a bad terminal
    _store(store).put_session(StaffSession(
        access_key_id, staff_id, terminal_id, role_arn, registered_at=datetime.now(UTC).isoformat(timespec="seconds"),
        expires_at=int(expires_at.timestamp())))


def session_terminal(access_key_id: str, staff_id: str, *, now: float | None = None,
                     store: SessionStore | None = None) -> str | None:
    """The terminal of a live session of that member of staff signed with that key, else None (TTL
    deletion is lazy: an expired item may still be there, so the expiry is checked here too)."""
    now = now if now is not None else time.time()
    item = _read(_store(store), access_key_id, now)
    if item is None or item.staff_id != staff_id or item.expires_at <= now:
        return None
    return item.terminal_id
