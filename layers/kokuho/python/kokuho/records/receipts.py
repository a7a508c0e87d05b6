"""pynamodb models of the receipts table (レセプト) and the DynamoDB adapter of `kokuho.benefits.receipt_ports`.

Item layout in the "receipts" table (ids are surrogate ids, never a My Number or a name):

| item | pk | sk | gsi1pk / gsi1sk |
|---|---|---|---|
| person-month | PERSON#<person> | MONTH#<YYYY-MM> | — |
| receipt held for review | HELD#<review id> | HELD | HELD / <review id> |
| receipt file taken | RFILE#<file digest> | FILE | — |
| the run holding a file | RFILE#<file digest> | LEASE | — |

A person-month's receipts are one list, written with a condition on how many it held when read (so two writers
never lose a receipt); a held receipt is put once; every write of a file's run checks, in its transaction, that
the run still holds the file's lease (kokuho.benefits.receipt_intake rule 6). The insured periods are read from
the qualification table (the person's `periods`), consistently.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from pynamodb.attributes import JSONAttribute, ListAttribute, NumberAttribute, UnicodeAttribute

from kokuho.benefits.receipt_file import Month
from kokuho.benefits.receipt_ports import (
    RECEIPT_CATEGORY,
    HeldReceipt,
    InsuredPeriod,
    MonthWrite,
    PersonMonth,
    StoredReceipt,
    WriteConflict,
)
from kokuho.records.base import Gsi1, RecordsAccess, TableModel, table_meta, transaction_or
from kokuho.records.qualification import PersonModel, person_pk, to_person

HELD = "HELD"


def _month(m: Month) -> str:
    return f"{m[0]:04d}-{m[1]:02d}"


class PersonMonthModel(TableModel):
    Meta = table_meta("receipts")
    person_id = UnicodeAttribute()
    service_month = UnicodeAttribute()
    receipt_count = NumberAttribute()
    receipts = ListAttribute(of=JSONAttribute)

    @staticmethod
    def key(person_id: str, month: Month) -> tuple[str, str]:
        return f"PERSON#{person_id}", f"MONTH#{_month(month)}"


class HeldModel(TableModel):
    Meta = table_meta("receipts")
    person_id = UnicodeAttribute()
    service_month = UnicodeAttribute()
    receipt = JSONAttribute()
    reason = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    queue = Gsi1["HeldModel"]()

    @staticmethod
    def key(review_id: str) -> tuple[str, str]:
        return f"HELD#{review_id}", HELD


class ReceiptFileModel(TableModel):
    Meta = table_meta("receipts")
    outcome = JSONAttribute()

    @staticmethod
    def key(digest: str) -> tuple[str, str]:
        return f"RFILE#{digest}", "FILE"


class LeaseModel(TableModel):
    """The run holding a file now: its token (letters only: no run of digits reads as a My Number)."""

    Meta = table_meta("receipts")
    owner = UnicodeAttribute()
    taken_at = UnicodeAttribute()

    @staticmethod
    def key(digest: str) -> tuple[str, str]:
        return f"RFILE#{digest}", "LEASE"


def _doc(r: StoredReceipt) -> dict[str, Any]:
    return {"provider_code": r.provider_code, "setting": r.setting, "points": r.points, "total_cost": r.total_cost,
            "copay": r.copay, "file_digest": r.file_digest, "line": r.line}


def _receipt(d: dict[str, Any]) -> StoredReceipt:
    return StoredReceipt(str(d["provider_code"]), str(d["setting"]), int(d["points"]), int(d["total_cost"]),
                         int(d["copay"]), str(d["file_digest"]), int(d["line"]))


def _month_of(text: str) -> Month:
    y, m = text.split("-")
    return int(y), int(m)


class DynamoReceiptStore(RecordsAccess):
    """`kokuho.benefits.receipt_ports.ReceiptStore` on the receipts table (periods from the qualification table)."""

    CATEGORY = RECEIPT_CATEGORY

    def insured_periods(self, person_ids: Iterable[str]) -> dict[str, tuple[InsuredPeriod, ...]]:
        keys = [(person_pk(p), "PROFILE") for p in dict.fromkeys(person_ids)]
        out: dict[str, tuple[InsuredPeriod, ...]] = {}
        for item in PersonModel.batch_get(keys):  # the periods as the qualification records read them
            out[item.person_id] = tuple(InsuredPeriod(p.acquired_on, p.until) for p in to_person(item).periods)
        return out

    def person_months(self, keys: Iterable[tuple[str, Month]]) -> dict[tuple[str, Month], PersonMonth]:
        wanted = [PersonMonthModel.key(p, m) for p, m in dict.fromkeys(keys)]
        out: dict[tuple[str, Month], PersonMonth] = {}
        for i in PersonMonthModel.batch_get(wanted, consistent_read=True):  # all a run before this one wrote
            month = _month_of(i.service_month)
            out[(i.person_id, month)] = PersonMonth(i.person_id, month, tuple(
                _receipt(cast(dict[str, Any], d)) for d in i.receipts))
        return out

    def held_ids(self, review_ids: Iterable[str]) -> set[str]:
        keys = [HeldModel.key(r) for r in dict.fromkeys(review_ids)]
        return {i.pk.removeprefix("HELD#") for i in HeldModel.batch_get(keys, consistent_read=True,
                                                                        attributes_to_get=["pk", "sk"])}

    def take_lease(self, digest: str) -> str:
        owner = "".join(secrets.choice(string.ascii_lowercase) for _ in range(20))
        LeaseModel(*LeaseModel.key(digest), owner=owner, taken_at=datetime.now(UTC).isoformat()).save()
        return owner

    def holds_lease(self, digest: str, lease: str) -> bool:
        try:
            return bool(LeaseModel.get(*LeaseModel.key(digest), consistent_read=True).owner == lease)
        except LeaseModel.DoesNotExist:
            return False

    def apply(self, months: Sequence[MonthWrite], held: Sequence[HeldReceipt], *, actor: Any, chain: str,
              lease: str = "") -> None:
        persons = sorted({w.person_id for w in months} | {h.person_id for h in held})
        digests = {r.file_digest for w in months for r in w.receipts} | {h.receipt.file_digest for h in held}
        with transaction_or(WriteConflict) as tx:
            if lease:
                for digest in digests:
                    tx.condition_check(LeaseModel, *LeaseModel.key(digest), condition=LeaseModel.owner == lease)
            for w in months:
                pk, sk = PersonMonthModel.key(w.person_id, w.service_month)
                docs = [_doc(r) for r in w.receipts]
                if w.stored == 0:
                    tx.save(PersonMonthModel(pk, sk, person_id=w.person_id,
                                             service_month=_month(w.service_month), receipt_count=len(docs),
                                             receipts=docs), condition=PersonMonthModel.pk.does_not_exist())
                else:
                    tx.update(PersonMonthModel(pk, sk), actions=[
                        PersonMonthModel.receipts.set(PersonMonthModel.receipts.append(docs)),
                        PersonMonthModel.receipt_count.set(w.stored + len(docs))],
                        condition=PersonMonthModel.receipt_count == w.stored)
            for h in held:
                pk, sk = HeldModel.key(h.review_id)
                tx.save(HeldModel(pk, sk, person_id=h.person_id, service_month=_month(h.service_month),
                                  receipt=_doc(h.receipt), reason=h.reason, gsi1pk=HELD, gsi1sk=h.review_id),
                        condition=HeldModel.pk.does_not_exist())
            if persons:
                self._record_access(actor, persons, RECEIPT_CATEGORY, "write", chain=chain, transaction=tx)

    def receipt_file(self, digest: str) -> dict[str, Any] | None:
        try:
            return dict(ReceiptFileModel.get(*ReceiptFileModel.key(digest), consistent_read=True).outcome)
        except ReceiptFileModel.DoesNotExist:
            return None

    def mark_file(self, digest: str, outcome: dict[str, Any], *, lease: str = "") -> None:
        pk, sk = ReceiptFileModel.key(digest)
        if not lease:
            ReceiptFileModel(pk, sk, outcome=outcome).save()
            return
        with transaction_or(WriteConflict) as tx:
            tx.save(ReceiptFileModel(pk, sk, outcome=outcome))
            tx.delete(LeaseModel(*LeaseModel.key(digest)), condition=LeaseModel.owner == lease)

    def held_receipts(self) -> list[HeldReceipt]:
        return [HeldReceipt(i.gsi1sk, i.person_id, _month_of(i.service_month),
                            _receipt(cast(dict[str, Any], i.receipt)), i.reason) for i in HeldModel.queue.query(HELD)]
