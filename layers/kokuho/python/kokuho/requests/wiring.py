"""The request desk's ports wired to their adapters (kokuho.records.requests), one each per container: what
kokuho.requests.workflow, .suspension and .disclosure use unless a store is passed (the unit tests pass the
in-memory fakes of tests/fakes/request_store.py)."""

from __future__ import annotations

from functools import cache

from kokuho.requests.ports import DisclosureRecords, RequestStore


@cache
def store() -> RequestStore:
    from kokuho.records.requests import PynamoRequestStore

    return PynamoRequestStore()


@cache
def disclosure_records() -> DisclosureRecords:
    from kokuho.records.requests import PynamoDisclosureRecords

    return PynamoDisclosureRecords()
