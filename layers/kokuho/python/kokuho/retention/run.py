"""One retention run over every class of kokuho/data/retention: a report (what is due, by class and count,
no personal data) or a purge (delete what is due; each class's deletion recorded through `record`). Classes
not yet enforced are listed as such. S3 is handed in as a client; the linkage records go through their port."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from kokuho.dates.tokyo import TOKYO
from kokuho.linkage.exchange_ports import ExchangeStore
from kokuho.linkage.retention import CLASS_ID as LINKAGE_CLASS
from kokuho.linkage.retention import purge_exchange_records
from kokuho.retention.classes import load_classes
from kokuho.retention.objects import delete_keys, due_keys

# (class id, category, count): called once per class that lost records, after they were deleted
Recorder = Callable[[str, str, int], None]


def run_retention(now: datetime, *, s3: Any, bucket_name: Callable[[str], str], dry_run: bool,
                  holds: Collection[str] = (), record: Recorder | None = None,
                  exchange_store: ExchangeStore | None = None) -> dict[str, Any]:
    today = now.astimezone(TOKYO).date()
    classes: dict[str, dict[str, int]] = {}
    not_enforced: list[str] = []
    for cls in load_classes().values():
        if not cls.enforced:
            not_enforced.append(cls.id)
            continue
        if cls.id == LINKAGE_CLASS:
            out = purge_exchange_records(now, store=exchange_store, dry_run=dry_run, holds=holds)
            counts = {"due": out.get("records_due", out.get("records_deleted", 0)), "held": out["records_held"]}
            if not dry_run:
                counts["query_results_deleted"] = out["query_results_deleted"]
        elif (where := cls.bucket_prefix) is not None:
            bucket = bucket_name(where[0])
            keys = list(due_keys(s3, bucket, where[1], cls, today))
            if not dry_run:
                delete_keys(s3, bucket, keys)
            counts = {"due": len(keys), "held": 0}
        else:  # an enforced class needs its store wired here: refuse rather than silently keep
            raise RuntimeError(f"retention class {cls.id}: enforced but no store wired for {cls.store}")
        if not dry_run:
            counts["deleted"] = counts["due"]
            if record is not None and counts["deleted"]:
                record(cls.id, cls.category, counts["deleted"])
        classes[cls.id] = counts
    return {"dry_run": dry_run, "day": today.isoformat(), "classes": classes, "not_enforced": not_enforced}
