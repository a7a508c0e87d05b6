"""Retention of 情報提供等記録: kept 7 years (番号法施行令第30条), then purged by the scheduled
retention workflow; the same run deletes expired query results (TTL is lazy).

The project's rule (`record_purge_date`): a record made on day D may be deleted from the day that is
7 years after D (29 February → 1 March); it is kept for every day before that.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from kokuho.dates.tokyo import TOKYO  # the day of a record is its day in Japan
from kokuho.linkage.exchange_ports import ExchangeStore
from kokuho.linkage.exchange_store import store_or_wired
from kokuho.linkage.query import purge_expired_results

RETENTION_YEARS = 7
FIRST_MONTH = date(2015, 10, 1)  # マイナンバー制度 start: no linkage record can be older


def record_purge_date(recorded_on: date) -> date:
    try:
        return recorded_on.replace(year=recorded_on.year + RETENTION_YEARS)
    except ValueError:  # 29 February in a non-leap target year
        return date(recorded_on.year + RETENTION_YEARS, 3, 1)


def latest_purgeable_day(today: date) -> date:
    """The last recording day whose records may be deleted on `today` (the same day 7 years back;
    on 29 February, the 28th: records of a 29 February wait until 1 March, see record_purge_date)."""
    day = 28 if (today.month, today.day) == (2, 29) else today.day
    return date(today.year - RETENTION_YEARS, today.month, day)


def _months(start: date, end: date) -> list[str]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def purge_exchange_records(now: datetime | None = None, *, store: ExchangeStore | None = None) -> dict[str, int]:
    """Delete records past 7 years; returns counts. Queried month by month (no table scan)."""
    store = store_or_wired(store)
    now = now or datetime.now(UTC)
    today = now.astimezone(TOKYO).date()
    last_day = latest_purgeable_day(today)
    # recorded_at holds UTC timestamps: this bound over-selects by up to 9 hours; the exact rule is below.
    bound = (last_day + timedelta(days=1)).isoformat()
    deleted = 0
    for month in _months(FIRST_MONTH, last_day):
        for rec in store.records_of_month(month, bound):
            if record_purge_date(datetime.fromisoformat(rec.recorded_at).astimezone(TOKYO).date()) <= today:
                store.delete_record(rec.record_id)
                deleted += 1
    return {"records_deleted": deleted, "query_results_deleted": purge_expired_results(now, store=store)}
