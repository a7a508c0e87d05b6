"""Auditor's probe of the 特定健診 attendance file: a check-up dated after the file was received (inside the voucher's
validity, which runs to the end of the fiscal year) marked the voucher used — and counted in the 受診率 — before the
check-up could have happened. The file is refused naming the line and `checked_on`, nothing marked."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_vouchers import ACTOR, _line, _store  # noqa: E402

from kokuho.health.attendance import take_attendance_file  # noqa: E402
from kokuho.intake.framing import build_file  # noqa: E402


def test_a_check_up_dated_after_the_file_was_received_refuses_the_file() -> None:
    store = _store()
    data = build_file([_line("P1", "20260000001", "2026-06-01"), _line("P2", "20260000002", "2026-06-02")])
    out = take_attendance_file(store, data, key="k", actor=ACTOR, chain="T", received_on=date(2026, 6, 1))
    assert out["accepted"] is False
    assert [(e["line"], e["field"]) for e in out["errors"]] == [(2, "checked_on")]
    assert all(v.used_on is None for v in store.vouchers(2026, ["P1", "P2"]).values())  # nothing marked
    out = take_attendance_file(store, data, key="k", actor=ACTOR, chain="T", received_on=date(2026, 6, 2))
    assert out["accepted"] is True and out["marked"] == 2


def test_a_check_up_day_is_written_yyyy_mm_dd() -> None:
    # '20260601' (basic ISO) and '2026-W23-1' (a week date) were read as days by date.fromisoformat — a file not
    # written to its layout was taken and its vouchers marked used; every intake's date field says YYYY-MM-DD.
    store = _store()
    for written in ("20260601", "2026-W23-1"):
        data = build_file([_line("P1", "20260000001", written)])
        out = take_attendance_file(store, data, key="k", actor=ACTOR, chain="T", received_on=date(2026, 6, 30))
        assert out["accepted"] is False and [(e["line"], e["field"]) for e in out["errors"]] == [(1, "checked_on")]
    assert store.vouchers(2026, ["P1"])["P1"].used_on is None
