"""Staff (職員) and their grants (アクセス権限): the values, and their reads and writes through the staff
store (kokuho.access.ports.StaffStore; the table's layout: kokuho.records.access_store). A profile and
its grants are read together: authorizing a request costs one read, and no job ever has to revoke
anything (grants.py evaluates them on the day of the request).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kokuho.access.ports import StaffStore


@dataclass(frozen=True)
class StaffMember:
    """A member of staff as authorization sees them (pure value, no AWS)."""

    staff_id: str
    name: str
    department: str
    active_from: date
    active_until: date | None  # last day in post (異動・退職); None while in post
    kind: str = "individual"


@dataclass(frozen=True)
class Grant:
    """One grant of one function to one member of staff, for one purpose (利用目的) and legal basis."""

    staff_id: str
    grant_id: str
    function: str
    purpose: str
    legal_basis: str
    department: str  # the department the grant was requested for: a move elsewhere ends it
    valid_from: date
    valid_until: date  # inclusive: the last day of the needed period (必要な期間の満了日)
    granted_by: str
    granted_at: str


def _store(store: StaffStore | None) -> StaffStore:
    if store is not None:
        return store
    from kokuho.access import stores

    return stores.staff()


def put_staff(member: StaffMember, *, store: StaffStore | None = None) -> None:
    """Create or update a staff profile (異動・退職 set `active_until` / change `department`)."""
    _store(store).put_staff(member)


def put_grant(grant: Grant, *, store: StaffStore | None = None) -> None:
    """Record a grant (set by the head of the department owning the system, seed III-3 リスク2)."""
    _store(store).put_grant(grant)


# Within one request (`one_read_a_request`): (staff id, function or None) → what the wired store answered.
_request_reads: ContextVar[dict[tuple[str, str | None], tuple[StaffMember | None, list[Grant]]] | None] = \
    ContextVar("kokuho_staff_request_reads", default=None)


@contextmanager
def one_read_a_request() -> Iterator[None]:
    """Within it, a member's profile and grants are read once: the route's grant and a later check in
    the same request (a reveal's purpose) decide on the same read. Grants are still read afresh by every
    request, so a revoked or expired grant stops the next one."""
    token = _request_reads.set({})
    try:
        yield
    finally:
        _request_reads.reset(token)


def load_staff(staff_id: str, *, store: StaffStore | None = None,
               function: str | None = None) -> tuple[StaffMember | None, list[Grant]]:
    """The staff profile (None if unknown) and every grant ever given to them — only those of `function`
    when it is named: ONE read of the staff partition (authorization runs on every request; once a
    request inside `one_read_a_request`)."""
    reads = _request_reads.get() if store is None else None
    if reads is not None and (staff_id, function) in reads:
        member, grants = reads[(staff_id, function)]
        return member, list(grants)
    found = _store(store).load_staff(staff_id, function)
    if reads is not None:
        reads[(staff_id, function)] = (found[0], list(found[1]))
    return found


def page_grants(limit: int, start: str | None, *, store: StaffStore | None = None) -> tuple[list[Grant], str | None]:
    """One page of every grant (the review list), with the key to the next page."""
    return _store(store).page_grants(limit, start)


def staff_profiles(staff_ids: set[str], *, store: StaffStore | None = None) -> dict[str, StaffMember]:
    return _store(store).staff_profiles(staff_ids)
