"""The collection routes of the private API (functions/qualification/api.py lists them in its one route table,
which authenticates the member of staff, checks the grant of the route's function and the volume limit, and
puts the `Actor` in the resolver context before these run):

  GET  /collection/unmatched                      the unmatched queue, oldest first (COLLECTION_READ)
  POST /collection/unmatched/{payment_id}         assign it to a ledger, or return it (COLLECTION_RECORD)
  POST /collection/refunds/{refund_id}/account    the account a payer names for a held refund (COLLECTION_RECORD)

Every call leaves an access record: the list names the payers it shows, a resolution the payer written (in the
write's own transaction), a refused one its attempt.

利用停止: each route declares its use where it begins (kokuho/data/requests/uses.v1.json): 消込 (`collection.payments`)
and the refund account (`collection.refunds`) go on for a suspended payer, under the law the data names.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator, model_validator

from kokuho.access.actor import authorised_actor
from kokuho.access.records import Actor, record_access
from kokuho.collection import unmatched
from kokuho.collection.ports import LEDGER_CATEGORY, RefundAccount, WriteConflict
from kokuho.collection.zengin import holder_name_problem
from kokuho.identity.request_bodies import ClosedIn
from kokuho.payments import wiring
from kokuho.payments.accounts import public_funds_account
from kokuho.qualification.application import Conflict, NotFound
from kokuho.qualification.history import ChangeRejected
from kokuho.requests.suspension import declare_use

QUEUE_PATH = "/collection/unmatched"
RESOLVE_PATH = "/collection/unmatched/{payment_id}"
REFUND_ACCOUNT_PATH = "/collection/refunds/{refund_id}/account"
CATEGORY = LEDGER_CATEGORY
MAX_PAGE = 50
ID = r"^[A-Za-z0-9_\-]{1,100}$"
HOUSEHOLD = r"^[A-Za-z0-9_\-]{1,64}$"
PAYMENTS = "collection.payments"

router = Router()


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResolutionIn(ClosedIn):
    """Assign the payment to a household's ledger of a fiscal year (an installment, or the oldest unpaid first),
    or return it to whoever paid it."""

    action: Literal["assign", "return"]
    household_id: str | None = Field(default=None, pattern=HOUSEHOLD)
    fiscal_year: StrictInt | None = Field(default=None, ge=2000, le=2100)
    installment: StrictInt | None = Field(default=None, ge=1, le=24)
    note: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _rules(self) -> ResolutionIn:
        if self.action == "assign" and (self.household_id is None or self.fiscal_year is None):
            raise ValueError("an assignment names household_id and fiscal_year")
        if self.action == "return" and (self.household_id or self.fiscal_year or self.installment):
            raise ValueError("a return names no ledger")
        return self


class AccountIn(ClosedIn):
    bank_code: str = Field(pattern=r"^[0-9]{4}$")
    branch_code: str = Field(pattern=r"^[0-9]{3}$")
    account_type: Literal["普通", "当座", "貯蓄", "その他"]
    account_number: str = Field(pattern=r"^[0-9]{7}$")
    # the name's pattern takes digits (a company's name may hold them): ClosedIn refuses twelve that read as a number
    holder_kana: str = Field(min_length=1, max_length=30, pattern=r"^[ァ-ヶー　 ()（）.．\-－/／,，A-Z0-9]+$")

    @field_validator("holder_kana")
    @classmethod
    def _carried(cls, value: str) -> str:
        # what the 全銀 transfer record carries (katakana with no half-width form — ヱ ヰ ヮ ヵ ヶ — or a name past 30
        # half-width characters once its voiced marks split off would fail the bank file, not this request)
        problem = holder_name_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


class UnmatchedOut(_Closed):
    payment_id: str
    channel: str
    on: str
    amount: int
    reason: str
    line: int
    payment_number: str | None
    payer_id: str | None


class UnmatchedListOut(_Closed):
    items: list[UnmatchedOut]


class ResolvedOut(_Closed):
    payment_id: str
    status: Literal["resolved"]
    action: Literal["assigned", "returned"]
    payer_id: str | None
    overpayment: int


class RefundAccountOut(_Closed):
    refund_id: str
    status: Literal["ready"]


def _actor() -> Actor:
    return authorised_actor(router.context, "collection")


def unmatched_queue(limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = MAX_PAGE) -> dict[str, Any]:
    declare_use(PAYMENTS)
    actor = _actor()
    items = unmatched.queue(wiring.store(), limit)
    shown = sorted({i.payer_id for i in items if i.payer_id}) or ["no-match"]
    # The look at the queue is recorded: the payers it shows (or that it showed none).
    record_access(actor, shown, CATEGORY, "read")
    return {"items": [{"payment_id": i.payment_id, "channel": i.channel, "on": i.on, "amount": i.amount,
                       "reason": i.reason, "line": i.line, "payment_number": i.payment_number,
                       "payer_id": i.payer_id} for i in items]}


def resolve_unmatched(payment_id: Annotated[str, Path(pattern=ID)], body: ResolutionIn) -> dict[str, Any]:
    declare_use(PAYMENTS)
    actor, store = _actor(), wiring.store()
    try:
        if body.action == "assign":
            assert body.household_id is not None and body.fiscal_year is not None  # the model's rule
            return unmatched.assign(store, payment_id, household_id=body.household_id, fiscal_year=body.fiscal_year,
                                    installment=body.installment, staff_id=actor.staff_id, note=body.note,
                                    actor=actor)
        return unmatched.return_to_payer(store, payment_id, staff_id=actor.staff_id, note=body.note, actor=actor)
    except unmatched.UnknownPayment as exc:
        raise NotFound(str(exc)) from None
    except unmatched.AlreadyResolved as exc:
        raise Conflict(str(exc)) from None
    except unmatched.AssignmentRefused as exc:
        raise ChangeRejected(str(exc)) from None


def name_refund_account(refund_id: Annotated[str, Path(pattern=ID)], body: AccountIn) -> dict[str, Any]:
    declare_use("collection.refunds")
    account = RefundAccount(body.bank_code, body.branch_code, body.account_type, body.account_number,
                            body.holder_kana, "申出口座")
    store, actor = wiring.store(), _actor()
    held = next((r for r in store.refunds("held") if r.refund_id == refund_id), None)
    if held is None:
        raise Conflict("no refund held for an account under that id")
    if held.failed_on(account):
        raise Conflict("the bank could not pay into that account (振込不能): name another")
    # domain.md §6: the registered 公金受取口座 if there is one, else the account the payer names — unless the bank
    # could not pay into it (振込不能): then the account the payer names
    registered = public_funds_account(held.payer_id, actor=actor)
    if registered is not None and not held.failed_on(registered):
        raise Conflict("the payer has a registered 公金受取口座: the refund goes there (the next refund run)")
    try:
        store.set_refund_account(refund_id, account, actor=actor)
    except WriteConflict:
        raise Conflict("no refund held for an account under that id") from None
    return {"refund_id": refund_id, "status": "ready"}


__all__ = ["CATEGORY", "QUEUE_PATH", "REFUND_ACCOUNT_PATH", "RESOLVE_PATH", "AccountIn", "RefundAccountOut",
           "ResolutionIn", "ResolvedOut", "UnmatchedListOut", "name_refund_account", "resolve_unmatched",
           "router", "unmatched_queue"]
