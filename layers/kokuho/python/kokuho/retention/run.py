"""One retention run over every class of kokuho/data/retention: a report (what is due, by class and count,
no personal data) or a purge (delete what is due; each class's deletion recorded through `record`). Classes
not yet enforced are listed as such. S3 is handed in as a client; the linkage records go through their port."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any

from kokuho.dates.tokyo import TOKYO
from kokuho.linkage.exchange_ports import ExchangeStore
from kokuho.linkage.retention import CLASS_ID as LINKAGE_CLASS
from kokuho.linkage.retention import purge_exchange_records
from kokuho.retention import access_records, tables
from kokuho.retention.classes import load_classes
from kokuho.retention.objects import (
    delete_keys,
    due_keys,
    gone_records,
    held_exchange_files,
    held_notices,
    move_records,
    notice_index,
    waiting_companions,
)
from kokuho.retention.table_ports import AccessPurgeStore, RetentionTables

EXCHANGE = "exchange"  # the bucket whose files carry their record of subjects (kokuho.platform.exchange_subjects)
# (class id, category, count): called once per class that lost records, after they were deleted
Recorder = Callable[[str, str, int], None]


def run_retention(now: datetime, *, s3: Any, bucket_name: Callable[[str], str], dry_run: bool,
                  holds: Collection[str] = (), record: Recorder | None = None,
                  exchange_store: ExchangeStore | None = None, record_tables: RetentionTables | None = None,
                  access_log: AccessPurgeStore | None = None, access_floors: Mapping[str, int] | None = None,
                  run_id: str = "", forget_numbers: tables.Forget | None = None) -> dict[str, Any]:
    """`record_tables` and `access_log`: the table classes' and the access records' storage (a class whose
    storage is not handed in is refused, never silently kept); `access_floors`: the chains' floors the signed
    digests anchored (kokuho.retention.access_records), None when they could not be read; `forget_numbers`:
    the vault's side of a past person's deletion (their My Numbers go first)."""
    today = now.astimezone(TOKYO).date()
    classes: dict[str, dict[str, int]] = {}
    not_enforced: list[str] = []
    # The table classes in their own order (what may still be claimed first: a past person named by their last
    # receipts goes in the run that deletes them, not the next), the access records last: they are kept while a
    # record they cover is, and the others may just have gone.
    ordered = sorted(load_classes().values(), key=lambda c: (
        c.id == access_records.CLASS_ID, tables.CLASSES.index(c.id) if c.id in tables.CLASSES else -1))
    index: dict[str, set[str]] | None = None  # the print runs' access records, read once when a hold needs them
    for cls in ordered:
        if not cls.enforced:
            not_enforced.append(cls.id)
            continue
        if cls.id in tables.CLASSES and record_tables is not None:
            counts = tables.purge_class(cls.id, today, tables=record_tables, dry_run=dry_run, holds=holds,
                                        forget=forget_numbers)
        elif cls.id == access_records.CLASS_ID and access_log is not None and record_tables is not None:
            counts = access_records.purge_access_records(now, store=access_log, floors=access_floors,
                                                         present=record_tables.present, holds=holds,
                                                         dry_run=dry_run, run_id=run_id)
        elif cls.id == LINKAGE_CLASS:
            out = purge_exchange_records(now, store=exchange_store, dry_run=dry_run, holds=holds)
            counts = {"due": out.get("records_due", out.get("records_deleted", 0)), "held": out["records_held"]}
            if not dry_run:
                counts["query_results_deleted"] = out["query_results_deleted"]
        elif (where := cls.bucket_prefix) is not None:
            bucket = bucket_name(where[0])
            if where[0] == EXCHANGE and not dry_run:  # records still beside their files: to subjects/ first
                move_records(s3, bucket, where[1])
            keys = list(due_keys(s3, bucket, where[1], cls, today))
            held: set[str] = set()
            if where[0] == EXCHANGE:  # a record due a moment before its file waits for it (not counted due)
                waiting = waiting_companions(s3, bucket, keys)
                keys = [k for k in keys if k not in waiting]
            if holds and keys and record_tables is not None and where[0] == EXCHANGE:
                held = held_exchange_files(s3, bucket, keys, holds, record_tables.household_members)
            elif holds and keys and access_log is not None and record_tables is not None:
                if index is None:
                    index = notice_index(access_log.records())
                held = held_notices(keys, index, holds, record_tables.household_members)
            keys = [k for k in keys if k not in held]
            if not dry_run:
                delete_keys(s3, bucket, keys)
                if where[0] == EXCHANGE:  # then the records of the files gone (not counted: the files are)
                    delete_keys(s3, bucket, gone_records(s3, bucket, where[1], cls, today, keys))
            counts = {"due": len(keys), "held": len(held)}
        else:  # an enforced class needs its store wired here: refuse rather than silently keep
            raise RuntimeError(f"retention class {cls.id}: enforced but no store wired for {cls.store}")
        if not dry_run:
            counts["deleted"] = counts["due"]
            if record is not None and counts["deleted"]:
                record(cls.id, cls.category, counts["deleted"])
        classes[cls.id] = counts
    return {"dry_run": dry_run, "day": today.isoformat(), "classes": classes, "not_enforced": not_enforced}
