"""The pensions the insurers notify (特別徴収対象者情報) in the "qualification" table: the DynamoDB adapter of
`kokuho.collection.pension_ports.PensionStore`.

- PERSON#<person id> / PENSION#<fiscal year>   the person's pension of the year: insurer code, 年金コード,
                                               基礎年金番号 (an attribute: keys are surrogate ids only, and
                                               CloudTrail logs key values), 年額, the file and line
- INTAKE#pension#<sha256> / LINE#<n>           line n applied, in the transaction that stored its record
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from kokuho.access.records import record_access
from kokuho.collection.pension_ports import PensionMark, PensionRecord
from kokuho.qualification.ports import StoreConflict
from kokuho.records.base import TableModel, table_meta, transaction_or
from kokuho.records.intake_files import AppliedLineModel, line_marker
from kokuho.records.qualification import person_pk

CATEGORY = "年金情報"  # the access records' category of these reads and writes
SUBJECTS_PER_RECORD = 100


class PensionModel(TableModel):
    Meta = table_meta("qualification")
    insurer_code = UnicodeAttribute()
    pension_code = UnicodeAttribute()
    basic_pension_number = UnicodeAttribute()
    annual = NumberAttribute()
    source = UnicodeAttribute()
    stop_from = UnicodeAttribute(null=True)  # the insurer's 中止通知 (null: none)
    stop_reason = UnicodeAttribute(null=True)

    @staticmethod
    def key(person_id: str, fiscal_year: int) -> tuple[str, str]:
        return person_pk(person_id), f"PENSION#{fiscal_year}"


def _record(item: PensionModel) -> PensionRecord:
    return PensionRecord(item.pk.removeprefix("PERSON#"), int(item.sk.removeprefix("PENSION#")), item.insurer_code,
                         item.pension_code, item.basic_pension_number, int(item.annual), item.source,
                         item.stop_from, item.stop_reason)


class DynamoPensionStore:
    """PensionStore on the qualification table (the care and income records' table: the person's file)."""

    def put_pensions(self, records: Sequence[PensionRecord], marks: Sequence[PensionMark], *, actor: Any) -> None:
        with transaction_or(StoreConflict) as tx:
            for r in records:
                tx.save(PensionModel(*PensionModel.key(r.person_id, r.fiscal_year), insurer_code=r.insurer_code,
                                     pension_code=r.pension_code, basic_pension_number=r.basic_pension_number,
                                     annual=r.annual, source=r.source, stop_from=r.stop_from,
                                     stop_reason=r.stop_reason))
            for m in marks:
                tx.save(line_marker(m.kind, m.digest, m.line), condition=AppliedLineModel.pk.does_not_exist())
            record_access(actor, sorted({r.person_id for r in records}), CATEGORY, "write", transaction=tx)

    def pensions(self, person_ids: Iterable[str], fiscal_year: int, *, actor: Any) -> dict[str, PensionRecord]:
        ids = list(dict.fromkeys(person_ids))
        if not ids:
            return {}
        found = {r.person_id: r for r in map(_record, PensionModel.batch_get(
            [PensionModel.key(p, fiscal_year) for p in ids]))}
        for first in range(0, len(ids), SUBJECTS_PER_RECORD):
            record_access(actor, ids[first:first + SUBJECTS_PER_RECORD], CATEGORY, "read",
                          chain=f"pension#{fiscal_year}")
        return found
