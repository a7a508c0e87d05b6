"""Probe (benefits): in the month a household moves within the prefecture, EACH municipality applies half the
高額療養費 ceiling (domain.md §2: "in the month of the move each municipality applies half the ceiling") — the
city moved from as well as the city moved to. The benefit run halved the ceiling only for a household moving IN
(the federation's 高額該当 file names its move); a householder's 転出 to a municipality of the prefecture, kept with
its destination in the loss record (the same move the outgoing KOGAKU row is built from), left the month of the
move at the full ceiling here: the household bore up to twice its share that month."""

from __future__ import annotations

from datetime import date
from typing import Any

from march_benefit_helpers import CLERK, decided_march, register_householder
from qualification_helpers import call

from kokuho.benefits.kogaku import assess_many

FUKUOKA, TOKYO_CHIYODA = "401307", "131016"


def _move_out(pid: str, **extra: Any) -> None:
    status, out, _ = call("POST", f"/persons/{pid}/qualification", staff_id=CLERK,
                          body={"reason": "move_out", "cause_on": "2025-03-10", "version": 2, **extra})
    assert status == 200, out


def test_the_month_a_householder_moves_out_within_the_prefecture_takes_half_the_ceiling(staffed: None) -> None:
    register_householder("P0001", "H0001", "2024-04-01")
    register_householder("P0003", "H0003", "2024-04-01")
    register_householder("P0004", "H0004", "2024-04-01")
    _move_out("P0001", to_municipality=FUKUOKA)  # within the prefecture: the household goes on there
    _move_out("P0003", to_municipality=TOKYO_CHIYODA)  # out of the prefecture: a new household there
    _move_out("P0004")  # destination not given: nothing says the household goes on
    assert date(2025, 3, 10).month == 3

    # ウ, 1,000,000 yen of cost: 80,100 + (1,000,000 − 267,000) × 1% = 87,430; halved (the amount and its
    # threshold): 40,050 + (1,000,000 − 133,500) × 1% = 48,715
    case = {"service_month": "2025-03", "household": {"bracket": "ウ", "bracket70": None, "members": [
        {"id": "P0001", "age": 49, "bills": [{"provider": "4010000001", "setting": "inpatient", "dental": False,
                                              "total_cost": 1_000_000, "copay": 300_000}]}]}}
    full = assess_many([case])[0]
    half = assess_many([{**case, "household": {**case["household"], "moved_in_month_within_prefecture": True}}])[0]
    assert (full["ceiling"], half["ceiling"]) == (87_430, 48_715)

    moved = decided_march("H0001")
    assert moved["case"]["household"]["moved_in_month_within_prefecture"] is True
    assert (moved["result"]["ceiling"], moved["result"]["benefit"]) == (48_715, 300_000 - 48_715)
    for household in ("H0003", "H0004"):
        stayed = decided_march(household)
        assert stayed["case"]["household"]["moved_in_month_within_prefecture"] is False
        assert stayed["result"]["ceiling"] == 87_430
