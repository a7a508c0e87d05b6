"""The private API's reads of qualification, with 利用停止 honoured (uses `qualification.read`,
`qualification.my_number` and `assessment.simulation` of kokuho/data/requests/uses.v1.json, all `stop`): the
one place the counter's reads check it — functions/qualification/person_routes.py and vault_routes.py call
these, never the application's reads or the vault directly.

- one person: refused (UseSuspended → 403 with the reason), the attempt recorded with result `suspended`;
- a search: a suspended person is left out of the page;
- a household: a suspended member is listed by id only, without a name;
- 窓口試算: refused when any member's assessment use is suspended;
- a My Number: its reveal refused before the vault opens it; a lookup that finds a suspended person refused
  (the person's id withheld), the vault's own record of the lookup kept.

The disclosure of a person's own data reads through the application directly: handling the person's
requests is never suspended."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from kokuho.access.actor import Actor
from kokuho.qualification import application as appsvc
from kokuho.requests.suspension import UseSuspended, check_use, partition_use

READ = "qualification.read"
MY_NUMBER = "qualification.my_number"
SIMULATION = "assessment.simulation"


def _refuse(actor: Actor, use: str, subjects: list[str], category: str, operation: str) -> None:
    try:
        check_use(use, [s for s in subjects if not s.startswith("HH:")])
    except UseSuspended:
        appsvc.record(actor, subjects, category, operation, result="suspended")
        raise


def read_person(actor: Actor, person_id: str, today: date) -> dict[str, Any]:
    _refuse(actor, READ, [person_id], appsvc.CATEGORY, "read")
    return appsvc.read_person(actor, person_id, today)


def search(actor: Actor, criteria: Mapping[str, str | None], limit: int, page_token: str | None,
           today: date) -> dict[str, Any]:
    found = appsvc.search(actor, criteria, limit, page_token, today)
    _, left_out = partition_use(READ, [str(i["person_id"]) for i in found["items"]])
    if left_out:
        found["items"] = [i for i in found["items"] if i["person_id"] not in set(left_out)]
    return found


def read_household(actor: Actor, household_id: str, today: date) -> dict[str, Any]:
    view = appsvc.read_household(actor, household_id, today)
    _, left_out = partition_use(READ, [str(m["person_id"]) for m in view["members"]])
    for member in view["members"]:
        if member["person_id"] in left_out:
            member["name_kanji"] = None
    return view


def simulate(actor: Actor, household_id: str, fiscal_year: int,
             income_overrides: Mapping[str, Mapping[str, Any]] | None, today: date) -> dict[str, Any]:
    household = appsvc.wired().household(household_id)
    members = [m.person_id for m in household.members if m.left_on is None] if household else []
    _refuse(actor, SIMULATION, [f"HH:{household_id}", *members], "premium", "simulate")
    return appsvc.simulate(actor, household_id, fiscal_year, income_overrides, today)


def reveal_my_number(actor: Actor, person_id: str) -> str:
    from kokuho.identity import vault

    _refuse(actor, MY_NUMBER, [person_id], vault.CATEGORY, "reveal")
    return vault.reveal_my_number(person_id, actor)


def find_person_by_my_number(actor: Actor, number: str) -> str | None:
    from kokuho.identity import vault

    person_id = vault.find_person_by_my_number(number, actor)
    if person_id is not None:
        _refuse(actor, MY_NUMBER, [person_id], vault.CATEGORY, "lookup")
    return person_id
