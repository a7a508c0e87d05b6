"""The 滞納整理 and 収納率 routes of the private API (functions/qualification/api.py lists them in its one route
table, which authenticates the member of staff, checks the grant of the route's function and the volume limit,
and puts the `Actor` in the resolver context before these run):

  GET  /collection/arrears/{household_id}/{fiscal_year}          each installment's status, unpaid amount and
                                                                  2-year limit, the measures (COLLECTION_READ)
  POST /collection/arrears/{household_id}/{fiscal_year}/actions  record 催告, 納付相談, 分納誓約 or 差押
                                                                  (ARREARS_ACTION)
  POST /collection/arrears/{household_id}/{fiscal_year}/actions/{action_id}/approval
                                                                  a second member's 遡及入力承認 of a measure
                                                                  entered late (ARREARS_APPROVE)
  GET  /collection/statistics/{fiscal_year}                      収納率 and aging, JSON (COLLECTION_READ)

No route serves a file (the API's surface has no export: assessment III-3 リスク4); the finance office's CSV and
chart are made from this JSON by `kokuho collection-stats` (kokuho.collection.statistics.statistics_csv).

Every call leaves an access record: a ledger read names its payer; a measure recorded names the payer in the
write's own transaction; a refused one records its attempt (rejected, not found); the statistics (no person's
data, figures of the whole city) are recorded as a read of `STATISTICS:FY<year>`.

利用停止: the ledger's read and the measures declare `collection.arrears` where they begin — 滞納整理 goes on for
a suspended payer under the law kokuho/data/requests/uses.v1.json names; the statistics route reads no person's
data (the run that makes the figures declares `collection.statistics`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from kokuho.access.actor import authorised_actor
from kokuho.access.records import Actor, record_access
from kokuho.collection import arrears_actions
from kokuho.collection.arrears import STAFF_KINDS, arrears_view, view_doc
from kokuho.collection.ports import LEDGER_CATEGORY
from kokuho.dates.tokyo import today_jst
from kokuho.identity.request_bodies import ClosedIn, IsoDate
from kokuho.payments import wiring
from kokuho.qualification.application import Conflict, NotFound
from kokuho.qualification.history import ChangeRejected
from kokuho.requests.suspension import declare_use

ARREARS_PATH = "/collection/arrears/{household_id}/{fiscal_year}"
ACTION_PATH = "/collection/arrears/{household_id}/{fiscal_year}/actions"
APPROVAL_PATH = "/collection/arrears/{household_id}/{fiscal_year}/actions/{action_id}/approval"
STATISTICS_PATH = "/collection/statistics/{fiscal_year}"
CATEGORY = LEDGER_CATEGORY
HOUSEHOLD = r"^[A-Za-z0-9_\-]{1,64}$"
MEASURE = r"^[A-Za-z0-9_\-]{1,120}$"  # a measure's id (kokuho.collection.arrears_actions.build_action)
ARREARS = "collection.arrears"

router = Router()

HouseholdId = Annotated[str, Path(pattern=HOUSEHOLD)]
FiscalYear = Annotated[int, Path(ge=2000, le=2100)]
MeasureId = Annotated[str, Path(pattern=MEASURE)]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PlanPaymentIn(ClosedIn):
    on: IsoDate
    amount: StrictInt = Field(gt=0, le=10**9)


class ActionIn(ClosedIn):
    """One measure on the ledger. `on`: the day it took place (today if not given; never in the future).
    `installments`: those it covers (by default every one the kind may cover)."""

    kind: Literal["催告", "納付相談", "分納誓約", "差押"]
    on: IsoDate | None = None
    installments: list[StrictInt] | None = Field(default=None, min_length=1, max_length=24)
    note: str | None = Field(default=None, min_length=1, max_length=arrears_actions.MAX_NOTE)
    plan: list[PlanPaymentIn] | None = Field(default=None, min_length=1, max_length=arrears_actions.MAX_PLAN)
    basis: str | None = Field(default=None, min_length=1, max_length=arrears_actions.MAX_BASIS)
    property: str | None = Field(default=None, min_length=1, max_length=arrears_actions.MAX_PROPERTY)
    amount: StrictInt | None = Field(default=None, gt=0, le=10**10)


class ArrearsApprovalIn(ClosedIn):
    """A second member's decision on a measure entered late: approve (it takes effect from its own day), or
    refuse with a reason (it never does)."""

    decision: Literal["approve", "refuse"]
    reason: str | None = Field(default=None, min_length=1, max_length=arrears_actions.MAX_NOTE)


class PlanPaymentOut(_Closed):
    on: str
    amount: int


class ActionOut(_Closed):
    id: str
    kind: str
    on: str
    by: str
    installments: list[int]
    note: str | None = None
    plan: list[PlanPaymentOut] | None = None
    basis: str | None = None
    property: str | None = None
    amount: int | None = None
    unpaid: int | None = None
    # 誓約不履行 (the daily run): the pledge, the plan payment missed and what was short
    pledge: str | None = None
    plan_on: str | None = None
    planned: int | None = None
    paid: int | None = None
    shortfall: int | None = None
    # 不納欠損 (the year-end run)
    fiscal_year: int | None = None
    last_day: str | None = None
    # late entry (kokuho.collection.arrears_entry): the day it was entered, why it waits for approval; and the
    # 遡及入力承認's measure and decision
    entered_on: str | None = None
    needs_approval: list[str] | None = None
    action: str | None = None
    decision: str | None = None
    in_force: bool | None = None  # in the ledger's view: counts for status, limit and runs


class RenewalOut(_Closed):
    cause: str
    happened_on: str
    restarts_on: str


class LimitationOut(_Closed):
    last_day: str
    extinguished: bool
    renewals: list[RenewalOut]


class ArrearsInstallmentOut(_Closed):
    number: int
    month: str
    due: str
    amount: int
    paid: int
    unpaid: int
    status: Literal["current", "overdue", "reminded", "in_arrears", "pledged", "seized", "written_off", "paid"]
    reminder_deadline: str | None
    limitation: LimitationOut | None


class BillOut(_Closed):
    """A 延滞金 or 督促手数料 bill: billed once its installment's principal was paid in full, on its own slip."""

    id: str
    installment: int
    amount: int
    billed_on: str


class FeeBillOut(BillOut):
    reminder: str  # the 督促状 whose fee it is


class ArrearsOut(_Closed):
    household_id: str
    fiscal_year: int
    payer_id: str
    as_of: str
    unpaid_in_arrears: int
    fees_owed: int
    installments: list[ArrearsInstallmentOut]
    actions: list[ActionOut]
    late_charges_billed: int
    late_charges: list[BillOut]
    fees_billed: int
    fees: list[FeeBillOut]


class ActionRecordedOut(_Closed):
    action: ActionOut
    arrears: ArrearsOut


class DecisionRecordedOut(_Closed):
    approval: ActionOut
    arrears: ArrearsOut


class ArrearsMonthOut(_Closed):
    month: str
    collected: int
    cumulative: int
    rate: str | None


class FiguresOut(_Closed):
    due: int
    collected: int
    rate: str | None
    written_off: int
    by_month: list[ArrearsMonthOut]


class WardFiguresOut(FiguresOut):
    ward: str


class KindOut(FiguresOut):
    by_ward: list[WardFiguresOut]


class AgingOut(_Closed):
    bucket: str
    installments: int
    unpaid: int


class ArrearsPeriodOut(_Closed):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: str = Field(alias="from")
    to: str


class StatisticsOut(_Closed):
    fiscal_year: int
    as_of: str
    period: ArrearsPeriodOut
    ledgers: int
    current: KindOut
    carried_over: KindOut
    total: KindOut
    aging: list[AgingOut]


def _actor() -> Actor:
    return authorised_actor(router.context, "arrears")


def _not_found_read(actor: Actor, subject: str, message: str) -> NotFound:
    record_access(actor, [subject], CATEGORY, "read", result="not_found")
    return NotFound(message)


def read_arrears(household_id: HouseholdId, fiscal_year: FiscalYear,
                 as_of: Annotated[IsoDate | None, Query()] = None) -> dict[str, Any]:
    declare_use(ARREARS)
    actor, key = _actor(), (household_id, fiscal_year)
    found = wiring.store().ledgers([key])
    if key not in found:
        raise _not_found_read(actor, f"HH:{household_id}", "no ledger of that household for that fiscal year")
    view = arrears_view(found[key], as_of or today_jst())
    record_access(actor, [view.payer_id], CATEGORY, "read")
    return view_doc(view)


@contextmanager
def _answered_as_http() -> Iterator[None]:
    """A measure's or a decision's refusal as the route answers it: unknown ledger 404, refused 422, taken 409."""
    try:
        yield
    except arrears_actions.UnknownLedger as exc:
        raise NotFound(str(exc)) from None
    except arrears_actions.ActionRefused as exc:  # the payer whose ledger answered it is named in its record
        raise ChangeRejected(str(exc), read=[exc.payer] if exc.payer else ()) from None
    except arrears_actions.AlreadyRecorded as exc:
        raise Conflict(str(exc), read=[exc.payer] if exc.payer else ()) from None


def record_arrears_action(household_id: HouseholdId, fiscal_year: FiscalYear, body: ActionIn) -> dict[str, Any]:
    declare_use(ARREARS)
    actor, key, store = _actor(), (household_id, fiscal_year), wiring.store()
    today = today_jst()
    on = body.on or today
    if on > today:
        raise ChangeRejected("on: a measure cannot be recorded before the day it takes place")
    assert body.kind in STAFF_KINDS  # the model's Literal
    with _answered_as_http():
        doc = arrears_actions.record_action(
            store, key, kind=body.kind, on=on, entered_on=today, staff_id=actor.staff_id, actor=actor,
            installments=body.installments, note=body.note, basis=body.basis, property=body.property,
            amount=body.amount, plan=None if body.plan is None else [p.model_dump() for p in body.plan])
    view = arrears_view(store.ledgers([key])[key], on)
    return {"action": doc, "arrears": view_doc(view)}


def decide_arrears_action(household_id: HouseholdId, fiscal_year: FiscalYear, action_id: MeasureId,
                          body: ArrearsApprovalIn) -> dict[str, Any]:
    declare_use(ARREARS)
    actor, key, store = _actor(), (household_id, fiscal_year), wiring.store()
    with _answered_as_http():
        doc = arrears_actions.record_decision(store, key, action_id, decision=body.decision, entered_on=today_jst(),
                                              staff_id=actor.staff_id, actor=actor, reason=body.reason)
    ledger = store.ledgers([key])[key]
    measure = next(a for a in ledger.arrears if str(a["id"]) == action_id)
    return {"approval": doc, "arrears": view_doc(arrears_view(ledger, date.fromisoformat(str(measure["on"]))))}


def read_statistics(fiscal_year: FiscalYear) -> dict[str, Any]:
    actor = _actor()
    doc = wiring.store().statistics(fiscal_year)
    if doc is None:
        raise _not_found_read(actor, f"STATISTICS:FY{fiscal_year}",
                              "no statistics made for that fiscal year yet (the arrears workflow makes them)")
    if "small_cells" not in doc:  # made before small cells were withheld: its ward figures are exact
        raise _not_found_read(actor, f"STATISTICS:FY{fiscal_year}",
                              "the statistics of that fiscal year were made before small cells were withheld; "
                              "the arrears workflow's next run makes them again")
    record_access(actor, [f"STATISTICS:FY{fiscal_year}"], CATEGORY, "read")
    return doc


__all__ = ["ACTION_PATH", "APPROVAL_PATH", "ARREARS_PATH", "CATEGORY", "STATISTICS_PATH", "ActionIn",
           "ActionRecordedOut", "ArrearsOut", "ArrearsApprovalIn", "DecisionRecordedOut", "StatisticsOut",
           "decide_arrears_action", "read_arrears", "read_statistics", "record_arrears_action", "router"]
