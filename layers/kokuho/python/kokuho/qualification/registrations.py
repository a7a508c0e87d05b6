"""Registered changes of the information file (異動), against the file's port: loads the records, applies
the pure rules (kokuho.qualification.service), and commits each change in ONE transaction with its
history entries, its access record (アクセス記録) and the assessment's household projection
(賦課用世帯情報).

Optimistic locking: person and household profiles carry a version; the caller states the version it
read, and a concurrent winner makes the loser's commit fail → `Conflict` (HTTP 409).

Every function takes the store first (kokuho.qualification.ports.QualificationStore); the wired ones
are kokuho.qualification.application's. Unit tests run them on tests/fakes/qualification_store.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from kokuho.access.actor import Actor
from kokuho.dates.fiscal_year import fiscal_year_of
from kokuho.dates.tokyo import today_jst
from kokuho.qualification import service
from kokuho.qualification.errors import Conflict, NotFound
from kokuho.qualification.history import ChangeRejected
from kokuho.qualification.household import premium_case
from kokuho.qualification.model import BankAccount, Card, Household, Mailing, Person
from kokuho.qualification.ports import (
    Access,
    FactsWrite,
    LineMark,
    PendingAcquisition,
    QualificationStore,
    StoreConflict,
)
from kokuho.qualification.reasons import Event, Reason, event_of
from kokuho.qualification.search_tokens import DIRECTORY_ENTRIES
from kokuho.requests.suspension import declare_use

CATEGORY = "qualification"
INCOME_CATEGORY = "income"
MAX_PROJECTED_YEARS = 3  # a late notification re-projects at most this many fiscal years
# What an income record keeps from before when the tax office sends a new one: facts the tax file does
# not carry (非自発的失業者 is notified at the counter, not by the tax office).
_KEPT_FROM_BEFORE = ("involuntary_unemployment",)


# What runs once a commit has succeeded, on the file's one commit path (registrations through the API and the city's
# files alike): observers the wiring registers (kokuho.qualification.application: a joiner's 特定健診受診券). Each
# takes (store, change, today, actor); a failure is the observer's to handle — the change is committed.
AFTER_COMMIT: list[Callable[[QualificationStore, service.Change, date, Actor], None]] = []


def _now() -> datetime:
    return datetime.now(UTC)


def load_person(store: QualificationStore, person_id: str) -> Person:
    person = store.person(person_id)
    if person is None:
        raise NotFound("no such person")
    return person


def load_household(store: QualificationStore, household_id: str) -> Household:
    household = store.household(household_id)
    if household is None:
        raise NotFound("no such household")
    return household


def household_persons(store: QualificationStore, household: Household,
                      overlay: Mapping[str, Person]) -> dict[str, Person]:
    """The household's members (past and present), `overlay` taking the place of what is stored."""
    ids = [m.person_id for m in household.members if m.person_id not in overlay]
    persons = store.persons(ids)
    persons.update({k: v for k, v in overlay.items() if any(m.person_id == k for m in household.members)})
    return persons


def _committed(store: QualificationStore, change: service.Change, person_id: str) -> Person:
    """The person as the committed change wrote them (the transaction's save advanced the version by
    one): what a read right after the commit returns, without the read."""
    written = change.persons.get(person_id)
    return replace(written, version=written.version + 1) if written is not None else load_person(store, person_id)


def _check_version(person: Person, expected: int) -> None:
    if person.version != expected:
        raise Conflict(f"the person has changed since it was read (version {person.version}, not {expected})")


class Facts:
    """What a projection reads besides the records of the file — stored incomes, care records and the
    household's previous case, per fiscal year — read in batches and kept for the caller's run: a
    registration reads them once, an intake file once for many lines (and knows the cases it wrote)."""

    def __init__(self, store: QualificationStore) -> None:
        self.store = store
        self.incomes: dict[tuple[str, int], dict[str, Any] | None] = {}
        self.care: dict[tuple[str, int], dict[str, Any] | None] = {}
        self.cases: dict[tuple[str, int], dict[str, Any] | None] = {}

    def load(self, person_ids: Iterable[str], household_ids: Iterable[str], years: Iterable[int],
             profiles: Sequence[str] = ()) -> dict[str, Person]:
        """Read what is not known yet, in one request (the store's projection_facts); also the profiles
        of `profiles`, returned."""
        pids, hids, fys = list(dict.fromkeys(person_ids)), list(dict.fromkeys(household_ids)), sorted(set(years))
        wanted = [p for p in pids if any((p, fy) not in self.incomes for fy in fys)]
        missing = [h for h in hids if any((h, fy) not in self.cases for fy in fys)]
        if not (wanted or missing or profiles):
            return {}
        # only the profiles asked for: the callers hold the others (read with the records they change)
        found = self.store.projection_facts(list(dict.fromkeys([*wanted, *profiles])), missing, fys,
                                            profiles=profiles)
        for fy in fys:
            for p in wanted:
                self.incomes.setdefault((p, fy), found.incomes[fy].get(p))
                self.care.setdefault((p, fy), found.care[fy].get(p))
            for h in missing:
                self.cases.setdefault((h, fy), found.cases[fy].get(h))
        return {p: found.persons[p] for p in profiles if p in found.persons}

    @staticmethod
    def of(table: Mapping[tuple[str, int], dict[str, Any] | None], ids: Iterable[str],
           fy: int) -> dict[str, dict[str, Any]]:
        return {i: dict(v) for i in ids if (v := table.get((i, fy))) is not None}


@dataclass(frozen=True)
class Registration:
    """What one registration commits: its changes (service.py; an intake line may imply two, a 転入 and
    its acquisition), the access record's operation, the history note, and what its transaction carries
    besides (an intake line's marker; a pending acquisition put or consumed)."""

    changes: tuple[service.Change, ...]
    operation: str
    note: str | None = None
    marks: Sequence[LineMark] = ()
    pending: PendingAcquisition | None = None
    consume_pending: str | None = None


@dataclass
class _Merged:
    """Registrations committed together: one Change holding every record once at its last state (and at
    the version stored before the transaction), every history entry in order with its note, and the
    fiscal years each household's case is projected for."""

    change: service.Change
    notes: list[str | None]
    years: dict[str, set[int]]
    accesses: list[Access]


def _years(change: service.Change, today: date) -> range:
    """Every fiscal year from the one of the effective date to the current one (changes are charged
    back: domain.md), at most MAX_PROJECTED_YEARS."""
    start = fiscal_year_of(change.effective_on or today)
    end = max(start, fiscal_year_of(today))
    return range(max(start, end - MAX_PROJECTED_YEARS + 1), end + 1)


def _merge(regs: Sequence[Registration], today: date, versions: Mapping[str, int],
           chain: str | None = None) -> _Merged:
    """`versions`: the version each record has in the store ("P:<id>", "H:<id>"), else the version its first
    change read. `chain`: the access records join `<chain>#<operation>` (see commit_registrations)."""
    merged = service.Change()
    person_notes: list[str | None] = []
    household_notes: list[str | None] = []
    years: dict[str, set[int]] = {}
    subjects: dict[str, list[str]] = {}
    for reg in regs:
        for change in reg.changes:
            for pid, p in change.persons.items():
                base = versions.get(f"P:{pid}", merged.persons[pid].version if pid in merged.persons else p.version)
                merged.persons[pid] = p if p.version == base else replace(p, version=base)  # (records are frozen)
            for hid, h in change.households.items():
                base = versions.get(f"H:{hid}",
                                    merged.households[hid].version if hid in merged.households else h.version)
                merged.households[hid] = h if h.version == base else replace(h, version=base)
                years.setdefault(hid, set()).update(_years(change, today))
            merged.person_entries += change.person_entries
            merged.household_entries += change.household_entries
            person_notes += [reg.note] * len(change.person_entries)
            household_notes += [reg.note] * len(change.household_entries)
            merged.cards += change.cards
            subjects.setdefault(reg.operation, []).extend(change.subject_ids)
    accesses = [Access(list(dict.fromkeys(s)), CATEGORY, op, _chain_of(chain, op)) for op, s in subjects.items()]
    return _Merged(merged, person_notes + household_notes, years, accesses)


def _chain_of(chain: str | None, *names: str) -> str | None:
    """A caller's chain, one an operation (two records of one chain cannot share a transaction: each links
    to the head before it), or None: each record its first subject's chain."""
    return None if chain is None else "#".join((chain, *names))


SEARCH_KEYS = 3  # a person's search index items besides the profile (ports.SEARCH_INDEXES: RES is the profile's)


def transaction_items(regs: Sequence[Registration], today: date) -> int:
    """How many items committing `regs` together writes or checks (DynamoDB takes 100 a transaction):
    records with their search keys and, at most, their search directories' entries (the new ones are
    written: kokuho.qualification.search_tokens), the resident code of a new person, history, cards, cases,
    the marker of the file's lines and the check of its lease, pending acquisitions, access records (with the
    check of the record each links to) and their index entries."""
    m = _merge(regs, today, {})
    # a person: the profile, its search keys and directory entries, and the resident code item (registered now)
    # or the delete of an older index's RES item (registered before: kokuho.records.search_index)
    return (len(m.change.persons) * (2 + SEARCH_KEYS + DIRECTORY_ENTRIES) + len(m.change.households)
            + len(m.notes) + len(m.change.cards) + sum(len(y) for y in m.years.values())
            + sum(2 + len(a.subject_ids) for a in m.accesses)  # a record, its link's check, its index entries
            + 2 * len({(mark.kind, mark.digest) for r in regs for mark in r.marks})  # a file's marker, its lease
            + sum((r.pending is not None) + (r.consume_pending is not None) for r in regs))


def _projection(store: QualificationStore, m: _Merged, lookup: Callable[[list[str]], dict[str, Person]] | None,
                facts: Facts) -> list[tuple[str, dict[str, Any]]]:
    """The household cases the registrations alter, each for its fiscal years, from the records as they
    will stand (members outside the registrations through `lookup`). A person or household registered
    now has no income, care record or case yet: nothing is read for them."""
    change = m.change
    for fy in {y for ys in m.years.values() for y in ys}:
        for pid, p in change.persons.items():
            if not p.version:
                facts.incomes.setdefault((pid, fy), None)
                facts.care.setdefault((pid, fy), None)
        for hid in m.years:
            if not change.households[hid].version:
                facts.cases.setdefault((hid, fy), None)
    ids = {hid: [x.person_id for x in change.households[hid].members] for hid in m.years}
    others = list(dict.fromkeys(i for hid in m.years for i in ids[hid] if i not in change.persons))
    years = [y for ys in m.years.values() for y in ys]
    everyone = [i for hid in m.years for i in ids[hid]]
    if lookup is None:  # the members' profiles in the same one request as their records
        known = facts.load(everyone, m.years, years, profiles=others)
    else:
        known = lookup(others)
        facts.load(everyone, m.years, years)
    members: dict[str, dict[str, Person]] = {}
    for hid in m.years:
        persons = {i: known[i] for i in ids[hid] if i not in change.persons and i in known}
        persons.update({i: change.persons[i] for i in ids[hid] if i in change.persons})
        members[hid] = persons
    out: list[tuple[str, dict[str, Any]]] = []
    for hid, household_years in m.years.items():
        persons = members[hid]
        for fy in sorted(household_years):
            out.append((hid, premium_case(change.households[hid], persons, fy, facts.of(facts.incomes, persons, fy),
                                          facts.cases.get((hid, fy)), facts.of(facts.care, persons, fy))))
    return out


def commit(store: QualificationStore, change: service.Change, actor: Actor, operation: str, *,
           note: str | None = None, today: date | None = None, attempts: int = 4, markers: Sequence[LineMark] = (),
           pending: PendingAcquisition | None = None, consume_pending: str | None = None) -> None:
    """Write the whole change, its history, access record and projection, or nothing.

    `markers`: an intake file's "line applied" markers, saved only if absent in the same transaction, so
    a line is applied exactly once whatever the retries. `pending`/`consume_pending`: a pending
    acquisition put, or consumed (the person id), with the change.
    """
    commit_registrations(store, [Registration((change,), operation, note, markers, pending, consume_pending)],
                         actor, today=today or today_jst(), attempts=attempts)


def commit_registrations(store: QualificationStore, regs: Sequence[Registration], actor: Actor, *, today: date,
                         versions: Mapping[str, int] | None = None,
                         lookup: Callable[[list[str]], dict[str, Person]] | None = None,
                         facts: Facts | None = None, attempts: int = 4,
                         observed: list[service.Change] | None = None, chain: str | None = None) -> None:
    """Commit registrations in ONE transaction — every record's last state (only at the version it has
    in the store: `versions`, "P:<id>"/"H:<id>", else the version its first change read), every history
    entry with its note, the projection, the markers and one access record per operation — or nothing.
    The API commits one registration; an intake file many lines at a time (kokuho.intake.apply), with
    the same code and the same guarantees for each line. `observed`: the committed change is added to
    it and the observers (AFTER_COMMIT) are left to the caller (`observe`: an intake runs them once for
    many transactions). `chain`: the access records join `<chain>#<operation>` (an intake file's run, whose
    heads it holds: kokuho.access.records.holding_begun_heads — no head read before every transaction)."""
    declare_use("qualification.change")  # 利用停止: the file follows the facts by law (the data says which)
    m = _merge(regs, today, versions or {}, chain)
    cases = _projection(store, m, lookup, facts or Facts(store))
    for _ in range(attempts):
        try:
            store.commit_changes(m.change, m.notes, cases, actor, m.accesses, now=_now(),
                                 marks=[mark for r in regs for mark in r.marks],
                                 pending=[r.pending for r in regs if r.pending is not None],
                                 consume_pending=[r.consume_pending for r in regs if r.consume_pending is not None])
            if facts is not None:
                for household_id, case in cases:
                    facts.cases[(household_id, int(case["fiscal_year"]))] = case
            if observed is not None:
                observed.append(m.change)
            else:
                observe(store, [m.change], today, actor)
            return
        except StoreConflict:
            if not _versions_unchanged(store, m.change):
                raise Conflict("the record has changed since it was read") from None
            # Only the access chain moved (a concurrent read of the same person): retry.
    raise Conflict("could not commit after several attempts")


def observe(store: QualificationStore, changes: Sequence[service.Change], today: date, actor: Actor) -> None:
    """Run the observers (AFTER_COMMIT) once on committed changes taken together: every person at the
    state the last of them wrote, every history entry in order."""
    if not changes:
        return
    change = changes[0]
    if len(changes) > 1:
        change = service.Change()
        for c in changes:
            change.persons.update(c.persons)
            change.households.update(c.households)
            change.person_entries += c.person_entries
            change.household_entries += c.household_entries
            change.cards += c.cards
    for observer in AFTER_COMMIT:
        observer(store, change, today, actor)


def _versions_unchanged(store: QualificationStore, change: service.Change) -> bool:
    for pid, p in change.persons.items():
        cur = store.person(pid)
        if (cur.version if cur else 0) != p.version:
            return False
    for hid, h in change.households.items():
        curh = store.household(hid)
        if (curh.version if curh else 0) != h.version:
            return False
    return True


# --- registrations --------------------------------------------------------------------------------


def register_person(store: QualificationStore, actor: Actor, person: Person, note: str | None,
                    today: date) -> Person:
    taken, households = store.profiles([person.person_id], [person.household_id])
    if taken:
        raise Conflict("a person with that id is already registered")
    change = service.register_person(replace(person, version=0), households.get(person.household_id), today)
    commit(store, change, actor, "register_person", note=note, today=today)
    return _committed(store, change, person.person_id)


def register_qualification(store: QualificationStore, actor: Actor, person_id: str, reason: Reason,
                           cause_on: date, version: int, note: str | None, today: date, *,
                           markers: Sequence[LineMark] = (), to_municipality: str | None = None) -> Person:
    """取得 or 喪失; a 転出 may name its destination (`to_municipality`, kept in the loss entry)."""
    person = load_person(store, person_id)
    _check_version(person, version)
    household = load_household(store, person.household_id)
    persons = household_persons(store, household, {person_id: person})
    consume: str | None = None
    if event_of(reason) is Event.ACQUIRE:
        if to_municipality is not None:
            raise ChangeRejected("to_municipality: only a 転出 has a destination")
        change = service.acquire(person, household, persons, reason, cause_on, today)
        op = "acquire"
        # the 届出 confirms an acquisition the resident register implied (kokuho.intake.residents)
        if store.has_pending_acquisition(person_id):
            consume = person_id
    else:
        change = service.lose(person, household, persons, reason, cause_on, today, to_municipality=to_municipality)
        op = "lose"
    commit(store, change, actor, op, note=note, today=today, markers=markers, consume_pending=consume)
    return _committed(store, change, person_id)


def _change_person(store: QualificationStore, actor: Actor, person_id: str, version: int, operation: str,
                   decide: Callable[[Person], service.Change], note: str | None, today: date, *,
                   markers: Sequence[LineMark] = ()) -> Person:
    """A change of one person's own record (転居, 氏名変更, 連絡先): decided on the person at the version the
    clerk saw, then committed whole."""
    person = load_person(store, person_id)
    _check_version(person, version)
    change = decide(person)
    commit(store, change, actor, operation, note=note, today=today, markers=markers)
    return _committed(store, change, person_id)


def register_move(store: QualificationStore, actor: Actor, person_id: str, postal_code: str, address: str,
                  moved_on: date, version: int, note: str | None, today: date, *,
                  markers: Sequence[LineMark] = ()) -> Person:
    return _change_person(store, actor, person_id, version, "move",
                          lambda p: service.move(p, postal_code, address, moved_on, today), note, today,
                          markers=markers)


def register_rename(store: QualificationStore, actor: Actor, person_id: str, name_kanji: str, name_kana: str,
                    changed_on: date, version: int, note: str | None, today: date, *,
                    markers: Sequence[LineMark] = ()) -> Person:
    return _change_person(store, actor, person_id, version, "rename",
                          lambda p: service.rename(p, name_kanji, name_kana, changed_on, today), note, today,
                          markers=markers)


def register_contact(store: QualificationStore, actor: Actor, person_id: str, changed_on: date, version: int,
                     note: str | None, today: date, *, phone: str | None, mailing: Mailing | None,
                     bank_account: BankAccount | None, clear: frozenset[str]) -> Person:
    return _change_person(store, actor, person_id, version, "contact_change",
                          lambda p: service.change_contact(p, changed_on, today, phone=phone, mailing=mailing,
                                                           bank_account=bank_account, clear=clear), note, today)


def register_household_change(store: QualificationStore, actor: Actor, person_id: str, household_id: str,
                              relationship: str, changed_on: date, new_householder_of_old: str | None,
                              version: int, note: str | None, today: date, *,
                              markers: Sequence[LineMark] = ()) -> Person:
    person = load_person(store, person_id)
    _check_version(person, version)
    _, households = store.profiles([], [person.household_id, household_id])  # both in one read
    if person.household_id not in households:
        raise NotFound("no such household")
    old, new = households[person.household_id], households.get(household_id)
    persons_old = household_persons(store, old, {person_id: person})
    change = service.change_household(person, old, new, relationship, changed_on, today,
                                      new_householder_of_old, persons_old, household_id)
    commit(store, change, actor, "household_change", note=note, today=today, markers=markers)
    return _committed(store, change, person_id)


def register_departure(store: QualificationStore, actor: Actor, person_id: str, reason: Reason, cause_on: date,
                       version: int, note: str | None, today: date, *,
                       markers: Sequence[LineMark] = ()) -> Person:
    """転出 / 死亡 of a person who is not insured: residence and household membership end."""
    person = load_person(store, person_id)
    _check_version(person, version)
    household = load_household(store, person.household_id)
    persons = household_persons(store, household, {person_id: person})
    change = service.depart(person, household, persons, reason, cause_on, today)
    commit(store, change, actor, "depart", note=note, today=today, markers=markers)
    return load_person(store, person_id)


def register_householder_change(store: QualificationStore, actor: Actor, person_id: str, changed_on: date,
                                version: int, note: str | None, today: date, *,
                                markers: Sequence[LineMark] = ()) -> Person:
    """世帯主変更 within the person's household: the person becomes its householder."""
    person = load_person(store, person_id)
    _check_version(person, version)
    household = load_household(store, person.household_id)
    persons = household_persons(store, household, {person_id: person})
    change = service.change_householder(household, person, persons, changed_on, today)
    commit(store, change, actor, "householder_change", note=note, today=today, markers=markers)
    return load_person(store, person_id)


def register_arrival(store: QualificationStore, actor: Actor, person: Person,
                     pending: tuple[Reason, date, str] | None, note: str | None, today: date, *,
                     markers: Sequence[LineMark] = ()) -> Person:
    """転入 or 出生 from the resident register: the 宛名 and its household membership (as
    `register_person`) and, for a person with no other insurance, a pending acquisition (reason, cause
    date, source) in the same transaction — confirmed when staff register the acquisition (the 届出)."""
    if store.person(person.person_id) is not None:
        raise Conflict("a person with that id is already registered")
    household = store.household(person.household_id)
    change = service.register_person(replace(person, version=0), household, today)
    put = None
    if pending is not None:
        reason, cause_on, source = pending
        put = PendingAcquisition(person.person_id, reason.value, cause_on, source)
    commit(store, change, actor, "register_person", note=note, today=today, markers=markers, pending=put)
    return load_person(store, person.person_id)


def issue_card(store: QualificationStore, actor: Actor, person_id: str, issued_on: date, version: int,
               note: str | None, today: date) -> Card:
    person = load_person(store, person_id)
    _check_version(person, version)
    change = service.issue_card(person, store.cards(person_id), issued_on, today)
    commit(store, change, actor, "card_issue", note=note, today=today)
    return change.cards[0]


def recover_card(store: QualificationStore, actor: Actor, person_id: str, card_id: str, recovered_on: date,
                 reason: str, version: int, note: str | None, today: date) -> Card:
    person = load_person(store, person_id)
    _check_version(person, version)
    cards = [c for c in store.cards(person_id) if c.card_id == card_id]
    if not cards:
        raise NotFound("no such card for this person")
    change = service.recover_card(person, cards[0], recovered_on, reason, today)
    commit(store, change, actor, "card_recover", note=note, today=today)
    return change.cards[0]


def register_incomes(store: QualificationStore, actor: Actor, household_id: str, fiscal_year: int,
                     incomes: Mapping[str, Mapping[str, Any]], *, operation: str = "write",
                     markers: Sequence[LineMark] = (), attempts: int = 4) -> dict[str, Any]:
    """所得 (総所得金額等 and its parts) of members of one household for a fiscal year, as the tax office
    sends them (当初課税, 更正): stored as each person's income record for the year, and the household's
    case for that year re-projected — in ONE transaction with the access record, so the next monthly
    run reassesses exactly the households whose income changed. The household and its members must be
    as read (their versions are checked in the transaction); a concurrent registration → re-read.
    Returns the projected case."""
    return _register_facts(store, actor, household_id, fiscal_year, incomes=incomes, care={},
                           category=INCOME_CATEGORY, operation=operation, markers=markers, attempts=attempts)


def register_care(store: QualificationStore, actor: Actor, household_id: str, fiscal_year: int,
                  care: Mapping[str, Mapping[str, Any]], *, markers: Sequence[LineMark] = (),
                  attempts: int = 4) -> dict[str, Any]:
    """介護保険 information of members of one household for a fiscal year (2号 適用除外, 介護保険料): stored,
    and the household's case for the year re-projected, in one transaction (as `register_incomes`)."""
    return _register_facts(store, actor, household_id, fiscal_year, incomes={}, care=care, category="care",
                           operation="write", markers=markers, attempts=attempts)


def _register_facts(store: QualificationStore, actor: Actor, household_id: str, fiscal_year: int, *,
                    incomes: Mapping[str, Mapping[str, Any]], care: Mapping[str, Mapping[str, Any]],
                    category: str, operation: str, markers: Sequence[LineMark], attempts: int) -> dict[str, Any]:
    entry = HouseholdFacts(household_id, fiscal_year, incomes, care, category, operation, markers)
    return register_facts_many(store, actor, [entry], attempts=attempts)[0]


@dataclass(frozen=True)
class HouseholdFacts:
    """Records of members of one household for one fiscal year as another system sends them — incomes
    (the tax office) or care information (the care-insurance system) — with the access record's
    category and operation and the intake lines' markers."""

    household_id: str
    fiscal_year: int
    incomes: Mapping[str, Mapping[str, Any]]
    care: Mapping[str, Mapping[str, Any]]
    category: str
    operation: str
    marks: Sequence[LineMark] = ()

    @property
    def named(self) -> list[str]:
        return [*self.incomes, *(p for p in self.care if p not in self.incomes)]

    def items(self) -> int:
        """What a transaction holds for it: the records, the household's and members' checks, the case and
        the access record's index entries (the marker of its lines is the transaction's: `_chunks`)."""
        named = len(self.named)
        return len(self.incomes) + len(self.care) + 1 + named + 1 + named + 1


FACTS_TRANSACTION_ITEMS = 96  # of DynamoDB's 100 a transaction


def _chunks(entries: Sequence[HouseholdFacts], max_items: int) -> list[list[int]]:
    """Entries in order, as many a transaction as fit (with the access record, the check of the record it
    links to, and the marker of each file whose lines it applies with the check of its lease); a household
    once a transaction (its check)."""
    chunks: list[list[int]] = [[]]
    size = 0
    files: set[tuple[str, str]] = set()
    for k, e in enumerate(entries):
        new = {(m.kind, m.digest) for m in e.marks} - files
        if chunks[-1] and (size + e.items() + 2 * len(new) + 2 > max_items
                           or any(entries[j].household_id == e.household_id for j in chunks[-1])):
            chunks.append([])
            size = 0
            files = set()
            new = {(m.kind, m.digest) for m in e.marks}
        chunks[-1].append(k)
        size += e.items() + 2 * len(new)  # a file's marker and the check of its lease
        files |= new
    return chunks


def register_facts_many(store: QualificationStore, actor: Actor, entries: Sequence[HouseholdFacts], *,
                        attempts: int = 4, max_items: int = FACTS_TRANSACTION_ITEMS,
                        persons: Mapping[str, Person] | None = None, chain: str | None = None) -> list[dict[str, Any]]:
    """`register_incomes` / `register_care` of many households, several a transaction: each household's
    records, re-projected case, version checks and markers commit together with the access record naming
    them, or not at all. Households, members, stored records and cases are read in batches. A
    transaction that does not commit (a household or member changed meanwhile, or the access chain
    moved) is read again and retried. Returns the projected cases in the order of `entries`.
    `persons`: members the caller has just read (an intake reads them to find its lines' persons): not
    read again — their versions are still checked in the transaction, and a retry reads everyone.
    `chain`: the access records join `<chain>#<category>#<operation>` (as commit_registrations)."""
    wanted = list(dict.fromkeys(e.household_id for e in entries))
    households = store.households_of(wanted)
    if len(households) < len(wanted):
        raise NotFound("no such household")
    member_ids = list(dict.fromkeys(m.person_id for h in households.values() for m in h.members))
    known = {i: persons[i] for i in member_ids if persons is not None and i in persons}
    persons = {**known, **store.persons(i for i in member_ids if i not in known)}
    facts = Facts(store)
    facts.load(persons, wanted, {e.fiscal_year for e in entries})
    cases: list[dict[str, Any]] = []
    writes: list[FactsWrite] = []
    for e in entries:
        household, fy = households[e.household_id], e.fiscal_year
        members = {m.person_id: persons[m.person_id] for m in household.members if m.person_id in persons}
        if set(e.named) - set(members):
            raise ChangeRejected("a record was given for someone not in the household")
        stored, stored_care = facts.of(facts.incomes, members, fy), facts.of(facts.care, members, fy)
        previous = facts.cases.get((e.household_id, fy))
        before = {str(m.get("id")): m for m in ((previous or {}).get("household") or {}).get("members") or []}
        new: dict[str, dict[str, Any]] = {}
        for pid, income in e.incomes.items():
            kept = stored.get(pid) or dict(before.get(pid) or {})
            new[pid] = {**{k: kept.get(k) for k in _KEPT_FROM_BEFORE}, **income}
        care = {pid: dict(held) for pid, held in e.care.items()}
        case = premium_case(household, members, fy, {**stored, **new}, previous, {**stored_care, **care})
        facts.incomes.update({(pid, fy): income for pid, income in new.items()})  # a later entry sees these
        facts.care.update({(pid, fy): held for pid, held in care.items()})
        facts.cases[(e.household_id, fy)] = case
        cases.append(case)
        writes.append(FactsWrite(household, {pid: members[pid] for pid in e.named}, fy, new, care, case, e.marks))
    for chunk in _chunks(entries, max_items):
        subjects: dict[tuple[str, str], list[str]] = {}
        for k in chunk:
            subjects.setdefault((entries[k].category, entries[k].operation), []).extend(
                [*entries[k].named, f"HH:{entries[k].household_id}"])
        accesses = [Access(list(dict.fromkeys(s)), category, op, _chain_of(chain, category, op))
                    for (category, op), s in subjects.items()]
        try:
            store.commit_facts_many([writes[k] for k in chunk], actor, accesses, now=_now())
        except StoreConflict:
            if attempts <= 1:
                raise Conflict("could not store the records after several attempts") from None
            # a household, a member or the access chain moved: read those households again
            redone = register_facts_many(store, actor, [entries[k] for k in chunk], attempts=attempts - 1,
                                         max_items=max_items, chain=chain)
            for k, case in zip(chunk, redone, strict=True):
                cases[k] = case
    return cases
