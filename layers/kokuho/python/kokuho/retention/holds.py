"""Legal holds (保存期間の停止): a named person's records are not deleted by the retention run while a hold
is in force (kokuho.retention.classes.decide). Placed and lifted by staff with the `legal_hold` grant, each
recorded as an access to the person (category 保存期間の停止); the store is a port (HoldStore; adapter
kokuho.records.legal_holds on the requests table)."""

from __future__ import annotations

import re
from datetime import date

from kokuho.access.actor import Actor
from kokuho.dates.tokyo import today_jst
from kokuho.identity.mynumber import contains_my_number
from kokuho.retention.hold_ports import CATEGORY, HoldStore, LegalHold

__all__ = ["CATEGORY", "PERSON_ID", "HoldError", "HoldStore", "LegalHold", "hold_doc", "lift_hold", "place_hold"]

# A person's id as the records name it (a surrogate id: letters, digits, '_' and '-'), the API's path pattern too.
# The retention run compares a hold with its records' ids character for character, so a hold under another
# spelling (' P1', 'Ｐ１', 'P1\n') would hold nothing.
PERSON_ID = r"^[A-Za-z0-9_\-]{1,64}$"
_PERSON_ID = re.compile(PERSON_ID, re.ASCII)


class HoldError(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


def place_hold(actor: Actor, person_id: str, reason: str, on: date, *, store: HoldStore,
               today: date | None = None) -> LegalHold:
    """The hold placed from `on` (refused: no reason, a My Number in it, a day to come — a hold takes effect when it
    is decided, whoever places it: the API or the command line)."""
    _check_person(person_id)
    if on > (today or today_jst()):
        raise HoldError("placed_on", "a hold cannot take effect on a day to come")
    if not reason.strip():
        raise HoldError("reason", "a hold names why it is placed")
    if contains_my_number(reason) or contains_my_number(person_id):  # kept with the hold: a record like any other
        raise HoldError("reason" if contains_my_number(reason) else "person_id", "never a My Number")
    hold = LegalHold(person_id, reason.strip(), on, actor.staff_id)
    if not store.put_hold(actor, hold):
        raise HoldError("person", "a hold is in force already")
    return hold


def _check_person(person_id: str) -> None:
    if not _PERSON_ID.fullmatch(person_id):  # fullmatch: '$' would let a trailing line break through
        raise HoldError("person_id", "a person id as the records name it: 1-64 letters, digits, '_' or '-', "
                                     "no space")


def lift_hold(actor: Actor, person_id: str, *, store: HoldStore) -> None:
    _check_person(person_id)
    if not store.remove_hold(actor, person_id):
        raise HoldError("person", "no hold in force")


def hold_doc(person_id: str, hold: LegalHold | None) -> dict[str, object]:
    """A person's hold as the API answers it (held or not; why, since when, by whom)."""
    return {"person_id": person_id, "held": hold is not None, "reason": hold.reason if hold else None,
            "placed_on": hold.placed_on.isoformat() if hold else None, "placed_by": hold.placed_by if hold else None}
