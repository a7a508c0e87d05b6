"""The routes of 療養費・出産育児一時金・葬祭費 in the private API (functions/qualification/api.py lists them in its one
route table, which authenticates the member of staff, checks the grant of the route's function and the volume limit,
and puts the `Actor` in the resolver context before these run; docs/other_benefits.md):

  POST /benefits/{household_id}/other-claims                       file a claim (BENEFITS_RECORD); the same claim
                                                                   filed again is stored once
  GET  /benefits/{household_id}/other-claims/{claim_id}            the claim, its decision, its payment (BENEFITS_READ)
  POST /benefits/{household_id}/other-claims/{claim_id}/decision   decide it (BENEFITS_DECIDE): 支給 with the amount and
                                                                   a payment for the 総合振込 file, or 不支給 with the
                                                                   reasons; the decision notice (PDF) in the answer
  GET  /benefits/{household_id}/other-claims/{claim_id}/notice     the decision notice again (BENEFITS_READ)
  POST /benefits/{household_id}/other-claims/{claim_id}/approval   a second member's 遡及入力承認 of a claim entered
                                                                   late (BENEFITS_APPROVE; never the entrant)

Every call leaves an access record (category 給付情報 (療養費・出産育児一時金・葬祭費)) naming the person; a refused
one its attempt. Ids are surrogate; a My Number in any text is refused; the account is shown masked.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from kokuho.access.actor import authorised_actor
from kokuho.access.records import Actor, record_access
from kokuho.benefits import late_entry
from kokuho.benefits.claim_ports import CATEGORY, StoredClaim
from kokuho.benefits.claims import (
    ClaimConflict,
    ClaimNotFound,
    ClaimRejected,
    decide_claim,
    decide_late_claim,
    file_claim,
)
from kokuho.benefits.other_benefits import Claim, claim_id_of
from kokuho.collection.ports import RefundAccount
from kokuho.dates.tokyo import today_jst
from kokuho.identity.request_bodies import ClosedIn, IsoDate
from kokuho.notices.model import addressee_of
from kokuho.notices.other_benefit import OtherBenefitNotice, render
from kokuho.notices.text import masked_account
from kokuho.payments.routes import AccountIn
from kokuho.platform.answer_models import fields_of
from kokuho.qualification.application import Conflict, NotFound, wired
from kokuho.qualification.history import ChangeRejected
from kokuho.receipts import wiring
from kokuho.receipts.benefit_routes import LateEntryDecisionIn, LateEntryOut, late_entry_out
from kokuho.requests.suspension import declare_use

CLAIMS_PATH = "/benefits/{household_id}/other-claims"
CLAIM_PATH = "/benefits/{household_id}/other-claims/{claim_id}"
DECISION_PATH = "/benefits/{household_id}/other-claims/{claim_id}/decision"
NOTICE_PATH = "/benefits/{household_id}/other-claims/{claim_id}/notice"
APPROVAL_PATH = "/benefits/{household_id}/other-claims/{claim_id}/approval"
ID = r"^[A-Za-z0-9_\-]{1,64}$"
CLAIM_ID = r"^OB-[0-9A-F]{10}$"
AMOUNT = r"^[0-9]{1,9}(\.[0-9]{1,2})?$"
RATE = r"^[0-9]{1,6}(\.[0-9]{1,6})?$"
USE = "benefits.other"
MAX_YEN = 100_000_000

router = Router()
HouseholdId = Annotated[str, Path(pattern=ID)]
ClaimId = Annotated[str, Path(pattern=CLAIM_ID)]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ClaimIn(ClosedIn):
    """A claim: its kind and the person (the patient, the mother, the deceased), the day of the event, the documents
    received, what the kind needs, and the payee's account."""

    kind: Literal["療養費", "出産育児一時金", "葬祭費"]
    person_id: str = Field(pattern=ID)
    event_on: IsoDate
    received_on: IsoDate | None = None
    documents: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(default_factory=list, max_length=20)
    other_insurer_pays: bool = False
    account: AccountIn
    subkind: Literal["補装具", "柔道整復", "海外療養費"] | None = None
    paid: int | None = Field(default=None, ge=0, le=MAX_YEN)
    standard: int | None = Field(default=None, ge=0, le=MAX_YEN)
    paid_foreign: str | None = Field(default=None, pattern=AMOUNT)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    trip_for_treatment: bool = False
    children: int = Field(default=1, ge=1, le=5)
    gestation_days: int | None = Field(default=None, ge=1, le=320)
    compensation_scheme: bool = True
    provider_code: str | None = Field(default=None, pattern=r"^[0-9]{7}$")
    provider_charged: int | None = Field(default=None, ge=0, le=MAX_YEN)
    chief_mourner: str | None = Field(default=None, min_length=1, max_length=60)
    funeral_on: IsoDate | None = None

    @model_validator(mode="after")
    def _rules(self) -> ClaimIn:
        today = today_jst()
        for name in ("event_on", "received_on", "funeral_on"):
            day = getattr(self, name)
            if day is not None and day > today:
                raise ValueError(f"{name}: must not be in the future")
        if (self.subkind is None) != (self.kind != "療養費"):
            raise ValueError("subkind: a 療養費 names its kind (補装具, 柔道整復, 海外療養費), the others none")
        return self


class ClaimDecisionIn(ClosedIn):
    """`rate`: yen per unit of the claim's currency on the decision day (海外療養費 only); `decided_on`: today if not
    given."""

    rate: str | None = Field(default=None, pattern=RATE)
    decided_on: IsoDate | None = None

    @model_validator(mode="after")
    def _rules(self) -> ClaimDecisionIn:
        if self.decided_on is not None and self.decided_on > today_jst():
            raise ValueError("decided_on: must not be in the future")
        return self


class ClaimFiledOut(_Closed):
    household_id: str
    claim_id: str
    status: Literal["filed", "already_filed", "pending_approval", "approved", "refused"]
    needs_approval: str | None = None  # entered late: why it waits for a second member (kokuho.benefits.late_entry)


class ClaimNoticeOut(_Closed):
    kind: str
    media_type: str
    pages: int
    sha256: str
    content_base64: str


class DirectPaymentOut(_Closed):
    provider_code: str
    charged: int
    paid_to_provider: int


class ClaimFieldsOut(create_model("ClaimFields", __base__=_Closed, **fields_of(Claim))):  # type: ignore[misc]
    """The claim as filed: Claim's fields (the one list), as Claim.to_json() answers them."""


class _BasisOfDecision(_Closed):
    """How the amount was found (kokuho.benefits.other_benefits.decide): what applies to the claim's kind."""

    fiscal_year: int
    kind: str
    claim_limit: str
    recognised: int | None = None
    copay_ratio: str | None = None
    copay_equivalent: int | None = None
    rate: str | None = None
    per_child: int | None = None
    direct_payment: DirectPaymentOut | None = None
    amount: int | None = None
    amount_basis: str | None = None  # 葬祭費: where the amount comes from (ordinance, or the city's setting)


class ClaimBasisOut(create_model("ClaimBasis", __base__=_BasisOfDecision, **fields_of(Claim,  # type: ignore[misc]
        "subkind", "paid", "standard", "paid_foreign", "currency", "children", "compensation_scheme", optional=True))):
    """How the amount was found, with the claim's own figures that applied (typed as the claim's fields)."""


class _Decision(_Closed):
    """A claim's decision (kokuho.benefits.other_benefits.Decision) as stored and answered."""

    approved: bool
    amount: int
    to_payee: int
    to_provider: int
    reasons: list[str]
    basis: ClaimBasisOut
    decided_on: str


class ClaimDecisionDocOut(_Decision):
    decided_by: str


class ClaimDecisionOut(_Decision):
    household_id: str
    claim_id: str
    kind: str
    payment_id: str | None
    notice: ClaimNoticeOut


class OtherClaimOut(_Closed):
    household_id: str
    claim_id: str
    claim: ClaimFieldsOut
    account: str  # masked: ***4567
    filed_by: str
    decision: ClaimDecisionDocOut | None
    payment_id: str | None
    payment_status: str | None
    file_id: str | None
    late_entry: LateEntryOut | None = None  # entered late: held for (or decided by) a second member


def _actor() -> Actor:
    return authorised_actor(router.context, "benefits")


def _chain(actor: Actor) -> str:
    return f"STAFF#{actor.staff_id}"


def _notice(actor: Actor, stored: StoredClaim, decision: dict[str, Any]) -> dict[str, Any]:
    """The decision notice, addressed to the householder's 送付先 (whose name and address are read: recorded)."""
    file = wired()
    household = file.household(stored.claim.household_id)
    householder = household.householder_id if household else None
    payer = file.persons([householder]).get(householder) if householder else None
    if payer is None:
        raise NotFound("the household's householder is not on the qualification file")
    record_access(actor, [payer.person_id], CATEGORY, "read")
    c = stored.claim
    payee = c.chief_mourner if c.kind == "葬祭費" and c.chief_mourner else payer.name_kanji
    data, pages = render(OtherBenefitNotice(
        c.claim_id, c.household_id, c.person_id, c.kind, c.subkind, c.event_on, bool(decision["approved"]),
        int(decision["amount"]), int(decision["to_payee"]), int(decision["to_provider"]),
        tuple(decision["reasons"]), payee, addressee_of(payer), date.fromisoformat(decision["decided_on"]),
        stored.account))
    kind = ("支給" if decision["approved"] else "不支給") + "決定通知書"
    return {"kind": kind, "media_type": "application/pdf", "pages": pages, "sha256": hashlib.sha256(data).hexdigest(),
            "content_base64": base64.b64encode(data).decode("ascii")}


def file_other_claim(household_id: HouseholdId, body: ClaimIn) -> dict[str, Any]:
    declare_use(USE)
    actor = _actor()
    claim = Claim(claim_id_of(body.kind, household_id, body.person_id, body.event_on, body.subkind), body.kind,
                  household_id, body.person_id, body.event_on, body.received_on or today_jst(),
                  tuple(body.documents), body.other_insurer_pays, body.subkind, body.paid, body.standard,
                  Decimal(body.paid_foreign) if body.paid_foreign is not None else None, body.currency,
                  body.trip_for_treatment, body.children, body.gestation_days, body.compensation_scheme,
                  body.provider_code, body.provider_charged, body.chief_mourner, body.funeral_on)
    a = body.account
    account = RefundAccount(a.bank_code, a.branch_code, a.account_type, a.account_number, a.holder_kana, "申出口座")
    with _answered_as_http():
        stored, stored_now = file_claim(wiring.claim_store(), StoredClaim(claim, account, actor.staff_id),
                                        actor=actor, chain=_chain(actor), entered_on=today_jst())
    if stored_now and stored.late is not None:
        return {"household_id": household_id, "claim_id": claim.claim_id, "status": "pending_approval",
                "needs_approval": stored.late.reason}
    return {"household_id": household_id, "claim_id": claim.claim_id,
            "status": "filed" if stored_now else "already_filed"}


@contextmanager
def _answered_as_http() -> Iterator[None]:
    """The claim use cases' refusals as the API answers them: 422 with the reason, 404, 409."""
    try:
        yield
    except ClaimRejected as exc:
        raise ChangeRejected(str(exc)) from None
    except ClaimNotFound as exc:
        raise NotFound(str(exc)) from None
    except ClaimConflict as exc:
        raise Conflict(str(exc)) from None


def _stored(household_id: str, claim_id: str, actor: Actor) -> StoredClaim:
    stored = wiring.claim_store().get_claim(household_id, claim_id, actor=actor, chain=_chain(actor))
    if stored is None:
        raise NotFound("no such claim")
    return stored


def read_other_claim(household_id: HouseholdId, claim_id: ClaimId) -> dict[str, Any]:
    declare_use(USE)
    s = _stored(household_id, claim_id, _actor())
    return {"household_id": household_id, "claim_id": claim_id, "claim": s.claim.to_json(),
            "account": masked_account(s.account.account_number) if s.account else "", "filed_by": s.filed_by,
            "decision": s.decision, "payment_id": s.payment_id, "payment_status": s.payment_status,
            "file_id": s.file_id, "late_entry": late_entry_out(s.late)}


def decide_other_claim(household_id: HouseholdId, claim_id: ClaimId, body: ClaimDecisionIn) -> dict[str, Any]:
    declare_use(USE)
    actor = _actor()
    on = body.decided_on or today_jst()
    with _answered_as_http():
        d = decide_claim(wiring.claim_store(), household_id, claim_id, on=on,
                         rate=Decimal(body.rate) if body.rate is not None else None, staff_id=actor.staff_id,
                         actor=actor, chain=_chain(actor))
    doc = {"approved": d.decision.approved, "amount": d.decision.amount, "to_payee": d.decision.to_payee,
           "to_provider": d.decision.to_provider, "reasons": list(d.decision.reasons), "decided_on": on.isoformat()}
    return {"household_id": household_id, "claim_id": claim_id, "kind": d.stored.claim.kind, **doc,
            "basis": d.decision.basis, "payment_id": d.payment.payment_id if d.payment else None,
            "notice": _notice(actor, d.stored, doc)}


def decide_late_other_claim(household_id: HouseholdId, claim_id: ClaimId,
                            body: LateEntryDecisionIn) -> dict[str, Any]:
    """A second member approves (or refuses, with a reason) a claim entered late; never its entrant."""
    declare_use(USE)
    actor = _actor()
    try:
        stored = decide_late_claim(wiring.claim_store(), household_id, claim_id, decision=body.decision,
                                   staff_id=actor.staff_id, on=today_jst(), reason=body.reason, actor=actor,
                                   chain=_chain(actor))
    except late_entry.DecisionRefused as exc:
        raise ChangeRejected(str(exc)) from None
    except late_entry.AlreadyDecided as exc:
        raise Conflict(str(exc)) from None
    assert stored.late is not None
    return {"household_id": household_id, "claim_id": claim_id, "status": stored.late.status}


def read_other_claim_notice(household_id: HouseholdId, claim_id: ClaimId) -> dict[str, Any]:
    declare_use(USE)
    actor = _actor()
    s = _stored(household_id, claim_id, actor)
    if s.decision is None:
        raise NotFound("no decision of that claim yet")
    return _notice(actor, s, s.decision)


__all__ = ["CATEGORY", "CLAIMS_PATH", "CLAIM_PATH", "DECISION_PATH", "NOTICE_PATH", "ClaimBasisOut",
           "ClaimDecisionDocOut", "ClaimDecisionIn", "ClaimDecisionOut", "ClaimFieldsOut", "ClaimFiledOut", "ClaimIn",
           "ClaimNoticeOut", "OtherClaimOut", "DirectPaymentOut", "decide_other_claim", "file_other_claim",
           "read_other_claim", "read_other_claim_notice", "router", "APPROVAL_PATH", "decide_late_other_claim"]
