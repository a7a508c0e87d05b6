"""The notice route of the private API (functions/qualification/api.py lists it in its one route table, which
authenticates the member of staff, checks the grant and the volume limit and puts the `Actor` in the resolver
context before it runs):

  GET /collection/notices/{household_id}/{fiscal_year}?issued_on=YYYY-MM-DD   the 納入通知書 of a ledger (PDF,
                                                                               COLLECTION_READ)
      &kind=決定通知書|変更通知書[&version=N]   the notice an assessment version issued (the latest that issued
                                               one of that kind, or version N): made as the print run makes it
                                               (kokuho.payments.assessment_notices.notice_of_version)

One notice, as the payer receives it (a re-issue at the counter, or a clerk checking what was sent): the charge
of the assessment's current version, slips of what is unpaid on the day of issue, addressed to the payer's
送付先; rendered on demand from the ledger and the qualification file (never a print run's part, which holds
500 households); `issued_on` from the fiscal year's first day to today (else 422, nothing read). Handed as JSON
(media type, SHA-256, base64), as the disclosure document is. Recorded as a read
(category 通知書) naming the household and the payer; an unknown ledger or payer, a read not_found. A 決定通知書 or
変更通知書 whose household's case has changed since its version is refused (409, with the reason): the engine's
explanation of the case would not be that version's.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, date, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel, ConfigDict

from kokuho.access.actor import authorised_actor
from kokuho.access.records import Actor, record_access
from kokuho.collection.ledger import ledger_state
from kokuho.dates.tokyo import today_jst
from kokuho.identity.request_bodies import IsoDate
from kokuho.notices import NoticeBook, PaymentNotice, addressee_of
from kokuho.notices.assessment import TITLES
from kokuho.notices.print_run import CATEGORY
from kokuho.payments import assessment_notices, wiring
from kokuho.qualification import application
from kokuho.qualification.application import Conflict, NotFound
from kokuho.qualification.history import ChangeRejected
from kokuho.requests.suspension import declare_use

NOTICE_PATH = "/collection/notices/{household_id}/{fiscal_year}"
HOUSEHOLD = r"^[A-Za-z0-9_\-]{1,64}$"
KINDS = ("納入通知書", *TITLES.values())

router = Router()


class NoticeOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    household_id: str
    fiscal_year: int
    kind: str
    issued_on: str
    media_type: str
    pages: int
    sha256: str
    content_base64: str


def _actor() -> Actor:
    return authorised_actor(router.context, "notice")


def _not_found(actor: Actor, subject: str, message: str) -> NotFound:
    record_access(actor, [subject], CATEGORY, "read", result="not_found")
    return NotFound(message)


def read_notice(household_id: Annotated[str, Path(pattern=HOUSEHOLD)],
                fiscal_year: Annotated[int, Path(ge=2000, le=2100)],
                issued_on: Annotated[IsoDate | None, Query()] = None,
                kind: Annotated[str, Query(pattern="^(納入通知書|決定通知書|変更通知書)$")] = "納入通知書",
                version: Annotated[int | None, Query(ge=1, le=9999)] = None) -> dict[str, Any]:
    declare_use("collection.notices")  # 利用停止: the notice of the premium is owed by law (the data says which)
    actor, key, on = _actor(), (household_id, fiscal_year), issued_on or today_jst()
    if not date(fiscal_year, 4, 1) <= on <= today_jst():
        # a notice no one could have been sent (a day to come, before its year) is not made, nor anything read for it
        raise ChangeRejected(f"issued_on: a day from {fiscal_year}-04-01 (the fiscal year's first) to today")
    if kind != "納入通知書":
        return _assessment_notice(actor, household_id, fiscal_year, kind, version, on)
    ledger = wiring.store().ledgers([key]).get(key)
    if ledger is None:
        raise _not_found(actor, f"HH:{household_id}", "no ledger of that household for that fiscal year")
    payer = application.wired().persons([ledger.charge.payer_id]).get(ledger.charge.payer_id)
    if payer is None:
        raise _not_found(actor, f"HH:{household_id}", "the ledger's payer is not on the qualification file")
    state = ledger_state(ledger.charge, ledger.payments, ledger.disbursements, as_of=on)
    book = NoticeBook(created=datetime(on.year, on.month, on.day, tzinfo=UTC), title="国民健康保険 納入通知書")
    book.add(PaymentNotice(ledger.charge, payer.name_kanji, addressee_of(payer), on, state=state))
    data = book.output()
    # recorded once the notice is made, before it is handed over: the household's and the payer's data
    record_access(actor, [household_id, ledger.charge.payer_id], CATEGORY, "read")
    return {"household_id": household_id, "fiscal_year": fiscal_year, "kind": "納入通知書",
            "issued_on": on.isoformat(), "media_type": "application/pdf", "pages": book.pages,
            "sha256": hashlib.sha256(data).hexdigest(), "content_base64": base64.b64encode(data).decode("ascii")}


def _assessment_notice(actor: Actor, household_id: str, fiscal_year: int, kind: str, version: int | None,
                       on: date) -> dict[str, Any]:
    try:
        notice = assessment_notices.notice_of_version(household_id, fiscal_year, kind, version, issued_on=on,
                                                      actor=actor)
    except assessment_notices.NoSuchNotice as exc:
        raise _not_found(actor, f"HH:{household_id}", str(exc)) from None
    except assessment_notices.NotExplained:
        # the version and the case were read, nothing handed over: recorded as a refused read
        record_access(actor, [household_id], CATEGORY, "read", result="refused")
        raise Conflict("the household's case has changed since that version was assessed: its notice is the "
                       "one printed then (the print run's part)") from None
    book = NoticeBook(created=datetime(on.year, on.month, on.day, tzinfo=UTC), title=f"国民健康保険 {kind}")
    book.add(notice)
    data = book.output()
    payer = notice.charge.payer_id if hasattr(notice, "charge") else notice.current.payer_id
    record_access(actor, [household_id, payer], CATEGORY, "read")
    return {"household_id": household_id, "fiscal_year": fiscal_year, "kind": kind, "issued_on": on.isoformat(),
            "media_type": "application/pdf", "pages": book.pages, "sha256": hashlib.sha256(data).hexdigest(),
            "content_base64": base64.b64encode(data).decode("ascii")}
