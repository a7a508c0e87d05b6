"""pynamodb models of the benefit run's items and the DynamoDB adapter of `kokuho.benefits.benefit_ports`.

Items in the "receipts" table (the benefits area's table on the personal-data key; ids are surrogate ids, never a
My Number or a name):

| item | pk | sk |
|---|---|---|
| benefit version of a household-month | HH#<household> | BENEFIT#<YYYY-MM>#V<0001> |
| its latest-version pointer | HH#<household> | BLATEST#<YYYY-MM> |
| a run | BRUN#<run id> | RUN |
| a batch of a run (household ids, outcome) | BRUN#<run id> | BATCH#<batch id> |

A version is put once (attribute_not_exists) with its pointer, conditional on the version it replaces, and the
access record of the household's persons, in one transaction. Read: households, persons and incomes from the
qualification table, receipts per person-month from this table, carried-over months from the federation table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError

from kokuho.benefits.benefit_month import counts_of_version
from kokuho.benefits.benefit_ports import (
    HouseholdFacts,
    MemberSpan,
    NewVersion,
    Pointer,
    RunRecord,
    WriteConflict,
    label,
)
from kokuho.benefits.receipt_file import Month
from kokuho.benefits.receipt_ports import InsuredPeriod
from kokuho.records.base import RecordsAccess, TableModel, table_meta, transaction_or
from kokuho.records.receipts import PersonMonthModel, _receipt
from kokuho.records.receipts import _month_of as month_of

READ_CATEGORY = "レセプト情報・所得情報"
WRITE_CATEGORY = "給付情報 (高額療養費)"


class BenefitVersionModel(TableModel):
    Meta = table_meta("receipts")
    doc = JSONAttribute()

    @staticmethod
    def key(household_id: str, month: str, version: int) -> tuple[str, str]:
        return f"HH#{household_id}", f"BENEFIT#{month}#V{version:04d}"


class BenefitPointerModel(TableModel):
    Meta = table_meta("receipts")
    month = UnicodeAttribute()
    version = NumberAttribute()
    input_hash = UnicodeAttribute()
    run_id = UnicodeAttribute()
    benefit = NumberAttribute()
    difference = NumberAttribute()
    # a household ceiling paid: a 多数回 month (not the 外来特例 alone); absent on pointers written before it
    counts = BooleanAttribute(null=True)

    @staticmethod
    def key(household_id: str, month: str) -> tuple[str, str]:
        return f"HH#{household_id}", f"BLATEST#{month}"


def _counts(household_id: str, item: BenefitPointerModel) -> bool:
    """The pointer's 多数回 flag; for one written before the flag, judged from its version (one read, only for a
    month with a benefit; a pointer without its version counts when it pays, as it did then)."""
    if int(item.benefit) <= 0:
        return False
    if item.counts is not None:
        return bool(item.counts)
    try:
        doc = BenefitVersionModel.get(*BenefitVersionModel.key(household_id, item.month, int(item.version)),
                                      consistent_read=True).doc
    except DoesNotExist:
        return True
    return counts_of_version(dict(doc), int(item.benefit))


class BenefitRunModel(TableModel):
    Meta = table_meta("receipts")
    run_month = UnicodeAttribute()
    passes = NumberAttribute(default=0)
    batches = JSONAttribute(default=list)  # batch ids of the latest pass
    status = UnicodeAttribute(default="started")
    summary = JSONAttribute(null=True)
    last_execution = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)


class BenefitBatchModel(TableModel):
    Meta = table_meta("receipts")
    household_ids = JSONAttribute(default=list)
    outcome = JSONAttribute(null=True)


def _run_key(run_id: str) -> tuple[str, str]:
    return f"BRUN#{run_id}", "RUN"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class DynamoBenefitStore(RecordsAccess):
    """`kokuho.benefits.benefit_ports.BenefitStore` on the receipts table (and the qualification and federation
    tables, read)."""

    CATEGORY = READ_CATEGORY

    # --- runs and batches ----------------------------------------------------------------------------
    def start_pass(self, run_id: str, *, run_month: str, execution_name: str) -> int:
        pk, sk = _run_key(run_id)
        try:
            BenefitRunModel(pk, sk, run_month=run_month).save(condition=BenefitRunModel.pk.does_not_exist())
        except PutError:  # the run exists: this is a further pass of it
            pass
        item = BenefitRunModel(pk, sk)
        item.update(actions=[BenefitRunModel.passes.add(1), BenefitRunModel.status.set("started"),
                             BenefitRunModel.last_execution.set(execution_name),
                             BenefitRunModel.updated_at.set(_now())])
        return int(item.passes)

    def put_batches(self, run_id: str, batches: Sequence[tuple[str, list[str]]]) -> None:
        pk, _ = _run_key(run_id)
        with BenefitBatchModel.batch_write() as writer:
            for batch_id, ids in batches:
                writer.save(BenefitBatchModel(pk, f"BATCH#{batch_id}", household_ids=list(ids)))
        BenefitRunModel(*_run_key(run_id)).update(actions=[BenefitRunModel.batches.set([b for b, _ in batches])])

    def batch_households(self, run_id: str, batch_id: str) -> list[str]:
        item = BenefitBatchModel.get(f"BRUN#{run_id}", f"BATCH#{batch_id}", consistent_read=True)
        return [str(h) for h in item.household_ids]

    def save_outcome(self, run_id: str, batch_id: str, outcome: dict[str, Any]) -> None:
        BenefitBatchModel(f"BRUN#{run_id}", f"BATCH#{batch_id}").update(
            actions=[BenefitBatchModel.outcome.set(outcome)])

    def outcomes(self, run_id: str) -> dict[str, dict[str, Any]]:
        return {i.sk.removeprefix("BATCH#"): dict(i.outcome) for i in BenefitBatchModel.query(
            f"BRUN#{run_id}", BenefitBatchModel.sk.startswith("BATCH#"), consistent_read=True)
            if i.outcome is not None}

    def get_run(self, run_id: str) -> RunRecord:
        i = BenefitRunModel.get(*_run_key(run_id), consistent_read=True)
        return RunRecord(run_id, i.run_month, int(i.passes), [str(b) for b in i.batches or []], i.status,
                         dict(i.summary) if i.summary else None)

    def finish_run(self, run_id: str, *, status: str, summary: dict[str, Any]) -> None:
        BenefitRunModel(*_run_key(run_id)).update(actions=[
            BenefitRunModel.status.set(status), BenefitRunModel.summary.set(summary),
            BenefitRunModel.updated_at.set(_now())])

    # --- what the run reads ---------------------------------------------------------------------------
    def households_with_receipts(self, first: Month, last: Month, *, actor: Any, chain: str) -> list[str]:
        from kokuho.records.qualification import PersonModel, person_pk

        persons = {i.person_id for i in PersonMonthModel.scan(
            PersonMonthModel.pk.startswith("PERSON#")
            & PersonMonthModel.sk.between(f"MONTH#{label(first)}", f"MONTH#{label(last)}"),
            attributes_to_get=["pk", "sk", "person_id"])}
        self.record_reads(sorted(persons), actor=actor, chain=chain)
        keys = [(person_pk(p), "PROFILE") for p in sorted(persons)]
        return sorted({m.household_id for m in PersonModel.batch_get(keys, attributes_to_get=["pk", "household_id"])})

    def household_facts(self, household_ids: Sequence[str], first: Month, last: Month
                        ) -> dict[str, HouseholdFacts]:
        from kokuho.benefits.brackets import benefit_year
        from kokuho.records.linkage import CarryOverModel
        from kokuho.records.qualification import HouseholdModel, get_persons, household_pk, incomes_of, to_household

        households = {m.household_id: to_household(m) for m in HouseholdModel.batch_get(
            [(household_pk(h), "PROFILE") for h in dict.fromkeys(household_ids)])}
        everyone = sorted({x.person_id for h in households.values() for x in h.members}
                          | {h.householder_id for h in households.values()})
        persons = get_persons(everyone)
        years = range(benefit_year(first), benefit_year(last) + 1)
        incomes = {fy: incomes_of(everyone, fy) for fy in years}
        receipts: dict[str, dict[Month, tuple[Any, ...]]] = {}
        for p in everyone:
            receipts[p] = {month_of(i.service_month): tuple(_receipt(cast(dict[str, Any], d)) for d in i.receipts)
                           for i in PersonMonthModel.query(f"PERSON#{p}", PersonMonthModel.sk.between(
                               f"MONTH#{label(first)}", f"MONTH#{label(last)}"), consistent_read=True)}
        out: dict[str, HouseholdFacts] = {}
        for h, household in households.items():
            spans = tuple(MemberSpan(x.person_id, persons[x.person_id].birth_date, x.joined_on, x.left_on,
                                     tuple(InsuredPeriod(p.acquired_on, p.until) for p in persons[x.person_id].periods))
                          for x in household.members if x.person_id in persons)
            ids = {s.person_id for s in spans} | {household.householder_id}
            # the months a move within the prefecture carried over, kept under the householder who heads the
            # household here (the count is judged continuous on the NHI householder)
            carried = list(CarryOverModel.query(f"PERSON#{household.householder_id}",
                                                CarryOverModel.sk.startswith("KOGAKU#")))
            latest = {i.month: Pointer(int(i.version), i.input_hash, i.run_id, int(i.benefit), int(i.difference),
                                       _counts(h, i))
                      for i in BenefitPointerModel.query(f"HH#{h}", BenefitPointerModel.sk.startswith("BLATEST#"),
                                                         consistent_read=True)}
            moves = {c.moved_on[:7] for c in carried} | _moves_out(persons.get(household.householder_id),
                                                                   household.householder_id, first, last)
            out[h] = HouseholdFacts(
                h, household.householder_id, spans,
                {fy: {p: i for p, i in by.items() if p in ids} for fy, by in incomes.items()},
                {p: receipts.get(p, {}) for p in ids},
                frozenset(c.month for c in carried), frozenset(moves), latest)
        return out

    # --- what it writes -------------------------------------------------------------------------------
    def commit(self, versions: Sequence[NewVersion], *, persons: Sequence[str], actor: Any, chain: str) -> None:
        with transaction_or(WriteConflict) as tx:
            for v in versions:
                pk, sk = BenefitVersionModel.key(v.household_id, v.service_month, v.version)
                tx.save(BenefitVersionModel(pk, sk, doc=v.doc), condition=BenefitVersionModel.pk.does_not_exist())
                ppk, psk = BenefitPointerModel.key(v.household_id, v.service_month)
                pointer = BenefitPointerModel(ppk, psk, month=v.service_month, version=v.version,
                                              input_hash=v.input_hash, run_id=str(v.doc["run_id"]),
                                              benefit=v.benefit, difference=v.difference,
                                              counts=v.counts if v.counts is not None
                                              else counts_of_version(v.doc, v.benefit))
                tx.save(pointer, condition=BenefitPointerModel.pk.does_not_exist() if v.version == 1
                        else BenefitPointerModel.version == v.version - 1)
            self._record_access(actor, list(persons), WRITE_CATEGORY, "write", chain=chain, transaction=tx)

    def version_docs(self, household_id: str, month: str) -> list[dict[str, Any]]:
        return [dict(i.doc) for i in BenefitVersionModel.query(
            f"HH#{household_id}", BenefitVersionModel.sk.startswith(f"BENEFIT#{month}#"), consistent_read=True)]

    def benefit_months(self, household_id: str) -> list[str]:
        return sorted(i.month for i in BenefitPointerModel.query(
            f"HH#{household_id}", BenefitPointerModel.sk.startswith("BLATEST#"), consistent_read=True)
            if _counts(household_id, i))


def _moves_out(householder: Any, householder_id: str, first: Month, last: Month) -> set[str]:
    """The months first..last in which the householder moved out to a municipality of the prefecture (the 転出
    with its destination, kept in the loss or departure entry): the household goes on there, and in the month of
    the move each municipality applies half the ceiling (domain.md §2) — this city as the one moved from. Read
    only for a householder who left by a 転出 or holds no open insured period (a 擬制世帯主's departure)."""
    from kokuho.linkage.federation_ports import continues_in_prefecture
    from kokuho.records.qualification import HistoryModel

    periods = list(getattr(householder, "periods", ()) or ())
    left = any(p.lose_reason is not None and p.lose_reason.value == "move_out" for p in periods)
    if householder is not None and not left and any(p.until is None for p in periods):
        return set()
    since, until = label(first), label(last)
    return {str(h.cause_on)[:7] for h in HistoryModel.query(
        f"PERSON#{householder_id}", HistoryModel.sk.startswith("HIST#"),
        filter_condition=HistoryModel.kind.is_in("lose", "departed") & (HistoryModel.reason == "move_out"),
        consistent_read=True)
        if h.cause_on and since <= str(h.cause_on)[:7] <= until
        and continues_in_prefecture((h.detail or {}).get("to_municipality"))}


def get_run_summary(run_id: str) -> dict[str, Any] | None:
    try:
        i = BenefitRunModel.get(*_run_key(run_id), consistent_read=True)
    except DoesNotExist:
        return None
    return dict(i.summary) if i.summary else None
