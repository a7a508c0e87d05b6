"""The notice route of the private API (functions/qualification/api.py lists it in its one route table, which
authenticates the member of staff, checks the grant and the volume limit and puts the `Actor` in the resolver
context before it runs):

  GET /collection/notices/{household_id}/{fiscal_year}?issued_on=YYYY-MM-DD   the 納入通知書 of a ledger (PDF,
                                                                               COLLECTION_READ)

One notice, as the payer receives it (a re-issue at the counter, or a clerk checking what was sent): the charge
of the assessment's current version, slips of what is unpaid on the day of issue, addressed to the payer's
送付先; rendered on demand from the ledger and the qualification file (never a print run's part, which holds
500 households); `issued_on` from the fiscal year's first day to today (else 422, nothing read). Handed as JSON
(media type, SHA-256, base64), as the disclosure document is. Recorded as a read
(category 通知書) naming the household and the payer; an unknown ledger or payer, a read not_found.
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
from kokuho.notices import NoticeBook, PaymentNotice, addressee_of
from kokuho.notices.print_run import CATEGORY
from kokuho.payments import wiring
from kokuho.qualification import application
from kokuho.qualification.application import NotFound
from kokuho.qualification.history import ChangeRejected
from kokuho.requests.suspension import declare_use

NOTICE_PATH = "/collection/notices/{household_id}/{fiscal_year}"
HOUSEHOLD = r"^[A-Za-z0-9_\-]{1,64}$"

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
                issued_on: Annotated[date | None, Query()] = None) -> dict[str, Any]:
    declare_use("collection.notices")  # 利用停止: the notice of the premium is owed by law (the data says which)
    actor, key, on = _actor(), (household_id, fiscal_year), issued_on or today_jst()
    if not date(fiscal_year, 4, 1) <= on <= today_jst():
        # a notice no one could have been sent (a day to come, before its year) is not made, nor anything read for it
        raise ChangeRejected(f"issued_on: a day from {fiscal_year}-04-01 (the fiscal year's first) to today")
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
