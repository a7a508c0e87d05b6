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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from kokuho.access.actor import Actor
from kokuho.qualification import service
from kokuho.qualification.errors import Conflict, NotFound
from kokuho.qualification.history import ChangeRejected, fiscal_year_of
from kokuho.qualification.household import premium_case
from kokuho.qualification.model import BankAccount, Card, Household, Mailing, Person
from kokuho.qualification.ports import Access, LineMark, PendingAcquisition, QualificationStore, StoreConflict
from kokuho.qualification.reasons import Event, Reason, event_of
from kokuho.requests.suspension import declare_use

CATEGORY = "qualification"
INCOME_CATEGORY = "income"
MAX_PROJECTED_YEARS = 3  # a late notification re-projects at most this many fiscal years
# What an income record keeps from before when the tax office sends a new one: facts the tax file does
# not carry (非自発的失業者 is notified at the counter, not by the tax office).
_KEPT_FROM_BEFORE = ("involuntary_unemployment",)


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


def _projection(store: QualificationStore, change: service.Change, today: date) -> list[tuple[str, dict[str, Any]]]:
    """The household cases this change alters: each touched household, for every fiscal year from the
    one of the effective date to the current one (changes are charged back: domain.md). What they are
    made of — members, incomes, care, the cases before — is one read of the store."""
    start = fiscal_year_of(change.effective_on or today)
    end = max(start, fiscal_year_of(today))
    years = list(range(max(start, end - MAX_PROJECTED_YEARS + 1), end + 1))
    households = list(change.households.values())
    members = list(dict.fromkeys(m.person_id for h in households for m in h.members))
    facts = store.projection_facts(members, [h.household_id for h in households], years)
    out: list[tuple[str, dict[str, Any]]] = []
    for household in households:
        # the members as stored, the change's own persons taking the place of what is stored
        ids = [m.person_id for m in household.members]
        persons = {i: facts.persons[i] for i in ids if i not in change.persons and i in facts.persons}
        persons.update({i: change.persons[i] for i in ids if i in change.persons})
        for fy in years:
            incomes = {i: v for i, v in facts.incomes[fy].items() if i in persons}
            care = {i: v for i, v in facts.care[fy].items() if i in persons}
            previous = facts.cases[fy].get(household.household_id)
            out.append((household.household_id, premium_case(household, persons, fy, incomes, previous, care)))
    return out


def commit(store: QualificationStore, change: service.Change, actor: Actor, operation: str, *,
           note: str | None = None, today: date | None = None, attempts: int = 4, markers: Sequence[LineMark] = (),
           pending: PendingAcquisition | None = None, consume_pending: str | None = None) -> None:
    """Write the whole change, its history, access record and projection, or nothing.

    `markers`: an intake file's "line applied" markers, saved only if absent in the same transaction, so
    a line is applied exactly once whatever the retries. `pending`/`consume_pending`: a pending
    acquisition put, or consumed (the person id), with the change.
    """
    declare_use("qualification.change")  # 利用停止: the file follows the facts by law (the data says which)
    today = today or date.today()
    cases = _projection(store, change, today)
    for _ in range(attempts):
        try:
            store.commit_change(change, cases, actor, Access(change.subject_ids, CATEGORY, operation), note=note,
                                now=_now(), marks=markers, pending=pending, consume_pending=consume_pending)
            return
        except StoreConflict:
            if not _versions_unchanged(store, change):
                raise Conflict("the record has changed since it was read") from None
            # Only the access chain moved (a concurrent read of the same person): retry.
    raise Conflict("could not commit after several attempts")


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
                           markers: Sequence[LineMark] = ()) -> Person:
    person = load_person(store, person_id)
    _check_version(person, version)
    household = load_household(store, person.household_id)
    persons = household_persons(store, household, {person_id: person})
    consume: str | None = None
    if event_of(reason) is Event.ACQUIRE:
        change = service.acquire(person, household, persons, reason, cause_on, today)
        op = "acquire"
        # the 届出 confirms an acquisition the resident register implied (kokuho.intake.residents)
        if store.has_pending_acquisition(person_id):
            consume = person_id
    else:
        change = service.lose(person, household, persons, reason, cause_on, today)
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
    named = [*incomes, *(p for p in care if p not in incomes)]
    for _ in range(attempts):
        household = load_household(store, household_id)
        persons = household_persons(store, household, {})
        if set(named) - set(persons):
            raise ChangeRejected("a record was given for someone not in the household")
        stored = store.incomes(persons, fiscal_year)
        stored_care = store.care(persons, fiscal_year)
        previous = store.household_case(household_id, fiscal_year)
        before = {str(m.get("id")): m for m in ((previous or {}).get("household") or {}).get("members") or []}
        new: dict[str, dict[str, Any]] = {}
        for pid, income in incomes.items():
            kept = stored.get(pid) or dict(before.get(pid) or {})
            new[pid] = {**{k: kept.get(k) for k in _KEPT_FROM_BEFORE}, **income}
        case = premium_case(household, persons, fiscal_year, {**stored, **new}, previous,
                            {**stored_care, **{p: dict(c) for p, c in care.items()}})
        try:
            store.commit_facts(household, {pid: persons[pid] for pid in named}, fiscal_year, new,
                               {pid: dict(record) for pid, record in care.items()}, case, actor,
                               Access([*named, f"HH:{household_id}"], category, operation), now=_now(),
                               marks=markers)
            return case
        except StoreConflict:
            continue  # the household, a member or the access chain moved: read again
    raise Conflict("could not store the records after several attempts")
