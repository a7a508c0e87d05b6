"""Routes of the security team (concern "review"): the permission review and the access-record searches,
each itself recorded."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query

from kokuho.access.records import Actor
from kokuho.dates.tokyo import today_jst
from kokuho.qualification import application as appsvc
from kokuho.qualification.history import ChangeRejected
from kokuho.qualification.transactions import record

if TYPE_CHECKING:
    from kokuho.access.search import Page

from .context import current_actor
from .schemas import IsoDate
from .spec import PathId
from .views import grant_row


def permission_review(
    limit: Annotated[int, Query(ge=1, le=appsvc.MAX_PAGE)] = 50,
    page_token: Annotated[str | None, Query(max_length=100, pattern=r"^[A-Za-z0-9\-#]+$")] = None,
) -> dict[str, Any]:
    from kokuho.access.staff import page_grants, staff_profiles

    grants, token = page_grants(limit, page_token)
    staff = staff_profiles({g.staff_id for g in grants})
    today = today_jst()
    items = [grant_row(g, staff, today) for g in grants]
    record(current_actor(), [f"STAFF:{g.staff_id}" for g in grants] or ["no-match"], "permissions", "review",
           chain=f"SEARCH#{current_actor().staff_id}")
    return {"as_of": today.isoformat(), "items": items, "next_token": token}


def _access_search(search_of: Callable[[str, str, str, Actor], list[dict[str, Any]] | Page], key: str,
                   subject: str, date_from: date, date_to: date) -> dict[str, Any]:
    """One access-record search (kokuho.access.search), itself recorded; a bad period is a 422 with its reason.
    A search that pages answers its page and the next page's token."""
    from kokuho.access.search import Page, SearchError

    try:
        found = search_of(subject, date_from.isoformat(), date_to.isoformat(), current_actor())
    except SearchError as exc:
        raise ChangeRejected(str(exc)) from exc
    answer = {key: subject, "from_date": date_from.isoformat(), "to_date": date_to.isoformat()}
    if isinstance(found, Page):
        return {**answer, "records": found.rows, "next_token": found.next_token}
    return {**answer, "records": found}


def who_accessed(person_id: PathId, date_from: Annotated[IsoDate, Query(alias="from")],
                 date_to: Annotated[IsoDate, Query(alias="to")],
                 limit: Annotated[int, Query(ge=1, le=appsvc.MAX_PAGE)] = 50,
                 page_token: Annotated[str | None, Query(max_length=400, pattern=r"^[A-Za-z0-9_\-]+$")] = None,
                 ) -> dict[str, Any]:
    """アクセス記録の点検, a page at a time: each request is itself recorded, as an access to the person
    (kokuho.access.search)."""
    from kokuho.access import search

    return _access_search(functools.partial(search.who_accessed_page, limit=limit, page_token=page_token), "person_id",
                          person_id, date_from, date_to)


def staff_activity(staff_id: PathId, date_from: Annotated[IsoDate, Query(alias="from")],
                   date_to: Annotated[IsoDate, Query(alias="to")],
                   limit: Annotated[int, Query(ge=1, le=appsvc.MAX_PAGE)] = 50,
                   page_token: Annotated[str | None, Query(max_length=400, pattern=r"^[A-Za-z0-9_\-]+$")] = None,
                   ) -> dict[str, Any]:
    """What one member of staff accessed, a page at a time: each request is itself recorded (kokuho.access.search)."""
    from kokuho.access import search

    return _access_search(functools.partial(search.staff_activity_page, limit=limit, page_token=page_token),
                          "staff_id", staff_id, date_from, date_to)

