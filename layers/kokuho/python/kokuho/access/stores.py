"""The access area's ports wired to their adapters (kokuho.records.access_store), one each per container;
the use cases (kokuho.access.grants, .sessions, .limits, .search, .staff, .export, .digest, and the writer
kokuho.access.records on kokuho.records.access_log) use these unless a store is passed (the unit tests
pass in-memory fakes: tests/fakes/access_stores.py, tests/fakes/access_records.py)."""

from __future__ import annotations

from functools import cache
from typing import Any

from kokuho.access.ports import AccessLog, AccessRecordStore, SessionStore, StaffStore, UsageStore


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


@cache
def access_records() -> AccessRecordStore:
    """Where the access-record writer (kokuho.access.records) keeps the chains."""
    from kokuho.records.access_log import PynamoAccessRecords

    return PynamoAccessRecords()


def aws_client(service: str) -> Any:
    """A client of the container's region for the services the access area's use cases are handed (S3 for
    the export and the digests, KMS for their signatures)."""
    import boto3

    from kokuho.records.base import region

    return boto3.client(service, region_name=region())
