"""Application service of qualification management (資格管理): loads records from the file, applies the
pure rules (service.py), and commits each change in ONE transaction with its history entries, its
access record (アクセス記録) and the assessment's household projection (賦課用世帯情報).

Optimistic locking: person and household profiles carry a version; the caller states the version it
read, and a concurrent winner makes the loser's commit fail → `Conflict` (HTTP 409).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from kokuho.access.records import Actor, record_access
from kokuho.qualification import service
from kokuho.qualification.history import ChangeRejected, fiscal_year_of
from kokuho.qualification.household import is_deemed_householder, premium_case, specific_household_status
from kokuho.qualification.model import BankAccount, Card, Household, Mailing, Person
from kokuho.qualification.reasons import LABELS, Event, Reason, event_of
from kokuho.qualification.transactions import record, transaction
from kokuho.records import intake_files
from kokuho.records import qualification as repo
from kokuho.records.household_cases import get_household_case, put_household_case

CATEGORY = "qualification"
MAX_PAGE = 50  # fixed maximum page size: no bulk export (seed III-3 リスク4)
MAX_PROJECTED_YEARS = 3  # a late notification re-projects at most this many fiscal years


class NotFound(LookupError):
    pass


class Conflict(RuntimeError):
    """Someone else changed the record since it was read (409)."""


def _now() -> datetime:
    return datetime.now(UTC)


def _tx() -> TransactWrite:
    return transaction()


def _load_person(person_id: str) -> Person:
    person = repo.get_person(person_id)
    if person is None:
        raise NotFound("no such person")
    return person


def _load_household(household_id: str) -> Household:
    household = repo.get_household(household_id)
    if household is None:
        raise NotFound("no such household")
    return household


def _committed(change: service.Change, person_id: str) -> Person:
    """The person as the committed change wrote them (the transaction's save advanced the version by
    one): what a read right after the commit returns, without the read."""
    written = change.persons.get(person_id)
    return replace(written, version=written.version + 1) if written is not None else _load_person(person_id)


def _check_version(person: Person, expected: int) -> None:
    if person.version != expected:
        raise Conflict(f"the person has changed since it was read (version {person.version}, not {expected})")


def _household_persons(household: Household, overlay: Mapping[str, Person]) -> dict[str, Person]:
    ids = [m.person_id for m in household.members if m.person_id not in overlay]
    persons = repo.get_persons(ids)
    persons.update({k: v for k, v in overlay.items() if any(m.person_id == k for m in household.members)})
    return persons


def _projection(change: service.Change, today: date) -> list[tuple[str, dict[str, Any]]]:
    """The household cases this change alters: each touched household, for every fiscal year from the
    one of the effective date to the current one (changes are charged back: domain.md)."""
    start = fiscal_year_of(change.effective_on or today)
    end = max(start, fiscal_year_of(today))
    years = list(range(max(start, end - MAX_PROJECTED_YEARS + 1), end + 1))
    out: list[tuple[str, dict[str, Any]]] = []
    for household in change.households.values():
        persons = _household_persons(household, change.persons)
        for fy in years:
            incomes = repo.incomes_of(persons, fy)
            previous = get_household_case(household.household_id, fy)
            care = intake_files.care_of(persons, fy)
            out.append((household.household_id, premium_case(household, persons, fy, incomes, previous, care)))
    return out


def commit(change: service.Change, actor: Actor, operation: str, *, note: str | None = None,
           today: date | None = None, attempts: int = 4, markers: Sequence[Model] = (),
           puts: Sequence[Model] = (), deletes: Sequence[Model] = ()) -> None:
    """Write the whole change, its history, access record and projection, or nothing.

    `markers`: items saved only if absent, in the same transaction — an intake file's "line applied"
    marker (kokuho.intake), so a line is applied exactly once whatever the retries. `puts`/`deletes`:
    items of the change beyond the file's records (a pending acquisition set, or consumed).
    """
    today = today or date.today()
    cases = _projection(change, today)
    for _ in range(attempts):
        now = _now()
        at = now.isoformat(timespec="microseconds")
        try:
            with _tx() as tx:
                _add_change(tx, change, actor, note, at)
                for household_id, case in cases:
                    put_household_case(household_id, case, changed_at=now, transaction=tx)
                _add_markers(tx, markers)
                for item in puts:
                    tx.save(item)
                for item in deletes:
                    tx.delete(item)
                record_access(actor, change.subject_ids, CATEGORY, operation, transaction=tx)
            return
        except TransactWriteError:
            if not _versions_unchanged(change):
                raise Conflict("the record has changed since it was read") from None
            # Only the access chain moved (a concurrent read of the same person): retry.
    raise Conflict("could not commit after several attempts")


def _add_markers(tx: TransactWrite, markers: Sequence[Model]) -> None:
    for marker in markers:
        tx.save(marker, condition=type(marker)._hash_key_attribute().does_not_exist())


def _versions_unchanged(change: service.Change) -> bool:
    for pid, p in change.persons.items():
        cur = repo.get_person(pid)
        if (cur.version if cur else 0) != p.version:
            return False
    for hid, h in change.households.items():
        curh = repo.get_household(hid)
        if (curh.version if curh else 0) != h.version:
            return False
    return True


def _add_change(tx: TransactWrite, change: service.Change, actor: Actor, note: str | None, at: str) -> None:
    who = actor.staff_id
    for person in change.persons.values():
        tx.save(repo.from_person(person, updated_at=at, updated_by=who))
        for key in repo.search_keys(person):
            tx.save(key)
    for household in change.households.values():
        tx.save(repo.from_household(household, updated_at=at, updated_by=who))
    for i, (pid, entry) in enumerate(change.person_entries):
        seq = change.persons[pid].version + 1
        tx.save(_history(repo.person_pk(pid), seq, i, entry, actor, note, at),
                condition=repo.HistoryModel.pk.does_not_exist())
    for i, (hid, entry) in enumerate(change.household_entries):
        seq = change.households[hid].version + 1
        tx.save(_history(repo.household_pk(hid), seq, i, entry, actor, note, at),
                condition=repo.HistoryModel.pk.does_not_exist())
    for card in change.cards:
        model = repo.from_card(card)
        if card.recovered_on is None:
            tx.save(model, condition=repo.CardModel.pk.does_not_exist())
        else:
            tx.save(model, condition=repo.CardModel.recovered_on.does_not_exist())


def _history(pk: str, seq: int, index: int, entry: service.Entry, actor: Actor, note: str | None,
             at: str) -> repo.HistoryModel:
    return repo.HistoryModel(
        pk, f"HIST#{seq:06d}#{index:02d}", seq=seq, kind=entry.kind, effective_on=entry.effective_on.isoformat(),
        cause_on=entry.cause_on.isoformat() if entry.cause_on else None, reason=entry.reason,
        detail=entry.detail, note=note, recorded_at=at, recorded_by=actor.staff_id,
        terminal_id=actor.terminal_id,
    )


# --- registrations --------------------------------------------------------------------------------


def register_person(actor: Actor, person: Person, note: str | None, today: date) -> Person:
    if repo.get_person(person.person_id) is not None:
        raise Conflict("a person with that id is already registered")
    household = repo.get_household(person.household_id)
    change = service.register_person(replace(person, version=0), household, today)
    commit(change, actor, "register_person", note=note, today=today)
    return _committed(change, person.person_id)


def register_qualification(actor: Actor, person_id: str, reason: Reason, cause_on: date, version: int,
                           note: str | None, today: date, *, markers: Sequence[Model] = ()) -> Person:
    person = _load_person(person_id)
    _check_version(person, version)
    household = _load_household(person.household_id)
    persons = _household_persons(household, {person_id: person})
    deletes: list[Model] = []
    if event_of(reason) is Event.ACQUIRE:
        change = service.acquire(person, household, persons, reason, cause_on, today)
        op = "acquire"
        # the 届出 confirms an acquisition the resident register implied (kokuho.intake.residents)
        pending = intake_files.pending_acquisition(person_id)
        if pending is not None:
            deletes.append(pending)
    else:
        change = service.lose(person, household, persons, reason, cause_on, today)
        op = "lose"
    commit(change, actor, op, note=note, today=today, markers=markers, deletes=deletes)
    return _committed(change, person_id)


def register_move(actor: Actor, person_id: str, postal_code: str, address: str, moved_on: date,
                  version: int, note: str | None, today: date, *, markers: Sequence[Model] = ()) -> Person:
    person = _load_person(person_id)
    _check_version(person, version)
    change = service.move(person, postal_code, address, moved_on, today)
    commit(change, actor, "move", note=note, today=today, markers=markers)
    return _committed(change, person_id)


def register_rename(actor: Actor, person_id: str, name_kanji: str, name_kana: str, changed_on: date,
                    version: int, note: str | None, today: date, *, markers: Sequence[Model] = ()) -> Person:
    person = _load_person(person_id)
    _check_version(person, version)
    change = service.rename(person, name_kanji, name_kana, changed_on, today)
    commit(change, actor, "rename", note=note, today=today, markers=markers)
    return _committed(change, person_id)


def register_contact(actor: Actor, person_id: str, changed_on: date, version: int, note: str | None,
                     today: date, *, phone: str | None, mailing: Mailing | None,
                     bank_account: BankAccount | None, clear: frozenset[str]) -> Person:
    person = _load_person(person_id)
    _check_version(person, version)
    change = service.change_contact(person, changed_on, today, phone=phone, mailing=mailing,
                                    bank_account=bank_account, clear=clear)
    commit(change, actor, "contact_change", note=note, today=today)
    return _committed(change, person_id)


def register_household_change(actor: Actor, person_id: str, household_id: str, relationship: str,
                              changed_on: date, new_householder_of_old: str | None, version: int,
                              note: str | None, today: date, *, markers: Sequence[Model] = ()) -> Person:
    person = _load_person(person_id)
    _check_version(person, version)
    old = _load_household(person.household_id)
    new = repo.get_household(household_id)
    persons_old = _household_persons(old, {person_id: person})
    change = service.change_household(person, old, new, relationship, changed_on, today,
                                      new_householder_of_old, persons_old, household_id)
    commit(change, actor, "household_change", note=note, today=today, markers=markers)
    return _committed(change, person_id)


def register_departure(actor: Actor, person_id: str, reason: Reason, cause_on: date, version: int,
                       note: str | None, today: date, *, markers: Sequence[Model] = ()) -> Person:
    """転出 / 死亡 of a person who is not insured: residence and household membership end."""
    person = _load_person(person_id)
    _check_version(person, version)
    household = _load_household(person.household_id)
    persons = _household_persons(household, {person_id: person})
    change = service.depart(person, household, persons, reason, cause_on, today)
    commit(change, actor, "depart", note=note, today=today, markers=markers)
    return _load_person(person_id)


def register_householder_change(actor: Actor, person_id: str, changed_on: date, version: int,
                                note: str | None, today: date, *, markers: Sequence[Model] = ()) -> Person:
    """世帯主変更 within the person's household: the person becomes its householder."""
    person = _load_person(person_id)
    _check_version(person, version)
    household = _load_household(person.household_id)
    persons = _household_persons(household, {person_id: person})
    change = service.change_householder(household, person, persons, changed_on, today)
    commit(change, actor, "householder_change", note=note, today=today, markers=markers)
    return _load_person(person_id)


def register_arrival(actor: Actor, person: Person, pending: tuple[Reason, date, str] | None, note: str | None,
                     today: date, *, markers: Sequence[Model] = ()) -> Person:
    """転入 or 出生 from the resident register: the 宛名 and its household membership (as
    `register_person`) and, for a person with no other insurance, a pending acquisition (reason, cause
    date, source) in the same transaction — confirmed when staff register the acquisition (the 届出)."""
    if repo.get_person(person.person_id) is not None:
        raise Conflict("a person with that id is already registered")
    household = repo.get_household(person.household_id)
    change = service.register_person(replace(person, version=0), household, today)
    puts: list[Model] = []
    if pending is not None:
        reason, cause_on, source = pending
        puts.append(intake_files.PendingAcquisitionModel(
            repo.person_pk(person.person_id), intake_files.PENDING_ACQUISITION, person_id=person.person_id,
            reason=reason.value, cause_on=cause_on.isoformat(), source=source,
            gsi1pk=intake_files.PENDING_ACQUISITION, gsi1sk=f"{cause_on.isoformat()}#{person.person_id}"))
    commit(change, actor, "register_person", note=note, today=today, markers=markers, puts=puts)
    return _load_person(person.person_id)


def issue_card(actor: Actor, person_id: str, issued_on: date, version: int, note: str | None,
               today: date) -> Card:
    person = _load_person(person_id)
    _check_version(person, version)
    change = service.issue_card(person, repo.cards_of(person_id), issued_on, today)
    commit(change, actor, "card_issue", note=note, today=today)
    return change.cards[0]


def recover_card(actor: Actor, person_id: str, card_id: str, recovered_on: date, reason: str, version: int,
                 note: str | None, today: date) -> Card:
    person = _load_person(person_id)
    _check_version(person, version)
    cards = [c for c in repo.cards_of(person_id) if c.card_id == card_id]
    if not cards:
        raise NotFound("no such card for this person")
    change = service.recover_card(person, cards[0], recovered_on, reason, today)
    commit(change, actor, "card_recover", note=note, today=today)
    return change.cards[0]


INCOME_CATEGORY = "income"
# What an income record keeps from before when the tax office sends a new one: facts the tax file does
# not carry (非自発的失業者 is notified at the counter, not by the tax office).
_KEPT_FROM_BEFORE = ("involuntary_unemployment",)


def register_incomes(actor: Actor, household_id: str, fiscal_year: int,
                     incomes: Mapping[str, Mapping[str, Any]], *, operation: str = "write",
                     markers: Sequence[Model] = (), attempts: int = 4) -> dict[str, Any]:
    """所得 (総所得金額等 and its parts) of members of one household for a fiscal year, as the tax office
    sends them (当初課税, 更正): stored as each person's income record for the year, and the household's
    case for that year re-projected — in ONE transaction with the access record, so the next monthly
    run reassesses exactly the households whose income changed. The household and its members must be
    as read (their versions are checked in the transaction); a concurrent registration → re-read.
    Returns the projected case."""
    return _register_facts(actor, household_id, fiscal_year, incomes=incomes, care={}, category=INCOME_CATEGORY,
                           operation=operation, markers=markers, attempts=attempts)


def register_care(actor: Actor, household_id: str, fiscal_year: int, care: Mapping[str, Mapping[str, Any]], *,
                  markers: Sequence[Model] = (), attempts: int = 4) -> dict[str, Any]:
    """介護保険 information of members of one household for a fiscal year (2号 適用除外, 介護保険料): stored,
    and the household's case for the year re-projected, in one transaction (as `register_incomes`)."""
    return _register_facts(actor, household_id, fiscal_year, incomes={}, care=care, category="care",
                           operation="write", markers=markers, attempts=attempts)


def _register_facts(actor: Actor, household_id: str, fiscal_year: int, *, incomes: Mapping[str, Mapping[str, Any]],
                    care: Mapping[str, Mapping[str, Any]], category: str, operation: str,
                    markers: Sequence[Model], attempts: int) -> dict[str, Any]:
    from kokuho.records.qualification import IncomeModel, PersonModel

    named = [*incomes, *(p for p in care if p not in incomes)]
    for _ in range(attempts):
        household = _load_household(household_id)
        persons = _household_persons(household, {})
        if set(named) - set(persons):
            raise ChangeRejected("a record was given for someone not in the household")
        stored = repo.incomes_of(persons, fiscal_year)
        stored_care = intake_files.care_of(persons, fiscal_year)
        previous = get_household_case(household_id, fiscal_year)
        before = {str(m.get("id")): m for m in ((previous or {}).get("household") or {}).get("members") or []}
        new: dict[str, dict[str, Any]] = {}
        for pid, income in incomes.items():
            kept = stored.get(pid) or dict(before.get(pid) or {})
            new[pid] = {**{k: kept.get(k) for k in _KEPT_FROM_BEFORE}, **income}
        case = premium_case(household, persons, fiscal_year, {**stored, **new}, previous,
                            {**stored_care, **{p: dict(c) for p, c in care.items()}})
        now = _now()
        try:
            with _tx() as tx:
                for pid, income in new.items():
                    tx.save(IncomeModel(repo.person_pk(pid), f"INCOME#{fiscal_year}", income=income))
                for pid, record in care.items():
                    tx.save(intake_files.CareModel(repo.person_pk(pid), f"CARE#{fiscal_year}", care=dict(record)))
                tx.condition_check(repo.HouseholdModel, repo.household_pk(household_id), "PROFILE",
                                   condition=repo.HouseholdModel.version == household.version)
                for pid in named:
                    tx.condition_check(PersonModel, repo.person_pk(pid), "PROFILE",
                                       condition=PersonModel.version == persons[pid].version)
                put_household_case(household_id, case, changed_at=now, transaction=tx)
                _add_markers(tx, markers)
                record_access(actor, [*named, f"HH:{household_id}"], category, operation, transaction=tx)
            return case
        except TransactWriteError:
            continue  # the household, a member or the access chain moved: read again
    raise Conflict("could not store the records after several attempts")


# --- reads ------------------------------------------------------------------------------------------


def person_view(person: Person, today: date, masked_my_number: str) -> dict[str, Any]:
    """A person as the API shows them: My Number only ever masked."""
    return {
        "person_id": person.person_id, "resident_code": person.resident_code,
        "household_id": person.household_id, "name_kanji": person.name_kanji, "name_kana": person.name_kana,
        "birth_date": person.birth_date.isoformat(), "sex": person.sex, "relationship": person.relationship,
        "postal_code": person.postal_code, "address": person.address, "phone": person.phone,
        "mailing": vars(person.mailing) if person.mailing else None,
        "bank_account": vars(person.bank_account) if person.bank_account else None,
        "resident_from": person.resident_from.isoformat() if person.resident_from else None,
        "resident_until": person.resident_until.isoformat() if person.resident_until else None,
        "death_date": person.death_date.isoformat() if person.death_date else None,
        "insured": person.insured_on(today),
        "qualification": [p.to_dict() | {
            "acquire_label": LABELS[p.acquire_reason],
            "lose_label": LABELS[p.lose_reason] if p.lose_reason else None} for p in person.periods],
        "specific_same_household_since": person.specific_same_household_since.isoformat()
        if person.specific_same_household_since else None,
        "my_number": masked_my_number, "version": person.version,
    }


def _mask_of(on_file: bool) -> str:
    from kokuho.identity.mynumber import mask

    return mask("x") if on_file else ""


def read_person(actor: Actor, person_id: str, today: date) -> dict[str, Any]:
    found = repo.read_person_file(person_id)  # profile, history, cards and marker: one query
    if found is None:
        record(actor, [person_id], CATEGORY, "read", result="not_found")
        raise NotFound("no such person")
    view = person_view(found.person, today, _mask_of(found.my_number_on_file))
    view["history"] = found.history
    view["cards"] = [{"card_id": c.card_id, "issued_on": c.issued_on.isoformat(),
                      "valid_until": c.valid_until.isoformat(),
                      "recovered_on": c.recovered_on.isoformat() if c.recovered_on else None,
                      "recover_reason": c.recover_reason} for c in found.cards]
    record(actor, [person_id], CATEGORY, "read")
    return view


def read_household(actor: Actor, household_id: str, today: date) -> dict[str, Any]:
    found = repo.read_household_file(household_id)  # profile and history: one query
    if found is None:
        record(actor, [f"HH:{household_id}"], CATEGORY, "read", result="not_found")
        raise NotFound("no such household")
    household, history = found
    persons, marked = repo.persons_with_markers(m.person_id for m in household.members)  # one request
    masks = {p: _mask_of(p in marked) for p in persons}
    head = persons.get(household.householder_id)
    members = []
    for m in household.members:
        p = persons.get(m.person_id)
        members.append(m.to_dict() | {
            "name_kanji": p.name_kanji if p else None, "insured": p.insured_on(today) if p else False,
            "specific_same_household": bool(p and p.specific_same_household_since and m.left_on is None),
            "my_number": masks.get(m.person_id, "")})
    view = {
        "household_id": household_id, "householder_id": household.householder_id,
        "deemed_householder": bool(head and is_deemed_householder(household, head, today)),
        "specific_household": specific_household_status(household.specific_since, today),
        "specific_since": household.specific_since.isoformat() if household.specific_since else None,
        "members": members, "history": history, "version": household.version,
    }
    record(actor, [f"HH:{household_id}", *persons], CATEGORY, "read")
    return view


def _token(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


def _untoken(token: str | None) -> dict[str, Any] | None:
    if not token:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ChangeRejected("page_token is not a token this API issued") from exc
    if not isinstance(key, dict) or set(key) != {"pk", "sk", "gsi1pk", "gsi1sk"} or not all(
            isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) and 0 < len(v["S"]) <= 400
            for v in key.values()):
        raise ChangeRejected("page_token is not a token this API issued")
    return key


def search(actor: Actor, criteria: Mapping[str, str | None], limit: int, page_token: str | None,
           today: date) -> dict[str, Any]:
    """Search insured persons by 住民コード, birth date, postal code (+ address prefix) or kana prefix.
    One index drives the query, the other criteria filter; never by My Number."""
    limit = max(1, min(limit, MAX_PAGE))
    kana = repo.normalize_kana(criteria.get("kana") or "")
    SK = repo.SearchKeyModel
    cond: Any = None
    if criteria.get("resident_code"):
        pk = f"RES#{criteria['resident_code']}"
    elif criteria.get("birth_date"):
        pk = f"BIRTH#{criteria['birth_date']}"
    elif criteria.get("postal_code"):
        pk = f"POSTAL#{criteria['postal_code']}"
        if criteria.get("address"):
            cond = SK.gsi1sk.startswith(str(criteria["address"]))
    elif kana:
        pk = f"KANA#{kana[:1]}"
        cond = SK.gsi1sk.startswith(kana)
    else:
        raise ChangeRejected("give at least one of resident_code, birth_date, postal_code, kana")
    start = _untoken(page_token)
    if start is not None and start["gsi1pk"]["S"] != pk:
        raise ChangeRejected("page_token belongs to another search")
    result = SK.by_key.query(pk, cond, limit=limit, last_evaluated_key=start)
    ids = [k.person_id for k in result]
    next_key = result.last_evaluated_key
    persons, marked = repo.persons_with_markers(ids)  # profiles and My Number markers: one request
    masks = {p: _mask_of(p in marked) for p in ids}
    hits = []
    for pid in ids:
        p = persons.get(pid)
        if p is None or not _matches(p, criteria, kana):
            continue
        hits.append({"person_id": p.person_id, "resident_code": p.resident_code, "name_kanji": p.name_kanji,
                     "name_kana": p.name_kana, "birth_date": p.birth_date.isoformat(), "sex": p.sex,
                     "postal_code": p.postal_code, "address": p.address, "household_id": p.household_id,
                     "insured": p.insured_on(today), "my_number": masks.get(pid, "")})
    subjects: list[str] = [str(h["person_id"]) for h in hits] or ["no-match"]
    record(actor, subjects, CATEGORY, "search", chain=f"SEARCH#{actor.staff_id}")
    return {"items": hits, "next_token": _token(next_key)}


def _matches(p: Person, c: Mapping[str, str | None], kana: str) -> bool:
    if c.get("resident_code") and p.resident_code != c["resident_code"]:
        return False
    if c.get("birth_date") and p.birth_date.isoformat() != c["birth_date"]:
        return False
    if c.get("postal_code") and p.postal_code != c["postal_code"]:
        return False
    if c.get("address") and not p.address.startswith(str(c["address"])):
        return False
    return not (kana and not repo.normalize_kana(p.name_kana).startswith(kana))


def simulate(actor: Actor, household_id: str, fiscal_year: int,
             income_overrides: Mapping[str, Mapping[str, Any]] | None, today: date) -> dict[str, Any]:
    """窓口試算: the household's premium for a year from the file (incomes may be given at the counter)."""
    household = repo.get_household(household_id)
    if household is None:
        raise NotFound("no such household")
    persons = _household_persons(household, {})
    incomes = repo.incomes_of(persons, fiscal_year)
    for pid, inc in (income_overrides or {}).items():
        if pid not in persons:
            raise ChangeRejected("an income was given for someone not in the household")
        incomes[pid] = dict(inc)
    case = premium_case(household, persons, fiscal_year, incomes, None, intake_files.care_of(persons, fiscal_year))
    from kokuho.premium import compute_case

    result = compute_case(case)
    subjects: list[str] = [f"HH:{household_id}", *persons.keys()]
    record(actor, subjects, "premium", "simulate")
    return {"case": case, "result": result}
