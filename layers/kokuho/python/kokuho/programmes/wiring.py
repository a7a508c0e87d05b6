"""The health programmes' ports wired to their adapters, for kokuho.programmes (the opt-out and rates routes,
the 特定健診受診券 and 医療費通知 runs): the health store (kokuho.records.health), the receipts
(kokuho.records.receipts, through kokuho.receipts.wiring) and the persons of the information file
(through kokuho.qualification.application's port). The notice parts go through kokuho.payments.wiring's
notice_writer. Each call answers a new adapter (they hold no state of their own)."""

from __future__ import annotations

from collections.abc import Iterable

from kokuho.health.ports import HealthStore
from kokuho.qualification.model import Person
from kokuho.receipts.wiring import receipt_store

__all__ = ["all_persons", "health_store", "persons", "persons_with_receipt_months", "receipt_store"]


def health_store() -> HealthStore:
    from kokuho.records.health import DynamoHealthStore

    return DynamoHealthStore()


def persons(person_ids: Iterable[str]) -> dict[str, Person]:
    """The persons' current records, by id (no access record: the caller writes its own)."""
    from kokuho.qualification.application import wired

    return wired().persons(person_ids)


def all_persons() -> list[Person]:
    """Every person of the information file (the year's voucher run reads them all): a scan, once a year — no key
    holds who is in scope (insured on the day of issue, 40–74) without one; docs/health_programmes.md says why."""
    from kokuho.records.qualification import PersonModel, to_person

    return [to_person(i) for i in PersonModel.scan(PersonModel.sk == "PROFILE")]


def persons_with_receipt_months(first: str, last: str) -> list[str]:
    """Every person with a stored receipt of a service month from `first` to `last` (YYYY-MM, inclusive)."""
    from kokuho.records.receipts import PersonMonthModel

    return sorted({i.person_id for i in PersonMonthModel.scan(
        PersonMonthModel.pk.startswith("PERSON#") & PersonMonthModel.sk.between(f"MONTH#{first}", f"MONTH#{last}"),
        attributes_to_get=["pk", "sk", "person_id"])})
