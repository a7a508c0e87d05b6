"""Routes of the My Number vault (concern "vault"): store, reveal, look up, the review list — each a call
of kokuho.identity.vault; the number is shown only by reveal."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query

from kokuho.identity.mynumber import mask
from kokuho.qualification import application as appsvc
from kokuho.qualification.transactions import record
from kokuho.requests import honoured

from .context import current_actor
from .schemas import (
    LookupIn,
    MyNumberIn,
    RevealIn,
)
from .spec import PathId
from .views import error


def store_number(person_id: PathId, body: MyNumberIn) -> Response[dict[str, Any]]:
    from kokuho.identity.vault import store_my_number

    if appsvc.find_person(person_id) is None:
        raise appsvc.NotFound("no such person")
    # Stored, already this person's, or held for the review list (it differs from the number held, or
    # another person holds it): one answer, so the register grant is no oracle of who holds a number.
    # The access record keeps the outcome; the review list is for the review grant's holders.
    store_my_number(person_id, body.my_number, current_actor())
    return Response(202, content_types.APPLICATION_JSON,
                    {"person_id": person_id, "result": "accepted", "my_number": mask(body.my_number)})


def reveal_number(person_id: PathId, body: RevealIn) -> Response[dict[str, Any]]:
    from kokuho.identity.vault import RevealDenied, VaultError

    actor = current_actor()
    try:
        # the request's actor (its terminal source, its chain) with the purpose the reveal names; a suspended
        # person's number is not shown (利用停止: UseSuspended → 403)
        number = honoured.reveal_my_number(replace(actor, purpose=body.purpose), person_id)
    except RevealDenied as exc:
        return error(403, str(exc))
    except VaultError as exc:
        return error(404, str(exc))
    # The one response that carries the number: never cached, never logged.
    return Response(200, content_types.APPLICATION_JSON, {"person_id": person_id, "my_number": number},
                    headers={"Cache-Control": "no-store"})


def lookup_number(body: LookupIn) -> dict[str, Any]:
    person_id = honoured.find_person_by_my_number(current_actor(), body.my_number)
    if person_id is None:
        raise appsvc.NotFound("no person holds that number")
    return {"person_id": person_id, "my_number": mask(body.my_number)}


def number_review_list(limit: Annotated[int, Query(ge=1, le=appsvc.MAX_PAGE)] = 50) -> dict[str, Any]:
    from kokuho.identity.vault import vault

    entries = vault().review_list(limit)
    subjects = [e.person_id for e in entries] or ["no-match"]
    record(current_actor(), subjects, "my_number", "review_list", chain=f"SEARCH#{current_actor().staff_id}")
    return {"items": [vars(e) for e in entries]}

