"""The DynamoDB/S3 adapter of the monthly assessment's store port (kokuho.assessment.ports.AssessmentStore).

Items as laid out in kokuho.records.assessments (runs, batch outcomes, versions, notices) and
kokuho.records.household_cases (cases, their assessed marks and latest-version pointers); work lists in
the work bucket; the workflow's access records through kokuho.access.records, in the batch's own transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from pynamodb.exceptions import PutError
from pynamodb.transactions import TransactWrite

from kokuho.access.records import record_access
from kokuho.assessment.ports import (
    AccessEntry,
    BatchRecord,
    ChangeMark,
    ChunkWrite,
    NewVersion,
    Pointer,
    RunRecord,
    WriteConflict,
)
from kokuho.collection.ledger import charge_from_version
from kokuho.records import household_cases
from kokuho.records.assessments import (
    AssessmentVersionModel,
    BatchOutcomeModel,
    RunModel,
    VersionDocsModel,
    batch_get,
    batch_outcomes,
    get_work_list,
    last_completed_run,
    put_work_list,
)
from kokuho.records.base import transaction_or
from kokuho.records.collection import add_charge, existing_ledgers


def _run_record(run: RunModel) -> RunRecord:
    return RunRecord(
        run_id=run.run_id, fiscal_year=int(run.fiscal_year), mode=run.mode, as_of_month=run.as_of_month,
        snapshot_at=run.snapshot_at, passes=int(run.passes or 0), households=int(run.households or 0),
        batches=int(run.batches or 0), provisional_rates=bool(run.provisional_rates),
        closed_years_pending=dict(run.closed_years_pending or {}), transferred=int(run.transferred or 0),
        status=run.status, summary=None if run.summary is None else dict(run.summary))


def _run(run_id: str) -> RunModel:
    return RunModel(*RunModel.key(run_id))


def _version_item(new: NewVersion, chunk: ChunkWrite) -> AssessmentVersionModel:
    """The version's item (its document names its notice: the notice data is the version's, `notice_of`)."""
    return AssessmentVersionModel(
        AssessmentVersionModel.pk_of(new.household_id, new.fiscal_year), AssessmentVersionModel.sk_of(new.version),
        version=new.version, run_id=chunk.run_id, content_hash=new.content_hash, doc={
            "household_id": new.household_id, "fiscal_year": new.fiscal_year, "batch_id": chunk.batch_id,
            "as_of_month": chunk.as_of_month, "created_at": chunk.at, "result": new.result,
            "installments": new.installments, "diff": new.diff, "difference": new.difference,
            "refund": new.refund, "status": new.status, "decided": new.decided,
            "notice": new.notice_kind, "payer_id": new.payer_id,
        })


def _add_charge(tx: TransactWrite, new: NewVersion, opened: set[tuple[str, int]]) -> None:
    """The ledger (調定) follows the version in its transaction: billed from this version on. A first
    charge (決定通知) creates the ledger, unless `opened` says the pension run opened it already (仮徴収)."""
    if new.notice_kind is None:
        return  # 仮 (provisional rates): stored and shown, no notice and no charge until the rates are confirmed
    add_charge(tx, charge_from_version(new.household_id, new.fiscal_year, version=new.version, payer_id=new.payer_id,
                                       annual=int(new.result["annual"]), installments=new.installments),
               decreased=new.difference < 0,
               first=new.notice_kind == "決定通知" and (new.household_id, new.fiscal_year) not in opened)


def _put_docs(items: Sequence[AssessmentVersionModel], run_id: str, batch_id: str) -> str:
    """The chunk's version items' content in one VDOCS item; returns the key its pointers name (`lk`)."""
    token = secrets.token_hex(8)
    VersionDocsModel(VersionDocsModel.pk_of(run_id, batch_id), token, docs={
        # the documents as they are (compressed together: far smaller than each deflated on its own)
        str(i.doc["household_id"]): {"v": int(i.version), "r": i.run_id, "h": i.content_hash, "d": i.doc}
        for i in items}).save()
    return f"{batch_id}#{token}"


def _write_versions(items: Sequence[AssessmentVersionModel]) -> None:
    """Version items whose pointers are committed: BatchWriteItem, 1 write unit each (not 2 in the
    transaction). No condition is needed — the transaction that moved the pointer to N made this writer
    the only one of version N (a duplicate or a retry writes the same content from the same VDOCS item)."""
    with AssessmentVersionModel.batch_write() as batch:
        for item in items:
            batch.save(item)


class DynamoAssessmentStore:
    """AssessmentStore on the assessment table, the work bucket and the access-record table."""

    def __init__(self) -> None:
        # ledgers found open when a first charge expected none (the pension run's 仮徴収 opens one before
        # the 本算定): their charge is then an update that keeps the pension state. Learnt from a failed
        # commit, so a batch reads no ledger on its way (ledgers are not deleted while a year is assessed).
        self._opened: set[tuple[str, int]] = set()

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

    def pending_households(self, fiscal_year: int) -> list[str]:
        return household_cases.pending_household_ids(fiscal_year)

    def cases_for_assessment(self, household_ids: Iterable[str], fiscal_year: int
                             ) -> dict[str, tuple[dict[str, Any], ChangeMark]]:
        return household_cases.get_cases_for_assessment(household_ids, fiscal_year)

    # -- versions

    def latest_pointers(self, household_ids: Sequence[str], fiscal_year: int) -> dict[str, Pointer]:
        return household_cases.latest_pointers(household_ids, fiscal_year)

    def version_docs(self, versions: Sequence[tuple[str, int]], fiscal_year: int) -> dict[str, dict[str, Any]]:
        keys = [(AssessmentVersionModel.pk_of(h, fiscal_year), AssessmentVersionModel.sk_of(v)) for h, v in versions]
        if not keys:
            return {}
        return {pk.split("#")[1]: dict(i.doc)
                for (pk, _), i in batch_get(AssessmentVersionModel, keys, attributes=["doc"]).items()}

    def commit(self, chunk: ChunkWrite) -> None:
        marks = dict(chunk.assessed)
        missing = [new.household_id for new in chunk.versions if new.household_id not in marks]
        if missing:  # the case item holds the pointer: a version is written with its case's mark
            raise ValueError(f"no case mark for the new version of {missing[0]}")
        items = [_version_item(new, chunk) for new in chunk.versions]
        # the versions' content first (its own item, outside the transaction: one write unit a KB), then the
        # transaction that commits them (pointers, ledger, marks, access record), then their items
        docs_key = _put_docs(items, chunk.run_id, chunk.batch_id) if items else None
        try:
            self._commit(chunk, marks, docs_key)
        except WriteConflict:
            firsts = [(n.household_id, n.fiscal_year) for n in chunk.versions
                      if n.notice_kind == "決定通知" and (n.household_id, n.fiscal_year) not in self._opened]
            if firsts:
                self._opened.update(existing_ledgers(firsts))
            raise
        _write_versions(items)

    def _commit(self, chunk: ChunkWrite, marks: dict[str, ChangeMark], docs_key: str | None) -> None:
        with transaction_or(WriteConflict) as tx:
            pointers = {}
            for new in chunk.versions:
                _add_charge(tx, new, self._opened)
                pointers[new.household_id] = Pointer(new.version, new.content_hash, chunk.run_id,
                                                     (new.difference, new.refund))
            for h, mark in marks.items():
                household_cases.mark_assessed(tx, h, chunk.fiscal_year, mark, pointers.get(h),
                                              docs_key if h in pointers else None)
            if chunk.access is not None:
                a = chunk.access
                record_access(a.actor, a.subject_ids, a.category, a.operation, chain=a.chain, transaction=tx,
                              indexed_by_chain=a.indexed_by_chain)

    def complete_versions(self, marks: Mapping[str, ChangeMark], fiscal_year: int) -> int:
        # the pointers read whose version item is not there: written from their VDOCS item
        held = {h: m for h, m in marks.items() if m.pointer is not None and getattr(m.item, "lk", None)}
        keys = {h: (AssessmentVersionModel.pk_of(h, fiscal_year), AssessmentVersionModel.sk_of(m.pointer.version))
                for h, m in held.items() if m.pointer is not None}
        if not keys:
            return 0
        found = batch_get(AssessmentVersionModel, keys.values(), attributes=["pk"])
        missing = [h for h, k in keys.items() if k not in found]
        items = []
        for h in missing:
            mark = held[h]
            assert mark.pointer is not None
            batch_id, _, token = str(mark.item.lk).rpartition("#")
            docs = VersionDocsModel.get(VersionDocsModel.pk_of(mark.pointer.run_id, batch_id), token,
                                        consistent_read=True).docs
            entry = docs[h]
            if int(entry["v"]) != mark.pointer.version or entry["h"] != mark.pointer.content_hash:
                raise WriteConflict(f"the pending version of {h} is not the one its pointer names")
            items.append(AssessmentVersionModel(
                keys[h][0], keys[h][1], version=int(entry["v"]), run_id=str(entry["r"]),
                content_hash=str(entry["h"]), doc=dict(entry["d"])))
        _write_versions(items)
        return len(items)

    def record_access(self, entry: AccessEntry) -> bool:
        # record_access retries a concurrent append to the chain (a duplicate of this batch) and raises
        # after that, so Step Functions retries the batch.
        record = record_access(entry.actor, entry.subject_ids, entry.category, entry.operation, chain=entry.chain)
        return record.seq == 1
