"""In-memory fake of the information file's port (kokuho.qualification.ports.QualificationStore) for the
unit tests of the qualification use cases: no moto. It keeps what the use cases rely on — a profile is
written only at the version read (and advances it by one), a history entry, a new card and a line marker
only once, a recovered card only once, every write all or nothing with its access record — and nothing of
the table's layout. Contract tests hold it to the pynamodb adapter (tests/integration/
test_qualification_store_contract.py)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from kokuho.access.actor import Actor
from kokuho.qualification.model import Card, Household, Person, normalize_kana
from kokuho.qualification.ports import (
    SEARCH_INDEXES,
    Access,
    FactsWrite,
    InvalidPageToken,
    LineMark,
    PendingAcquisition,
    PersonFile,
    ProjectionFacts,
    SearchPage,
    StoreConflict,
)
from kokuho.qualification.service import Change


@dataclass(frozen=True)
class AccessRow:
    staff_id: str
    subject_ids: tuple[str, ...]
    category: str
    operation: str
    result: str = "ok"
    chain: str | None = None


def _search_keys(p: Person) -> dict[str, tuple[str, str]]:
    kana = normalize_kana(p.name_kana)
    return {"KANA": (kana[:1], f"{kana}#{p.person_id}"), "BIRTH": (p.birth_date.isoformat(), p.person_id),
            "RES": (p.resident_code, p.person_id), "POSTAL": (p.postal_code, f"{p.address}#{p.person_id}")}


@dataclass
class InMemoryQualificationStore:
    persons_: dict[str, Person] = field(default_factory=dict)  # stored at their committed version
    households: dict[str, Household] = field(default_factory=dict)
    history: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # pk → sk → entry
    cards_: dict[str, dict[str, Card]] = field(default_factory=dict)
    incomes_: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    care_: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    cases: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    pending: dict[str, PendingAcquisition] = field(default_factory=dict)
    marks: set[LineMark] = field(default_factory=set)
    my_numbers: set[str] = field(default_factory=set)  # the vault's "on file" markers
    access: list[AccessRow] = field(default_factory=list)
    chain_moves: int = 0  # the next commits find the access chain moved (a concurrent read; a test sets it)

    # -- reads

    def person(self, person_id: str) -> Person | None:
        return self.persons_.get(person_id)

    def persons(self, person_ids: Iterable[str]) -> dict[str, Person]:
        return {i: self.persons_[i] for i in dict.fromkeys(person_ids) if i in self.persons_}

    def household(self, household_id: str) -> Household | None:
        return self.households.get(household_id)

    def households_of(self, household_ids: Iterable[str]) -> dict[str, Household]:
        return {i: self.households[i] for i in dict.fromkeys(household_ids) if i in self.households}

    def _entries(self, pk: str) -> list[dict[str, Any]]:
        return [e for _, e in sorted(self.history.get(pk, {}).items())]

    def person_file(self, person_id: str) -> PersonFile | None:
        p = self.persons_.get(person_id)
        if p is None:
            return None
        cards = [c for _, c in sorted(self.cards_.get(person_id, {}).items())]
        return PersonFile(p, self._entries(f"P:{person_id}"), cards, person_id in self.my_numbers)

    def household_file(self, household_id: str) -> tuple[Household, list[dict[str, Any]]] | None:
        h = self.households.get(household_id)
        return (h, self._entries(f"H:{household_id}")) if h is not None else None

    def persons_with_markers(self, person_ids: Iterable[str]) -> tuple[dict[str, Person], set[str]]:
        ids = list(person_ids)
        return self.persons(ids), {i for i in ids if i in self.my_numbers}

    def profiles(self, person_ids: Iterable[str],
                 household_ids: Iterable[str]) -> tuple[dict[str, Person], dict[str, Household]]:
        return self.persons(person_ids), {h: self.households[h] for h in household_ids if h in self.households}

    def projection_facts(self, person_ids: Iterable[str], household_ids: Iterable[str],
                         fiscal_years: Sequence[int], profiles: Iterable[str] | None = None) -> ProjectionFacts:
        ids, hids = list(person_ids), list(household_ids)
        cases = {fy: {h: case for h in hids if (case := self.household_case(h, fy)) is not None} for fy in fiscal_years}
        wanted = ids if profiles is None else [i for i in ids if i in set(profiles)]
        return ProjectionFacts(self.persons(wanted), {fy: self.incomes(ids, fy) for fy in fiscal_years},
                               {fy: self.care(ids, fy) for fy in fiscal_years}, cases)

    def cards(self, person_id: str) -> list[Card]:
        return [c for _, c in sorted(self.cards_.get(person_id, {}).items())]

    def incomes(self, person_ids: Iterable[str], fiscal_year: int) -> dict[str, dict[str, Any]]:
        return {i: dict(self.incomes_[(i, fiscal_year)]) for i in person_ids if (i, fiscal_year) in self.incomes_}

    def care(self, person_ids: Iterable[str], fiscal_year: int) -> dict[str, dict[str, Any]]:
        return {i: dict(self.care_[(i, fiscal_year)]) for i in person_ids if (i, fiscal_year) in self.care_}

    def household_case(self, household_id: str, fiscal_year: int) -> dict[str, Any] | None:
        case = self.cases.get((household_id, fiscal_year))
        return json.loads(json.dumps(case)) if case is not None else None

    def household_cases(self, household_ids: Iterable[str], fiscal_year: int) -> dict[str, dict[str, Any]]:
        return {h: c for h in household_ids if (c := self.household_case(h, fiscal_year)) is not None}

    def holders_of_codes(self, codes: Iterable[str]) -> dict[str, str]:
        wanted = set(codes)
        return {p.resident_code: p.person_id for p in self.persons_.values() if p.resident_code in wanted}

    def has_pending_acquisition(self, person_id: str) -> bool:
        return person_id in self.pending

    def search(self, index: str, value: str, prefix: str | None, limit: int,
               page_token: str | None) -> SearchPage:
        if index not in SEARCH_INDEXES:
            raise ValueError(f"no search index {index}")
        after: str | None = None
        if page_token:
            try:
                token = json.loads(base64.urlsafe_b64decode(page_token.encode()))
                assert isinstance(token, list) and len(token) == 3 and all(isinstance(x, str) for x in token)
            except (ValueError, AssertionError) as exc:
                raise InvalidPageToken("page_token is not a token this API issued") from exc
            if token[:2] != [index, value]:
                raise InvalidPageToken("page_token belongs to another search")
            after = token[2]
        rows = sorted(sk for p in self.persons_.values() for i, (v, sk) in _search_keys(p).items()
                      if i == index and v == value and (not prefix or sk.startswith(prefix)))
        rows = [sk for sk in rows if after is None or sk > after]
        page = rows[:limit]
        more = len(page) == limit  # as DynamoDB: a full page carries a key, even when nothing follows
        ids = [sk.rpartition("#")[2] if "#" in sk else sk for sk in page]
        token_out = base64.urlsafe_b64encode(json.dumps([index, value, page[-1]]).encode()).decode() \
            if more and page else None
        return SearchPage(ids, token_out)

    # -- writes

    def _chain(self) -> None:
        if self.chain_moves:
            self.chain_moves -= 1
            raise StoreConflict("the access chain moved")

    def _check_marks(self, marks: Sequence[LineMark]) -> None:
        if any(m in self.marks for m in marks) or len(set(marks)) != len(marks):
            raise StoreConflict("a line is applied already")

    def commit_changes(self, change: Change, notes: Sequence[str | None],
                       cases: Sequence[tuple[str, dict[str, Any]]], actor: Actor, accesses: Sequence[Access], *,
                       now: datetime, marks: Sequence[LineMark] = (), pending: Sequence[PendingAcquisition] = (),
                       consume_pending: Sequence[str] = ()) -> None:
        # every condition first: all of it or nothing
        for pid, p in change.persons.items():
            stored = self.persons_.get(pid)
            if (stored.version if stored else 0) != p.version:
                raise StoreConflict("the person moved")
        for hid, h in change.households.items():
            stored_h = self.households.get(hid)
            if (stored_h.version if stored_h else 0) != h.version:
                raise StoreConflict("the household moved")
        for card in change.cards:
            held = self.cards_.get(card.person_id, {}).get(card.card_id)
            if (card.recovered_on is None and held is not None) or (
                    card.recovered_on is not None and held is not None and held.recovered_on is not None):
                raise StoreConflict("the card moved")
        self._check_marks(marks)
        self._chain()
        at = now.isoformat(timespec="microseconds")
        for pid, p in change.persons.items():
            self.persons_[pid] = replace(p, version=p.version + 1)
        for hid, h in change.households.items():
            self.households[hid] = replace(h, version=h.version + 1)
        split = len(change.person_entries)
        for entries, versions, prefix, entry_notes in (
                (change.person_entries, change.persons, "P", notes[:split]),
                (change.household_entries, change.households, "H", notes[split:])):
            for i, ((key, entry), note) in enumerate(zip(entries, entry_notes, strict=True)):
                seq = versions[key].version + 1
                self.history.setdefault(f"{prefix}:{key}", {})[f"{seq:06d}#{i:02d}"] = {
                    "seq": seq, "kind": entry.kind, "effective_on": entry.effective_on.isoformat(),
                    "cause_on": entry.cause_on.isoformat() if entry.cause_on else None, "reason": entry.reason,
                    "detail": entry.detail, "note": note, "recorded_at": at, "recorded_by": actor.staff_id,
                    "terminal_id": actor.terminal_id}
        for card in change.cards:
            self.cards_.setdefault(card.person_id, {})[card.card_id] = card
        for household_id, case in cases:
            self.cases[(household_id, int(case["fiscal_year"]))] = json.loads(json.dumps(case))
        self.marks.update(marks)
        for put in pending:
            self.pending[put.person_id] = put
        for person_id in consume_pending:
            self.pending.pop(person_id, None)
        for access in accesses:
            self.access.append(AccessRow(actor.staff_id, tuple(access.subject_ids), access.category,
                                         access.operation, chain=access.chain))

    def indexing(self, persons: Sequence[Person]) -> AbstractContextManager[None]:
        return nullcontext()  # the fake reads nothing ahead

    def commit_facts_many(self, writes: Sequence[FactsWrite], actor: Actor, accesses: Sequence[Access], *,
                          now: datetime) -> None:
        for w in writes:  # every condition first: all of it or nothing
            stored_h = self.households.get(w.household.household_id)
            if stored_h is None or stored_h.version != w.household.version:
                raise StoreConflict("the household moved")
            for pid, p in w.persons.items():
                stored = self.persons_.get(pid)
                if stored is None or stored.version != p.version:
                    raise StoreConflict("a member moved")
        self._check_marks([m for w in writes for m in w.marks])
        self._chain()
        for w in writes:
            for pid, income in w.incomes.items():
                self.incomes_[(pid, w.fiscal_year)] = dict(income)
            for pid, held in w.care.items():
                self.care_[(pid, w.fiscal_year)] = dict(held)
            self.cases[(w.household.household_id, w.fiscal_year)] = json.loads(json.dumps(w.case))
            self.marks.update(w.marks)
        for access in accesses:
            self.access.append(AccessRow(actor.staff_id, tuple(access.subject_ids), access.category,
                                         access.operation, chain=access.chain))

    def record(self, actor: Actor, subject_ids: Sequence[str], category: str, operation: str, *,
               result: str = "ok", chain: str | None = None, attempts: int = 8) -> None:
        self.access.append(AccessRow(actor.staff_id, tuple(subject_ids), category, operation, result, chain))
