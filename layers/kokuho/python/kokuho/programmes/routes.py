"""The health routes of the private API (functions/qualification/api.py lists them in its one route table, which
authenticates the member of staff, checks the grant of the route's function and the volume limit, and puts the
`Actor` in the resolver context before these run):

  GET  /health/persons/{person_id}/medical-cost-notice   the person's wish about the 医療費通知 (HEALTH_READ)
  POST /health/persons/{person_id}/medical-cost-notice   record it: opted out, or back in (HEALTH_RECORD)
  GET  /health/checkups/{fiscal_year}/rates              特定健診 受診率 per ward and age band, JSON (HEALTH_READ)

The wish is honoured by the print run (kokuho.programmes.medical_cost_notices). Every call leaves an access
record (category 保健事業): a read names the person, a wish recorded names the person in the write's own
transaction; an unknown person is a read `not_found`, recorded. The 受診率 (figures of the whole city, no person's
data; made by the voucher and attendance runs) is recorded as a read of `RATES:FY<year>`; no route serves a file —
`kokuho checkup-stats` makes the CSV and the chart from this JSON.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BaseModel, ConfigDict, StrictBool

from kokuho.access.actor import authorised_actor
from kokuho.access.records import Actor, record_access
from kokuho.dates.tokyo import today_jst
from kokuho.health.ports import CATEGORY, OptOut
from kokuho.identity.request_bodies import ClosedIn, IsoDate
from kokuho.programmes import wiring
from kokuho.qualification.application import NotFound
from kokuho.qualification.history import ChangeRejected

OPT_OUT_PATH = "/health/persons/{person_id}/medical-cost-notice"
RATES_PATH = "/health/checkups/{fiscal_year}/rates"
PERSON = r"^[A-Za-z0-9_\-]{1,64}$"

router = Router()

PersonId = Annotated[str, Path(pattern=PERSON)]


class OptOutIn(ClosedIn):
    opted_out: StrictBool  # true: send no 医療費通知; false: send them again
    received_on: IsoDate  # the day the person's wish was received (at the counter or by post)


class OptOutOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: str
    opted_out: bool
    received_on: str | None
    recorded_by: str | None


class RateRowOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ward: str
    age_band: str
    issued: int
    used: int
    rate: str


class RateTotalOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    issued: int
    used: int
    rate: str


class RatesOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fiscal_year: int
    rows: list[RateRowOut]
    total: RateTotalOut
    made_at: str


def _actor() -> Actor:
    return authorised_actor(router.context, "health")


def _known(actor: Actor, person_id: str, operation: str) -> None:
    if person_id not in wiring.persons([person_id]):
        record_access(actor, [person_id], CATEGORY, operation, result="not_found")
        raise NotFound("no such person")


def _doc(person_id: str, o: OptOut | None) -> dict[str, Any]:
    return {"person_id": person_id, "opted_out": bool(o and o.opted_out),
            "received_on": o.received_on.isoformat() if o else None, "recorded_by": o.recorded_by if o else None}


def read_opt_out(person_id: PersonId) -> dict[str, Any]:
    actor = _actor()
    _known(actor, person_id, "read")
    found = wiring.health_store().opt_outs([person_id]).get(person_id)
    record_access(actor, [person_id], CATEGORY, "read")
    return _doc(person_id, found)


def record_opt_out(person_id: PersonId, body: OptOutIn) -> dict[str, Any]:
    actor = _actor()
    if body.received_on > today_jst():
        raise ChangeRejected("received_on: a wish cannot be received after today")
    _known(actor, person_id, "write")
    wish = OptOut(person_id, body.opted_out, body.received_on, actor.staff_id)
    wiring.health_store().put_opt_out(wish, actor=actor, chain=f"STAFF#{actor.staff_id}")
    return _doc(person_id, wish)


def read_rates(fiscal_year: Annotated[int, Path(ge=2000, le=2100)]) -> dict[str, Any]:
    actor = _actor()
    subject = f"RATES:FY{fiscal_year}"
    doc = wiring.health_store().rates(fiscal_year)
    if doc is None or "small_cells" not in doc:  # (one made before small cells were withheld: exact ward cells)
        record_access(actor, [subject], CATEGORY, "read", result="not_found")
        raise NotFound("no 受診率 made for that fiscal year yet (the voucher and attendance runs make it)"
                       if doc is None else "the 受診率 of that fiscal year was made before small cells were "
                                           "withheld; the voucher and attendance runs make it again")
    record_access(actor, [subject], CATEGORY, "read")
    return doc


__all__ = ["CATEGORY", "OPT_OUT_PATH", "RATES_PATH", "OptOutIn", "OptOutOut", "RatesOut", "read_opt_out",
           "read_rates", "record_opt_out", "router"]
