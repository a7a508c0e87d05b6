"""賦課用世帯情報 — the household cases the assessment reads.

Per (household, fiscal year): the interfaces.md premium case dict (`fiscal_year` + `household`) and the
time it last changed. The qualification area calls `put_household_case` whenever a registered change
(取得・喪失, income, 世帯変更, …) affects a household, passing its own TransactWrite so the case changes in
the same transaction as the registration. The monthly assessment reads `changed_household_ids`.

Contract (stable):
    put_household_case(household_id, case, *, changed_at, transaction=None) -> None
    get_household_case(household_id, fiscal_year) -> dict | None
    changed_household_ids(fiscal_year, since) -> list[str]   # since=None: every household of the year
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pynamodb.transactions import TransactWrite

from kokuho.records.assessments import CASE_SHARDS, HouseholdCaseModel, batch_get, case_shard


class HouseholdCaseError(ValueError):
    """A household case that cannot be stored (message names the field, never a My Number)."""


def _iso(at: datetime) -> str:
    if at.tzinfo is None:
        raise HouseholdCaseError("changed_at: must be timezone-aware")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _gsi1pk(fiscal_year: int, shard: int) -> str:
    return f"HHCASE#FY#{fiscal_year}#S{shard:02d}"


def _model(household_id: str, case: dict[str, Any], changed_at: datetime) -> HouseholdCaseModel:
    if not household_id or "#" in household_id:
        raise HouseholdCaseError("household_id: must be non-empty and contain no '#'")
    fy = case.get("fiscal_year")
    if not isinstance(fy, int) or isinstance(fy, bool):
        raise HouseholdCaseError("fiscal_year: must be an integer")
    if not isinstance(case.get("household"), dict):
        raise HouseholdCaseError("household: must be an object")
    at = _iso(changed_at)
    pk, sk = HouseholdCaseModel.key(household_id, fy)
    return HouseholdCaseModel(
        pk, sk, household_id=household_id, fiscal_year=fy, case=case, changed_at=at,
        gsi1pk=_gsi1pk(fy, case_shard(household_id)), gsi1sk=f"{at}#{household_id}",
    )


def put_household_case(household_id: str, case: dict[str, Any], *, changed_at: datetime,
                       transaction: TransactWrite | None = None) -> None:
    """Store (replace) the case of a household for the case's fiscal year, stamped `changed_at`."""
    item = _model(household_id, case, changed_at)
    if transaction is not None:
        transaction.save(item)
    else:
        item.save()


def put_household_cases(cases: Iterable[tuple[str, dict[str, Any]]], *, changed_at: datetime) -> int:
    """Bulk form for intake (BatchWriteItem, 25 a request): returns the number stored."""
    n = 0
    with HouseholdCaseModel.batch_write() as batch:
        for household_id, case in cases:
            batch.save(_model(household_id, case, changed_at))
            n += 1
    return n


def get_household_case(household_id: str, fiscal_year: int) -> dict[str, Any] | None:
    try:
        item = HouseholdCaseModel.get(*HouseholdCaseModel.key(household_id, fiscal_year))
    except HouseholdCaseModel.DoesNotExist:
        return None
    return dict(item.case)


def get_household_cases(household_ids: Iterable[str], fiscal_year: int) -> dict[str, dict[str, Any]]:
    """Batch read: household id → case, for the ids that have one."""
    items = batch_get(HouseholdCaseModel, (HouseholdCaseModel.key(h, fiscal_year) for h in household_ids),
                      attributes=["household_id", "case"])
    return {item.household_id: dict(item.case) for item in items.values()}


def changed_household_ids(fiscal_year: int, since: datetime | None) -> list[str]:
    """Households of the fiscal year whose case changed strictly after `since` (None: all), sorted."""
    ids: set[str] = set()
    for shard in range(CASE_SHARDS):
        if since is None:
            items = HouseholdCaseModel.by_change.query(_gsi1pk(fiscal_year, shard))
        else:
            # "#~" sorts after any "#<household>" suffix: strictly later timestamps only.
            items = HouseholdCaseModel.by_change.query(
                _gsi1pk(fiscal_year, shard), HouseholdCaseModel.gsi1sk > f"{_iso(since)}#~")
        ids.update(item.household_id for item in items)
    return sorted(ids)
