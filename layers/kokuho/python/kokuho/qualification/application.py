"""Application service of qualification management (資格管理), wired: the use cases of
kokuho.qualification.registrations (registered changes, incomes, care) and kokuho.qualification.reads
(person, household, search, simulation) bound to the container's store — the pynamodb adapter
kokuho.records.qualification_store. Handlers, the intakes and the request desk call these; unit tests
call the use cases with the in-memory fake (tests/fakes/qualification_store.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from functools import cache, wraps
from typing import Concatenate, ParamSpec, TypeVar

from kokuho.access.actor import Actor
from kokuho.qualification import reads, registrations, service
from kokuho.qualification.errors import Conflict, NotFound
from kokuho.qualification.model import Person
from kokuho.qualification.ports import QualificationStore
from kokuho.qualification.reads import MAX_PAGE, person_view
from kokuho.qualification.registrations import CATEGORY, INCOME_CATEGORY

__all__ = ["CATEGORY", "INCOME_CATEGORY", "MAX_PAGE", "Conflict", "NotFound", "care_premiums", "commit",
           "commit_registrations", "find_person", "issue_card", "observe", "person_view", "read_household",
           "read_person", "record", "recover_card", "register_arrival", "register_care", "register_contact",
           "register_departure", "register_facts_many", "register_household_change", "register_householder_change",
           "register_incomes", "register_move", "register_person", "register_qualification", "register_rename",
           "search", "simulate", "wired"]

P = ParamSpec("P")
R = TypeVar("R")


@cache
def wired() -> QualificationStore:
    """The production adapter (one per container; it holds no state of its own)."""
    from kokuho.records.qualification_store import PynamoQualificationStore

    return PynamoQualificationStore()


def _vouchers_of_joiners(store: QualificationStore, change: service.Change, today: date,
                         actor: Actor) -> None:
    """A committed acquisition in the production file gives the joiner a 特定健診受診券 (issue 13 item 8)."""
    if store is not wired():
        return  # a use case run on another store (the unit tests' fake) issues nothing
    from kokuho.programmes.vouchers import after_commit

    after_commit(change, today, actor)


if _vouchers_of_joiners not in registrations.AFTER_COMMIT:
    registrations.AFTER_COMMIT.append(_vouchers_of_joiners)


def _bound(use_case: Callable[Concatenate[QualificationStore, P], R]) -> Callable[P, R]:
    @wraps(use_case)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        return use_case(wired(), *args, **kwargs)

    return call


commit = _bound(registrations.commit)
register_person = _bound(registrations.register_person)
register_qualification = _bound(registrations.register_qualification)
register_move = _bound(registrations.register_move)
register_rename = _bound(registrations.register_rename)
register_contact = _bound(registrations.register_contact)
register_household_change = _bound(registrations.register_household_change)
register_departure = _bound(registrations.register_departure)
register_householder_change = _bound(registrations.register_householder_change)
register_arrival = _bound(registrations.register_arrival)
issue_card = _bound(registrations.issue_card)
recover_card = _bound(registrations.recover_card)
register_incomes = _bound(registrations.register_incomes)
register_care = _bound(registrations.register_care)
commit_registrations = _bound(registrations.commit_registrations)
observe = _bound(registrations.observe)
register_facts_many = _bound(registrations.register_facts_many)
read_person = _bound(reads.read_person)
read_household = _bound(reads.read_household)
search = _bound(reads.search)
simulate = _bound(reads.simulate)
care_premiums = _bound(reads.care_premiums)


def find_person(person_id: str) -> Person | None:
    """The person's current record (no access record: the caller writes its own)."""
    return wired().person(person_id)


def record(actor: Actor, subject_ids: Sequence[str], category: str, operation: str, *,
           result: str = "ok", chain: str | None = None, attempts: int = 8) -> None:
    """An access record on its own (reads, refusals); a concurrent append to the same chain is retried."""
    wired().record(actor, subject_ids, category, operation, result=result, chain=chain, attempts=attempts)
