"""介護保険 適用除外: a member aged 40–64 who is not a 第2号被保険者 in some months (care_exempt, from the
care-insurance file) pays no care part for those months — the status where it differs from age alone."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kokuho.premium import CaseError, compute_case, compute_many


def _case(exempt: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    member: dict[str, Any] = {
        "id": "P1", "birth_date": "1979-06-15", "insured": [{"from": "2024-04-01", "until": None}],
        "income": {"total": 3_000_000, "salary": 3_000_000, "pension": 0, "declared": True},
        "salary_or_pension_earner": True, "involuntary_unemployment": None, "expected_birth": None,
        "specific_same_household": False}
    if exempt is not None:
        member["care_exempt"] = exempt
    return {"fiscal_year": 2024, "household": {"householder_id": "P1", "specific_household": None,
                                               "members": [member]}}


def test_a_member_exempt_all_year_pays_no_care_part_and_the_rest_is_unchanged() -> None:
    plain = compute_case(_case())
    exempt = compute_case(_case([{"from": "2024-04-01", "until": None}]))
    assert plain["parts"]["care"] > 0
    assert exempt["parts"]["care"] == 0
    assert {k: v for k, v in exempt["parts"].items() if k != "care"} == {
        k: v for k, v in plain["parts"].items() if k != "care"}


def test_an_exemption_from_october_halves_the_care_part_and_the_batch_path_agrees() -> None:
    plain = compute_case(_case())
    half = _case([{"from": "2024-10-01", "until": None}])
    out = compute_case(half)
    assert out["parts"]["care"] == plain["parts"]["care"] // 2 // 100 * 100
    assert compute_many([copy.deepcopy(half)])[0]["parts"] == out["parts"]


def test_no_exemption_given_is_the_age_rule_alone() -> None:
    assert compute_case(_case([])) == compute_case(_case())


def test_an_exemption_ending_before_it_starts_is_refused_naming_the_field() -> None:
    with pytest.raises(CaseError) as err:
        compute_case(_case([{"from": "2024-10-01", "until": "2024-09-01"}]))
    assert err.value.field == "household.members[0].care_exempt[0].until"
