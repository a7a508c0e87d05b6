"""Probe (benefits, carry-over gaps): a household moving INTO the city within the prefecture keeps its 高額療養費
count (domain.md §2: judged continuous on its NHI householder). The federation's KOGAKU row names the household by
its id at the municipality moved FROM (docs/federation_files.md); the intake stored the months under that id and
the benefit run read them under the city's own household id — the count never carried over, and a household of
the city whose id happened to be the other municipality's counted a stranger's months. The months are kept under
the householder (the person the federation names, as it names QUALCONT's persons by the city's id) and count for
the household that person heads here."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from qualification_helpers import call

from kokuho.benefits.benefit_month import decide_household
from kokuho.linkage.federation_apply import apply_file
from kokuho.linkage.federation_codec import CarryOverRow, build_file
from kokuho.records.benefits import DynamoBenefitStore
from kokuho.records.federation_store import PynamoFederationStore
from kokuho.records.qualification import IncomeModel, person_pk
from kokuho.records.receipts import PersonMonthModel

CLERK = "S1002"
FUKUOKA = "401307"


def _register(pid: str, hh: str) -> None:
    body = {"person_id": pid, "resident_code": f"10{pid[1:]:0>6}", "household_id": hh, "name_kanji": f"北九 {pid}",
            "name_kana": "キタキュウ タロウ", "birth_date": "1975-06-15", "sex": "1", "relationship": "世帯主",
            "postal_code": "803-8501", "address": "北九州市小倉北区城内1-1", "resident_from": "2025-01-10"}
    assert call("POST", "/persons", staff_id=CLERK, body=body)[0] == 201
    status, out, _ = call("POST", f"/persons/{pid}/qualification", staff_id=CLERK,
                          body={"reason": "move_in", "cause_on": "2025-01-10", "version": 1})
    assert status == 200, out
    IncomeModel(person_pk(pid), "INCOME#2024", income={"total": 3_000_000, "salary": 3_000_000, "pension": 0,
                                                       "declared": True, "salary_or_pension_earner": True}).save()
    receipt: dict[str, Any] = {"provider_code": "4010000001", "setting": "inpatient", "points": 100_000,
                               "total_cost": 1_000_000, "copay": 300_000, "file_digest": "d" * 64, "line": 2}
    PersonMonthModel(*PersonMonthModel.key(pid, (2025, 3)), person_id=pid, service_month="2025-03",
                     receipt_count=1, receipts=[receipt]).save()


def _decided(household: str) -> dict[str, Any]:
    facts = DynamoBenefitStore().household_facts([household], (2024, 8), (2025, 3))[household]
    out = decide_household(facts, (2023, 4), (2025, 3), run_id="benefit-2025-04", at="2025-04-01T00:00:00+00:00")
    assert [e[:2] for e in out.entries] == [["2025-03", "written"]], out
    return dict(out.versions[0].doc)


def test_months_carried_in_count_for_the_household_the_householder_heads_here(staffed: None) -> None:
    _register("P0001", "H0001")  # came from 福岡市, where the household was H0009
    _register("P0009", "H0009")  # another family of the city, whose id is the one 福岡市 used
    rows = [CarryOverRow("H0009", "P0001", FUKUOKA, "401005", date(2025, 1, 10), ("2024-06", "2024-09", "2024-12"))]
    data = build_file("KOGAKU", "KG-FED-202501", rows, "400009", "401005", datetime(2025, 2, 1, tzinfo=UTC))
    assert apply_file(PynamoFederationStore(), data, "incoming/kg.txt").status == "applied"

    moved_in = _decided("H0001")
    assert moved_in["carried_over_used"] == ["2024-06", "2024-09", "2024-12"]
    # ウ, 多数回: 44,400 (the 4th month in 12)
    assert (moved_in["result"]["multiple"], moved_in["result"]["ceiling"]) == (True, 44_400)

    stranger = _decided("H0009")
    assert stranger["carried_over_used"] == [] and stranger["result"]["multiple"] is False
