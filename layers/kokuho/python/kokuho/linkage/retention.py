"""Retention of 情報提供等記録 (class `linkage-records` of kokuho/data/retention: 7 years, 番号法施行令第30条),
purged by the scheduled retention workflow (kokuho.retention.run); the same run deletes expired query
results (TTL is lazy).

The rule is kokuho.retention.classes.due_date: a record made on day D (in Japan) may be deleted from the day
that is 7 years after D (29 February → 1 March); it is kept for every day before that, and while a legal
hold names its person.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta

from kokuho.dates.tokyo import TOKYO  # the day of a record is its day in Japan
from kokuho.linkage.exchange_ports import ExchangeStore
from kokuho.linkage.exchange_store import store_or_wired
from kokuho.linkage.query import purge_expired_results
from kokuho.retention.classes import decide, due_date, latest_due_day, retention_class

CLASS_ID = "linkage-records"
RETENTION_YEARS = retention_class(CLASS_ID).period_years
FIRST_MONTH = date(2015, 10, 1)  # マイナンバー制度 start: no linkage record can be older


def record_purge_date(recorded_on: date) -> date:
    return due_date(recorded_on, RETENTION_YEARS)


def latest_purgeable_day(today: date) -> date:
    """The last recording day whose records may be deleted on `today` (see latest_due_day)."""
    return latest_due_day(today, RETENTION_YEARS)


def _months(start: date, end: date) -> list[str]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def purge_exchange_records(now: datetime | None = None, *, store: ExchangeStore | None = None,
                           dry_run: bool = False, holds: Collection[str] = ()) -> dict[str, int]:
    """Delete records past 7 years (count them only when `dry_run`); a record whose person is under a
    legal hold is kept and counted as held. Queried month by month (no table scan)."""
    store = store_or_wired(store)
    now = now or datetime.now(UTC)
    today = now.astimezone(TOKYO).date()
    cls = retention_class(CLASS_ID)
    last_day = latest_purgeable_day(today)
    # recorded_at holds UTC timestamps: this bound over-selects by up to 9 hours; the exact rule is below.
    bound = (last_day + timedelta(days=1)).isoformat()
    due = held = 0
    for month in _months(FIRST_MONTH, last_day):
        for rec in store.records_of_month(month, bound):
            recorded_on = datetime.fromisoformat(rec.recorded_at).astimezone(TOKYO).date()
            decision = decide(cls, recorded_on, today, [rec.person_id] if rec.person_id else (), holds)
            if decision == "held":
                held += 1
            elif decision == "delete":
                due += 1
                if not dry_run:
                    store.delete_record(rec.record_id)
    if dry_run:
        return {"records_due": due, "records_held": held}
    return {"records_deleted": due, "records_held": held,
            "query_results_deleted": purge_expired_results(now, store=store)}
