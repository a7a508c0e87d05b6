"""Reads of the information file as the API shows them, against the file's port: a person, a household,
a search, the counter's premium simulation — each leaving its access record (アクセス記録), also when
nothing is found. The My Number is only ever shown masked ("on file" or not: the vault's marker).

Every function takes the store first (kokuho.qualification.ports.QualificationStore); the wired ones
are kokuho.qualification.application's. Unit tests run them on tests/fakes/qualification_store.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from kokuho.access.actor import Actor
from kokuho.qualification.errors import NotFound
from kokuho.qualification.history import ChangeRejected
from kokuho.qualification.household import is_deemed_householder, premium_case, specific_household_status
from kokuho.qualification.model import Person, normalize_kana
from kokuho.qualification.ports import InvalidPageToken, QualificationStore
from kokuho.qualification.reasons import LABELS
from kokuho.qualification.registrations import CATEGORY, household_persons

MAX_PAGE = 50  # fixed maximum page size: no bulk export (seed III-3 リスク4)


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


def read_person(store: QualificationStore, actor: Actor, person_id: str, today: date) -> dict[str, Any]:
    found = store.person_file(person_id)  # profile, history, cards and marker: one query
    if found is None:
        store.record(actor, [person_id], CATEGORY, "read", result="not_found")
        raise NotFound("no such person")
    view = person_view(found.person, today, _mask_of(found.my_number_on_file))
    view["history"] = found.history
    view["cards"] = [{"card_id": c.card_id, "issued_on": c.issued_on.isoformat(),
                      "valid_until": c.valid_until.isoformat(),
                      "recovered_on": c.recovered_on.isoformat() if c.recovered_on else None,
                      "recover_reason": c.recover_reason} for c in found.cards]
    store.record(actor, [person_id], CATEGORY, "read")
    return view


def read_household(store: QualificationStore, actor: Actor, household_id: str, today: date) -> dict[str, Any]:
    found = store.household_file(household_id)  # profile and history: one query
    if found is None:
        store.record(actor, [f"HH:{household_id}"], CATEGORY, "read", result="not_found")
        raise NotFound("no such household")
    household, history = found
    persons, marked = store.persons_with_markers(m.person_id for m in household.members)  # one request
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
    store.record(actor, [f"HH:{household_id}", *persons], CATEGORY, "read")
    return view


def search(store: QualificationStore, actor: Actor, criteria: Mapping[str, str | None], limit: int,
           page_token: str | None, today: date) -> dict[str, Any]:
    """Search insured persons by 住民コード, birth date, postal code (+ address prefix) or kana prefix.
    One index drives the query, the other criteria filter; never by My Number."""
    limit = max(1, min(limit, MAX_PAGE))
    kana = normalize_kana(criteria.get("kana") or "")
    prefix: str | None = None
    if criteria.get("resident_code"):
        index, value = "RES", str(criteria["resident_code"])
    elif criteria.get("birth_date"):
        index, value = "BIRTH", str(criteria["birth_date"])
    elif criteria.get("postal_code"):
        index, value = "POSTAL", str(criteria["postal_code"])
        prefix = str(criteria["address"]) if criteria.get("address") else None
    elif kana:
        index, value, prefix = "KANA", kana[:1], kana
    else:
        raise ChangeRejected("give at least one of resident_code, birth_date, postal_code, kana")
    try:
        page = store.search(index, value, prefix, limit, page_token)
    except InvalidPageToken as exc:
        raise ChangeRejected(str(exc)) from exc
    ids = page.person_ids
    persons, marked = store.persons_with_markers(ids)  # profiles and My Number markers: one request
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
    store.record(actor, subjects, CATEGORY, "search", chain=f"SEARCH#{actor.staff_id}")
    return {"items": hits, "next_token": page.next_token}


def _matches(p: Person, c: Mapping[str, str | None], kana: str) -> bool:
    if c.get("resident_code") and p.resident_code != c["resident_code"]:
        return False
    if c.get("birth_date") and p.birth_date.isoformat() != c["birth_date"]:
        return False
    if c.get("postal_code") and p.postal_code != c["postal_code"]:
        return False
    if c.get("address") and not p.address.startswith(str(c["address"])):
        return False
    return not (kana and not normalize_kana(p.name_kana).startswith(kana))


def simulate(store: QualificationStore, actor: Actor, household_id: str, fiscal_year: int,
             income_overrides: Mapping[str, Mapping[str, Any]] | None, today: date) -> dict[str, Any]:
    """窓口試算: the household's premium for a year from the file (incomes may be given at the counter)."""
    household = store.household(household_id)
    if household is None:
        raise NotFound("no such household")
    persons = household_persons(store, household, {})
    incomes = store.incomes(persons, fiscal_year)
    for pid, inc in (income_overrides or {}).items():
        if pid not in persons:
            raise ChangeRejected("an income was given for someone not in the household")
        incomes[pid] = dict(inc)
    case = premium_case(household, persons, fiscal_year, incomes, None, store.care(persons, fiscal_year))
    from kokuho.premium import compute_case

    result = compute_case(case)
    subjects: list[str] = [f"HH:{household_id}", *persons.keys()]
    store.record(actor, subjects, "premium", "simulate")
    return {"case": case, "result": result}


def care_premiums(store: QualificationStore, actor: Actor, person_ids: Sequence[str],
                  fiscal_year: int) -> dict[str, int]:
    """The 介護保険料 of the year the care intake stored for these persons (kokuho.intake.care), for the
    pension-deduction test (kokuho.collection.pension_deduction.qualify takes it); a person the care
    system sent nothing for is absent (not zero). The read is recorded."""
    records = store.care(person_ids, fiscal_year)
    store.record(actor, list(person_ids), "care", "read")
    return {pid: int(r["care_premium"]) for pid, r in records.items() if r.get("care_premium") is not None}
