"""Auditor's probe of the notice route: the day of issue is the caller's (`issued_on`). 9999-12-31 answered 500 after
the ledger and the payer had been read, with no access record of that read; a day to come or before the fiscal year
began made a 納入通知書 no one could have been sent. Now a day outside [the fiscal year's first day, today] is 422
naming `issued_on`, refused before anything is read."""

from __future__ import annotations

from qualification_helpers import call, item_counts
from test_notice_api import CASHIER, PATH, world

from kokuho.dates.tokyo import today_jst


def test_a_day_of_issue_outside_the_fiscal_year_to_today_is_refused_before_any_read(staffed: None) -> None:
    world()
    tomorrow = today_jst().toordinal() + 1
    from datetime import date

    for day in ("9999-12-31", date.fromordinal(tomorrow).isoformat(), "2024-03-31", "0001-01-01"):
        before = item_counts("access_log")
        status, out, resp = call("GET", PATH, staff_id=CASHIER, query={"issued_on": day})
        assert status == 422 and "issued_on" in resp["body"], (day, status, out)
        assert item_counts("access_log") == before, day  # refused before the ledger or the payer was read
    assert call("GET", PATH, staff_id=CASHIER, query={"issued_on": "2024-04-01"})[0] == 200
    assert call("GET", PATH, staff_id=CASHIER, query={"issued_on": today_jst().isoformat()})[0] == 200
