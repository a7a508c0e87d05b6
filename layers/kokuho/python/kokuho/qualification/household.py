"""Household rules (世帯): 擬制世帯主, 特定世帯 / 特定継続世帯, 特定同一世帯所属者, and the household's
premium case in the interfaces.md shape, built from the file. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from kokuho.qualification.history import Period
from kokuho.qualification.model import Household, Membership, Person
from kokuho.qualification.reasons import birthday

SPECIFIC_YEARS = 5  # 特定世帯: 平等割 halved for 5 years
CONTINUING_YEARS = 8  # then 特定継続世帯 for 3 more years


def is_deemed_householder(household: Household, householder: Person, on: date) -> bool:
    """擬制世帯主: a householder who is not insured while some member of the household is."""
    return not householder.insured_on(on)


def insured_members(household: Household, persons: Mapping[str, Person], on: date) -> list[str]:
    return [m.person_id for m in household.current_members()
            if m.person_id in persons and persons[m.person_id].insured_on(on)]


def specific_household_status(since: date | None, judged_on: date) -> str | None:
    """"specific" (特定世帯) during the first 5 years from `since`, "continuing" (特定継続世帯) for the
    3 years after, else None."""
    if since is None or judged_on < since:
        return None
    if judged_on < birthday(since, SPECIFIC_YEARS):
        return "specific"
    if judged_on < birthday(since, CONTINUING_YEARS):
        return "continuing"
    return None


def _clip(periods: tuple[Period, ...], start: date, end: date | None, fy_start: date,
          fy_end: date) -> list[dict[str, str | None]]:
    """Periods within the household membership [start, end) that touch the fiscal year [fy_start, fy_end)."""
    out: list[dict[str, str | None]] = []
    for p in periods:
        lo = max(p.acquired_on, start)
        hi_candidates = [d for d in (p.until, end) if d is not None]
        hi = min(hi_candidates) if hi_candidates else None
        if hi is not None and hi <= lo:
            continue
        if lo >= fy_end or (hi is not None and hi <= fy_start):
            continue
        out.append({"from": lo.isoformat(), "until": hi.isoformat() if hi else None})
    return out


UNDECLARED: dict[str, Any] = {"total": 0, "salary": 0, "pension": 0, "declared": False}


def premium_case(
    household: Household,
    persons: Mapping[str, Person],
    fiscal_year: int,
    incomes: Mapping[str, Mapping[str, Any]] | None = None,
    previous: Mapping[str, Any] | None = None,
    care: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The household's premium case (interfaces.md) for a fiscal year, from the file.

    Members are everyone whose membership touches the year (past members with their periods clipped
    to their time in the household) plus the householder. A member's income comes from their income
    record; without one, from the `previous` case of the household (what the tax intake delivered:
    a registration must not erase it); without either → not declared. `care` (the care intake's records
    of the year) gives `care_exempt` (介護保険 適用除外), else the previous case's. `expected_birth` (産前産後)
    is carried over from the previous case the same way.
    """
    incomes = incomes or {}
    before: dict[str, Mapping[str, Any]] = {
        str(m.get("id")): m for m in ((previous or {}).get("household") or {}).get("members") or []
        if isinstance(m, Mapping)}
    fy_start, fy_end = date(fiscal_year, 4, 1), date(fiscal_year + 1, 4, 1)
    # A person who left and came back (世帯分離, then 世帯合併) has a membership a stint: each stint's periods count
    stints: dict[str, list[Membership]] = {}
    for m in household.members:
        stints.setdefault(m.person_id, []).append(m)
    members: list[dict[str, Any]] = []
    for person_id, held in stints.items():
        if person_id not in persons:
            continue
        touching = [m for m in held if not (m.joined_on >= fy_end or (m.left_on is not None and m.left_on <= fy_start))]
        if not touching and person_id != household.householder_id:
            continue
        m = held[-1]  # the latest stint: whether the person is a member now
        person = persons[person_id]
        income = incomes.get(m.person_id)
        prior = before.get(m.person_id)
        if income is None and prior is not None and isinstance(prior.get("income"), Mapping):
            income = {**prior["income"], "salary_or_pension_earner": prior.get("salary_or_pension_earner"),
                      "involuntary_unemployment": prior.get("involuntary_unemployment")}
        members.append({
            "id": person.person_id,
            "birth_date": person.birth_date.isoformat(),
            "insured": [p for stint in held for p in _clip(person.periods, stint.joined_on, stint.left_on, fy_start,
                                                           fy_end)],
            "income": {k: income.get(k, UNDECLARED[k]) for k in ("total", "salary", "pension", "declared")}
            if income else dict(UNDECLARED),
            "salary_or_pension_earner": bool(income.get("salary_or_pension_earner")) if income else False,
            "involuntary_unemployment": income.get("involuntary_unemployment") if income else None,
            "expected_birth": prior.get("expected_birth") if prior else None,
            "specific_same_household": person.specific_same_household_since is not None
            and m.left_on is None,
            # 介護保険 適用除外 from the care record of the year (the care intake), else as before
            "care_exempt": list((care or {}).get(m.person_id, {}).get("second_insured_exempt") or [])
            if m.person_id in (care or {}) else list((prior or {}).get("care_exempt") or []),
        })
    judged_on = fy_start
    return {
        "fiscal_year": fiscal_year,
        "household": {
            "householder_id": household.householder_id,
            "specific_household": specific_household_status(household.specific_since, judged_on),
            "members": members,
        },
    }
