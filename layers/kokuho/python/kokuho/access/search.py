"""The security team's searches of the access records: who accessed a person between two dates (one
query on the subject index), and what one member of staff accessed (one query on the records' staff
index, gsi1). Both read only their own partition, never the table; both are bounded by dates
(inclusive, UTC, YYYY-MM-DD) so a search is a range, not a listing of everything.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from kokuho.access.records import AccessRecordModel, Actor, record_access
from kokuho.access.subject_index import SUBJECT_PREFIX, SubjectIndexModel

FIELDS = ("at", "staff_id", "terminal_id", "purpose", "subject_id", "subjects", "category", "operation",
          "result", "chain", "seq")
STAFF_FIELDS = ("at", "staff_id", "terminal_id", "purpose", "subject_ids", "category", "operation", "result",
                "chain", "seq")
CATEGORY = "access_records"  # looking at access records is itself an access, recorded under this
PURPOSE = "アクセス記録の点検 (security review of access records)"
MAX_SPAN_DAYS = 3660  # ten years: the records' retention, and a bound against a "from 0001" listing


class SearchError(ValueError):
    """A search asked wrongly (a bad date, an empty id): the reason, for a 400 or an exit 2."""


def date_range(date_from: str, date_to: str) -> tuple[str, str]:
    """The sort-key bounds of [date_from, date_to], both days included."""
    try:
        start, end = date.fromisoformat(date_from), date.fromisoformat(date_to)
    except (TypeError, ValueError):
        raise SearchError("from and to: dates as YYYY-MM-DD") from None
    if len(date_from) != 10 or len(date_to) != 10:
        raise SearchError("from and to: dates as YYYY-MM-DD")
    if end < start:
        raise SearchError("to: before from")
    if (end - start).days > MAX_SPAN_DAYS:
        raise SearchError(f"from..to: at most {MAX_SPAN_DAYS} days")
    # `at` is ISO 8601 (2026-11-30T13:55:00.000000+00:00): every instant of `end` sorts below end + "~".
    return start.isoformat(), f"{end.isoformat()}~"


def _check_id(value: str, what: str) -> str:
    if not value or len(value) > 64 or not value.isprintable() or "#" in value:
        raise SearchError(f"{what}: an id of 1-64 printable characters, no '#'")
    return value


def who_accessed(person_id: str, date_from: str, date_to: str, actor: Actor) -> list[dict[str, Any]]:
    """Every access record naming `person_id` (alone or among many) in the period, oldest first.

    The search is recorded first, as an access to the person's records (no record, no answer): it
    shows in the person's own history, so a look at who looked is seen too."""
    low, high = date_range(date_from, date_to)
    pk = f"{SUBJECT_PREFIX}{_check_id(person_id, 'person')}"
    record_access(actor, [person_id], CATEGORY, "search_subject")
    return [{f: getattr(e, f) if f != "seq" and f != "subjects" else int(getattr(e, f)) for f in FIELDS}
            for e in SubjectIndexModel.query(pk, SubjectIndexModel.sk.between(low, high))]


def staff_activity(staff_id: str, date_from: str, date_to: str, actor: Actor) -> list[dict[str, Any]]:
    """Every access record of one member of staff (or workflow) in the period, oldest first; the search
    is recorded first, its subject the member of staff (STAFF:<id>)."""
    low, high = date_range(date_from, date_to)
    pk = f"STAFF#{_check_id(staff_id, 'staff')}"
    record_access(actor, [f"STAFF:{staff_id}"], CATEGORY, "search_staff")
    rows = []
    for r in AccessRecordModel.by_staff.query(pk, AccessRecordModel.gsi1sk.between(low, high)):
        row = {f: getattr(r, f) for f in STAFF_FIELDS}
        row["subject_ids"], row["seq"] = list(r.subject_ids), int(r.seq)
        rows.append(row)
    return rows


def to_json(rows: Iterable[dict[str, Any]]) -> str:
    return json.dumps(list(rows), ensure_ascii=False)


def to_csv(rows: Iterable[dict[str, Any]], fields: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(fields), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in row.items()})
    return out.getvalue()
