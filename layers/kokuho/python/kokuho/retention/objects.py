"""S3 classes of kokuho/data/retention (intake and export files in the exchange bucket, notices in the work
bucket): an object's day is its last modification in Japan; due per kokuho.retention.classes. The S3 client
is handed in. Files hold many persons: a legal hold does not reach them (docs/retention.md)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from kokuho.dates.tokyo import TOKYO
from kokuho.retention.classes import RetentionClass, decide

DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys


def due_keys(s3: Any, bucket: str, prefix: str, cls: RetentionClass, today: date) -> Iterator[str]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            if decide(cls, obj["LastModified"].astimezone(TOKYO).date(), today) == "delete":
                yield obj["Key"]


def delete_keys(s3: Any, bucket: str, keys: list[str]) -> None:
    """Delete (a delete marker in a versioned bucket: the noncurrent version expires by lifecycle)."""
    for i in range(0, len(keys), DELETE_BATCH):
        out = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[i:i + DELETE_BATCH]],
                                                       "Quiet": True})
        if out.get("Errors"):
            # names the count and the S3 error code only: a key may carry a file id, never shown in an error
            raise RuntimeError(f"retention: {len(out['Errors'])} objects not deleted "
                               f"({out['Errors'][0].get('Code')})")
