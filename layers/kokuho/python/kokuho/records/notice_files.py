"""Print runs of notices in the work bucket (personal data: encrypted by the bucket's default KMS key): the
writer `kokuho.notices.print_run` is handed, the access records of what it writes, and a run's manifest read
back. Keys under notices/<run_id>/."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from kokuho.access.records import Actor, record_access, records_of_chain
from kokuho.notices.print_run import CATEGORY, PREFIX, Put, Record, part_chain
from kokuho.platform.tables import BUCKETS_BY_LOGICAL, aws_region

BUCKET = "work"
SUBJECTS_PER_RECORD = 1_000  # a part's households and payers (500 notices by default) in one record


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


def work_bucket_get(s3: Any | None = None) -> Callable[[str], bytes | None]:
    """get(key): an object of the work bucket, None when there is none."""
    client, bucket = _s3(s3), BUCKETS_BY_LOGICAL[BUCKET].name()

    def get(key: str) -> bytes | None:
        try:
            data: bytes = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except client.exceptions.NoSuchKey:
            return None
        return data

    return get


def work_bucket_keys(s3: Any | None = None) -> Callable[[str], list[str]]:
    """keys(prefix): every key under `prefix` of the work bucket, sorted."""
    client, bucket = _s3(s3), BUCKETS_BY_LOGICAL[BUCKET].name()

    def keys(prefix: str) -> list[str]:
        out: list[str] = []
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            out += [o["Key"] for o in page.get("Contents", [])]
        return sorted(out)

    return keys


def read_manifest(run_id: str, s3: Any | None = None) -> dict[str, Any] | None:
    """The print manifest of a run, or None while the run is not complete (the manifest is written last)."""
    client = _s3(s3)
    try:
        body = client.get_object(Bucket=BUCKETS_BY_LOGICAL[BUCKET].name(), Key=f"{PREFIX}{run_id}/manifest.json")
    except client.exceptions.NoSuchKey:
        return None
    manifest: dict[str, Any] = json.loads(body["Body"].read())
    return manifest


def notice_recorder(actor: Actor) -> Record:
    """record(key, subjects) for a print run: the access record of one part written, on the part's own chain
    (NOTICES#<run_id>#part-NNNN). A step run again (a retry) finds the part's subjects already recorded there
    and adds nothing, so a part leaves its record once however often it is written."""

    def record(key: str, subjects: list[str]) -> None:
        chain = part_chain(key)
        done = {s for r in records_of_chain(chain) for s in r.subject_ids}
        left = [s for s in subjects if s not in done]
        for first in range(0, len(left), SUBJECTS_PER_RECORD):
            record_access(actor, left[first:first + SUBJECTS_PER_RECORD], CATEGORY, "write", chain=chain)

    return record
