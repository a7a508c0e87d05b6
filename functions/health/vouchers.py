"""Lambdas of the 特定健診受診券 (issue 13 item 8; docs/health_programmes.md):

- `issue_year` (statemachines/health_checkup_vouchers.asl.json): `{}` (the daily schedule) runs the year's issue
  on its day of issue in Tokyo (data: kokuho/data/health/checkup_vouchers.json), nothing on another day;
  `{"fiscal_year": Y}` runs it now (it issues only what is missing).
- `take_attendance` (statemachines/health_attendance_intake.asl.json): every attendance file delivered under
  health/incoming/ of the exchange bucket; `{"key"}` takes that one (a key under health/incoming/)."""

from __future__ import annotations

from typing import Any

import boto3

from kokuho.access.run_identity import acts_as_run, current_run
from kokuho.access.run_inputs import InputRefused, only_fields, whole_number
from kokuho.dates.fiscal_year import fiscal_year_of
from kokuho.dates.tokyo import today_jst
from kokuho.health.vouchers import VoucherTermsError, terms_of
from kokuho.platform.exchange import is_under
from kokuho.platform.observability import get_logger
from kokuho.platform.tables import BUCKETS_BY_LOGICAL, aws_region
from kokuho.programmes import vouchers

logger = get_logger("health-vouchers")
ISSUE, ATTENDANCE = "health-checkup-vouchers", "health-attendance-intake"  # the runs' workflows (terminal tags)


@acts_as_run(ISSUE, vouchers.PURPOSE)
@logger.inject_lambda_context(log_event=False)
def issue_year(event: dict[str, Any], context: Any) -> dict[str, Any]:
    event = event or {}
    only_fields(event, ("fiscal_year",))
    today = today_jst()
    on_the_day = "fiscal_year" not in event
    if not on_the_day:
        fy = whole_number(event, "fiscal_year", 0, 2000, 2100)  # given: an integer (null refused too)
    else:
        fy = fiscal_year_of(today)
        try:
            due = terms_of(fy).issued_on == today
        except VoucherTermsError:
            due = False
        if not due:
            return {"fiscal_year": fy, "issued": 0, "reason": "today is not the year's day of issue"}
    out = vouchers.issue_year(fy, run_id=current_run(), on_the_day=on_the_day)
    logger.info("vouchers issued", extra=out)
    return out


@acts_as_run(ATTENDANCE, vouchers.PURPOSE)
@logger.inject_lambda_context(log_event=False)
def take_attendance(event: dict[str, Any], context: Any) -> dict[str, Any]:
    event = event or {}
    # The exchange bucket is the run's own, never the input's; a key names one delivered file, never another
    # folder's (outgoing/, processed/) — a direct call could name any bucket and any key.
    only_fields(event, ("key",))
    key = event.get("key")
    if key is not None and not is_under(key, vouchers.INCOMING):
        raise InputRefused(f"key: must name a file under {vouchers.INCOMING}")
    s3 = boto3.client("s3", region_name=aws_region())
    bucket = BUCKETS_BY_LOGICAL["exchange"].name()
    if key is not None:
        out = vouchers.take_attendance_object(s3, bucket, str(key), run_id=current_run())
    else:
        out = vouchers.take_delivered(s3, bucket, run_id=current_run())
    logger.info("attendance files taken", extra={k: v for k, v in out.items() if k in ("files", "accepted", "marked")})
    return out
