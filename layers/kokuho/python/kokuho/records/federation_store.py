"""The pynamodb adapters of the 国保連合会 file exchange's ports (kokuho.linkage.federation_ports):
applied files, continuity and carry-over items in the linkage table with the intake's access records,
and the qualification file as the source of outgoing files."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from kokuho.access.records import Actor, record_access
from kokuho.linkage.federation_ports import (
    CITY_INSURER,
    CITY_MUNICIPALITY,
    AppliedFile,
    CarryOverRow,
    ContinuityRow,
    ParsedFile,
    continues_in_prefecture,
)
from kokuho.records.base import transaction
from kokuho.records.linkage import AppliedFileModel, CarryOverModel, ContinuityModel


def _marker(parsed: ParsedFile, source_key: str, sk: str, record_count: int) -> AppliedFileModel:
    return AppliedFileModel(f"FILE#{parsed.file_id}", sk, file_id=parsed.file_id, kind=parsed.kind,
                            content_hash=parsed.content_hash, record_count=record_count,
                            applied_at=datetime.now(UTC).isoformat(timespec="seconds"), source_key=source_key)


class PynamoFederationStore:
    """FederationStore on the linkage table (FILE#<id> markers, PERSON#…/CONT#…, PERSON#…/KOGAKU#…)."""

    def applied(self, file_id: str) -> AppliedFile | None:
        try:
            done = AppliedFileModel.get(f"FILE#{file_id}", "APPLIED", consistent_read=True)
        except DoesNotExist:
            return None
        return AppliedFile(done.content_hash, int(done.record_count))

    def save_continuity(self, file_id: str, record: dict[str, str]) -> None:
        rec = record
        ContinuityModel(f"PERSON#{rec['person_id']}", f"CONT#{rec['acquired_on']}", person_id=rec["person_id"],
                        prefecture_insured_id=rec["prefecture_insured_id"], insurer_number=rec["insurer_number"],
                        acquired_on=rec["acquired_on"], lost_on=rec["lost_on"] or None,
                        change="lose" if rec["lost_on"] else "acquire", file_id=file_id).save()

    def save_carry_over(self, file_id: str, record: dict[str, str], month: str) -> None:
        rec = record
        # kept under the householder as this city knows them: the row's household_id is the other municipality's
        # (docs/federation_files.md), and the count goes on with the NHI householder (domain.md §2)
        CarryOverModel(f"PERSON#{rec['householder_id']}", f"KOGAKU#{month}", household_id=rec["household_id"],
                       householder_id=rec["householder_id"], month=month,
                       from_municipality=rec["from_municipality"], to_municipality=rec["to_municipality"],
                       moved_on=rec["moved_on"], file_id=file_id).save()

    def record_subjects_once(self, actor: Actor, parsed: ParsedFile, source_key: str, n: int,
                             subjects: list[str], category: str) -> None:
        # The chunk's record commits in one transaction with a marker of that chunk (FILE#<id> /
        # ACCESS#<n>); a chunk whose marker exists was recorded by an earlier, interrupted run.
        marker = _marker(parsed, source_key, f"ACCESS#{n:05d}", len(subjects))
        for attempt in range(10):
            try:
                AppliedFileModel.get(marker.pk, marker.sk, consistent_read=True)
                return
            except DoesNotExist:
                pass
            try:
                with transaction() as tx:
                    record_access(actor, subjects, category, "write", chain=f"FILE#{parsed.file_id}", transaction=tx)
                    tx.save(marker, condition=AppliedFileModel.pk.does_not_exist())
                return
            except TransactWriteError:
                if attempt == 9:  # another writer kept taking the chain's next position
                    raise

    def mark_applied(self, parsed: ParsedFile, source_key: str) -> None:
        _marker(parsed, source_key, "APPLIED", len(parsed.records)).save(
            condition=AppliedFileModel.pk.does_not_exist())

    def carried_over_months(self, householder_id: str) -> list[str]:
        return [m.month for m in CarryOverModel.query(f"PERSON#{householder_id}",
                                                      CarryOverModel.sk.startswith("KOGAKU#"))]


class RecordsQualificationSource:
    """QualificationSource over kokuho.records.qualification (the qualification engineer's file).

    continuity_rows: persons with a history entry recorded on `day` (a filtered scan of the
    qualification table: the table has no by-day index yet), each period as one row.
    carry_over_rows: the households whose householder moved out in the month to a municipality of the prefecture
    (the 転出先 kept in the loss or departure entry: kokuho.qualification.service), each with the months of a
    高額療養費 benefit a household ceiling paid in the 12 months up to the move — not a month of the 70–74 outpatient
    limit alone, which does not count towards 多数回 (kokuho.records.benefits.DynamoBenefitStore.benefit_months,
    and the months an earlier move into the city carried over):
    the count carries over when the household is judged continuous on its NHI householder. A 転出 registered
    without its destination gives no row (nothing to address it to), nor one with no benefit month to count.
    A filtered scan of the history entries.
    """

    def continuity_rows(self, day: date) -> Iterable[ContinuityRow]:
        from kokuho.records.qualification import HistoryModel, get_persons

        ids = sorted({h.pk.removeprefix("PERSON#") for h in HistoryModel.scan(
            HistoryModel.pk.startswith("PERSON#") & HistoryModel.recorded_at.startswith(day.isoformat()))})
        persons = get_persons(ids)
        for pid in ids:
            p = persons.get(pid)
            if p is None:
                continue
            for period in p.periods:
                yield ContinuityRow(pid, p.household_id, CITY_INSURER, period.acquired_on,
                                    period.acquire_reason.value, period.until,
                                    period.lose_reason.value if period.lose_reason else None)

    def carry_over_rows(self, month: str) -> Iterable[CarryOverRow]:
        from kokuho.records.benefits import DynamoBenefitStore
        from kokuho.records.qualification import HistoryModel, get_households, get_persons

        moves: dict[str, tuple[str, date]] = {}  # person → (destination, 転出日)
        for h in HistoryModel.scan(HistoryModel.pk.startswith("PERSON#") & HistoryModel.kind.is_in("lose", "departed")
                                   & (HistoryModel.reason == "move_out") & HistoryModel.cause_on.startswith(month)):
            to = str((h.detail or {}).get("to_municipality") or "")
            if continues_in_prefecture(to) and h.cause_on:
                moves[h.pk.removeprefix("PERSON#")] = (to, date.fromisoformat(h.cause_on))
        persons = get_persons(sorted(moves))
        households = get_households(sorted({p.household_id for p in persons.values()}))
        y, m = int(month[:4]), int(month[5:7])
        first = f"{y - 1 if m < 12 else y:04d}-{m % 12 + 1:02d}"  # the 12 months up to the move's
        store = DynamoBenefitStore()
        for pid, (to, moved_on) in sorted(moves.items()):
            person = persons.get(pid)
            household = households.get(person.household_id) if person else None
            if household is None or household.householder_id != pid:
                continue  # the household moves with its NHI householder (the continuity is judged on them)
            # the household's months wherever they were paid: this city's, and those a move into the city
            # carried over (the count goes on across moves within the prefecture)
            months = tuple(sorted({mo for mo in (*store.benefit_months(household.household_id),
                                                 *PynamoFederationStore().carried_over_months(pid))
                                   if first <= mo <= month}))
            if not months:
                continue  # no 高額療養費 month to count: nothing carries over
            yield CarryOverRow(household.household_id, pid, CITY_MUNICIPALITY, to, moved_on, months)
