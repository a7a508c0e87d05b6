"""Routes of persons and households (concerns "read" and "register"): search, read, registrations,
cards, the counter simulation — each a thin call of kokuho.qualification.application."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query

from kokuho.dates.tokyo import today_jst
from kokuho.qualification import application as appsvc
from kokuho.qualification.history import ChangeRejected
from kokuho.qualification.model import BankAccount, Mailing, Person
from kokuho.requests import honoured  # the reads, with 利用停止 honoured

from .context import current_actor
from .schemas import (
    CardIssueIn,
    CardRecoverIn,
    ContactIn,
    HouseholdChangeIn,
    IsoDate,
    MoveIn,
    PersonIn,
    QualificationIn,
    RenameIn,
    SimulationIn,
)
from .spec import PathId
from .views import card_out, person_out


def search_persons(
    resident_code: Annotated[str | None, Query(pattern=r"^[0-9]{6,10}$")] = None,
    birth_date: Annotated[IsoDate | None, Query()] = None,
    postal_code: Annotated[str | None, Query(pattern=r"^[0-9]{3}-?[0-9]{4}$")] = None,
    address: Annotated[str | None, Query(max_length=120)] = None,
    kana: Annotated[str | None, Query(max_length=60)] = None,
    limit: Annotated[int, Query(ge=1, le=appsvc.MAX_PAGE)] = 20,
    page_token: Annotated[str | None, Query(max_length=600)] = None,
) -> dict[str, Any]:
    criteria = {"resident_code": resident_code, "birth_date": birth_date.isoformat() if birth_date else None,
                "postal_code": postal_code,
                "address": address, "kana": kana}
    return honoured.search(current_actor(), criteria, limit, page_token, today_jst())


def register_person(body: PersonIn) -> Response[dict[str, Any]]:
    person = Person(
        person_id=body.person_id, resident_code=body.resident_code, household_id=body.household_id,
        name_kanji=body.name_kanji, name_kana=body.name_kana, birth_date=body.birth_date, sex=body.sex,
        relationship=body.relationship, postal_code=body.postal_code, address=body.address, phone=body.phone,
        mailing=Mailing(**body.mailing.model_dump()) if body.mailing else None,
        bank_account=BankAccount(**body.bank_account.model_dump()) if body.bank_account else None,
        resident_from=body.resident_from,
    )
    stored = appsvc.register_person(current_actor(), person, body.note, today_jst())
    return Response(201, content_types.APPLICATION_JSON,
                    appsvc.person_view(stored, today_jst(), ""))


def read_person(person_id: PathId) -> dict[str, Any]:
    return honoured.read_person(current_actor(), person_id, today_jst())


def register_qualification(person_id: PathId, body: QualificationIn) -> dict[str, Any]:
    return person_out(appsvc.register_qualification(
        current_actor(), person_id, body.reason, body.cause_on, body.version, body.note, today_jst(),
        to_municipality=body.to_municipality))


def register_move(person_id: PathId, body: MoveIn) -> dict[str, Any]:
    return person_out(appsvc.register_move(
        current_actor(), person_id, body.postal_code, body.address, body.moved_on, body.version, body.note,
        today_jst()))


def register_rename(person_id: PathId, body: RenameIn) -> dict[str, Any]:
    return person_out(appsvc.register_rename(
        current_actor(), person_id, body.name_kanji, body.name_kana, body.changed_on, body.version, body.note,
        today_jst()))


def register_household_change(person_id: PathId, body: HouseholdChangeIn) -> dict[str, Any]:
    return person_out(appsvc.register_household_change(
        current_actor(), person_id, body.household_id, body.relationship, body.changed_on, body.new_householder_of_old,
        body.version, body.note, today_jst()))


def register_contact(person_id: PathId, body: ContactIn) -> dict[str, Any]:
    return person_out(appsvc.register_contact(
        current_actor(), person_id, body.changed_on, body.version, body.note, today_jst(), phone=body.phone,
        mailing=Mailing(**body.mailing.model_dump()) if body.mailing else None,
        bank_account=BankAccount(**body.bank_account.model_dump()) if body.bank_account else None,
        clear=frozenset(body.clear)))


def issue_card(person_id: PathId, body: CardIssueIn) -> Response[dict[str, Any]]:
    card = appsvc.issue_card(current_actor(), person_id, body.issued_on, body.version, body.note, today_jst())
    return Response(201, content_types.APPLICATION_JSON, card_out(card))


def recover_card(person_id: PathId, card_id: PathId, body: CardRecoverIn) -> dict[str, Any]:
    return card_out(appsvc.recover_card(current_actor(), person_id, card_id, body.recovered_on, body.reason,
                                         body.version, body.note, today_jst()))


def read_household(household_id: PathId) -> dict[str, Any]:
    return honoured.read_household(current_actor(), household_id, today_jst())


def simulate(household_id: PathId, body: SimulationIn) -> dict[str, Any]:
    from kokuho.premium import CaseError, RateFileError

    incomes = {k: v.model_dump() for k, v in (body.incomes or {}).items()}
    try:
        return honoured.simulate(current_actor(), household_id, body.fiscal_year, incomes, today_jst())
    except (CaseError, RateFileError) as exc:
        raise ChangeRejected(str(exc)) from exc

