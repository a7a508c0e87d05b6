"""moto's STS, with the AssumeRole requests kept to look at (the data-role and run-session tests)."""

from __future__ import annotations

from typing import Any

import boto3

from kokuho.platform.tables import AWS_REGION


class RecordingSTS:
    def __init__(self) -> None:
        self.client = boto3.client("sts", region_name=AWS_REGION)
        self.requests: list[dict[str, Any]] = []

    def assume_role(self, **request: Any) -> Any:
        self.requests.append(request)
        return self.client.assume_role(**request)
