"""The access records' daily export (kokuho.access.export) on the in-memory fake of the access log
(tests/fakes/access_stores.py): no moto. To the audit bucket and through Athena's query on the embedded
AWS: tests/integration/access/test_access_export.py."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fakes.access_stores import InMemoryAccessLog

from kokuho.access.actor import Actor
from kokuho.access.export import EXPORTER, export_day, export_key, records_of_day
from kokuho.trail.athena import ACCESS_COLUMNS

CLERK = Actor("S0001", "T-KOKUHO-03", "資格管理 (国保法第9条)")
RUN = Actor("system:monthly", "stepfunctions", "賦課 (国保法第76条)", chain="run-1#b-0")


def test_the_days_records_are_exported_oldest_first_in_the_athena_columns_after_the_export_is_recorded(
        tmp_path: Path) -> None:
    log = InMemoryAccessLog()
    log.record(CLERK, ["P1"], "qualification", "read")
    log.record(RUN, ["P2", "P1"], "assessment", "write")
    today = datetime.now(UTC).date()
    path, count = export_day(today, tmp_path, EXPORTER, log=log)
    assert path == tmp_path / export_key(today) and count == 3  # the two and the export's own record
    lines = [json.loads(line) for line in gzip.decompress(path.read_bytes()).decode().splitlines()]
    assert [(r["staff_id"], r["subject_ids"], r["chain"], r["seq"]) for r in lines] == [
        ("S0001", ["P1"], "SUBJECT#P1", 1), ("system:monthly", ["P2", "P1"], "run-1#b-0", 1),
        (EXPORTER.staff_id, [f"EXPORT:{today.isoformat()}"], f"SUBJECT#EXPORT:{today.isoformat()}", 1)]
    assert all(list(r) == [name for name, _ in ACCESS_COLUMNS] for r in lines)  # no hash, no index keys
    assert lines[0]["request_id"] is None
    assert records_of_day(today - timedelta(days=1), log=log) == []
