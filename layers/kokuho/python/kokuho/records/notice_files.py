"""Print runs of notices in the work bucket (personal data: encrypted by the bucket's default KMS key): the
writer `kokuho.notices.print_run` is handed, and a run's manifest read back. Keys under notices/<run_id>/."""

from __future__ import annotations

import json
from typing import Any

from kokuho.notices.print_run import PREFIX, Put
from kokuho.platform.tables import BUCKETS_BY_LOGICAL, aws_region

BUCKET = "work"


def _s3(s3: Any | None) -> Any:
    if s3 is not None:
        return s3
    import boto3

    return boto3.client("s3", region_name=aws_region())


def work_bucket_put(s3: Any | None = None) -> Put:
    """put(key, data, content_type) into the work bucket (its default encryption applies: SSE-KMS)."""
    client, bucket = _s3(s3), BUCKETS_BY_LOGICAL[BUCKET].name()

    def put(key: str, data: bytes, content_type: str) -> None:
        client.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type)

    return put


def read_manifest(run_id: str, s3: Any | None = None) -> dict[str, Any] | None:
    """The print manifest of a run, or None while the run is not complete (the manifest is written last)."""
    client = _s3(s3)
    try:
        body = client.get_object(Bucket=BUCKETS_BY_LOGICAL[BUCKET].name(), Key=f"{PREFIX}{run_id}/manifest.json")
    except client.exceptions.NoSuchKey:
        return None
    manifest: dict[str, Any] = json.loads(body["Body"].read())
    return manifest
