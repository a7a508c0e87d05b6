"""Files delivered to the exchange bucket: each intake lists its incoming folder, takes a file whole, and
moves it out — to its processed folder, or to its rejected folder with the reasons beside it (kept for
review). One rule for the federation, city, payment and receipt files; the folders are each intake's."""

from __future__ import annotations

import json
from typing import Any


def list_delivered(s3: Any, bucket: str, prefix: str) -> list[str]:
    """The keys of the files waiting under `prefix` (folder markers left out), in key order."""
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [o["Key"] for o in page.get("Contents", []) if not o["Key"].endswith("/")]
    return sorted(keys)


def move_out(s3: Any, bucket: str, key: str, incoming: str, to: str, reason: dict[str, Any] | None = None, *,
             suffix: str = ".reason.json") -> str:
    """Move a taken file from its `incoming` folder to the folder `to` under the same name, and answer its new
    key. A refused file's `reason` is written first, beside it as `<name><suffix>` (JSON): a file is never in
    its rejected folder without why."""
    target = f"{to}{key.removeprefix(incoming)}"
    if reason is not None:
        s3.put_object(Bucket=bucket, Key=f"{target}{suffix}", ContentType="application/json",
                      Body=json.dumps(reason, ensure_ascii=False, indent=1).encode("utf-8"))
    s3.copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": key})
    s3.delete_object(Bucket=bucket, Key=key)
    return target
