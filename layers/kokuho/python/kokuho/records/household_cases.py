"""賦課用世帯情報 — the household cases the assessment reads (their table items; the service contract
is kokuho.assessment.household_cases, which re-exports this).

Per (household, fiscal year): the interfaces.md premium case dict (`fiscal_year` + `household`), the
time it last changed, and a change id (fresh on every write). The qualification area calls
`put_household_case` whenever a registered change (取得・喪失, income, 世帯変更, …) affects a household,
passing its own TransactWrite so the case changes in the same transaction as the registration.

Selection (issue 14: the assessment writes no case): every write of a case draws a new change id and puts
the case's gsi1 entry in its shard's partition under the time it was written (`<written_at>#<household>`,
the writer's clock — not the caller's `changed_at`, which may be a registration's date). The assessment
records the change id it assessed in the version it writes (kokuho.records.assessments: the version is the
commit point), so a case is pending while its change id is not its latest version's. A monthly run reads
the entries written since the previous completed run's cut less a margin (`changed_cases`), then leaves out
those its own earlier passes or the latest versions show assessed: a change committed while a run goes on
is either read by that run or written after its cut, so the next run finds it — picked up, never lost.
gsi2 holds every case of the year by shard, keys only: written when the case is created and never again.

Contract (stable):
    put_household_case(household_id, case, *, changed_at, transaction=None) -> None
    get_household_case(household_id, fiscal_year) -> dict | None
    changed_household_ids(fiscal_year, since) -> list[str]   # since=None: every household of the year
    changed_cases(fiscal_year, since) -> {household: change id}  # written after `since` (ISO, UTC)
    pending_household_ids(fiscal_year) -> list[str]  # not assessed as they are (a query a household)
    get_cases_for_assessment(household_ids, fiscal_year) -> {household: (case, change id)}
"""

from __future__ import annotations

import contextvars
import secrets
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from pynamodb.transactions import TransactWrite

from kokuho.records.assessments import CASE_SHARDS, HouseholdCaseModel, batch_get, case_shard

# Shard queries in flight at once, within botocore's default pool of 10 connections (pynamodb gives each
# thread its own session and client: a few tens of ms once per Prepare, against a query per shard in turn).
QUERY_THREADS = 10


class HouseholdCaseError(ValueError):
    """A household case that cannot be stored (message names the field, never a My Number)."""


def _iso(at: datetime) -> str:
    if at.tzinfo is None:
        raise HouseholdCaseError("changed_at: must be timezone-aware")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _gsi1pk(fiscal_year: int, shard: int, *, assessed: bool = False) -> str:
    # the shard's partition of the pending index; "#A": where the first layout moved assessed cases
    return f"HHCASE#FY#{fiscal_year}#S{shard:02d}" + ("#A" if assessed else "")


def _gsi2pk(fiscal_year: int, shard: int) -> str:
    return f"HHCASE#FY#{fiscal_year}#S{shard:02d}"


def written_now() -> str:
    """The pending index's stamp: when the writer writes (ISO, UTC, fixed width: ordered as text)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


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
        change_id=secrets.token_hex(8),
        gsi1pk=_gsi1pk(fy, case_shard(household_id)), gsi1sk=f"{written_now()}#{household_id}",
        gsi2pk=_gsi2pk(fy, case_shard(household_id)), gsi2sk=household_id,
    )


def put_household_case(household_id: str, case: dict[str, Any], *, changed_at: datetime,
                       transaction: TransactWrite | None = None) -> None:
    """Store (replace) the case of a household for the case's fiscal year, stamped `changed_at`: a put (the
    item holds the case only — the assessment writes its versions, never the case)."""
    item = _model(household_id, case, changed_at)
    if transaction is not None:
        transaction.save(item)
    else:
        item.save()


def put_household_cases(cases: Iterable[tuple[str, dict[str, Any]]], *, changed_at: datetime) -> int:
    """Bulk form for loads (BatchWriteItem, 25 a request): returns the number stored. Each case is stamped
    as it is written (a load of a million cases takes long: a stamp taken at its start would fall behind a
    run's cut less its margin — kokuho.assessment.selection)."""
    given = list(cases)
    for household_id, case in given:
        _model(household_id, case, changed_at)  # every case checked before any is written
    with HouseholdCaseModel.batch_write() as batch:
        for household_id, case in given:
            batch.save(_model(household_id, case, changed_at))
    return len(given)


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


def get_cases_for_assessment(household_ids: Iterable[str], fiscal_year: int
                             ) -> dict[str, tuple[dict[str, Any], str | None]]:
    """Batch read: household id → (case, its change id), for the ids that have one."""
    items = batch_get(HouseholdCaseModel, (HouseholdCaseModel.key(h, fiscal_year) for h in household_ids),
                      attributes=["household_id", "case", "change_id"])
    return {i.household_id: (dict(i.case), i.change_id) for i in items.values()}


def parallel(partitions: Sequence[tuple[Any, Any]]) -> list[Any]:
    """Each (query, its argument: a partition key, ids) in a bounded pool, results in order."""
    with ThreadPoolExecutor(max_workers=max(1, min(QUERY_THREADS, len(partitions)))) as pool:
        # each query in a copy of the caller's context: signed with its credentials (the run's data-role
        # session) and carrying its request ids, which are context variables a new thread does not inherit
        futures = [pool.submit(contextvars.copy_context().run, query, pk) for query, pk in partitions]
        return [future.result() for future in futures]


def _query_ids(gsi1pks: Iterable[str], *, gsi2pks: Iterable[str] = ()) -> list[str]:
    """The household ids of these gsi1 and gsi2 partitions, sorted. The partitions are queried in parallel
    (bounded): a city's million ids one shard after another is a minute of round trips in Prepare."""

    def of_year(gsi2pk: str) -> list[str]:
        # keys only: the household id is the entry's sort key
        return [str(item.gsi2sk) for item in HouseholdCaseModel.of_year.query(gsi2pk)]

    def one(gsi1pk: str) -> list[str]:
        # the ids only: a shard's every case read, parsed and inflated to learn its ids was most of a rerun
        items = HouseholdCaseModel.by_change.query(gsi1pk, attributes_to_get=["household_id"])
        return [item.household_id for item in items]

    partitions = [(one, pk) for pk in gsi1pks] + [(of_year, pk) for pk in gsi2pks]
    ids: set[str] = set()
    for found in parallel(partitions):
        ids.update(found)
    return sorted(ids)


def changed_cases(fiscal_year: int, since: str | None) -> dict[str, str | None]:
    """household → change id, for the year's cases written after `since` (ISO, UTC; None: every case the
    pending index holds) — the shards queried in parallel, their entries' ids only."""

    def one(gsi1pk: str) -> list[tuple[str, str | None]]:
        after = None if since is None else HouseholdCaseModel.gsi1sk > since
        items = HouseholdCaseModel.by_change.query(gsi1pk, after, attributes_to_get=["household_id", "change_id"])
        return [(item.household_id, item.change_id) for item in items]

    out: dict[str, str | None] = {}
    for found in parallel([(one, _gsi1pk(fiscal_year, s)) for s in range(CASE_SHARDS)]):
        out.update(found)
    return out


def pending_household_ids(fiscal_year: int) -> list[str]:
    """Every household of the year whose case change its latest version has not assessed, sorted — a view
    for checks and tools (a query a household): a run reads only what changed since its cut."""
    from kokuho.records.assessments import latest_version

    return sorted(h for h, change in changed_cases(fiscal_year, None).items()
                  if change is None or (v := latest_version(h, fiscal_year, ["c"])) is None or v.c != change)


def changed_household_ids(fiscal_year: int, since: datetime | None) -> list[str]:
    """Households of the fiscal year whose case changed strictly after `since` (None: all), sorted.

    Informational (the callers' stamps): the assessment selects by `changed_cases` and the versions' change
    ids. Every household: gsi2's year, and gsi1's partitions for cases written before gsi2 existed; changed
    since: their cases' stamps read.
    """
    ids = _query_ids((_gsi1pk(fiscal_year, s, assessed=a) for s in range(CASE_SHARDS) for a in (False, True)),
                     gsi2pks=(_gsi2pk(fiscal_year, s) for s in range(CASE_SHARDS)))
    if since is None:
        return ids
    after = _iso(since)
    items = batch_get(HouseholdCaseModel, (HouseholdCaseModel.key(h, fiscal_year) for h in ids),
                      attributes=["household_id", "changed_at"])
    return sorted(i.household_id for i in items.values() if str(i.changed_at) > after)
