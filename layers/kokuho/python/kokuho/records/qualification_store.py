"""The pynamodb adapter of the information file's port (kokuho.qualification.ports.QualificationStore).

Items: kokuho.records.qualification (persons, households, history, cards, search keys, incomes, the My
Number marker), kokuho.records.intake_files (line markers, pending acquisitions, care records),
kokuho.records.household_cases (the assessment's projection). Writes are one TransactWrite on the
container's shared connection (kokuho.records.base.transaction), the access record joining it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from kokuho.access.actor import Actor
from kokuho.access.records import record_access
from kokuho.access.volume_ports import searching, take_pending
from kokuho.qualification.model import Card, Household, Person
from kokuho.qualification.ports import (
    Access,
    FactsWrite,
    LineMark,
    PendingAcquisition,
    PersonFile,
    ProjectionFacts,
    SearchPage,
    StoreConflict,
)
from kokuho.qualification.service import Change, Entry
from kokuho.records import intake_files, search_index
from kokuho.records import qualification as repo
from kokuho.records.access_store import add_takes
from kokuho.records.assessments import HouseholdCaseModel
from kokuho.records.base import connection, transaction
from kokuho.records.household_cases import get_household_case, get_household_cases, put_household_case

BATCH_GET_KEYS = 100  # DynamoDB's BatchGetItem: at most 100 keys a request


def _history(pk: str, seq: int, index: int, entry: Entry, actor: Actor, note: str | None,
             at: str) -> repo.HistoryModel:
    return repo.HistoryModel(
        pk, f"HIST#{seq:06d}#{index:02d}", seq=seq, kind=entry.kind, effective_on=entry.effective_on.isoformat(),
        cause_on=entry.cause_on.isoformat() if entry.cause_on else None, reason=entry.reason,
        detail=entry.detail, note=note, recorded_at=at, recorded_by=actor.staff_id,
        terminal_id=actor.terminal_id,
    )


def _batch_get(keys: Mapping[str, Sequence[tuple[str, str]]]) -> dict[str, list[dict[str, Any]]]:
    """Items by (pk, sk) from one or more tables, raw, strongly consistent: ONE BatchGetItem for up to
    100 keys in all (more: a request per 100; unprocessed keys asked again). Table name → items found."""
    flat = [(name, pk, sk) for name, pairs in keys.items() for pk, sk in dict.fromkeys(pairs)]
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in keys}
    for at in range(0, len(flat), BATCH_GET_KEYS):
        pending: dict[str, Any] = {}
        for name, pk, sk in flat[at:at + BATCH_GET_KEYS]:
            pending.setdefault(name, {"Keys": [], "ConsistentRead": True})["Keys"].append(
                {"pk": {"S": pk}, "sk": {"S": sk}})
        while pending:
            data = connection().dispatch("BatchGetItem", {"RequestItems": pending})
            for name, items in data.get("Responses", {}).items():
                found[name].extend(items)
            pending = data.get("UnprocessedKeys") or {}
    return found


def _add_marks(tx: TransactWrite, marks: Sequence[LineMark]) -> None:
    """One marker for a file's lines of the transaction (intake_files.lines_marker), not one a line, and the
    check that the run writing them still holds the file (intake_files.take_lease)."""
    files: dict[tuple[str, str], list[int]] = {}
    leases: dict[tuple[str, str], set[str]] = {}
    for mark in marks:
        files.setdefault((mark.kind, mark.digest), []).append(mark.line)
        leases.setdefault((mark.kind, mark.digest), set()).add(mark.lease)
    for (kind, digest), lines in files.items():
        if len(set(lines)) < len(lines):  # as two markers of one line in one transaction were refused
            raise StoreConflict("a line is marked twice in one transaction")
        tx.save(intake_files.lines_marker(kind, digest, lines),
                condition=intake_files.AppliedLineModel.pk.does_not_exist())
        held = leases[(kind, digest)] - {""}
        if len(held) > 1:
            raise StoreConflict("the lines of one file from two runs in one transaction")
        if held:
            intake_files.check_lease(tx, kind, digest, held.pop())


class PynamoQualificationStore:
    # -- reads

    def person(self, person_id: str) -> Person | None:
        return repo.get_person(person_id)

    def persons(self, person_ids: Iterable[str]) -> dict[str, Person]:
        return repo.get_persons(person_ids)

    def household(self, household_id: str) -> Household | None:
        return repo.get_household(household_id)

    def households_of(self, household_ids: Iterable[str]) -> dict[str, Household]:
        return repo.get_households(household_ids)

    def person_file(self, person_id: str) -> PersonFile | None:
        return repo.read_person_file(person_id)

    def household_file(self, household_id: str) -> tuple[Household, list[dict[str, Any]]] | None:
        return repo.read_household_file(household_id)

    def persons_with_markers(self, person_ids: Iterable[str]) -> tuple[dict[str, Person], set[str]]:
        return repo.persons_with_markers(person_ids)

    def profiles(self, person_ids: Iterable[str],
                 household_ids: Iterable[str]) -> tuple[dict[str, Person], dict[str, Household]]:
        name = repo.PersonModel.Meta.table_name
        keys = [(repo.person_pk(p), "PROFILE") for p in person_ids]
        keys += [(repo.household_pk(h), "PROFILE") for h in household_ids]
        persons: dict[str, Person] = {}
        households: dict[str, Household] = {}
        for raw in _batch_get({name: keys})[name] if keys else []:
            if raw["pk"]["S"].startswith(repo.person_pk("")):
                person = repo.to_person(repo.PersonModel.from_raw_data(raw))
                persons[person.person_id] = person
            else:
                household = repo.to_household(repo.HouseholdModel.from_raw_data(raw))
                households[household.household_id] = household
        return persons, households

    def projection_facts(self, person_ids: Iterable[str], household_ids: Iterable[str],
                         fiscal_years: Sequence[int], profiles: Iterable[str] | None = None) -> ProjectionFacts:
        persons_, households_ = list(dict.fromkeys(person_ids)), list(dict.fromkeys(household_ids))
        file, cases = repo.PersonModel.Meta.table_name, HouseholdCaseModel.Meta.table_name
        records = [f"{kind}#{fy}" for fy in fiscal_years for kind in ("INCOME", "CARE")]
        wanted = set(persons_ if profiles is None else profiles)
        keys = {file: [(repo.person_pk(p), sk) for p in persons_
                       for sk in (*(("PROFILE",) if p in wanted else ()), *records)],
                cases: [HouseholdCaseModel.key(h, fy) for h in households_ for fy in fiscal_years]}
        facts = ProjectionFacts({}, {fy: {} for fy in fiscal_years}, {fy: {} for fy in fiscal_years},
                                {fy: {} for fy in fiscal_years})
        if not keys[file] and not keys[cases]:
            return facts
        found = _batch_get({name: pairs for name, pairs in keys.items() if pairs})
        for raw in found.get(file, []):
            person_id, sk = raw["pk"]["S"].removeprefix(repo.person_pk("")), raw["sk"]["S"]
            kind, _, year = sk.partition("#")
            if sk == "PROFILE":
                facts.persons[person_id] = repo.to_person(repo.PersonModel.from_raw_data(raw))
            elif kind == "INCOME":
                facts.incomes[int(year)][person_id] = dict(repo.IncomeModel.from_raw_data(raw).income)
            elif kind == "CARE":
                facts.care[int(year)][person_id] = dict(intake_files.CareModel.from_raw_data(raw).care)
        for raw in found.get(cases, []):
            case = HouseholdCaseModel.from_raw_data(raw)
            facts.cases[int(raw["sk"]["S"].removeprefix("FY#"))][str(case.household_id)] = dict(case.case)
        return facts

    def cards(self, person_id: str) -> list[Card]:
        return repo.cards_of(person_id)

    def incomes(self, person_ids: Iterable[str], fiscal_year: int) -> dict[str, dict[str, Any]]:
        return repo.incomes_of(person_ids, fiscal_year)

    def care(self, person_ids: Iterable[str], fiscal_year: int) -> dict[str, dict[str, Any]]:
        return intake_files.care_of(person_ids, fiscal_year)

    def household_case(self, household_id: str, fiscal_year: int) -> dict[str, Any] | None:
        return get_household_case(household_id, fiscal_year)

    def household_cases(self, household_ids: Iterable[str], fiscal_year: int) -> dict[str, dict[str, Any]]:
        return get_household_cases(household_ids, fiscal_year)

    def holders_of_codes(self, codes: Iterable[str]) -> dict[str, str]:
        return repo.holders_of_codes(codes)

    def has_pending_acquisition(self, person_id: str) -> bool:
        return intake_files.pending_acquisition(person_id) is not None

    def search(self, index: str, value: str, prefix: str | None, limit: int,
               page_token: str | None) -> SearchPage:
        searching(index, value, prefix or "")  # the page's counter names the search its token binds
        return search_index.search(index, value, prefix, limit, page_token)

    # -- writes

    def commit_changes(self, change: Change, notes: Sequence[str | None],
                       cases: Sequence[tuple[str, dict[str, Any]]], actor: Actor, accesses: Sequence[Access], *,
                       now: datetime, marks: Sequence[LineMark] = (), pending: Sequence[PendingAcquisition] = (),
                       consume_pending: Sequence[str] = ()) -> None:
        at = now.isoformat(timespec="microseconds")
        directories = search_index.missing_directory_items(change.persons.values())
        try:
            with transaction() as tx:
                self._add_change(tx, change, notes, actor, at, directories)
                for household_id, case in cases:
                    put_household_case(household_id, case, changed_at=now, transaction=tx)
                _add_marks(tx, marks)
                for put in pending:
                    cause_on = put.cause_on.isoformat()
                    tx.save(intake_files.PendingAcquisitionModel(
                        repo.person_pk(put.person_id), intake_files.PENDING_ACQUISITION,
                        person_id=put.person_id, reason=put.reason, cause_on=cause_on,
                        source=put.source, gsi1pk=intake_files.PENDING_ACQUISITION,
                        gsi1sk=f"{cause_on}#{put.person_id}"))
                for person_id in consume_pending:
                    tx.delete(intake_files.PendingAcquisitionModel(repo.person_pk(person_id),
                                                                   intake_files.PENDING_ACQUISITION))
                for access in accesses:
                    record_access(actor, access.subject_ids, access.category, access.operation, chain=access.chain,
                                  transaction=tx)
        except TransactWriteError as exc:
            raise StoreConflict("a version, a condition or the access chain moved") from exc
        search_index.directories_written(directories)

    def indexing(self, persons: Sequence[Person]) -> AbstractContextManager[None]:
        return search_index.directories_read_once(persons)

    @staticmethod
    def _add_change(tx: TransactWrite, change: Change, notes: Sequence[str | None], actor: Actor, at: str,
                    directories: Iterable[search_index.DirectoryModel] = ()) -> None:
        who = actor.staff_id
        for new_entry in directories:  # the search directories' new entries (search_index.missing_directory_items)
            tx.save(new_entry)
        tokens = search_index.writer_tokens()
        for person in change.persons.values():
            profile = repo.from_person(person, updated_at=at, updated_by=who)
            profile.gsi1pk, profile.gsi1sk = search_index.profile_search_key(tokens, person)
            tx.save(profile)
            for key in search_index.search_keys(tokens, person):
                tx.save(key)
            if not person.version:  # registered now: the resident code names them (found by batch read)
                tx.save(repo.resident_code_item(person))
            else:  # indexed before the profile held the RES key, perhaps: its own item goes
                tx.delete(repo.SearchKeyModel(repo.person_pk(person.person_id), search_index.LEGACY_RESIDENT_KEY))
        for household in change.households.values():
            tx.save(repo.from_household(household, updated_at=at, updated_by=who))
        person_notes, household_notes = notes[:len(change.person_entries)], notes[len(change.person_entries):]
        for i, ((pid, entry), note) in enumerate(zip(change.person_entries, person_notes, strict=True)):
            seq = change.persons[pid].version + 1
            tx.save(_history(repo.person_pk(pid), seq, i, entry, actor, note, at),
                    condition=repo.HistoryModel.pk.does_not_exist())
        for i, ((hid, entry), note) in enumerate(zip(change.household_entries, household_notes, strict=True)):
            seq = change.households[hid].version + 1
            tx.save(_history(repo.household_pk(hid), seq, i, entry, actor, note, at),
                    condition=repo.HistoryModel.pk.does_not_exist())
        for card in change.cards:
            model = repo.from_card(card)
            if card.recovered_on is None:
                tx.save(model, condition=repo.CardModel.pk.does_not_exist())
            else:
                tx.save(model, condition=repo.CardModel.recovered_on.does_not_exist())

    def commit_facts_many(self, writes: Sequence[FactsWrite], actor: Actor, accesses: Sequence[Access], *,
                          now: datetime) -> None:
        try:
            with transaction() as tx:
                checked: set[str] = set()  # a member named by two writes is checked once
                for w in writes:
                    fy = w.fiscal_year
                    for pid, income in w.incomes.items():
                        tx.save(repo.IncomeModel(repo.person_pk(pid), f"INCOME#{fy}", income=dict(income)))
                    for pid, held in w.care.items():
                        tx.save(intake_files.CareModel(repo.person_pk(pid), f"CARE#{fy}", care=dict(held)))
                    tx.condition_check(repo.HouseholdModel, repo.household_pk(w.household.household_id), "PROFILE",
                                       condition=repo.HouseholdModel.version == w.household.version)
                    for pid, person in w.persons.items():
                        if pid not in checked:
                            checked.add(pid)
                            tx.condition_check(repo.PersonModel, repo.person_pk(pid), "PROFILE",
                                               condition=repo.PersonModel.version == person.version)
                    put_household_case(w.household.household_id, w.case, changed_at=now, transaction=tx)
                _add_marks(tx, [mark for w in writes for mark in w.marks])
                for access in accesses:
                    record_access(actor, access.subject_ids, access.category, access.operation, chain=access.chain,
                                  transaction=tx)
        except TransactWriteError as exc:
            raise StoreConflict("a household, a member or the access chain moved") from exc

    def record(self, actor: Actor, subject_ids: Sequence[str], category: str, operation: str, *,
               result: str = "ok", chain: str | None = None, attempts: int = 8) -> None:
        charge = take_pending() if result == "ok" else None
        if charge is None:
            # on its own: record_access retries a concurrent append to the same chain (shared connection)
            record_access(actor, subject_ids, category, operation, result=result, chain=chain, attempts=attempts)
            return
        # A search page's volume charge joins its record (kokuho.access.volume_ports): one transaction.
        tokens = search_index.search_tokens(create=False)  # the search read it: the page counter's key keyed
        keyed = None if tokens is None else tokens.query if charge.search is None else (
            lambda _criteria, t=tokens, s=charge.search: t.search(s[0], s[1], s[2] or None))  # the search walked
        takes = charge.takes(len([s for s in subject_ids if s != "no-match"]), keyed)
        for attempt in range(attempts):
            try:
                with transaction() as tx:
                    record_access(actor, subject_ids, category, operation, result=result, chain=chain,
                                  transaction=tx)
                    first = len(tx._condition_check_items) + len(tx._delete_items) + len(tx._put_items) \
                        + len(tx._update_items)  # the takes' positions: updates go last, in order
                    add_takes(tx, takes, charge.expires_at)
                charge.taken = True
                return
            except TransactWriteError as exc:
                reasons = list(exc.cancellation_reasons or [])[first:first + len(takes)]
                refused = [i for i, r in enumerate(reasons) if r is not None and r.code == "ConditionalCheckFailed"]
                if refused:
                    record_access(actor, subject_ids, category, operation, result="limited", chain=chain,
                                  attempts=attempts)
                    raise charge.refused(refused[0]) from exc
                time.sleep(random.uniform(0, 0.004 * (attempt + 1)))  # the chain moved: read it again
        raise StoreConflict("the access chain kept moving")
