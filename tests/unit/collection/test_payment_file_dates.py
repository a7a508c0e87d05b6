"""Auditor's probe: a payment dated after its file arrived (a bank's 口座振替 result, a 収納データ line, a pension
result for a month still to come) cannot have happened. It was applied — counted in `applied` and `applied_yen` while
the ledger ignored it until that day (the installment stayed overdue, its 督促 went out, the 収納率 disagreed with the
file's total). The file is refused naming the line and the field, and nothing changes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_payment_intake import city, cvs, paid, slip, take  # noqa: E402

from kokuho.collection.payment_files import ACCOUNT_TRANSFER, PENSION, RECEIPTS  # noqa: E402

ARRIVED = "2024-07-20"  # take() delivers on this day


@pytest.mark.parametrize("kind,row,field", [
    (RECEIPTS, {**cvs("R1", None), "payment_number": None, "payer_id": "H1-P1", "paid_on": "2024-07-21"}, "paid_on"),
    (RECEIPTS, {**cvs("R1", None), "payment_number": None, "payer_id": "H1-P1", "paid_on": "2099-12-31"}, "paid_on"),
    (ACCOUNT_TRANSFER, {"payment_number": "", "amount": 10_000, "debited_on": "2024-07-31", "result_code": "0"},
     "debited_on"),
    (PENSION, {"payer_id": "H1-P1", "fiscal_year": 2024, "month": "2024-08", "amount": 10_000, "result": "徴収済"},
     "month"),
])
def test_a_payment_dated_after_its_file_arrived_refuses_the_file(kind: str, row: dict[str, object],
                                                                 field: str) -> None:
    store = city()
    if kind == ACCOUNT_TRANSFER:
        row = {**row, "payment_number": slip("H1", 1)}
    good = {**cvs("R0", slip("H1", 1)), "paid_on": ARRIVED} if kind == RECEIPTS else None
    out = take(store, kind, [r for r in (good, row) if r is not None])
    assert out["accepted"] is False
    assert [(e["line"], e["field"]) for e in out["errors"]] == [(2 if good else 1, field)]
    assert paid(store, "H1")[0] == 0 and not store.unmatched()  # nothing applied, not even the good line


def test_a_payment_of_the_day_the_file_arrived_is_taken() -> None:
    store = city()
    out = take(store, RECEIPTS, [{**cvs("R1", slip("H1", 1)), "paid_on": ARRIVED}])
    assert (out["accepted"], out["applied"]) == (True, 1)
