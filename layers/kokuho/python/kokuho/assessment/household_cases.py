"""賦課用世帯情報 — the household cases the assessment reads: the contract other areas call (qualification
writes a case in its registration's transaction, the case intake in bulk). Stored by
kokuho.records.household_cases (which explains the pending index and how a run selects what changed); the
monthly run reaches them through its store port (kokuho.assessment.ports.AssessmentStore).

Contract (stable):
    put_household_case(household_id, case, *, changed_at, transaction=None) -> None
    put_household_cases(cases, *, changed_at) -> int
    get_household_case(household_id, fiscal_year) -> dict | None
    get_household_cases(household_ids, fiscal_year) -> {household: case}
    changed_household_ids(fiscal_year, since) -> list[str]   # since=None: every household of the year
    changed_cases(fiscal_year, since) -> {household: change id}  # written after `since` (ISO, UTC)
    pending_household_ids(fiscal_year) -> list[str]  # not assessed as they are (a query a household)
    get_cases_for_assessment(household_ids, fiscal_year) -> {household: (case, change id)}
"""

from __future__ import annotations

from kokuho.records.household_cases import (
    HouseholdCaseError,
    changed_cases,
    changed_household_ids,
    get_cases_for_assessment,
    get_household_case,
    get_household_cases,
    pending_household_ids,
    put_household_case,
    put_household_cases,
)

__all__ = ["HouseholdCaseError", "changed_cases", "changed_household_ids", "get_cases_for_assessment",
           "get_household_case", "get_household_cases", "pending_household_ids", "put_household_case",
           "put_household_cases"]
