"""Auditor's probe of the receipt file: a service month of year 0 crashed the intake (ValueError after the persons'
periods were read, no access record of the read, no line named) and a month still to come (2099-05) was stored and
fed the 高額療養費 run and the 医療費通知. Both now refuse the file naming the line and `service_month`."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_receipt_intake import city, line  # noqa: E402

from kokuho.benefits.receipt_intake import intake_receipt_file  # noqa: E402
from kokuho.intake.framing import build_file  # noqa: E402

RECEIVED = date(2026, 7, 10)


@pytest.mark.parametrize("month", ["0000-05", "1999-12", "2026-08", "2099-05"])
def test_a_service_month_before_2000_or_after_the_files_month_refuses_the_file(month: str) -> None:
    store = city()
    out = intake_receipt_file(build_file([line(month="2026-05"), line(month=month, provider="1310000002")]),
                              store=store, actor="system:test", key="k", received_on=RECEIVED)
    assert out["accepted"] is False
    assert [(e["line"], e["field"]) for e in out["errors"]] == [(2, "service_month")]
    assert not store.months  # nothing stored


def test_a_month_up_to_the_files_own_is_taken() -> None:
    store = city()
    out = intake_receipt_file(build_file([line(month="2026-07"), line(month="2000-01", provider="1310000002")]),
                              store=store, actor="system:test", key="k", received_on=RECEIVED)
    assert out["accepted"] is True
