"""What every pynamodb model shares: table names and region from kokuho.platform.tables."""

from __future__ import annotations

import os
from typing import Any

from kokuho.platform.tables import AWS_REGION, table


def table_meta(logical: str) -> Any:
    """A pynamodb `Meta` for the table of that logical name (name from the environment, else default)."""
    spec = table(logical)

    class Meta:
        table_name = spec.name()
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or AWS_REGION

    return Meta
