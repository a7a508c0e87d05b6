"""What every pynamodb model shares: table names and region from kokuho.platform.tables."""

from __future__ import annotations

import threading
from typing import Any

from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from kokuho.platform import request_credentials  # noqa: F401 (at import: before any client exists)
from kokuho.platform.tables import aws_region, table

_connection_lock = threading.Lock()
_connection: Connection | None = None


def region() -> str:
    return aws_region()


def connection() -> Connection:
    """The one pynamodb Connection of the container, for transactions: creating one builds a botocore
    client (~0.25 s of CPU, it loads the service model), so a new one per call would dominate latency."""
    global _connection
    with _connection_lock:
        if _connection is None:
            _connection = Connection(region=region())
        return _connection


def reset_connection() -> None:
    """Drop the container's connection: a new environment (credentials, endpoint, event hooks) builds the
    next one."""
    global _connection
    with _connection_lock:
        _connection = None


def transaction() -> TransactWrite:
    """A write transaction on the container's one connection."""
    return TransactWrite(connection=connection())


def table_meta(logical: str) -> Any:
    """A pynamodb `Meta` for the table of that logical name (name from the environment, else default)."""
    spec = table(logical)
    _region = region()

    class Meta:
        table_name = spec.name()
        region = _region

    return Meta
