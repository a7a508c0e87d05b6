"""Probe (benefits): in the month a household moves within the prefecture, EACH municipality applies half the
高額療養費 ceiling (domain.md §2: "in the month of the move each municipality applies half the ceiling") — the
city moved from as well as the city moved to. The benefit run halved the ceiling only for a household moving IN
(the federation's 高額該当 file names its move); a householder's 転出 to a municipality of the prefecture, kept with
its destination in the loss record (the same move the outgoing KOGAKU row is built from), left the month of the
move at the full ceiling here: the household bore up to twice its share that month."""

from __future__ import annotations

from datetime import date
from typing import Any

from qualification_helpers import call

from kokuho.benefits.benefit_month import decide_household
from kokuho.benefits.kogaku import assess_many
from kokuho.records.benefits import DynamoBenefitStore
from kokuho.records.qualification import IncomeModel, person_pk
from kokuho.records.receipts import PersonMonthModel

CLERK = "S1002"
FUKUOKA, TOKYO_CHIYODA = "401307", "131016"


def _register(pid: str, hh: str) -> None:
    body = {"person_id": pid, "resident_code": f"10{pid[1:]:0>6}", "household_id": hh, "name_kanji": f"北九 {pid}",
            "name_kana": "キタキュウ タロウ", "birth_date": "1975-06-15", "sex": "1", "relationship": "世帯主",
            "postal_code": "803-8501", "address": "北九州市小倉北区城内1-1", "resident_from": "2024-04-01"}
    assert call("POST", "/persons", staff_id=CLERK, body=body)[0] == 201
    status, out, _ = call("POST", f"/persons/{pid}/qualification", staff_id=CLERK,
                          body={"reason": "move_in", "cause_on": "2024-04-01", "version": 1})
    assert status == 200, out
    IncomeModel(person_pk(pid), "INCOME#2024", income={"total": 3_000_000, "salary": 3_000_000, "pension": 0,
                                                       "declared": True, "salary_or_pension_earner": True}).save()
    receipt: dict[str, Any] = {"provider_code": "4010000001", "setting": "inpatient", "points": 100_000,
                               "total_cost": 1_000_000, "copay": 300_000, "file_digest": "d" * 64, "line": 2}
    PersonMonthModel(*PersonMonthModel.key(pid, (2025, 3)), person_id=pid, service_month="2025-03",
                     receipt_count=1, receipts=[receipt]).save()


def _move_out(pid: str, **extra: Any) -> None:
    status, out, _ = call("POST", f"/persons/{pid}/qualification", staff_id=CLERK,
                          body={"reason": "move_out", "cause_on": "2025-03-10", "version": 2, **extra})
    assert status == 200, out


def _decided(household: str) -> dict[str, Any]:
    facts = DynamoBenefitStore().household_facts([household], (2024, 8), (2025, 3))[household]
    out = decide_household(facts, (2023, 4), (2025, 3), run_id="benefit-2025-04", at="2025-04-01T00:00:00+00:00")
    assert [e[:2] for e in out.entries] == [["2025-03", "written"]], out
    return dict(out.versions[0].doc)


def test_the_month_a_householder_moves_out_within_the_prefecture_takes_half_the_ceiling(staffed: None) -> None:
    _register("P0001", "H0001")
    _register("P0003", "H0003")
    _register("P0004", "H0004")
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

    moved = _decided("H0001")
    assert moved["case"]["household"]["moved_in_month_within_prefecture"] is True
    assert (moved["result"]["ceiling"], moved["result"]["benefit"]) == (48_715, 300_000 - 48_715)
    for household in ("H0003", "H0004"):
        stayed = _decided(household)
        assert stayed["case"]["household"]["moved_in_month_within_prefecture"] is False
        assert stayed["result"]["ceiling"] == 87_430
