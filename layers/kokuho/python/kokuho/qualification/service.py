"""Registered changes (異動) of the information file as pure functions: the current records in, the new
records and the history entries out. Persistence, the access record and the household projection
are added by kokuho.qualification.application in one transaction.

Every change produces one person history entry (who/when are added when it is committed) and, when
the household is affected, one household history entry; nothing earlier is modified.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from kokuho.qualification import history
from kokuho.qualification.history import ChangeRejected
from kokuho.qualification.household import insured_members
from kokuho.qualification.model import BankAccount, Card, Household, Mailing, Membership, Person
from kokuho.qualification.municipality import CITY_MUNICIPALITY, municipality_code
from kokuho.qualification.reasons import LABELS, Reason, effective_date

HOUSEHOLDER = "世帯主"
CARD_VALIDITY_YEARS = 1  # 資格確認書: issued for up to a year here, renewed at the yearly update


@dataclass(frozen=True)
class Entry:
    """One history entry: what changed, effective when, by what cause, and why (the clerk's note)."""

    kind: str
    effective_on: date
    detail: dict[str, Any]
    cause_on: date | None = None
    reason: str | None = None


@dataclass
class Change:
    """Everything one registration writes: all of it commits, or none of it."""

    persons: dict[str, Person] = field(default_factory=dict)  # new states, saved with version check
    households: dict[str, Household] = field(default_factory=dict)
    person_entries: list[tuple[str, Entry]] = field(default_factory=list)
    household_entries: list[tuple[str, Entry]] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    effective_on: date | None = None

    @property
    def subject_ids(self) -> list[str]:
        return list(dict.fromkeys([*self.persons, *(f"HH:{h}" for h in self.households)]))


EARLIEST_BIRTH = date(1890, 1, 1)  # no one living was born before: an earlier birth date is a typo


def person_dates_error(birth_date: date, resident_from: date | None,
                       today: date | None = None) -> tuple[str, str] | None:
    """(field, reason) of a new person's dates that cannot be, else None — the one rule of a registration, at the
    counter (POST /persons' body) and from the register's file (転入・出生): a birth before 1890 or (given `today`)
    in the future, a residence from before the birth or more than MAX_DAYS_AHEAD days ahead (a 転入 is recorded
    once it happened; a date months ahead is a typo)."""
    if birth_date < EARLIEST_BIRTH:
        return "birth_date", "not plausible"
    if today is not None and birth_date > today:
        return "birth_date", "in the future"
    if resident_from is not None and resident_from < birth_date:
        return "resident_from", "before the birth date"
    if today is not None and resident_from is not None and \
            resident_from > today + timedelta(days=history.MAX_DAYS_AHEAD):
        return "resident_from", f"more than {history.MAX_DAYS_AHEAD} days ahead"
    return None


def register_person(person: Person, household: Household | None, today: date) -> Change:
    """A new 宛名 (addressee) and its household membership; a new household is created by registering
    its householder (世帯主) — also when they are not insured (擬制世帯主)."""
    problem = person_dates_error(person.birth_date, person.resident_from, today)
    if problem is not None:
        name, reason = problem
        raise ChangeRejected(f"the {'birth date' if name == 'birth_date' else 'date of residence'} is {reason}")
    joined = person.resident_from or today
    membership = Membership(person.person_id, person.relationship, joined)
    if household is None:
        if person.relationship != HOUSEHOLDER:
            raise ChangeRejected("a new household starts with its householder (世帯主): register them first")
        household = Household(person.household_id, person.person_id, (membership,))
        hh_entry = Entry("household_created", joined, {"householder_id": person.person_id})
    else:
        if any(m.person_id == person.person_id and m.left_on is None for m in household.members):
            raise ChangeRejected("the person is already a member of that household")
        householder_id = person.person_id if person.relationship == HOUSEHOLDER else household.householder_id
        household = replace(household, members=(*household.members, membership), householder_id=householder_id)
        hh_entry = Entry("member_joined", joined, {"person_id": person.person_id,
                                                   "householder_id": householder_id})
    ch = Change(effective_on=joined)
    ch.persons[person.person_id] = person
    ch.households[household.household_id] = household
    ch.person_entries.append((person.person_id, Entry("registered", joined, {
        "household_id": person.household_id, "relationship": person.relationship})))
    ch.household_entries.append((household.household_id, hh_entry))
    return ch


def acquire(person: Person, household: Household, persons: Mapping[str, Person], reason: Reason,
            cause_on: date, today: date) -> Change:
    """取得: a new period from the acquisition date; a 特定世帯 ends when a second member is insured."""
    periods, on = history.acquire(person.periods, reason, cause_on, birth_date=person.birth_date,
                                  death_date=person.death_date, today=today)
    new_person = replace(person, periods=periods, specific_same_household_since=None)
    ch = Change(effective_on=on)
    ch.persons[person.person_id] = new_person
    ch.person_entries.append((person.person_id, Entry("acquire", on, {"label": LABELS[reason]},
                                                     cause_on, reason.value)))
    others = {**persons, person.person_id: new_person}
    if household.specific_since is not None and len(insured_members(household, others, on)) > 1:
        ch.households[household.household_id] = replace(household, specific_since=None)
        ch.household_entries.append((household.household_id, Entry("specific_household_ended", on, {})))
    ch.households.setdefault(household.household_id, household)
    _note_deemed(ch, household, others, on)
    return ch


def _destination(reason: Reason, to_municipality: str | None) -> dict[str, str]:
    """The 転出先 kept in the entry (the outgoing 高額該当 file's to_municipality); nothing when not given."""
    if to_municipality is None:
        return {}
    if reason is not Reason.MOVE_OUT:
        raise ChangeRejected("to_municipality: only a 転出 has a destination")
    try:
        code = municipality_code(to_municipality)
    except ValueError as exc:
        raise ChangeRejected(f"to_municipality: {exc}") from exc
    if code == CITY_MUNICIPALITY:
        raise ChangeRejected("to_municipality: the city's own code: a move within the city is a 転居")
    return {"to_municipality": code}


def lose(person: Person, household: Household, persons: Mapping[str, Person], reason: Reason,
         cause_on: date, today: date, *, to_municipality: str | None = None) -> Change:
    """喪失: closes the open period. 転出 and 死亡 end the residence and household membership;
    後期高齢者医療移行 makes the person a 特定同一世帯所属者 and, with one insured member left,
    the household a 特定世帯. A 転出 may name its destination (`to_municipality`), kept in the entry."""
    destination = _destination(reason, to_municipality)
    periods, on = history.lose(person.periods, reason, cause_on, birth_date=person.birth_date,
                               death_date=person.death_date, today=today)
    new_person = replace(person, periods=periods)
    hh = household
    ch = Change(effective_on=on)
    if reason is Reason.DEATH:
        new_person = replace(new_person, death_date=cause_on, resident_until=cause_on)
    if reason is Reason.MOVE_OUT:
        new_person = replace(new_person, resident_until=cause_on)
    if reason in (Reason.DEATH, Reason.MOVE_OUT):
        hh = _leave(hh, person.person_id, on)
        ch.household_entries.append((hh.household_id, Entry("member_left", on, {
            "person_id": person.person_id, "reason": reason.value})))
    others = {**persons, person.person_id: new_person}
    if reason is Reason.LATE_ELDERLY:
        new_person = replace(new_person, specific_same_household_since=on)
        others[person.person_id] = new_person
        remaining = insured_members(hh, others, on)
        if len(remaining) == 1 and hh.specific_since is None:
            hh = replace(hh, specific_since=on)
            ch.household_entries.append((hh.household_id, Entry("specific_household", on, {
                "remaining_insured": remaining[0]})))
    ch.persons[person.person_id] = new_person
    ch.person_entries.append((person.person_id, Entry("lose", on, {"label": LABELS[reason], **destination},
                                                     cause_on, reason.value)))
    ch.households[hh.household_id] = hh
    _note_deemed(ch, hh, others, on)
    return ch


def depart(person: Person, household: Household, persons: Mapping[str, Person], reason: Reason,
           cause_on: date, today: date, *, to_municipality: str | None = None) -> Change:
    """転出 or 死亡 of a person who is not insured (a 擬制世帯主, a 特定同一世帯所属者, a member on other
    insurance): the residence and the household membership end (the day after, as for a loss); no
    qualification changes. An insured person goes through `lose`, which also closes their period."""
    if reason not in (Reason.MOVE_OUT, Reason.DEATH):
        raise ChangeRejected("a departure is a 転出 or a 死亡")
    if person.insured_on(cause_on):
        raise ChangeRejected("the person is insured: register the loss of qualification")
    if cause_on < person.birth_date or cause_on > today + timedelta(days=history.MAX_DAYS_AHEAD):
        raise ChangeRejected("the date of the cause is not plausible")
    if reason is Reason.DEATH and cause_on > today:
        raise ChangeRejected("the date of death is in the future")
    if person.resident_until is not None or person.death_date is not None:
        raise ChangeRejected("the person has already left")
    on = effective_date(reason, cause_on)
    new_person = replace(person, resident_until=cause_on,
                         death_date=cause_on if reason is Reason.DEATH else person.death_date)
    hh = _leave(household, person.person_id, on)
    ch = Change(effective_on=on)
    ch.persons[person.person_id] = new_person
    ch.households[hh.household_id] = hh
    ch.person_entries.append((person.person_id, Entry("departed", on, {
        "label": LABELS[reason], **_destination(reason, to_municipality)}, cause_on, reason.value)))
    ch.household_entries.append((hh.household_id, Entry("member_left", on, {
        "person_id": person.person_id, "reason": reason.value})))
    _note_deemed(ch, hh, {**persons, person.person_id: new_person}, on)
    return ch


def change_householder(household: Household, person: Person, persons: Mapping[str, Person],
                       changed_on: date, today: date) -> Change:
    """世帯主変更 within the household: `person`, a current member, becomes its householder (世帯主 —
    擬制世帯主 if not insured). The premium is the householder's to pay from that day."""
    if changed_on > today or changed_on < person.birth_date:
        raise ChangeRejected("the date of the change is not plausible")
    if person.household_id != household.household_id or not any(
            m.person_id == person.person_id for m in household.current_members()):
        raise ChangeRejected("the new householder is not a member of the household")
    if household.householder_id == person.person_id:
        raise ChangeRejected("the person is already the householder")
    hh = replace(household, householder_id=person.person_id)
    ch = Change(effective_on=changed_on)
    ch.households[hh.household_id] = hh
    ch.persons[person.person_id] = replace(person, relationship=HOUSEHOLDER)
    ch.household_entries.append((hh.household_id, Entry("householder_changed", changed_on, {
        "before": household.householder_id, "after": person.person_id})))
    ch.person_entries.append((person.person_id, Entry("relationship_change", changed_on, {
        "before": {"relationship": person.relationship}, "after": {"relationship": HOUSEHOLDER}})))
    _note_deemed(ch, hh, {**persons, person.person_id: ch.persons[person.person_id]}, changed_on)
    return ch


def _leave(household: Household, person_id: str, on: date) -> Household:
    members = tuple(replace(m, left_on=on) if m.person_id == person_id and m.left_on is None else m
                    for m in household.members)
    return replace(household, members=members)


def _note_deemed(ch: Change, household: Household, persons: Mapping[str, Person], on: date) -> None:
    """Record in the household history when its householder becomes or stops being 擬制世帯主."""
    head = persons.get(household.householder_id)
    if head is None:
        return
    before = _was_deemed(head, on - timedelta(days=1), household, persons)
    after = _was_deemed(head, on, household, persons)
    if before != after:
        ch.household_entries.append((household.household_id, Entry(
            "deemed_householder" if after else "deemed_householder_ended", on,
            {"householder_id": household.householder_id})))


def _was_deemed(head: Person, on: date, household: Household, persons: Mapping[str, Person]) -> bool:
    return not head.insured_on(on) and bool(insured_members(household, persons, on))


def move(person: Person, postal_code: str, address: str, moved_on: date, today: date) -> Change:
    """転居 (move within the city): the address changes; the old one stays in the history entry."""
    if moved_on > today + timedelta(days=history.MAX_DAYS_AHEAD) or moved_on < person.birth_date:
        raise ChangeRejected("the moving date is not plausible")
    if (postal_code, address) == (person.postal_code, person.address):
        raise ChangeRejected("the new address is the current one")
    return _own_record_change(person, "move", moved_on, postal_code=postal_code, address=address)


def rename(person: Person, name_kanji: str, name_kana: str, changed_on: date, today: date) -> Change:
    """氏名変更: the old name stays in the history entry."""
    if changed_on > today or changed_on < person.birth_date:
        raise ChangeRejected("the date of the change is not plausible")
    if (name_kanji, name_kana) == (person.name_kanji, person.name_kana):
        raise ChangeRejected("the new name is the current one")
    return _own_record_change(person, "rename", changed_on, name_kanji=name_kanji, name_kana=name_kana)


def change_contact(person: Person, changed_on: date, today: date, *, phone: str | None,
                   mailing: Mailing | None, bank_account: BankAccount | None,
                   clear: frozenset[str] = frozenset()) -> Change:
    """電話番号・送付先・公金受取口座の変更: given fields replace, `clear` removes; old values stay in the
    history entry."""
    if changed_on > today or changed_on < person.birth_date:
        raise ChangeRejected("the date of the change is not plausible")
    unknown = clear - {"phone", "mailing", "bank_account"}
    if unknown:
        raise ChangeRejected("clear names a field that cannot be cleared")
    new = replace(
        person,
        phone=None if "phone" in clear else (phone if phone is not None else person.phone),
        mailing=None if "mailing" in clear else (mailing if mailing is not None else person.mailing),
        bank_account=None if "bank_account" in clear else (
            bank_account if bank_account is not None else person.bank_account),
    )
    fields = ("phone", "mailing", "bank_account")
    changed = [f for f in fields if getattr(new, f) != getattr(person, f)]
    if not changed:
        raise ChangeRejected("nothing changes")
    return _own_record_change(person, "contact_change", changed_on, **{f: getattr(new, f) for f in changed})


def _own_record_change(person: Person, kind: str, on: date, **after: Any) -> Change:
    """A change of the person's own record (転居, 氏名変更, 連絡先): the new values, and the old ones kept in
    the history entry."""
    ch = Change(effective_on=on)
    ch.persons[person.person_id] = replace(person, **after)
    ch.person_entries.append((person.person_id, Entry(kind, on, {
        "before": {f: _plain(getattr(person, f)) for f in after},
        "after": {f: _plain(v) for f, v in after.items()}})))
    return ch


def _plain(value: object) -> object:
    return vars(value) if value is not None and hasattr(value, "__dataclass_fields__") else value


def change_household(person: Person, old: Household, new: Household | None, relationship: str,
                     changed_on: date, today: date, new_householder_of_old: str | None,
                     persons_of_old: Mapping[str, Person], new_household_id: str) -> Change:
    """世帯変更 (世帯分離・世帯合併・世帯主変更 into another household): leaves the old household, joins the
    new one (created with the person as householder if new). A householder leaving a household with
    remaining members must name its new householder. A 特定同一世帯所属者 who leaves stops being one."""
    if changed_on > today or changed_on < person.birth_date:
        raise ChangeRejected("the date of the change is not plausible")
    if new_household_id == old.household_id:
        raise ChangeRejected("the person is already in that household")
    ch = Change(effective_on=changed_on)
    old2 = _leave(old, person.person_id, changed_on)
    remaining = [m.person_id for m in old2.current_members()]
    if old.householder_id == person.person_id and remaining:
        if new_householder_of_old not in remaining:
            raise ChangeRejected("name the new householder of the household left, among its members")
        old2 = replace(old2, householder_id=new_householder_of_old)
    elif new_householder_of_old is not None:
        raise ChangeRejected("a new householder is named only when the householder leaves")
    ch.household_entries.append((old.household_id, Entry("member_left", changed_on, {
        "person_id": person.person_id, "to": new_household_id, "householder_id": old2.householder_id})))
    membership = Membership(person.person_id, relationship, changed_on)
    if new is None:
        if relationship != HOUSEHOLDER:
            raise ChangeRejected("a new household is created with the person as its householder (世帯主)")
        new2 = Household(new_household_id, person.person_id, (membership,))
    else:
        holder = person.person_id if relationship == HOUSEHOLDER else new.householder_id
        new2 = replace(new, members=(*new.members, membership), householder_id=holder)
    ch.household_entries.append((new2.household_id, Entry("member_joined", changed_on, {
        "person_id": person.person_id, "from": old.household_id, "householder_id": new2.householder_id})))
    ch.households[old2.household_id] = old2
    ch.households[new2.household_id] = new2
    ch.persons[person.person_id] = replace(person, household_id=new2.household_id, relationship=relationship,
                                           specific_same_household_since=None)
    ch.person_entries.append((person.person_id, Entry("household_change", changed_on, {
        "before": {"household_id": old.household_id, "relationship": person.relationship},
        "after": {"household_id": new2.household_id, "relationship": relationship}})))
    return ch


def issue_card(person: Person, cards: list[Card], issued_on: date, today: date) -> Change:
    """資格確認書の交付: only to an insured person, and only one valid card at a time."""
    if issued_on > today:
        raise ChangeRejected("a card cannot be issued with a future date")
    if not person.insured_on(issued_on):
        raise ChangeRejected("the person is not insured on the issue date")
    if any(c.recovered_on is None and c.valid_until >= issued_on for c in cards):
        raise ChangeRejected("a valid card is outstanding: recover it first")
    end = history.open_period(person.periods)
    valid_until = date(issued_on.year + CARD_VALIDITY_YEARS, 7, 31) if issued_on.month >= 8 else \
        date(issued_on.year, 7, 31)  # cards run to 31 July, the yearly renewal
    if end is None:
        raise ChangeRejected("the person is not insured")
    card = Card(f"{person.person_id}-C{person.version + 1:04d}", person.person_id, issued_on, valid_until)
    ch = Change(effective_on=issued_on)
    ch.persons[person.person_id] = person
    ch.cards.append(card)
    ch.person_entries.append((person.person_id, Entry("card_issued", issued_on, {
        "card_id": card.card_id, "valid_until": valid_until.isoformat()})))
    return ch


def recover_card(person: Person, card: Card, recovered_on: date, reason: str, today: date) -> Change:
    """資格確認書の回収 (after loss, or on reissue): the card is kept, marked recovered."""
    if card.recovered_on is not None:
        raise ChangeRejected("the card has already been recovered")
    if recovered_on > today or recovered_on < card.issued_on:
        raise ChangeRejected("the date of recovery is not plausible")
    ch = Change(effective_on=recovered_on)
    ch.persons[person.person_id] = person
    ch.cards.append(replace(card, recovered_on=recovered_on, recover_reason=reason))
    ch.person_entries.append((person.person_id, Entry("card_recovered", recovered_on, {
        "card_id": card.card_id, "reason": reason})))
    return ch
