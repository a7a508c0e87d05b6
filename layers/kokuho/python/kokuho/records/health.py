"""pynamodb models of the health table (保健事業) and the DynamoDB adapter of `kokuho.health.ports`.

Item layout in the "health" table (ids are surrogate ids, never a My Number or a name):

| item | pk | sk | gsi1pk / gsi1sk |
|---|---|---|---|
| 医療費通知 opt-out | PERSON#<person> | OPTOUT#MEDICAL_COST_NOTICE | — |
| 受診券 | PERSON#<person> | VOUCHER#<FY> | VOUCHER#<FY> / <整理番号> |
| the year's 整理番号 counter | COUNTER#VOUCHER#<FY> | COUNTER | — |
| attendance file taken | AFILE#<file digest> | FILE | — |
| the year's 受診率 (figures only) | RATES#<FY> | RATES | — |

A voucher is put only if the person has none of the year (so the April run, a rerun and the acquisition hook
never issue two), numbered from the year's counter in the same transaction; marked used only if still unused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

from kokuho.health.ports import CATEGORY, OptOut, Voucher, WriteConflict
from kokuho.records.base import Gsi1, RecordsAccess, TableModel, table_meta, transaction_or

OPTOUT_SK = "OPTOUT#MEDICAL_COST_NOTICE"


def person_pk(person_id: str) -> str:
    return f"PERSON#{person_id}"


class OptOutModel(TableModel):
    Meta = table_meta("health")
    person_id = UnicodeAttribute()
    opted_out = BooleanAttribute()
    received_on = UnicodeAttribute()
    recorded_by = UnicodeAttribute()


class VoucherModel(TableModel):
    Meta = table_meta("health")
    person_id = UnicodeAttribute()
    fiscal_year = NumberAttribute()
    number = UnicodeAttribute()
    issued_on = UnicodeAttribute()
    valid_from = UnicodeAttribute()
    valid_until = UnicodeAttribute()
    copay = NumberAttribute()
    source = UnicodeAttribute()
    used_on = UnicodeAttribute(null=True)
    used_file = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_year = Gsi1["VoucherModel"]()

    @staticmethod
    def key(person_id: str, fiscal_year: int) -> tuple[str, str]:
        return person_pk(person_id), f"VOUCHER#{fiscal_year}"


class CounterModel(TableModel):
    Meta = table_meta("health")
    next_number = NumberAttribute()

    @staticmethod
    def key(fiscal_year: int) -> tuple[str, str]:
        return f"COUNTER#VOUCHER#{fiscal_year}", "COUNTER"


class AttendanceFileModel(TableModel):
    Meta = table_meta("health")
    outcome = JSONAttribute()

    @staticmethod
    def key(digest: str) -> tuple[str, str]:
        return f"AFILE#{digest}", "FILE"


class RatesModel(TableModel):
    Meta = table_meta("health")
    doc = JSONAttribute()

    @staticmethod
    def key(fiscal_year: int) -> tuple[str, str]:
        return f"RATES#{fiscal_year}", "RATES"


def voucher_number(fiscal_year: int, sequence: int) -> str:
    """整理番号: the fiscal year and a sequence of the year (2026 + 0000001 → 20260000001)."""
    return f"{fiscal_year:04d}{sequence:07d}"


def _voucher(i: VoucherModel) -> Voucher:
    return Voucher(i.person_id, int(i.fiscal_year), i.number, date.fromisoformat(i.issued_on),
                   date.fromisoformat(i.valid_from), date.fromisoformat(i.valid_until), int(i.copay), i.source,
                   date.fromisoformat(i.used_on) if i.used_on else None, i.used_file)


class DynamoHealthStore(RecordsAccess):
    """`kokuho.health.ports.HealthStore` on the health table."""

    CATEGORY = CATEGORY

    def opt_outs(self, person_ids: Iterable[str]) -> dict[str, OptOut]:
        keys = [(person_pk(p), OPTOUT_SK) for p in dict.fromkeys(person_ids)]
        return {i.person_id: OptOut(i.person_id, bool(i.opted_out), date.fromisoformat(i.received_on),
                                    i.recorded_by) for i in OptOutModel.batch_get(keys)} if keys else {}

    def put_opt_out(self, opt_out: OptOut, *, actor: Any, chain: str) -> None:
        with transaction_or(WriteConflict) as tx:
            tx.save(OptOutModel(person_pk(opt_out.person_id), OPTOUT_SK, person_id=opt_out.person_id,
                                opted_out=opt_out.opted_out, received_on=opt_out.received_on.isoformat(),
                                recorded_by=opt_out.recorded_by))
            self._record_access(actor, [opt_out.person_id], CATEGORY, "write", chain=chain, transaction=tx)

    def vouchers(self, fiscal_year: int, person_ids: Iterable[str]) -> dict[str, Voucher]:
        keys = [VoucherModel.key(p, fiscal_year) for p in dict.fromkeys(person_ids)]
        return {i.person_id: _voucher(i) for i in VoucherModel.batch_get(keys)} if keys else {}

    def vouchers_of_year(self, fiscal_year: int) -> list[Voucher]:
        return [_voucher(i) for i in VoucherModel.by_year.query(f"VOUCHER#{fiscal_year}")]

    def issue(self, fiscal_year: int, drafts: Sequence[Voucher], *, actor: Any, chain: str) -> list[Voucher]:
        if not drafts:
            return []
        pk, sk = CounterModel.key(fiscal_year)
        try:
            start = int(CounterModel.get(pk, sk, consistent_read=True).next_number)
        except CounterModel.DoesNotExist:
            start = 1
        out = [replace(d, number=voucher_number(fiscal_year, start + k)) for k, d in enumerate(drafts)]
        with transaction_or(WriteConflict) as tx:
            if start == 1:
                tx.save(CounterModel(pk, sk, next_number=1 + len(out)), condition=CounterModel.pk.does_not_exist())
            else:  # the numbers read are still the next ones: no two vouchers share a number
                tx.update(CounterModel(pk, sk), actions=[CounterModel.next_number.set(start + len(out))],
                          condition=CounterModel.next_number == start)
            for v in out:
                vpk, vsk = VoucherModel.key(v.person_id, fiscal_year)
                tx.save(VoucherModel(vpk, vsk, person_id=v.person_id, fiscal_year=fiscal_year, number=v.number,
                                     issued_on=v.issued_on.isoformat(), valid_from=v.valid_from.isoformat(),
                                     valid_until=v.valid_until.isoformat(), copay=v.copay, source=v.source,
                                     gsi1pk=f"VOUCHER#{fiscal_year}", gsi1sk=v.number),
                        condition=VoucherModel.pk.does_not_exist())
            self._record_access(actor, sorted(v.person_id for v in out), CATEGORY, "write", chain=chain,
                                transaction=tx)
        return out

    def mark_used(self, used: Sequence[tuple[Voucher, date]], digest: str, *, actor: Any, chain: str) -> None:
        if not used:
            return
        with transaction_or(WriteConflict) as tx:
            for v, on in used:
                pk, sk = VoucherModel.key(v.person_id, v.fiscal_year)
                tx.update(VoucherModel(pk, sk), actions=[VoucherModel.used_on.set(on.isoformat()),
                                                         VoucherModel.used_file.set(digest)],
                          condition=VoucherModel.pk.exists() & VoucherModel.used_on.does_not_exist())
            self._record_access(actor, sorted({v.person_id for v, _ in used}), CATEGORY, "write", chain=chain,
                                transaction=tx)

    def attendance_file(self, digest: str) -> dict[str, Any] | None:
        try:
            return dict(AttendanceFileModel.get(*AttendanceFileModel.key(digest), consistent_read=True).outcome)
        except AttendanceFileModel.DoesNotExist:
            return None

    def mark_attendance_file(self, digest: str, outcome: dict[str, Any]) -> None:
        pk, sk = AttendanceFileModel.key(digest)
        AttendanceFileModel(pk, sk, outcome=outcome).save()

    def put_rates(self, fiscal_year: int, doc: dict[str, Any]) -> None:
        pk, sk = RatesModel.key(fiscal_year)
        RatesModel(pk, sk, doc=doc).save()

    def rates(self, fiscal_year: int) -> dict[str, Any] | None:
        try:
            return dict(RatesModel.get(*RatesModel.key(fiscal_year), consistent_read=True).doc)
        except RatesModel.DoesNotExist:
            return None
