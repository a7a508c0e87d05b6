"""The retention area wired to its adapters: the legal holds on the requests table (kokuho.records.legal_holds),
the table classes and the access log's purge (kokuho.records.retention_tables)."""

from __future__ import annotations

from kokuho.retention.hold_ports import HoldStore
from kokuho.retention.table_ports import AccessPurgeStore, RetentionTables


def hold_store() -> HoldStore:
    from kokuho.records.legal_holds import PynamoHoldStore

    return PynamoHoldStore()


def record_tables() -> RetentionTables:
    from kokuho.records.retention_tables import DynamoRetentionTables

    return DynamoRetentionTables()


def access_purge() -> AccessPurgeStore:
    from kokuho.records.retention_tables import DynamoAccessPurge

    return DynamoAccessPurge()
