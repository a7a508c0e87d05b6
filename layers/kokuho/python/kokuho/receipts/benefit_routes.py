"""The benefit routes of the private API (functions/qualification/api.py lists them in its one route table, which
authenticates the member of staff, checks the grant of the route's function and the volume limit, and puts the
`Actor` in the resolver context before these run; docs/benefit_payment.md):

  GET  /benefits/{household_id}                  each benefit month (owed, paid, claimed, due), the applications,
                                                 差止, payments and 返還金 claims with their status and 5-year limit
                                                 (BENEFITS_READ)
  POST /benefits/{household_id}/applications     a 支給申請: months, the account or the 公金受取口座, the consent to
                                                 offset against unpaid premiums (BENEFITS_RECORD); the same
                                                 application delivered again is stored once
  POST /benefits/{household_id}/applications/{application_id}/approval
                                                 a second member's 遡及入力承認 of a 支給申請 entered late (approve,
                                                 or refuse with a reason; never the entrant) (BENEFITS_APPROVE)
  POST /benefits/{household_id}/withholdings     a 差止 (国保法 第63条の2) decided with its basis, or lifted
                                                 (BENEFITS_WITHHOLD)

Every call leaves an access record: a read names the household and its householder; a write the household, in the
write's own transaction; a refused one its attempt (not found, rejected). 利用停止: `benefits.kogaku` goes on.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from kokuho.access.actor import authorised_actor
from kokuho.access.records import Actor, record_access
from kokuho.benefits import late_entry
from kokuho.benefits.benefit_ports import WriteConflict
from kokuho.benefits.late_entry import LateEntry, late_rescue
from kokuho.benefits.payment import Application, Withholding, claim_state, load_rules, right_last_day
from kokuho.benefits.payment_ports import CATEGORY, RepaymentIdTaken, RepaymentRefused
from kokuho.collection.ports import RefundAccount
from kokuho.dates.tokyo import today_jst
from kokuho.identity.request_bodies import ClosedIn, IsoDate, IsoMonth
from kokuho.notices.text import masked_account
from kokuho.payments.routes import AccountIn
from kokuho.qualification.application import Conflict, NotFound, wired
from kokuho.qualification.history import ChangeRejected
from kokuho.receipts.wiring import benefit_payment_store
from kokuho.requests.suspension import declare_use

BENEFITS_PATH = "/benefits/{household_id}"
APPLICATION_PATH = "/benefits/{household_id}/applications"
APPLICATION_APPROVAL_PATH = "/benefits/{household_id}/applications/{application_id}/approval"
WITHHOLDING_PATH = "/benefits/{household_id}/withholdings"
REPAYMENT_PATH = "/benefits/{household_id}/claims/{claim_id}/repayments"
HOUSEHOLD = r"^[A-Za-z0-9_\-]{1,64}$"
ID = r"^[A-Za-z0-9_\-]{1,64}$"
USE = "benefits.kogaku"

router = Router()
HouseholdId = Annotated[str, Path(pattern=HOUSEHOLD)]
ApplicationId = Annotated[str, Path(pattern=ID)]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _past(day: date | None, field: str) -> None:
    if day is not None and day > today_jst():
        raise ValueError(f"{field}: must not be in the future")


class ApplicationIn(ClosedIn):
    """支給申請: the months it names, where to pay (an account, or `public_funds_account`: the 公金受取口座 registered
    with the Digital Agency), the householder's consent to offset against unpaid premiums."""

    application_id: str = Field(pattern=ID)
    months: list[IsoMonth] = Field(min_length=1, max_length=24)
    received_on: IsoDate | None = None
    account: AccountIn | None = None
    public_funds_account: bool = False
    offset_consent: bool = False

    @model_validator(mode="after")
    def _rules(self) -> ApplicationIn:
        if (self.account is None) == (not self.public_funds_account):
            raise ValueError("name an account, or public_funds_account: true (one of them)")
        if len(set(self.months)) != len(self.months):
            raise ValueError("months: each month once")
        _past(self.received_on, "received_on")
        return self


class LateEntryDecisionIn(ClosedIn):
    """A second member's decision on a 支給申請 or a claim entered late: approve (the payment run reads it, the claim
    can be decided, from then on), or refuse with a reason (it never does)."""

    decision: Literal["approve", "refuse"]
    reason: str | None = Field(default=None, min_length=1, max_length=late_entry.MAX_NOTE)


class WithholdingIn(ClosedIn):
    """差止: `withhold` (a new decision: its id, the months or every month, its basis) or `lift` (the decision's id)."""

    action: Literal["withhold", "lift"]
    decision_id: str = Field(pattern=ID)
    on: IsoDate | None = None
    months: list[IsoMonth] = Field(default_factory=list, max_length=24)
    basis: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _rules(self) -> WithholdingIn:
        if self.action == "withhold" and not self.basis:
            raise ValueError("basis: a 差止 is a decision and names its basis")
        if self.action == "lift" and (self.months or self.basis):
            raise ValueError("a lift names only the decision")
        _past(self.on, "on")
        return self


class RepaymentIn(ClosedIn):
    """返還金の収納: a repayment of a claim (its id: recorded once), the day it was paid, the yen."""

    repayment_id: str = Field(pattern=ID)
    on: IsoDate
    amount: int = Field(gt=0, le=10**9, strict=True)

    @model_validator(mode="after")
    def _rules(self) -> RepaymentIn:
        _past(self.on, "on")
        return self


class RecordedOut(_Closed):
    household_id: str
    id: str
    status: Literal["recorded", "already_recorded", "lifted", "pending_approval", "approved", "refused"]
    needs_approval: str | None = None  # entered late: why it waits for a second member (kokuho.benefits.late_entry)


class RepaymentOut(_Closed):
    household_id: str
    claim_id: str
    status: Literal["recorded", "already_recorded"]
    claim_status: str
    unpaid: int
    last_day: str | None


class BenefitMonthOut(_Closed):
    month: str
    version: int
    benefit: int
    paid: int
    claimed: int
    due: int


class PaymentOut(_Closed):
    payment_id: str
    month: str
    amount: int
    transfer: int
    offset: int
    status: str
    created_on: str
    account: str | None
    file_id: str | None


class RecoveryClaimOut(_Closed):
    claim_id: str
    month: str
    amount: int
    due: str
    reason: str
    status: str
    unpaid: int
    last_day: str | None
    extinguished: bool


class LateEntryOut(_Closed):
    status: Literal["pending_approval", "approved", "refused"]
    entered_on: str
    entered_by: str
    reason: str
    decided_by: str | None
    decided_on: str | None
    note: str | None


class ApplicationOut(_Closed):
    application_id: str
    household_id: str
    months: list[str]
    received_on: str
    account: str | None  # masked: ***4567; None: the 公金受取口座
    offset_consent: bool
    staff_id: str
    late_entry: LateEntryOut | None = None  # entered late: held for (or decided by) a second member


class WithholdingOut(_Closed):
    decision_id: str
    months: list[str]
    decided_on: str
    basis: str
    staff_id: str
    lifted_on: str | None


class BenefitsOut(_Closed):
    household_id: str
    householder_id: str
    as_of: str
    months: list[BenefitMonthOut]
    applications: list[ApplicationOut]
    withholdings: list[WithholdingOut]
    payments: list[PaymentOut]
    claims: list[RecoveryClaimOut]


def _actor() -> Actor:
    return authorised_actor(router.context, "benefits")


def _householder(actor: Actor, household_id: str, operation: str) -> str:
    household = wired().household(household_id)
    if household is None:
        if operation == "read":  # a refused write is recorded by the API's error mapping
            record_access(actor, [f"HH:{household_id}"], CATEGORY, "read", result="not_found")
        raise NotFound("no such household")
    return household.householder_id


def read_benefits(household_id: HouseholdId, as_of: Annotated[IsoDate | None, Query()] = None) -> dict[str, Any]:
    declare_use(USE)
    actor, on = _actor(), as_of or today_jst()
    householder = _householder(actor, household_id, "read")
    state = benefit_payment_store().household(household_id)
    rules = load_rules()
    record_access(actor, [household_id, householder], CATEGORY, "read")
    months = []
    for m in state.months:
        paid = sum(p.paid for p in state.payments if p.month == m.month)  # a 振込不能 paid nothing
        claimed = sum(c.amount for c in state.claims if c.month == m.month)
        months.append({"month": m.month, "version": m.version, "benefit": m.benefit, "paid": paid, "claimed": claimed,
                       "due": m.benefit - paid + claimed})
    claims = []
    for c in sorted(state.claims, key=lambda c: c.claim_id):
        s = claim_state(c, on, rules)
        claims.append({"claim_id": c.claim_id, "month": c.month, "amount": c.amount, "due": c.due, "reason": c.reason,
                       "status": s.status, "unpaid": s.unpaid,
                       "last_day": s.limitation.last_day.isoformat() if s.limitation else None,
                       "extinguished": bool(s.limitation and s.limitation.extinguished(on))})
    return {"household_id": household_id, "householder_id": householder, "as_of": on.isoformat(), "months": months,
            "applications": [{"application_id": a.application_id, "household_id": a.household_id,
                              "months": list(a.months), "received_on": a.received_on.isoformat(),
                              "account": masked_account(a.account.account_number) if a.account else None,
                              "offset_consent": a.offset_consent, "staff_id": a.staff_id,
                              "late_entry": late_entry_out(a.late)}
                             for a in state.applications],
            "withholdings": [{"decision_id": w.decision_id, "months": list(w.months), "decided_on": w.decided_on
                              .isoformat(), "basis": w.basis, "staff_id": w.staff_id,
                              "lifted_on": w.lifted_on.isoformat() if w.lifted_on else None}
                             for w in state.withholdings],
            "payments": [{"payment_id": p.payment_id, "month": p.month, "amount": p.amount, "transfer": p.transfer,
                          "offset": p.amount - p.transfer, "status": p.status, "created_on": p.created_on,
                          "account": masked_account(p.account.account_number) if p.account else None,
                          "file_id": p.file_id,
                          "returns": [{k: r.get(k) for k in ("file_id", "code", "reason", "returned_on")}
                                      for r in p.returns]}
                         for p in sorted(state.payments, key=lambda p: p.payment_id)],
            "claims": claims}


def late_entry_out(e: LateEntry | None) -> dict[str, Any] | None:
    return None if e is None else {
        "status": e.status, "entered_on": e.entered_on.isoformat(), "entered_by": e.entered_by, "reason": e.reason,
        "decided_by": e.decided_by, "decided_on": e.decided_on.isoformat() if e.decided_on else None, "note": e.note}


def record_application(household_id: HouseholdId, body: ApplicationIn) -> dict[str, Any]:
    declare_use(USE)
    actor, store = _actor(), benefit_payment_store()
    householder = _householder(actor, household_id, "write")
    decided = {m.month for m in store.household(household_id).months}
    unknown = [m for m in body.months if m not in decided]
    if unknown:
        raise ChangeRejected(f"months: no benefit is decided for {', '.join(unknown)}")
    account = None if body.account is None else RefundAccount(
        body.account.bank_code, body.account.branch_code, body.account.account_type, body.account.account_number,
        body.account.holder_kana, "申出口座")
    entered_on = today_jst()
    application = Application(body.application_id, household_id, tuple(sorted(body.months)),
                              body.received_on or entered_on, account, body.offset_consent, actor.staff_id)
    # entered late keeping a right lapsed by today (国保法第110条): recorded, held for a second member's approval
    late = late_rescue(application.received_on, entered_on, {m: right_last_day(m) for m in application.months})
    if late is not None:
        application = replace(application, late=LateEntry(entered_on, actor.staff_id, late))
    if store.put_application(application, actor=actor):
        if late is not None:
            return {"household_id": household_id, "id": body.application_id, "status": "pending_approval",
                    "needs_approval": late}
        return {"household_id": household_id, "id": body.application_id, "status": "recorded"}
    stored = store.application(household_id, body.application_id)
    content = ("months", "account", "offset_consent")  # not who recorded it or on which day
    if stored is None or any(getattr(stored, k) != getattr(application, k) for k in content):
        raise Conflict("an application with that id is recorded with other content")
    # delivered again: nothing written (no write's record), the household's months and its application read
    record_access(actor, [household_id, householder], CATEGORY, "read")
    return {"household_id": household_id, "id": body.application_id, "status": "already_recorded"}


def decide_late_application(household_id: HouseholdId, application_id: ApplicationId,
                            body: LateEntryDecisionIn) -> dict[str, Any]:
    """A second member approves (or refuses, with a reason) a 支給申請 entered late; never its entrant."""
    declare_use(USE)
    actor, store = _actor(), benefit_payment_store()
    _householder(actor, household_id, "write")
    held = store.application(household_id, application_id)
    try:
        decided = late_entry.decide_late_entry(held.late if held is not None else None, decision=body.decision,
                                               staff_id=actor.staff_id, on=today_jst(), reason=body.reason)
    except late_entry.DecisionRefused as exc:
        raise ChangeRejected(str(exc)) from None
    except late_entry.AlreadyDecided as exc:
        raise Conflict(str(exc)) from None
    if not store.decide_application(household_id, application_id, decided, actor=actor):
        raise Conflict("that application's late entry is decided already")
    return {"household_id": household_id, "id": application_id, "status": decided.status}


def record_withholding(household_id: HouseholdId, body: WithholdingIn) -> dict[str, Any]:
    declare_use(USE)
    actor, store = _actor(), benefit_payment_store()
    _householder(actor, household_id, "write")
    on = body.on or today_jst()
    if body.action == "lift":
        try:
            store.lift_withholding(household_id, body.decision_id, on, actor=actor)
        except WriteConflict:
            raise Conflict("no 差止 in force under that id") from None
        except ValueError as exc:  # the decision's own rule (Withholding.lift): a lift before it was decided
            raise ChangeRejected(str(exc)) from None
        return {"household_id": household_id, "id": body.decision_id, "status": "lifted"}
    assert body.basis is not None  # the model's rule
    decision = Withholding(body.decision_id, household_id, tuple(sorted(body.months)), on, body.basis, actor.staff_id)
    if not store.put_withholding(decision, actor=actor):
        raise Conflict("a 差止 with that id is recorded already")
    return {"household_id": household_id, "id": body.decision_id, "status": "recorded"}


def record_repayment(household_id: HouseholdId, claim_id: Annotated[str, Path(pattern=ID)],
                     body: RepaymentIn) -> dict[str, Any]:
    declare_use(USE)
    actor = _actor()
    try:
        out = benefit_payment_store().record_repayment(household_id, claim_id, body.repayment_id, body.on,
                                                       body.amount, actor=actor)
    except RepaymentRefused as exc:  # the debtor whose claim answered it is named in its record
        raise ChangeRejected(str(exc), read=[exc.debtor]) from None
    except ValueError as exc:
        raise ChangeRejected(str(exc)) from None
    except RepaymentIdTaken as exc:
        raise Conflict("a repayment with that id is recorded with another day or amount",
                       read=[exc.debtor] if exc.debtor else ()) from None
    except WriteConflict:
        raise Conflict("the claim changed meanwhile: read it again") from None
    if out is None:
        raise NotFound("no such claim of that household")
    claim, new = out
    if not new:  # delivered again: nothing written (no write's record), the claim read to answer
        record_access(actor, [f"HH:{household_id}", claim.debtor_id], CATEGORY, "read")
    state = claim_state(claim, max(body.on, today_jst()), load_rules())
    return {"household_id": household_id, "claim_id": claim_id, "status": "recorded" if new else "already_recorded",
            "claim_status": state.status, "unpaid": state.unpaid,
            "last_day": state.limitation.last_day.isoformat() if state.limitation else None}


__all__ = ["REPAYMENT_PATH", "RepaymentIn", "RepaymentOut", "record_repayment",
           "APPLICATION_APPROVAL_PATH", "LateEntryDecisionIn", "LateEntryOut", "decide_late_application",
           "late_entry_out",
           "APPLICATION_PATH", "BENEFITS_PATH", "CATEGORY", "WITHHOLDING_PATH", "ApplicationIn", "ApplicationOut",
           "BenefitsOut", "RecordedOut", "WithholdingIn", "WithholdingOut", "read_benefits", "record_application",
           "record_withholding", "router"]
