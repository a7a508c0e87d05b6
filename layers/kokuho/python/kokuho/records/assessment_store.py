"""The DynamoDB/S3 adapter of the monthly assessment's store port (kokuho.assessment.ports.AssessmentStore).

Items as laid out in kokuho.records.assessments (runs, batch outcomes, versions) and
kokuho.records.household_cases (cases and their pending index); work lists in the work bucket; the
workflow's access records through kokuho.access.records.

A new version is its household's commit point: one conditional PutItem (version N written only if it does
not exist), and the ledger's charge: collection reads it from the latest version with a notice
(kokuho.records.ledger_charges), no copy is written. What follows the versions a chunk wrote — a 更正
downwards's overpayment mark on its ledger (kokuho.records.collection.mark_overpaid, rare), then the access
record of the writes — comes after them; a batch that dies in between leaves versions without it, and the
retry (or the pass that takes the batch again) writes it from the versions (`complete_followers`), in the
chain of the batch that wrote them, whose write records say whether it was written.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from kokuho.access.records import record_access, records_of_chain
from kokuho.assessment.ports import (
    AccessEntry,
    BatchRecord,
    ChangeMark,
    ChunkWrite,
    NewVersion,
    Pointer,
    RunRecord,
)
from kokuho.records import household_cases
from kokuho.records.assessments import (
    LATEST_FIELDS,
    AssessmentVersionModel,
    BatchOutcomeModel,
    RunModel,
    batch_get,
    batch_outcomes,
    get_work_list,
    last_completed_run,
    latest_version,
    put_work_list,
    versions_of,
)
from kokuho.records.collection import mark_overpaid

# From how many households Prepare reads their latest versions in parallel (threads have their own clients)
PARALLEL_FROM = 64


def _run_record(run: RunModel) -> RunRecord:
    return RunRecord(
        run_id=run.run_id, fiscal_year=int(run.fiscal_year), mode=run.mode, as_of_month=run.as_of_month,
        snapshot_at=run.snapshot_at, passes=int(run.passes or 0), households=int(run.households or 0),
        batches=int(run.batches or 0), provisional_rates=bool(run.provisional_rates),
        closed_years_pending=dict(run.closed_years_pending or {}), transferred=int(run.transferred or 0),
        status=run.status, summary=None if run.summary is None else dict(run.summary),
        completed_at=None if run.gsi1sk is None else str(run.gsi1sk).rpartition("#")[0])


def _run(run_id: str) -> RunModel:
    return RunModel(*RunModel.key(run_id))


def _version_item(new: NewVersion, run_id: str, batch_id: str, as_of_month: str, at: str,
                  change_id: str | None) -> AssessmentVersionModel:
    """The version's item (its document names its notice: the notice data is the version's, `notice_of`)."""
    return AssessmentVersionModel(
        AssessmentVersionModel.pk_of(new.household_id, new.fiscal_year), AssessmentVersionModel.sk_of(new.version),
        version=new.version, run_id=run_id, content_hash=new.content_hash, c=change_id, doc={
            "household_id": new.household_id, "fiscal_year": new.fiscal_year, "batch_id": batch_id,
            "as_of_month": as_of_month, "created_at": at, "result": new.result,
            "installments": new.installments, "diff": new.diff, "difference": new.difference,
            "refund": new.refund, "status": new.status, "decided": new.decided,
            "notice": new.notice_kind, "payer_id": new.payer_id,
        })


def _put_version(item: AssessmentVersionModel) -> bool:
    """The commit point: version N is written once (False: another writer wrote it first)."""
    try:
        item.save(condition=AssessmentVersionModel.pk.does_not_exist())
    except PutError as e:
        if e.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _pointer(item: AssessmentVersionModel) -> Pointer:
    return Pointer(int(item.version), str(item.content_hash), str(item.run_id), None, item.c)


class _Follow:
    """What follows versions: one per version (household, fiscal year, number, its notice and difference)."""

    def __init__(self, household_id: str, fiscal_year: int, version: int, doc: Mapping[str, Any]) -> None:
        self.household_id, self.fiscal_year, self.version = household_id, fiscal_year, version
        self.notice = doc.get("notice")
        self.difference = int(doc["difference"])


def _follow_of(new: NewVersion) -> _Follow:
    return _Follow(new.household_id, new.fiscal_year, new.version,
                   {"notice": new.notice_kind, "difference": new.difference})


class DynamoAssessmentStore:
    """AssessmentStore on the assessment table, the work bucket and the access-record table."""

    # -- runs

    def start_pass(self, run_id: str, *, fiscal_year: int, mode: str, as_of_month: str, snapshot_at: str,
                   execution_name: str, provisional_rates: bool) -> int:
        run = _run(run_id)
        run.update(actions=[RunModel.passes.add(1), RunModel.run_id.set(run_id),
                            RunModel.fiscal_year.set(fiscal_year), RunModel.mode.set(mode),
                            RunModel.as_of_month.set(as_of_month), RunModel.status.set("started"),
                            RunModel.snapshot_at.set(snapshot_at), RunModel.execution_name.set(execution_name),
                            RunModel.provisional_rates.set(provisional_rates)])
        return int(run.passes)

    def set_pass_work(self, run_id: str, *, batches: int, households: int, work_list_key: str,
                      closed_years_pending: dict[str, int]) -> None:
        _run(run_id).update(actions=[RunModel.batches.set(batches), RunModel.households.set(households),
                                     RunModel.work_list_key.set(work_list_key),
                                     RunModel.closed_years_pending.set(closed_years_pending)])

    def get_run(self, run_id: str) -> RunRecord:
        return _run_record(RunModel.get(*RunModel.key(run_id), consistent_read=True))

    def last_completed_run(self, fiscal_year: int) -> RunRecord | None:
        run = last_completed_run(fiscal_year)
        return None if run is None else _run_record(run)

    def completed_runs_since(self, fiscal_year: int, since: str) -> list[RunRecord]:
        return [_run_record(r) for r in RunModel.completed.query(f"RUNS#FY#{fiscal_year}", RunModel.gsi1sk >= since)]

    def finish_run(self, run: RunRecord, *, status: str, summary: dict[str, Any], completed: bool) -> None:
        actions: list[Any] = [RunModel.status.set(status), RunModel.summary.set(summary)]
        if completed:
            actions += [RunModel.gsi1pk.set(f"RUNS#FY#{run.fiscal_year}"),
                        RunModel.gsi1sk.set(f"{run.snapshot_at}#{run.run_id}")]
        _run(run.run_id).update(actions=actions)

    def set_transferred(self, run_id: str, versions: int) -> None:
        _run(run_id).update(actions=[RunModel.transferred.set(versions)])

    # -- batches

    def batch_outcomes(self, run_id: str) -> Iterator[BatchRecord]:
        return (BatchRecord(item.status, dict(item.outcome)) for item in batch_outcomes(run_id))

    def save_outcome(self, run_id: str, batch_id: str, outcome: dict[str, Any]) -> None:
        pk, sk = BatchOutcomeModel.key(run_id, batch_id)
        BatchOutcomeModel(pk, sk, run_id=run_id, batch_id=batch_id, status="ok", outcome=outcome).save()

    def save_failure(self, run_id: str, batch_id: str, outcome: dict[str, Any]) -> bool:
        pk, sk = BatchOutcomeModel.key(run_id, batch_id)
        try:
            BatchOutcomeModel(pk, sk, run_id=run_id, batch_id=batch_id, status="failed", outcome=outcome).save(
                condition=BatchOutcomeModel.pk.does_not_exist() | (BatchOutcomeModel.status == "failed"))
        except PutError:
            return False
        return True

    # -- work lists

    def put_work_list(self, name: str, batches: list[dict[str, Any]]) -> tuple[str, str]:
        return put_work_list(name, batches)

    def get_work_list(self, name: str) -> list[dict[str, Any]] | None:
        return get_work_list(name)

    # -- household cases

    def every_household(self, fiscal_year: int) -> list[str]:
        return household_cases.changed_household_ids(fiscal_year, None)

    def changed_cases(self, fiscal_year: int, since: str | None) -> dict[str, str | None]:
        return household_cases.changed_cases(fiscal_year, since)

    def assessed_changes(self, household_ids: Sequence[str], fiscal_year: int) -> dict[str, str | None]:
        # Prepare's check of a month's changed cases: a query each, in a bounded pool (a few in turn)
        ids = list(household_ids)
        if len(ids) < PARALLEL_FROM:
            parts = [self.latest_pointers(ids, fiscal_year)]
        else:
            step = -(-len(ids) // household_cases.QUERY_THREADS)
            parts = household_cases.parallel([(lambda part: self.latest_pointers(part, fiscal_year), ids[i:i + step])
                                              for i in range(0, len(ids), step)])
        return {h: p.change_id for part in parts for h, p in part.items()}

    def cases_for_assessment(self, household_ids: Iterable[str], fiscal_year: int, *, latest: bool = True
                             ) -> dict[str, tuple[dict[str, Any], ChangeMark]]:
        cases = household_cases.get_cases_for_assessment(household_ids, fiscal_year)
        pointers = self.latest_pointers(sorted(cases), fiscal_year) if latest else {}
        return {h: (case, ChangeMark(change_id, pointers.get(h))) for h, (case, change_id) in cases.items()}

    # -- versions

    def latest_pointers(self, household_ids: Sequence[str], fiscal_year: int) -> dict[str, Pointer]:
        # a query a household (one item each): the latest version is the last of its key's range
        return {h: _pointer(item) for h in household_ids
                if (item := latest_version(h, fiscal_year, LATEST_FIELDS)) is not None}

    def version_docs(self, versions: Sequence[tuple[str, int]], fiscal_year: int) -> dict[str, dict[str, Any]]:
        keys = [(AssessmentVersionModel.pk_of(h, fiscal_year), AssessmentVersionModel.sk_of(v)) for h, v in versions]
        if not keys:
            return {}
        return {pk.split("#")[1]: dict(i.doc)
                for (pk, _), i in batch_get(AssessmentVersionModel, keys, attributes=["doc"]).items()}

    def run_versions(self, household_ids: Sequence[str], fiscal_year: int, run_id: str
                     ) -> dict[str, list[tuple[int, int, int]]]:
        out: dict[str, list[tuple[int, int, int]]] = {}
        for h in household_ids:
            mine = [(int(v.version), v.difference, v.refund) for v in versions_of(h, fiscal_year) if v.run_id == run_id]
            if mine:
                out[h] = mine
        return out

    def commit(self, chunk: ChunkWrite) -> list[str]:
        written: list[NewVersion] = []
        lost: list[NewVersion] = []
        for new in chunk.versions:
            item = _version_item(new, chunk.run_id, chunk.batch_id, chunk.as_of_month, chunk.at,
                                 chunk.changes.get(new.household_id))
            (written if _put_version(item) else lost).append(new)
        if written:
            self._follow([_follow_of(new) for new in written], chunk.access)
        return [new.household_id for new in lost]

    def _follow(self, versions: Sequence[_Follow], access: AccessEntry) -> None:
        """The ledger's charge of each version (one conditional write each, written once a version: a retry
        writes nothing twice), then the write record naming the versions' households — the last: it says
        that what follows them was written (`complete_followers`)."""
        for v in versions:
            # the ledger's charge is the version's (collection reads it: kokuho.records.ledger_charges); a 更正
            # that lowers the premium puts the ledger in the overpayment run's queue. 仮 (provisional rates):
            # stored and shown, no notice and no charge until confirmed
            if v.notice is not None and v.difference < 0:
                mark_overpaid(v.household_id, v.fiscal_year)
        record_access(access.actor, [v.household_id for v in versions], access.category, access.operation,
                      chain=access.chain, indexed_by_chain=True)

    def complete_followers(self, marks: Mapping[str, ChangeMark], fiscal_year: int, access: AccessEntry) -> int:
        held = {h: m.pointer for h, m in marks.items() if m.pointer is not None}
        if not held:
            return 0
        docs = self.version_docs([(h, p.version) for h, p in held.items()], fiscal_year)
        by_chain: dict[str, list[_Follow]] = {}
        for h, p in held.items():
            doc = docs[h]
            by_chain.setdefault(f"{p.run_id}#{doc['batch_id']}", []).append(_Follow(h, fiscal_year, p.version, doc))
        missing = 0
        for chain, versions in by_chain.items():
            # the chain of the batch that wrote the versions: its write records name those followed
            recorded = {s for r in records_of_chain(chain) if r.operation == "write" for s in r.subject_ids}
            todo = [v for v in versions if v.household_id not in recorded]
            if todo:
                self._follow(todo, AccessEntry(access.actor, [], access.category, access.operation, chain))
                missing += len(todo)
        return missing

    def note_assessed(self, marks: Mapping[str, ChangeMark], fiscal_year: int) -> None:
        for h, mark in marks.items():
            if mark.pointer is None or mark.change_id is None:
                continue
            target = AssessmentVersionModel(AssessmentVersionModel.pk_of(h, fiscal_year),
                                            AssessmentVersionModel.sk_of(mark.pointer.version))
            try:
                target.update(actions=[AssessmentVersionModel.c.set(mark.change_id)],
                              condition=AssessmentVersionModel.pk.exists())
            except UpdateError as e:
                if e.cause_response_code != "ConditionalCheckFailedException":
                    raise

    def record_access(self, entry: AccessEntry) -> bool:
        # record_access retries a concurrent append to the chain (a duplicate of this batch) and raises
        # after that, so Step Functions retries the batch.
        record = record_access(entry.actor, entry.subject_ids, entry.category, entry.operation, chain=entry.chain)
        return record.seq == 1
