"""Legal holds (保存期間の停止) through the private API, beside `kokuho retention hold/lift`
(functions/qualification/api.py lists them in its one route table, which authenticates the member of staff,
checks the `legal_hold` grant and its volume limit, records a refusal as denied, and puts the `Actor` in the
resolver context before these run):

  GET  /retention/holds/{person_id}   the hold in force on the person, if any (recorded as a read)
  POST /retention/holds/{person_id}   {"action": "hold", "reason": …[, "placed_on": …]} or {"action": "lift"}

A hold placed or lifted is written in one transaction with its access record naming the person (category
保存期間の停止: kokuho.records.legal_holds); the retention run keeps the person's records while it is in force.
Refused with the reason, nothing changed: no reason or a My Number in it, a day to come (422), a hold in force
already, none to lift (409)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BaseModel, ConfigDict, Field

from kokuho.access.actor import Actor, authorised_actor
from kokuho.access.records import record_access
from kokuho.dates.tokyo import today_jst
from kokuho.identity.request_bodies import ClosedIn, IsoDate
from kokuho.qualification.errors import Conflict
from kokuho.qualification.history import ChangeRejected
from kokuho.retention.holds import CATEGORY, PERSON_ID, HoldError, hold_doc, lift_hold, place_hold
from kokuho.retention.wiring import hold_store

HOLD_PATH = "/retention/holds/{person_id}"
PERSON = PERSON_ID  # the hold's one rule of a person id (kokuho.retention.holds)

router = Router()
PersonId = Annotated[str, Path(pattern=PERSON)]


class HoldIn(ClosedIn):
    action: Literal["hold", "lift"]
    reason: str | None = Field(default=None, max_length=200)  # why (訴訟, 審査請求, 監査): required to hold
    placed_on: IsoDate | None = None  # the day the hold takes effect: today when not given


class HoldOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: str
    held: bool
    reason: str | None
    placed_on: str | None
    placed_by: str | None


def _actor() -> Actor:
    return authorised_actor(router.context, "retention")


def read_hold(person_id: PersonId) -> dict[str, Any]:
    actor = _actor()
    hold = hold_store().hold_of(person_id)
    record_access(actor, [person_id], CATEGORY, "read")
    return hold_doc(person_id, hold)


def change_hold(person_id: PersonId, body: HoldIn) -> dict[str, Any]:
    actor = _actor()
    store = hold_store()
    try:
        if body.action == "lift":
            lift_hold(actor, person_id, store=store)
            return hold_doc(person_id, None)
        return hold_doc(person_id, place_hold(actor, person_id, body.reason or "", body.placed_on or today_jst(),
                                              store=store))
    except HoldError as exc:
        if exc.field == "person":  # in force already, or none to lift: the state, not the input
            raise Conflict(str(exc)) from exc
        raise ChangeRejected(str(exc)) from exc


__all__ = ["HOLD_PATH", "HoldIn", "HoldOut", "change_hold", "read_hold", "router"]
