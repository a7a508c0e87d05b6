"""The access records' daily export (issue 11 item 5): one day's records as JSON Lines, gzip, in the layout
Athena's `access_records` table reads (`access-records/<YYYY>/<MM>/<DD>/access-records-<YYYYMMDD>.jsonl.gz`,
kokuho.trail.athena), so the security team joins them with CloudTrail (`kokuho-who-accessed-person`).

A line holds the record's fields as ACCESS_COLUMNS names them — when (UTC), staff, terminal, purpose, whose
data (internal ids, never a My Number: records refuse one), category, operation, result, chain, seq, and
the ids of the request that caused it (kokuho.platform.request_ids; null on records older than them). The
export is itself recorded (subject `EXPORT:<day>`): reading the access history is an access too — by the daily
run as `system:access-export`, by `kokuho audit export` as the member of staff who ran it, from their terminal.
"""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path
from typing import Any

from kokuho.access.actor import Actor
from kokuho.access.ports import AccessLog
from kokuho.access.stores import access_log, aws_client
from kokuho.dates.days import iso_day
from kokuho.trail.athena import ACCESS_COLUMNS, ACCESS_EXPORT_PREFIX

EXPORTER = Actor("system:access-export", "access-export", "アクセス記録の日次出力 (security review in Athena)")
CATEGORY = "access_records"


class ExportError(ValueError):
    """An export asked wrongly (a bad day)."""


def export_key(day: date) -> str:
    return f"{ACCESS_EXPORT_PREFIX}/{day:%Y/%m/%d}/access-records-{day:%Y%m%d}.jsonl.gz"


def parse_day(value: str) -> date:
    try:
        return iso_day(value)
    except ValueError:
        raise ExportError("day: a date as YYYY-MM-DD") from None


def records_of_day(day: date, *, log: AccessLog | None = None) -> list[dict[str, Any]]:
    """Every access record written on `day` (UTC), oldest first, in the export's columns."""
    rows = [{name: rec.get(name) for name, _ in ACCESS_COLUMNS}
            for rec in (log or access_log()).day_records(day.isoformat())]
    rows.sort(key=lambda r: (r["at"], r["chain"], r["seq"]))
    return rows


def _body(rows: list[dict[str, Any]]) -> bytes:
    text = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows)
    return gzip.compress(text.encode("utf-8"), mtime=0)


def export_day_to_bucket(day: date, bucket: str | None = None, *, s3: Any = None,
                         log: AccessLog | None = None) -> dict[str, Any]:
    """The daily export on AWS: `day`'s records to the audit bucket (KOKUHO_BUCKET_AUDIT), recorded first.
    A rerun for the same day writes the same key again (a new version under Object Lock; Athena reads the
    latest), with the records as they are then."""
    from kokuho.platform.tables import AUDIT_BUCKET

    log = log or access_log()
    log.record(EXPORTER, [f"EXPORT:{day.isoformat()}"], CATEGORY, "export_day")
    rows = records_of_day(day, log=log)
    target = bucket or AUDIT_BUCKET.name()
    (s3 or aws_client("s3")).put_object(
        Bucket=target, Key=export_key(day), Body=_body(rows), ContentType="application/gzip")
    return {"day": day.isoformat(), "bucket": target, "key": export_key(day), "records": len(rows)}


def export_day(day: date, root: Path, actor: Actor, *, log: AccessLog | None = None) -> tuple[Path, int]:
    """Write `day`'s records under root in the bucket layout; the file and the number of records.

    The export is recorded first, as `actor` (no record, no export)."""
    log = log or access_log()
    log.record(actor, [f"EXPORT:{day.isoformat()}"], CATEGORY, "export_day")
    rows = records_of_day(day, log=log)
    path = root / export_key(day)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_body(rows))
    return path, len(rows)
