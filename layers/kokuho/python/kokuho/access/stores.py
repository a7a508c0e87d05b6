"""The access area's ports wired to their adapters (kokuho.records.access_store), one each per container;
the use cases (kokuho.access.grants, .sessions, .limits, .search, .staff) use these unless a store is
passed (the unit tests pass in-memory fakes: tests/fakes/access_stores.py)."""

from __future__ import annotations

from functools import cache

from kokuho.access.ports import AccessLog, SessionStore, StaffStore, UsageStore


@cache
def staff() -> StaffStore:
    from kokuho.records.access_store import PynamoStaffStore

    return PynamoStaffStore()


@cache
def sessions() -> SessionStore:
    from kokuho.records.access_store import PynamoSessionStore

    return PynamoSessionStore()


@cache
def usage() -> UsageStore:
    from kokuho.records.access_store import PynamoUsageStore

    return PynamoUsageStore()


@cache
def access_log() -> AccessLog:
    from kokuho.records.access_store import PynamoAccessLog

    return PynamoAccessLog()
