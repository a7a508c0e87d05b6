"""Where a payer's ledgers are, found from what is written anyway (issue 14: the assessment writes no payer-index
entry per household, one write unit each).

A ledger's payer is the householder of the case its version assessed (kokuho.assessment.versions: the case's
`householder_id`, a 擬制世帯主 included), and a householder is always a member of the household they head
(kokuho.qualification.service: a household is created with its householder; a new householder is one of its
members). So the households a person pays for are among those the person is or was a member of: the profile's
and every one their history names (`registered`, `household_change` — a member who left stays in the history).
Their ledgers are those of the years the household has a case (a version is assessed from its year's case) and
of the year after each (a ledger the pension run's 仮徴収 opened before that year's case); the store keeps those
whose charge names the person as payer, as the index did.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from kokuho.records.assessments import HouseholdCaseModel
from kokuho.records.household_cases import parallel
from kokuho.records.qualification import PersonModel, person_pk

LedgerKey = tuple[str, int]


def _pages(connection: Any, pk: str, attributes: list[str], prefix: str | None = None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    start: dict[str, Any] | None = None
    condition = None if prefix is None else HouseholdCaseModel.sk.startswith(prefix)
    while True:
        page = connection.query(pk, range_key_condition=condition, attributes_to_get=attributes,
                                consistent_read=True, exclusive_start_key=start)
        items += page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def _named_households(detail: Any) -> set[str]:
    """The household ids a history entry's detail names: `household_id`, at its top or in before/after."""
    doc = json.loads(detail) if isinstance(detail, str) else detail
    if not isinstance(doc, dict):
        return set()
    found = {str(doc["household_id"])} if doc.get("household_id") else set()
    for part in ("before", "after"):
        inner = doc.get(part)
        if isinstance(inner, dict) and inner.get("household_id"):
            found.add(str(inner["household_id"]))
    return found


def households_of_person(person_id: str) -> set[str]:
    """Every household the person is or was a member of (one query of the person's items, their ids only)."""
    found: set[str] = set()
    for raw in _pages(PersonModel._get_connection(), person_pk(person_id), ["sk", "household_id", "detail"]):
        sk = raw["sk"]["S"]
        if sk == "PROFILE" and "household_id" in raw:
            found.add(raw["household_id"]["S"])
        elif sk.startswith("HIST#") and "detail" in raw:
            found |= _named_households(raw["detail"].get("S"))
    return found


def ledger_keys_of_households(household_ids: Iterable[str]) -> list[LedgerKey]:
    """The (household, fiscal year) a ledger may exist for: each year of a case, and the year after it. The
    households' case keys are queried in parallel (a payer has a few)."""
    ids = sorted(set(household_ids))

    def years(household_id: str) -> list[LedgerKey]:
        raws = _pages(HouseholdCaseModel._get_connection(), HouseholdCaseModel.key(household_id, 0)[0], ["sk"],
                      prefix="FY#")
        fys = {int(r["sk"]["S"].removeprefix("FY#")) for r in raws}
        return [(household_id, fy) for fy in sorted(fys | {fy + 1 for fy in fys})]

    return sorted({key for part in parallel([(years, h) for h in ids]) for key in part},
                  key=lambda k: (k[1], k[0]))
