"""住民基本台帳の異動 intake: the resident register's daily file of changes (docs/city_intake_files.md).

One line per change, keyed by the city's resident reference (宛名番号 — the 住民コード of the NHI file),
never by My Number:

    {"atena_no": "0001234567", "event": "転出", "event_date": "2024-06-10"}

Each 異動 becomes the registration it implies, through the same application code as the API
(kokuho.qualification.application), with its history, projection and access record in one transaction
together with the line's "applied" marker:

- 転入, 出生: the 宛名 joins its household (`register_arrival`); for a person without other insurance,
  a pending acquisition dated the 転入日 / 出生日, which staff confirm by registering the acquisition
  through the API (国保法 第9条: membership follows a 届出).
- 転出, 死亡: insured → the loss on the day after (`register_qualification`); not insured → residence and
  household membership end (`register_departure`).
- 転居: `register_move`; 氏名変更: `register_rename`.
- 世帯分離, 世帯合併: `register_household_change` into the 世帯番号 given (created when new).
- 世帯主変更: `register_householder_change` — the person becomes the householder of their household.

The whole file is checked before anything is written: its framing and every field, the same person
twice (refused naming both lines), and then every change simulated in file order against the file's
current state with the same rules (kokuho.qualification.service) — an unknown 宛名番号, a 転出 dated
before the person became resident, a death in the future refuse the file naming line and field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, field_validator

from kokuho.identity.mynumber import contains_my_number
from kokuho.intake.framing import MAX_ERRORS, IntakeError, field_errors, iso_date, validate_lines
from kokuho.qualification.history import ChangeRejected
from kokuho.qualification.model import Household, Person
from kokuho.qualification.reasons import Reason, late_elderly_date
from kokuho.qualification.service import Change

KIND = "residents"
RESIDENT_REF = r"^[0-9]{6,10}$"  # 宛名番号: 6–10 digits (never 12: a My Number is never a key)
HOUSEHOLD_REF = r"^[A-Za-z0-9][A-Za-z0-9\-]{0,31}$"  # 世帯番号, as the API's household ids
TEXT = r"^[^\x00-\x1f\x7f]*$"
KANA = r"^[\u3041-\u3096\u30A1-\u30FA\u30FC\uFF66-\uFF9F\u3000 ]+$"
POSTAL = r"^[0-9]{3}-?[0-9]{4}$"
PERSON_PREFIX = "A"  # the person id of someone the register brings in: A<宛名番号>

Event = Literal["転入", "転出", "転居", "出生", "死亡", "世帯分離", "世帯合併", "世帯主変更", "氏名変更"]
_ARRIVAL = ("household_no", "relationship", "name_kanji", "name_kana", "sex", "postal_code", "address",
            "other_insurance")
REQUIRED: dict[str, tuple[str, ...]] = {
    "転入": (*_ARRIVAL, "birth_date"), "出生": _ARRIVAL, "転出": (), "死亡": (), "転居": ("postal_code", "address"),
    "氏名変更": ("name_kanji", "name_kana"), "世帯分離": ("household_no", "relationship"),
    "世帯合併": ("household_no", "relationship"), "世帯主変更": (),
}
OPTIONAL: dict[str, tuple[str, ...]] = {"世帯分離": ("new_householder_atena",), "世帯合併": ("new_householder_atena",),
                                        "転入": ("nhi_notified",), "出生": ("nhi_notified",)}
_BASE = ("atena_no", "event", "event_date")


class ResidentRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    atena_no: Annotated[str, Field(pattern=RESIDENT_REF)]
    event: Event
    event_date: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]  # 異動日
    household_no: Annotated[str, Field(pattern=HOUSEHOLD_REF)] | None = None  # 世帯番号 after the change
    relationship: Annotated[str, Field(min_length=1, max_length=10, pattern=TEXT)] | None = None  # 続柄
    name_kanji: Annotated[str, Field(min_length=1, max_length=40, pattern=TEXT)] | None = None
    name_kana: Annotated[str, Field(min_length=1, max_length=60, pattern=KANA)] | None = None
    birth_date: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None
    sex: Literal["1", "2"] | None = None
    postal_code: Annotated[str, Field(pattern=POSTAL)] | None = None
    address: Annotated[str, Field(min_length=1, max_length=120, pattern=TEXT)] | None = None
    other_insurance: StrictBool | None = None  # 社保・後期高齢者医療・生活保護: no NHI acquisition implied
    # the 国保 加入届 was made with the 異動 at the same counter: the acquisition is registered, not pending
    nhi_notified: StrictBool | None = None
    new_householder_atena: Annotated[str, Field(pattern=RESIDENT_REF)] | None = None

    @field_validator("event_date", "birth_date")
    @classmethod
    def _date(cls, v: str | None) -> str | None:
        if v is not None:
            iso_date(v)
        return v


@dataclass(frozen=True)
class ResidentLine:
    line: int
    record: ResidentRecord

    @property
    def on(self) -> date:
        return date.fromisoformat(self.record.event_date)


def _line(n: int, obj: Mapping[str, Any]) -> tuple[ResidentLine | None, list[IntakeError]]:
    try:
        rec = ResidentRecord.model_validate(obj)
    except ValidationError as exc:
        return None, field_errors(n, exc)
    given = {k for k in obj if obj[k] is not None}
    allowed = {*_BASE, *REQUIRED[rec.event], *OPTIONAL.get(rec.event, ())}
    errors = [IntakeError(n, f, f"is required for {rec.event}") for f in REQUIRED[rec.event] if f not in given]
    errors += [IntakeError(n, f, f"is not part of a {rec.event}") for f in sorted(given - allowed)]
    if rec.nhi_notified and rec.other_insurance:
        errors.append(IntakeError(n, "nhi_notified", "a 国保 届出 of a person covered elsewhere (other_insurance)"))
    for f in ("name_kanji", "address", "relationship", "household_no"):
        value = getattr(rec, f)
        if value is not None and contains_my_number(value):
            errors.append(IntakeError(n, f, "must not contain a My Number"))
    return (None, errors) if errors else (ResidentLine(n, rec), [])


def parse_file(data: bytes | str) -> tuple[list[ResidentLine], list[IntakeError]]:
    """Framing and fields of every line, and the same person twice (both lines named)."""
    return validate_lines(data, "change", _line, lambda item: item.record.atena_no,
                          "the same person as line {line}: one change a person a file")


# --- the file's state, read once and changed as the lines are simulated -------------------------------


class FileState:
    """Persons and households as the lines see them: read from the file (the NHI information file) on
    first use, then the simulated changes of earlier lines laid over them."""

    def __init__(self, *, find_person: Callable[[str], str | None], get_person: Callable[[str], Person | None],
                 get_household: Callable[[str], Household | None],
                 get_persons: Callable[[list[str]], dict[str, Person]],
                 find_persons: Callable[[list[str]], Mapping[str, str | None]] | None = None,
                 get_households: Callable[[list[str]], Mapping[str, Household]] | None = None) -> None:
        self._find, self._get_person, self._get_household, self._get_persons = (
            find_person, get_person, get_household, get_persons)
        self._find_many, self._get_households = find_persons, get_households
        self.persons: dict[str, Person] = {}
        self.households: dict[str, Household | None] = {}
        self.ids: dict[str, str | None] = {}
        self.read: dict[str, Person] = {}  # persons as read from the file, before any simulated change

    def prefetch(self, atena_nos: list[str], household_ids: list[str]) -> None:
        """Read what the lines name in batches (persons by 宛名番号, their households and the households
        named), instead of one read a line."""
        if self._find_many is None or self._get_households is None:
            return
        self.ids.update(self._find_many([a for a in atena_nos if a not in self.ids]))
        found = self._get_persons([p for p in self.ids.values() if p and p not in self.persons])
        self.persons.update(found)
        self.read.update(found)
        wanted = [h for h in {*household_ids, *(p.household_id for p in found.values())} if h not in self.households]
        households = self._get_households(wanted)
        self.households.update({h: households.get(h) for h in wanted})

    def prefetch_members(self) -> None:
        """The members of every household read so far, read at once (a file whose every line changes its
        person's household, as the public-assistance file's, reads them all anyway: not one read a line)."""
        missing = list(dict.fromkeys(m.person_id for h in self.households.values() if h is not None
                                     for m in h.members if m.person_id not in self.persons))
        if missing:
            found = self._get_persons(missing)
            self.persons.update(found)
            self.read.update(found)

    def person_id(self, atena_no: str) -> str | None:
        if atena_no not in self.ids:
            self.ids[atena_no] = self._find(atena_no)
        return self.ids[atena_no]

    def person(self, atena_no: str) -> Person | None:
        pid = self.person_id(atena_no)
        if pid is None:
            return None
        if pid not in self.persons:
            found = self._get_person(pid)
            if found is None:
                return None
            self.persons[pid] = self.read[pid] = found
        return self.persons[pid]

    def household(self, household_id: str) -> Household | None:
        if household_id not in self.households:
            self.households[household_id] = self._get_household(household_id)
        return self.households[household_id]

    def members(self, household: Household) -> dict[str, Person]:
        ids = [m.person_id for m in household.members]
        missing = [i for i in ids if i not in self.persons]
        if missing:
            found = self._get_persons(missing)
            self.persons.update(found)
            self.read.update(found)
        return {i: self.persons[i] for i in ids if i in self.persons}

    def take(self, persons: Mapping[str, Person], households: Mapping[str, Household], atena: str | None = None,
             person_id: str | None = None) -> None:
        for pid, p in persons.items():
            self.persons[pid] = replace(p, version=p.version + 1)
        for hid, h in households.items():
            self.households[hid] = replace(h, version=h.version + 1)
        if atena is not None:
            self.ids[atena] = person_id


@dataclass(frozen=True)
class Plan:
    """What one line registers: the changes it implies (kokuho.qualification.service, simulated on the
    file's state), the operation the access record names, and for an arrival the pending acquisition
    (its reason) when the 届出 is still to come."""

    line: int
    person_id: str
    on: date
    changes: tuple[Change, ...]
    operation: str
    pending: str | None = None


def _person_of(rec: ResidentRecord, person_id: str) -> Person:
    birth = date.fromisoformat(rec.birth_date or rec.event_date)
    return Person(person_id=person_id, resident_code=rec.atena_no, household_id=str(rec.household_no),
                  name_kanji=str(rec.name_kanji), name_kana=str(rec.name_kana), birth_date=birth,
                  sex=str(rec.sex), relationship=str(rec.relationship), postal_code=str(rec.postal_code),
                  address=str(rec.address), resident_from=date.fromisoformat(rec.event_date))


def _field_of(message: str, rec: ResidentRecord) -> str:
    if "birth date" in message and rec.birth_date is not None:  # a 転入's own birth_date (a 出生's is its event_date)
        return "birth_date"
    return "event_date" if "date" in message else "event"


def plan_line(state: FileState, item: ResidentLine, today: date) -> Plan:
    """The registration a line implies, simulated on `state` with the service rules; ChangeRejected
    (its message a reason, never a value) when the file cannot take it."""
    from kokuho.qualification import service

    rec, on = item.record, item.on

    def taken(change: Change, operation: str) -> Plan:
        state.take(change.persons, change.households)
        return Plan(item.line, str(state.person_id(rec.atena_no)), on, (change,), operation)

    if rec.event in ("転入", "出生"):
        if state.person(rec.atena_no) is not None:
            raise _Rejected("atena_no", "the person is already in the NHI file")
        pid = PERSON_PREFIX + rec.atena_no
        newcomer = _person_of(rec, pid)
        change = service.register_person(newcomer, state.household(newcomer.household_id), today)
        state.take(change.persons, change.households, rec.atena_no, pid)
        if rec.other_insurance or on >= late_elderly_date(newcomer.birth_date):
            return Plan(item.line, pid, on, (change,), "register_person")
        reason = Reason.BIRTH if rec.event == "出生" else Reason.MOVE_IN
        if not rec.nhi_notified:
            return Plan(item.line, pid, on, (change,), "register_person", pending=reason.value)
        # the 届出 came with the 異動 (one counter): the acquisition on the 転入日 / 出生日, in the same transaction
        household = state.household(newcomer.household_id)
        assert household is not None  # registered just above
        acquired = service.acquire(state.persons[pid], household, state.members(household), reason, on, today)
        state.take(acquired.persons, acquired.households)
        return Plan(item.line, pid, on, (change, acquired), "register_person+acquire")
    person = state.person(rec.atena_no)
    if person is None:
        raise _Rejected("atena_no", "unknown 宛名番号: not in the NHI file")
    if person.resident_until is not None or person.death_date is not None:
        raise _Rejected("atena_no", "the person has already left the city")
    if person.resident_from is not None and on < person.resident_from:
        raise _Rejected("event_date", "is before the day the person became resident (転入)")
    household = state.household(person.household_id)
    if household is None:
        raise _Rejected("atena_no", "the person's household is not in the NHI file")
    persons = state.members(household)
    if rec.event in ("転出", "死亡"):
        reason = Reason.MOVE_OUT if rec.event == "転出" else Reason.DEATH
        if rec.event == "死亡" and on > today:
            raise _Rejected("event_date", "a date of death in the future")
        if person.insured_on(on) or (person.periods and person.periods[-1].until is None):
            return taken(service.lose(person, household, persons, reason, on, today), "lose")
        return taken(service.depart(person, household, persons, reason, on, today), "depart")
    if rec.event == "転居":
        return taken(service.move(person, str(rec.postal_code), str(rec.address), on, today), "move")
    if rec.event == "氏名変更":
        return taken(service.rename(person, str(rec.name_kanji), str(rec.name_kana), on, today), "rename")
    if rec.event == "世帯主変更":
        return taken(service.change_householder(household, person, persons, on, today), "householder_change")
    # 世帯分離・世帯合併
    new_head: str | None = None
    if rec.new_householder_atena is not None:
        new_head = state.person_id(rec.new_householder_atena)
        if new_head is None:
            raise _Rejected("new_householder_atena", "unknown 宛名番号: not in the NHI file")
    target = str(rec.household_no)
    return taken(service.change_household(person, household, state.household(target), str(rec.relationship), on,
                                          today, new_head, persons, target), "household_change")


class _Rejected(ChangeRejected):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def plan_file(lines: list[ResidentLine], state: FileState, today: date) -> tuple[list[Plan], list[IntakeError]]:
    """Every line simulated in file order; the plans only when every line is accepted."""
    state.prefetch([x.record.atena_no for x in lines] + [x.record.new_householder_atena for x in lines
                                                          if x.record.new_householder_atena],
                   [str(x.record.household_no) for x in lines if x.record.household_no])
    plans: list[Plan] = []
    errors: list[IntakeError] = []
    for item in lines:
        try:
            plans.append(plan_line(state, item, today))
        except _Rejected as exc:
            errors.append(IntakeError(item.line, exc.field, str(exc)))
        except ChangeRejected as exc:
            errors.append(IntakeError(item.line, _field_of(str(exc), item.record), str(exc)))
        if len(errors) >= MAX_ERRORS:
            break
    return ([] if errors else plans), errors
