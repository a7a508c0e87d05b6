"""What the tests of a 高額療養費 month across a move share (test_carry_over_in, test_move_out_half_ceiling): a
householder registered through the API with an income and one inpatient receipt in March 2025, and the benefit
month decided for the household from what is stored."""

from __future__ import annotations

from typing import Any

from qualification_helpers import call

from kokuho.benefits.benefit_month import decide_household
from kokuho.records.benefits import DynamoBenefitStore
from kokuho.records.qualification import IncomeModel, person_pk
from kokuho.records.receipts import PersonMonthModel

CLERK = "S1002"


def register_householder(pid: str, hh: str, since: str) -> None:
    """`pid` heads `hh` from `since` (転入 into NHI that day), earns 3,000,000 yen in 2024 and has a 1,000,000 yen
    inpatient bill (300,000 copay) in March 2025."""
    body = {"person_id": pid, "resident_code": f"10{pid[1:]:0>6}", "household_id": hh, "name_kanji": f"北九 {pid}",
            "name_kana": "キタキュウ タロウ", "birth_date": "1975-06-15", "sex": "1", "relationship": "世帯主",
            "postal_code": "803-8501", "address": "北九州市小倉北区城内1-1", "resident_from": since}
    assert call("POST", "/persons", staff_id=CLERK, body=body)[0] == 201
    status, out, _ = call("POST", f"/persons/{pid}/qualification", staff_id=CLERK,
                          body={"reason": "move_in", "cause_on": since, "version": 1})
    assert status == 200, out
    IncomeModel(person_pk(pid), "INCOME#2024", income={"total": 3_000_000, "salary": 3_000_000, "pension": 0,
                                                       "declared": True, "salary_or_pension_earner": True}).save()
    receipt: dict[str, Any] = {"provider_code": "4010000001", "setting": "inpatient", "points": 100_000,
                               "total_cost": 1_000_000, "copay": 300_000, "file_digest": "d" * 64, "line": 2}
    PersonMonthModel(*PersonMonthModel.key(pid, (2025, 3)), person_id=pid, service_month="2025-03",
                     receipt_count=1, receipts=[receipt]).save()


def decided_march(household: str) -> dict[str, Any]:
    """The household's March 2025 benefit version, decided by the April 2025 run (the one month written)."""
    facts = DynamoBenefitStore().household_facts([household], (2024, 8), (2025, 3))[household]
    out = decide_household(facts, (2023, 4), (2025, 3), run_id="benefit-2025-04", at="2025-04-01T00:00:00+00:00")
    assert [e[:2] for e in out.entries] == [["2025-03", "written"]], out
    return dict(out.versions[0].doc)
