"""The NHI information file in the "qualification" table (pynamodb models and conversions).

Item layout (generic keys pk/sk, gsi1pk/gsi1sk):
- PERSON#<id> / PROFILE           宛名 and NHI status (periods), version-locked (VersionAttribute); on gsi1
                                   under the keyed hash of its 住民コード (the RES search key: no item of
                                   its own, kokuho.records.search_index)
- PERSON#<id> / HIST#<version>     one history entry per change: what, effective when, cause, who, why
- PERSON#<id> / CARD#<card_id>     資格確認書 issued (recovered ones kept, marked)
- PERSON#<id> / IDX#<kind>         the other search keys on gsi1, keyed hashes (kokuho.records.search_index, with the
                                   kana and address directories and the search-index secret)
- PERSON#<id> / INCOME#<fy>        income record (総所得金額等 …) when one has been stored
- RESIDENT#<住民コード> / PERSON     the person registered with that resident code (written when the person
                                   is registered): the intakes find many 宛名番号 by one batch read
- PERSON#<id> / MYNUMBER           marker: the vault holds a My Number for this person (no number, no
                                   hash: the API's read routes show "on file" without the vault's table)
- HOUSEHOLD#<id> / PROFILE         世帯: householder, members past and present, 特定世帯 since; version-locked
- HOUSEHOLD#<id> / HIST#<version>  household history (members joining/leaving, 擬制世帯主, 特定世帯)

History sort keys are the version the change produced, written with attribute_not_exists: two
registrations on the same version cannot both commit (the loser gets 409), nothing is overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, VersionAttribute

from kokuho.qualification.history import Period
from kokuho.qualification.model import BankAccount, Card, Household, Mailing, Membership, Person
from kokuho.qualification.ports import PersonFile
from kokuho.records.base import Gsi1, TableModel, table_meta


def person_pk(person_id: str) -> str:
    return f"PERSON#{person_id}"


def household_pk(household_id: str) -> str:
    return f"HOUSEHOLD#{household_id}"


class MyNumberOnFileModel(TableModel):
    """Written by the vault in the transaction that stores a number; read by the read routes' masks."""

    Meta = table_meta("qualification")


MY_NUMBER_ON_FILE = "MYNUMBER"


class PersonModel(TableModel):
    Meta = table_meta("qualification")

    person_id = UnicodeAttribute()
    resident_code = UnicodeAttribute()
    household_id = UnicodeAttribute()
    name_kanji = UnicodeAttribute()
    name_kana = UnicodeAttribute()
    birth_date = UnicodeAttribute()
    sex = UnicodeAttribute()
    relationship = UnicodeAttribute()
    postal_code = UnicodeAttribute()
    address = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    mailing = JSONAttribute(null=True)
    bank_account = JSONAttribute(null=True)
    resident_from = UnicodeAttribute(null=True)
    resident_until = UnicodeAttribute(null=True)
    death_date = UnicodeAttribute(null=True)
    periods = JSONAttribute(default=list)
    specific_same_household_since = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()
    version = VersionAttribute()
    # the RES search key (kokuho.records.search_index.profile_search_key): written with every profile
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)


class HistoryModel(TableModel):
    """A history entry of a person or a household (immutable once written)."""

    Meta = table_meta("qualification")

    seq = NumberAttribute()
    kind = UnicodeAttribute()
    effective_on = UnicodeAttribute()
    cause_on = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    detail = JSONAttribute(default=dict)
    note = UnicodeAttribute(null=True)  # why (the clerk's words, e.g. the form received)
    recorded_at = UnicodeAttribute()
    recorded_by = UnicodeAttribute()
    terminal_id = UnicodeAttribute()


class CardModel(TableModel):
    Meta = table_meta("qualification")

    card_id = UnicodeAttribute()
    person_id = UnicodeAttribute()
    issued_on = UnicodeAttribute()
    valid_until = UnicodeAttribute()
    recovered_on = UnicodeAttribute(null=True)
    recover_reason = UnicodeAttribute(null=True)


class SearchKeyModel(TableModel):
    """A person's search key (kokuho.records.search_index): gsi1pk a keyed hash, gsi1sk the person id."""

    Meta = table_meta("qualification")

    person_id = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_key = Gsi1["SearchKeyModel"]()


class ResidentCodeModel(TableModel):
    """Who was registered with a resident code (住民コード / 宛名番号): a key to batch-read, where the
    search index (a code's keyed hash on gsi1) takes one query a code."""

    Meta = table_meta("qualification")

    person_id = UnicodeAttribute()


def resident_code_item(p: Person) -> ResidentCodeModel:
    return ResidentCodeModel(f"RESIDENT#{p.resident_code}", "PERSON", person_id=p.person_id)


def holders_of_codes(codes: Iterable[str]) -> dict[str, str]:
    """Resident code → the person id registered with it (codes nobody was registered with are absent)."""
    keys = [(f"RESIDENT#{c}", "PERSON") for c in dict.fromkeys(codes)]
    return {m.pk.removeprefix("RESIDENT#"): m.person_id for m in ResidentCodeModel.batch_get(keys)} if keys else {}


class IncomeModel(TableModel):
    """所得情報 of a person for a fiscal year (written by the tax intake; read here for the case)."""

    Meta = table_meta("qualification")

    income = JSONAttribute()  # {"total", "salary", "pension", "declared", "salary_or_pension_earner", ...}


class HouseholdModel(TableModel):
    Meta = table_meta("qualification")

    household_id = UnicodeAttribute()
    householder_id = UnicodeAttribute()
    members = JSONAttribute(default=list)
    specific_since = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()
    version = VersionAttribute()


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _s(value: date | None) -> str | None:
    return value.isoformat() if value else None


def to_person(m: PersonModel) -> Person:
    return Person(
        person_id=m.person_id, resident_code=m.resident_code, household_id=m.household_id,
        name_kanji=m.name_kanji, name_kana=m.name_kana, birth_date=date.fromisoformat(m.birth_date),
        sex=m.sex, relationship=m.relationship, postal_code=m.postal_code, address=m.address, phone=m.phone,
        mailing=Mailing(**m.mailing) if m.mailing else None,
        bank_account=BankAccount(**m.bank_account) if m.bank_account else None,
        resident_from=_d(m.resident_from), resident_until=_d(m.resident_until), death_date=_d(m.death_date),
        periods=tuple(Period.from_dict(p) for p in (m.periods or [])),
        specific_same_household_since=_d(m.specific_same_household_since),
        version=int(m.version or 0),
    )


def from_person(p: Person, *, updated_at: str, updated_by: str) -> PersonModel:
    """Model to save; `version` is the version read (None for a new person) so the save is conditional."""
    m = PersonModel(
        person_pk(p.person_id), "PROFILE", person_id=p.person_id, resident_code=p.resident_code,
        household_id=p.household_id, name_kanji=p.name_kanji, name_kana=p.name_kana,
        birth_date=p.birth_date.isoformat(), sex=p.sex, relationship=p.relationship,
        postal_code=p.postal_code, address=p.address, phone=p.phone,
        mailing=vars(p.mailing) if p.mailing else None,
        bank_account=vars(p.bank_account) if p.bank_account else None,
        resident_from=_s(p.resident_from), resident_until=_s(p.resident_until), death_date=_s(p.death_date),
        periods=[x.to_dict() for x in p.periods],
        specific_same_household_since=_s(p.specific_same_household_since),
        updated_at=updated_at, updated_by=updated_by,
    )
    if p.version:
        m.version = p.version
    return m


def to_household(m: HouseholdModel) -> Household:
    return Household(
        household_id=m.household_id, householder_id=m.householder_id,
        members=tuple(Membership.from_dict(x) for x in (m.members or [])),
        specific_since=_d(m.specific_since), version=int(m.version or 0),
    )


def from_household(h: Household, *, updated_at: str, updated_by: str) -> HouseholdModel:
    m = HouseholdModel(
        household_pk(h.household_id), "PROFILE", household_id=h.household_id, householder_id=h.householder_id,
        members=[x.to_dict() for x in h.members], specific_since=_s(h.specific_since),
        updated_at=updated_at, updated_by=updated_by,
    )
    if h.version:
        m.version = h.version
    return m


def to_card(m: CardModel) -> Card:
    return Card(m.card_id, m.person_id, date.fromisoformat(m.issued_on), date.fromisoformat(m.valid_until),
                _d(m.recovered_on), m.recover_reason)


def from_card(c: Card) -> CardModel:
    return CardModel(person_pk(c.person_id), f"CARD#{c.card_id}", card_id=c.card_id, person_id=c.person_id,
                     issued_on=c.issued_on.isoformat(), valid_until=c.valid_until.isoformat(),
                     recovered_on=_s(c.recovered_on), recover_reason=c.recover_reason)


def get_person(person_id: str) -> Person | None:
    try:
        return to_person(PersonModel.get(person_pk(person_id), "PROFILE", consistent_read=True))
    except PersonModel.DoesNotExist:
        return None


def get_persons(person_ids: Iterable[str]) -> dict[str, Person]:
    keys = [(person_pk(i), "PROFILE") for i in dict.fromkeys(person_ids)]
    return {m.person_id: to_person(m) for m in PersonModel.batch_get(keys)} if keys else {}


def get_households(household_ids: Iterable[str]) -> dict[str, Household]:
    keys = [(household_pk(i), "PROFILE") for i in dict.fromkeys(household_ids)]
    return {m.household_id: to_household(m) for m in HouseholdModel.batch_get(keys)} if keys else {}


def get_household(household_id: str) -> Household | None:
    try:
        return to_household(HouseholdModel.get(household_pk(household_id), "PROFILE", consistent_read=True))
    except HouseholdModel.DoesNotExist:
        return None


def _entry(h: HistoryModel) -> dict[str, Any]:
    return {"seq": int(h.seq), "kind": h.kind, "effective_on": h.effective_on, "cause_on": h.cause_on,
            "reason": h.reason, "detail": h.detail or {}, "note": h.note, "recorded_at": h.recorded_at,
            "recorded_by": h.recorded_by, "terminal_id": h.terminal_id}


def _collection(pk: str) -> Iterator[dict[str, Any]]:
    """Every item under one partition key, raw, strongly consistent (pages followed)."""
    connection = PersonModel._get_connection()
    start: dict[str, Any] | None = None
    while True:
        page = connection.query(pk, consistent_read=True, exclusive_start_key=start)
        yield from page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return


def read_person_file(person_id: str) -> PersonFile | None:
    """Profile, history, cards and the My Number marker of a person in ONE query of PERSON#<id> (the
    item collection: one request instead of four, each a round trip on AWS too); None: no such person."""
    profile: PersonModel | None = None
    history: list[dict[str, Any]] = []
    cards: list[Card] = []
    on_file = False
    for raw in _collection(person_pk(person_id)):
        sk = raw["sk"]["S"]
        if sk == "PROFILE":
            profile = PersonModel.from_raw_data(raw)
        elif sk.startswith("HIST#"):
            history.append(_entry(HistoryModel.from_raw_data(raw)))
        elif sk.startswith("CARD#"):
            cards.append(to_card(CardModel.from_raw_data(raw)))
        elif sk == MY_NUMBER_ON_FILE:
            on_file = True
    return PersonFile(to_person(profile), history, cards, on_file) if profile is not None else None


def read_household_file(household_id: str) -> tuple[Household, list[dict[str, Any]]] | None:
    """A household's profile and history in ONE query of HOUSEHOLD#<id>; None: no such household."""
    profile: HouseholdModel | None = None
    history: list[dict[str, Any]] = []
    for raw in _collection(household_pk(household_id)):
        sk = raw["sk"]["S"]
        if sk == "PROFILE":
            profile = HouseholdModel.from_raw_data(raw)
        elif sk.startswith("HIST#"):
            history.append(_entry(HistoryModel.from_raw_data(raw)))
    return (to_household(profile), history) if profile is not None else None


def persons_with_markers(person_ids: Iterable[str]) -> tuple[dict[str, Person], set[str]]:
    """The profiles of these persons and which of them have a My Number on file (the vault's marker):
    their PROFILE and MYNUMBER items in one BatchGetItem (100 keys a request; unprocessed keys retried)."""
    ids = list(dict.fromkeys(person_ids))
    keys = [{"pk": {"S": person_pk(p)}, "sk": {"S": sk}} for p in ids for sk in ("PROFILE", MY_NUMBER_ON_FILE)]
    connection, name = PersonModel._get_connection(), PersonModel.Meta.table_name
    persons: dict[str, Person] = {}
    marked: set[str] = set()
    for at in range(0, len(keys), 100):
        pending = keys[at:at + 100]
        while pending:
            data = connection.batch_get_item(pending)  # type: ignore[arg-type]
            for raw in data.get("Responses", {}).get(name, []):
                if raw["sk"]["S"] == "PROFILE":
                    person = to_person(PersonModel.from_raw_data(raw))
                    persons[person.person_id] = person
                else:
                    marked.add(raw["pk"]["S"].removeprefix("PERSON#"))
            pending = data.get("UnprocessedKeys", {}).get(name, {}).get("Keys") or []
    return persons, marked


def cards_of(person_id: str) -> list[Card]:
    return [to_card(c) for c in CardModel.query(person_pk(person_id), CardModel.sk.startswith("CARD#"),
                                                consistent_read=True)]


def incomes_of(person_ids: Iterable[str], fiscal_year: int) -> dict[str, dict[str, Any]]:
    """Income records for the fiscal year (assessment of FY uses the previous calendar year's income)."""
    keys = [(person_pk(i), f"INCOME#{fiscal_year}") for i in dict.fromkeys(person_ids)]
    if not keys:
        return {}
    return {m.pk.removeprefix("PERSON#"): dict(m.income) for m in IncomeModel.batch_get(keys)}


def put_income(person_id: str, fiscal_year: int, income: dict[str, Any]) -> None:
    IncomeModel(person_pk(person_id), f"INCOME#{fiscal_year}", income=income).save()
