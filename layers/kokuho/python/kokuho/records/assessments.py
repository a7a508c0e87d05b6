"""pynamodb models of the assessment table (賦課) and the work-list objects of the monthly run.

Item layout in the "assessment" table (generic keys pk/sk, gsi1pk/gsi1sk):

| item | pk | sk | gsi1pk / gsi1sk |
|---|---|---|---|
| case (賦課用世帯情報) | HHCASE#<household> | FY#<fy> | HHCASE#FY#<fy>#S<shard> / <written_at>#<hh> |
| assessment version (the commit point) | ASSESS#<household>#FY#<fy> | V#<version:04d> | — |
| run (<mode>-<fy>-<as_of_month>) | RUN#<run_id> | RUN | RUNS#FY#<fy> / <snapshot_at>#<run_id> (completed) |
| batch outcome | RUN#<run_id>#O<shard> | BATCH#<batch_id> | — |

Every write of a case puts its gsi1 entry in its shard's partition, sorted by when it was written (the
writer's clock, not the caller's `changed_at`) — nothing else writes or removes it, so a monthly run's Prepare
reads the entries written after the previous completed run's cut (less a margin: kokuho.assessment.selection)
instead of every case; the year's cases are gsi2's (`HHCASE#FY#<fy>#S<shard>` / `<household>`, keys only:
kokuho.platform.tables.CASES_OF_YEAR). The indexes are sharded (16 partition keys per fiscal year) so a
city-wide intake does not write one hot GSI partition.

The version item is the assessment's commit point (issue 14): version N of a household and year is one
conditional PutItem (`attribute_not_exists`, one write unit a KB) — only one writer can write it, whatever
the interleaving; the latest version is found by a descending query on the version key (no pointer item to
move, no case rewritten, no pending entry deleted). It carries the case's change id it assessed (`c`): a
household whose case change id equals its latest version's is up to date. What follows a version (the
ledger's charge and the write access record, in one transaction) is written after it, and completed by a
retry or a later pass from the version itself when a batch died in between (kokuho.records.assessment_store).
(Until issue 14 the case item held the latest version's pointer and an assessed mark, rewritten in the
version's transaction, and the version's content waited in a `VDOCS` item a chunk; old cases keep those
attributes, which nothing reads.)
Documents are compact JSON (kokuho.records.base.CompactJSONAttribute; a case and a version's document
deflated too, CompressedJSONAttribute: each is written once a household and year in the annual run, and
a case item of under 1 KB is one write unit, its index entries one each) and a version's document keeps the
schedule once: `result.installments` is left out when equal to the version's `installments` (put back on
read), each installment a [due, amount] pair — every KB of an item is a write unit. The notice data (what
a 決定通知書 / 変更通知書 prints) is a projection of the version's document, which names the notice's kind
and payer (`notice_of`): there was a separate `NOTICE#` item per version until issue 14, the same figures
written twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from kokuho.platform.tables import BUCKETS_BY_LOGICAL, CASES_OF_YEAR, aws_region
from kokuho.records.base import CompressedJSONAttribute, Gsi1, TableModel, table_meta

CASE_SHARDS = 16


def case_shard(household_id: str) -> int:
    return int(hashlib.sha256(household_id.encode()).hexdigest()[:4], 16) % CASE_SHARDS


class CasesOfYear(GlobalSecondaryIndex["HouseholdCaseModel"]):
    """gsi2 of the assessment table (kokuho.platform.tables.CASES_OF_YEAR): a year's cases by shard, keys only."""

    class Meta:
        index_name = CASES_OF_YEAR.name
        projection = KeysOnlyProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class HouseholdCaseModel(TableModel):
    """賦課用世帯情報: the premium case of a household for a fiscal year, as last changed."""

    Meta = table_meta("assessment")
    household_id = UnicodeAttribute()
    fiscal_year = NumberAttribute()
    case = CompressedJSONAttribute()
    changed_at = UnicodeAttribute()
    change_id = UnicodeAttribute(null=True)  # fresh on every write; null on cases written before it existed
    # gsi1: every case by when it was last written (kokuho.records.household_cases: the pending index)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_change = Gsi1["HouseholdCaseModel"]()
    # gsi2 (keys only): the year's cases by shard, written once (a change keeps its keys)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    of_year = CasesOfYear()
    @staticmethod
    def key(household_id: str, fiscal_year: int) -> tuple[str, str]:
        return f"HHCASE#{household_id}", f"FY#{fiscal_year}"


class VersionDocAttribute(CompressedJSONAttribute):
    """A version's document, compact: the result's schedule stored once when it is the version's."""

    def serialize(self, value: Any) -> str | None:
        if value is None:
            return None
        result = value.get("result")
        if isinstance(result, dict) and result.get("installments") == value.get("installments"):
            value = {**value, "result": {k: v for k, v in result.items() if k != "installments"}}
        schedule = value.get("installments")
        if isinstance(schedule, list) and all(isinstance(i, dict) and set(i) == {"due", "amount"} for i in schedule):
            value = {**value, "installments": [[i["due"], i["amount"]] for i in schedule]}
        return super().serialize(value)

    def deserialize(self, value: str) -> Any:
        doc = super().deserialize(value)
        schedule = doc.get("installments")
        if isinstance(schedule, list) and all(isinstance(i, list) for i in schedule):
            doc["installments"] = [{"due": due, "amount": amount} for due, amount in schedule]
        result = doc.get("result")
        if isinstance(result, dict) and "installments" not in result and "installments" in doc:
            result["installments"] = [dict(i) for i in doc["installments"]]
        return doc


class AssessmentVersionModel(TableModel):
    """One version (版) of a household's annual assessment; never overwritten (conditional put).

    Few attributes on purpose (what conditions and lookups need); the rest is one JSON document.
    """

    Meta = table_meta("assessment")
    version = NumberAttribute()
    run_id = UnicodeAttribute()
    content_hash = UnicodeAttribute()
    # household_id, fiscal_year, batch_id, as_of_month, created_at, result (the premium engine's
    # output), installments (the schedule in force after this version: 更正 keeps the due ones),
    # diff (per part against the previous version), difference, refund, status (仮: provisional rates,
    # no notice; 確定), decided (a 決定通知 has been issued for this household and year)
    doc = VersionDocAttribute()
    # the case's change id this version assessed (kokuho.records.household_cases); a later run that finds the
    # case changed but the premium the same notes the newer change id here (nothing else of a version changes)
    c = UnicodeAttribute(null=True)

    @staticmethod
    def pk_of(household_id: str, fiscal_year: int) -> str:
        return f"ASSESS#{household_id}#FY#{fiscal_year}"

    @staticmethod
    def sk_of(version: int) -> str:
        return f"V#{version:04d}"

    @property
    def result(self) -> dict[str, Any]:
        return dict(self.doc["result"])

    @property
    def installments(self) -> list[dict[str, Any]]:
        return list(self.doc["installments"])

    @property
    def refund(self) -> int:
        return int(self.doc["refund"])

    @property
    def difference(self) -> int:
        return int(self.doc["difference"])

    @property
    def diff(self) -> dict[str, Any]:
        return dict(self.doc["diff"])

    @property
    def status(self) -> str:
        """仮 (from provisional rates, no notice issued) or 確定; versions stored before the status were 確定."""
        return str(self.doc.get("status", "確定"))


@dataclass(frozen=True)
class Notice:
    """通知 data: what the 決定通知書 (first decision) or 変更通知書 (更正) of a version prints.

    body: household_id, fiscal_year, version, as_of_month, reduction, parts, annual, installments,
    difference, refund, diff.
    """

    kind: str  # "決定通知" | "変更通知"
    payer_id: str  # the householder (擬制世帯主 included) receives the notice
    version: int
    body: dict[str, Any]


def notice_of(version: AssessmentVersionModel) -> Notice | None:
    """The notice a stored version issues (None: 仮, from provisional rates — or stored before issue 14)."""
    doc = version.doc
    if not doc.get("notice"):
        return None
    result = doc["result"]
    return Notice(str(doc["notice"]), str(doc["payer_id"]), int(version.version), {
        "household_id": doc["household_id"], "fiscal_year": doc["fiscal_year"], "version": int(version.version),
        "as_of_month": doc["as_of_month"], "reduction": result.get("reduction"), "parts": result["parts"],
        "annual": result["annual"], "installments": doc["installments"], "difference": doc["difference"],
        "refund": doc["refund"], "diff": doc["diff"]})


def notices_of(household_id: str, fiscal_year: int) -> list[Notice]:
    """The notices of a household's year, version by version."""
    return [n for v in versions_of(household_id, fiscal_year) if (n := notice_of(v)) is not None]


class RunModel(TableModel):
    """One run of the monthly/annual assessment: a mode, fiscal year and month; each execution for it
    is a pass (`passes` counts them; batch ids and work lists are per pass)."""

    Meta = table_meta("assessment")
    run_id = UnicodeAttribute()
    fiscal_year = NumberAttribute()
    mode = UnicodeAttribute()
    as_of_month = UnicodeAttribute()
    snapshot_at = UnicodeAttribute()  # when the latest pass was prepared
    execution_name = UnicodeAttribute(null=True)  # of the latest pass
    status = UnicodeAttribute()
    passes = NumberAttribute(default=0)
    households = NumberAttribute(default=0)  # of the latest pass
    batches = NumberAttribute(default=0)  # of the latest pass
    work_list_key = UnicodeAttribute(null=True)
    provisional_rates = BooleanAttribute(null=True)  # assessed on a rate file marked provisional (仮)
    closed_years_pending = JSONAttribute(null=True)  # {fy: changes past 国保法第110条の2's limit}
    transferred = NumberAttribute(null=True)  # versions of the run transferred to 介護保険課 so far
    summary = JSONAttribute(null=True)
    # set when a pass completes clean: the last completed run of the year (the provisional-rates rule)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    completed = Gsi1["RunModel"]()

    @staticmethod
    def key(run_id: str) -> tuple[str, str]:
        return f"RUN#{run_id}", "RUN"


# A run's batch outcomes are spread over this many partition keys: 10,000 outcomes of ≈ 4 KB within a Map phase
# of under a minute are ≈ 1,500 write units a second, over the 1,000 one partition takes.
OUTCOME_SHARDS = 16


class BatchOutcomeModel(TableModel):
    """What one batch of a run did (or that it failed, with its household ids)."""

    Meta = table_meta("assessment")
    run_id = UnicodeAttribute()
    batch_id = UnicodeAttribute()
    status = UnicodeAttribute()  # "ok" | "failed"
    # deflated: ten thousand outcomes of ≈ 7 KB of JSON each go to the run's one partition within the Map
    # phase, ≈ 1,100 write units a second at a million households — over the 1,000 a partition takes
    outcome = CompressedJSONAttribute()

    @staticmethod
    def key(run_id: str, batch_id: str) -> tuple[str, str]:
        shard = int(hashlib.sha256(batch_id.encode()).hexdigest()[:4], 16) % OUTCOME_SHARDS
        return f"RUN#{run_id}#O{shard:02d}", f"BATCH#{batch_id}"


def batch_outcomes(run_id: str) -> Iterator[BatchOutcomeModel]:
    """Every outcome of the run: its shards', and those stored under the run's own key before them."""
    for pk in [f"RUN#{run_id}", *(f"RUN#{run_id}#O{s:02d}" for s in range(OUTCOME_SHARDS))]:
        yield from BatchOutcomeModel.query(pk, BatchOutcomeModel.sk.startswith("BATCH#"), consistent_read=True)


def last_completed_run(fiscal_year: int) -> RunModel | None:
    for run in RunModel.completed.query(f"RUNS#FY#{fiscal_year}", scan_index_forward=False, limit=1):
        return run
    return None


def versions_of(household_id: str, fiscal_year: int) -> list[AssessmentVersionModel]:
    return list(AssessmentVersionModel.query(
        AssessmentVersionModel.pk_of(household_id, fiscal_year),
        AssessmentVersionModel.sk.startswith("V#"), consistent_read=True))


LATEST_FIELDS = ["version", "run_id", "content_hash", "c"]


def latest_version(household_id: str, fiscal_year: int, attributes: Sequence[str] | None = LATEST_FIELDS,
                   consistent: bool = False) -> AssessmentVersionModel | None:
    """The household's latest version of the year (a descending query on the version key, one item), or
    None. `attributes`: what to read of it (its document only when asked: the read units are the item's,
    the work of reading it is not)."""
    pk = AssessmentVersionModel.pk_of(household_id, fiscal_year)
    for item in AssessmentVersionModel.query(
            pk, AssessmentVersionModel.sk.startswith("V#"), scan_index_forward=False, limit=1,
            consistent_read=consistent,
            attributes_to_get=None if attributes is None else list(dict.fromkeys(["pk", "sk", *attributes]))):
        return item
    return None


def batch_get(model: type[Model], keys: Iterable[tuple[str, str]],
              attributes: Sequence[str] | None = None) -> dict[tuple[str, str], Any]:
    """BatchGetItem in chunks of 100 (pynamodb chunks and retries unprocessed keys); `attributes`
    projects (the keys are always included) — fewer bytes read, and far less work for moto."""
    attrs = list(dict.fromkeys(["pk", "sk", *attributes])) if attributes else None
    return {(getattr(item, "pk"), getattr(item, "sk")): item  # noqa: B009 - generic over models
            for item in model.batch_get(list(keys), attributes_to_get=attrs)}


# -- work lists in the work bucket ----------------------------------------------------------------

def _s3() -> Any:
    import boto3

    return boto3.client("s3", region_name=aws_region())


def put_work_list(name: str, batches: list[dict[str, Any]]) -> tuple[str, str]:
    """Write the pre-batched work list (a JSON array, one item per batch) read by the Distributed Map."""
    bucket, key = BUCKETS_BY_LOGICAL["work"].name(), f"runs/{name}/work-list.json"
    _s3().put_object(Bucket=bucket, Key=key, Body=json.dumps(batches).encode("utf-8"),
                     ContentType="application/json")
    return bucket, key


def get_work_list(name: str) -> list[dict[str, Any]] | None:
    """A work list written by `put_work_list`, or None if there is none."""
    try:
        body = _s3().get_object(Bucket=BUCKETS_BY_LOGICAL["work"].name(), Key=f"runs/{name}/work-list.json")["Body"]
    except _s3().exceptions.NoSuchKey:
        return None
    return list(json.loads(body.read()))
