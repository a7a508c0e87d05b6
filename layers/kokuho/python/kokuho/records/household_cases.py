"""賦課用世帯情報 — the household cases the assessment reads (their table items; the service contract
is kokuho.assessment.household_cases, which re-exports this).

Per (household, fiscal year): the interfaces.md premium case dict (`fiscal_year` + `household`), the
time it last changed, and a change id (fresh on every write). The qualification area calls
`put_household_case` whenever a registered change (取得・喪失, income, 世帯変更, …) affects a household,
passing its own TransactWrite so the case changes in the same transaction as the registration.

Exact selection (no wall clock): a written case is *pending* until an assessment marks it assessed —
in the very transaction that writes the assessment version, conditioned on the change id it read
(`mark_assessed`), which it records as the assessed one (`ac`): the case is pending while its change id
is another. A change written while a run is going on is therefore either assessed by that run (the
condition fails, the batch re-reads) or left pending for the next one (a new change id): picked up by
exactly one run, whatever the interleaving.

Two indexes (issue 14's write floor): gsi1 holds the pending cases only — every change puts the case in its
shard's partition, the mark takes it out (one index delete a household; moving the entry to an "assessed"
partition, as before, was a delete and a put) — so a monthly run's Prepare reads the pending ones only; gsi2
holds every case of the year by shard, keys only: written when the case is created and never again (a
mark or a change leaves its keys as they are, and a keys-only entry is only written when its keys change).
Cases marked before this stay in gsi1 — in the shard's "#A" partition (the first layout) or in the shard's
own with `ac`, the change id marked (the second) — and count as assessed there; the year's households are
gsi2's and those (cases without gsi2 keys are given them by their next write).

Contract (stable):
    put_household_case(household_id, case, *, changed_at, transaction=None) -> None
    get_household_case(household_id, fiscal_year) -> dict | None
    changed_household_ids(fiscal_year, since) -> list[str]   # since=None: every household of the year
    pending_household_ids(fiscal_year) -> list[str]           # changed and not yet assessed
    get_cases_for_assessment(household_ids, fiscal_year) -> {household: (case, change mark)}
    mark_assessed(transaction, household_id, fiscal_year, mark, pointer=None, docs_key=None) -> None
"""

from __future__ import annotations

import contextvars
import secrets
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from pynamodb.transactions import TransactWrite

from kokuho.assessment.ports import ChangeMark as ChangeMark  # the mark the assessment compares
from kokuho.assessment.ports import Pointer
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
    # The shard's pending partition (cases written before change ids existed count as pending: the first
    # run after the upgrade re-assesses them, finding them unchanged); "#A": where the first layout moved
    # assessed cases.
    return f"HHCASE#FY#{fiscal_year}#S{shard:02d}" + ("#A" if assessed else "")


def _gsi2pk(fiscal_year: int, shard: int) -> str:
    return f"HHCASE#FY#{fiscal_year}#S{shard:02d}"


def _pending(item: HouseholdCaseModel) -> bool:
    """Changed since an assessment last marked it: in gsi1's pending partition of its shard, and not marked
    there in place (`ac`, the change id an assessment marked, is not its change id)."""
    if item.gsi1pk is None or str(item.gsi1pk).endswith("#A"):
        return False
    return item.ac is None or item.ac != item.change_id


# the same test, on the index (pending_household_ids): entries of the shard partitions not marked as they are
_PENDING = HouseholdCaseModel.ac.does_not_exist() | (HouseholdCaseModel.ac != HouseholdCaseModel.change_id)


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
        gsi1pk=_gsi1pk(fy, case_shard(household_id)), gsi1sk=f"{at}#{household_id}",
        gsi2pk=_gsi2pk(fy, case_shard(household_id)), gsi2sk=household_id,
    )


_CASE_FIELDS = ("household_id", "fiscal_year", "case", "changed_at", "change_id", "gsi1pk", "gsi1sk", "gsi2pk",
                "gsi2sk")
_POINTER_FIELDS = ("lv", "lh", "lr", "ld", "lf", "lk")


def put_household_case(household_id: str, case: dict[str, Any], *, changed_at: datetime,
                       transaction: TransactWrite | None = None) -> None:
    """Store (replace) the case of a household for the case's fiscal year, stamped `changed_at`.

    An update of the case's own attributes, not a put: the item also holds the latest assessment
    version's pointer, which only the assessment writes."""
    item = _model(household_id, case, changed_at)
    actions = [getattr(HouseholdCaseModel, name).set(getattr(item, name)) for name in _CASE_FIELDS]
    target = HouseholdCaseModel(item.pk, item.sk)
    if transaction is not None:
        transaction.update(target, actions=actions)
    else:
        target.update(actions=actions)


def put_household_cases(cases: Iterable[tuple[str, dict[str, Any]]], *, changed_at: datetime) -> int:
    """Bulk form for loads (BatchWriteItem, 25 a request): returns the number stored. A case that holds
    a version pointer keeps it (read just before: a load, not to be run beside an assessment run)."""
    models = [_model(household_id, case, changed_at) for household_id, case in cases]
    held = {(i.pk, i.sk): i for i in batch_get(HouseholdCaseModel, ((m.pk, m.sk) for m in models),
                                               attributes=list(_POINTER_FIELDS)).values() if i.lv is not None}
    with HouseholdCaseModel.batch_write() as batch:
        for m in models:
            if (old := held.get((m.pk, m.sk))) is not None:
                for name in _POINTER_FIELDS:
                    setattr(m, name, getattr(old, name))
            batch.save(m)
    return len(models)


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
                             ) -> dict[str, tuple[dict[str, Any], ChangeMark]]:
    """Batch read: household id → (case, change mark), for the ids that have one."""
    items = batch_get(HouseholdCaseModel, (HouseholdCaseModel.key(h, fiscal_year) for h in household_ids))
    return {i.household_id: (dict(i.case), ChangeMark(i.change_id, _pending(i), i, pointer_of(i)))
            for i in items.values()}


def pointer_of(item: HouseholdCaseModel) -> Pointer | None:
    """The latest version's pointer the case item holds (None before the household's first version)."""
    if item.lv is None:
        return None
    return Pointer(int(item.lv), str(item.lh), str(item.lr), (int(item.ld or 0), int(item.lf or 0)))


def mark_assessed(transaction: TransactWrite, household_id: str, fiscal_year: int, mark: ChangeMark,
                  pointer: Pointer | None = None, docs_key: str | None = None) -> None:
    """Join the assessment's transaction: the case is assessed — only if it is still the change read —
    and, with `pointer`, its latest version is that one — only if the latest is still the one read.

    A change written since (or a version) makes the whole transaction fail; the caller re-reads and
    decides again. The item is put back as read, marked (`ac`: the change id assessed), out of gsi1 (no
    longer pending: one index delete) and with its gsi2 keys (the year's cases; unchanged, so no index
    write): every write draws a new change id, so an equal change id means equal content (and a put is far
    cheaper than an update on moto).
    """
    read = mark.item
    # (an equal change id implies the item exists; a case from before change ids must still exist)
    condition = (HouseholdCaseModel.change_id == mark.change_id if mark.change_id is not None
                 else HouseholdCaseModel.pk.exists() & HouseholdCaseModel.change_id.does_not_exist())
    # the pointer moves only from the version the new one replaces (without a new version: the one read);
    # a concurrent or stale writer of the household fails here
    replaced = (pointer.version - 1 if pointer.version > 1 else None) if pointer is not None else (
        None if mark.pointer is None else mark.pointer.version)
    condition &= (HouseholdCaseModel.lv.does_not_exist() if replaced is None else HouseholdCaseModel.lv == replaced)
    latest = pointer or mark.pointer
    pk, sk = HouseholdCaseModel.key(household_id, fiscal_year)
    shard = case_shard(household_id)
    item = HouseholdCaseModel(
        pk, sk, household_id=read.household_id, fiscal_year=read.fiscal_year, case=read.case,
        changed_at=read.changed_at, change_id=read.change_id, ac=read.change_id,
        gsi2pk=_gsi2pk(fiscal_year, shard), gsi2sk=household_id)
    if latest is not None:
        item.lv, item.lh, item.lr = latest.version, latest.content_hash, latest.run_id
        item.ld, item.lf = latest.figures or (0, 0)
        # where the new version's content waits until its item is written (kokuho.records.assessments)
        item.lk = docs_key if pointer is not None else read.lk
    transaction.save(item, condition=condition)


def latest_pointers(household_ids: Iterable[str], fiscal_year: int) -> dict[str, Pointer]:
    """household → the latest version's pointer, for those with a case and a version (a batch read)."""
    items = batch_get(HouseholdCaseModel, (HouseholdCaseModel.key(h, fiscal_year) for h in household_ids),
                      attributes=["household_id", "lv", "lh", "lr", "ld", "lf"])
    return {i.household_id: p for i in items.values() if (p := pointer_of(i)) is not None}


def _query_ids(gsi1pks: Iterable[str], *, pending: bool = False, gsi2pks: Iterable[str] = ()) -> list[str]:
    """The household ids of these gsi1 partitions (`pending`: only those not marked in place) and gsi2
    partitions, sorted. The partitions are queried in parallel (bounded): a city's million ids one shard
    after another is a minute of round trips in Prepare."""

    def of_year(gsi2pk: str) -> list[str]:
        # keys only: the household id is the entry's sort key
        return [str(item.gsi2sk) for item in HouseholdCaseModel.of_year.query(gsi2pk)]

    def one(gsi1pk: str) -> list[str]:
        # the ids only: a shard's every case read, parsed and inflated to learn its ids was most of a rerun
        items = HouseholdCaseModel.by_change.query(gsi1pk, filter_condition=_PENDING if pending else None,
                                                   attributes_to_get=["household_id"])
        return [item.household_id for item in items]

    partitions = [(one, pk) for pk in gsi1pks] + [(of_year, pk) for pk in gsi2pks]
    ids: set[str] = set()
    with ThreadPoolExecutor(max_workers=max(1, min(QUERY_THREADS, len(partitions)))) as pool:
        # each query in a copy of the caller's context: signed with its credentials (the run's data-role
        # session) and carrying its request ids, which are context variables a new thread does not inherit
        futures = [pool.submit(contextvars.copy_context().run, query, pk) for query, pk in partitions]
        for future in futures:
            ids.update(future.result())
    return sorted(ids)


def pending_household_ids(fiscal_year: int) -> list[str]:
    """Households of the fiscal year whose case changed and is not yet assessed, sorted."""
    return _query_ids((_gsi1pk(fiscal_year, s) for s in range(CASE_SHARDS)), pending=True)


def changed_household_ids(fiscal_year: int, since: datetime | None) -> list[str]:
    """Households of the fiscal year whose case changed strictly after `since` (None: all), sorted.

    Informational (wall-clock stamps): the assessment selects by `pending_household_ids`. Every household:
    gsi2's year, and gsi1's partitions for cases marked before gsi2 existed; changed since: their cases'
    stamps read (an assessed case is in gsi1 no longer).
    """
    ids = _query_ids((_gsi1pk(fiscal_year, s, assessed=a) for s in range(CASE_SHARDS) for a in (False, True)),
                     gsi2pks=(_gsi2pk(fiscal_year, s) for s in range(CASE_SHARDS)))
    if since is None:
        return ids
    after = _iso(since)
    items = batch_get(HouseholdCaseModel, (HouseholdCaseModel.key(h, fiscal_year) for h in ids),
                      attributes=["household_id", "changed_at"])
    return sorted(i.household_id for i in items.values() if str(i.changed_at) > after)
