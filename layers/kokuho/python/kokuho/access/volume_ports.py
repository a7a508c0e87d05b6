"""A search page's volume charge taken in the transaction of the request's own access record (issue 8: the
kana search's p95), instead of a counter transaction before the search and a settlement after it.

The API's admission (functions/qualification/admission.py) defers the charge of the person search — its
page against the pages-per-query limit, the persons its access record names against the persons-per-hour
limit — by setting it for the request (`deferred`); the store that writes the search's access record
(kokuho.records.qualification_store) takes it there: the record, its subject-index entries and both
counters' conditional updates commit together or not at all. Past a limit the transaction is refused, the
store writes the record with result `limited` (naming the persons read) and raises the charge's
LimitExceeded: the API answers 429. Concurrent requests cannot both take the last unit (the counters'
conditions are checked in the transaction)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from kokuho.access.ports import Take


@dataclass
class DeferredCharge:
    """The counters a search page takes: `pages` (one unit, None without a pages limit) and `persons` (as
    many units as its access record names), both kept within their limits."""

    pages: Callable[[Callable[[str], str] | None], Take | None]  # the page's take, its key by a (keyed) digest
    persons_key: tuple[str, str]
    persons_limit: int
    expires_at: int
    refusal: Callable[[str], Exception]  # kind ("search_pages_per_query" | "persons_per_hour") → LimitExceeded
    taken: bool = False
    # The search the page walks, as its page token binds it (set by the store that ran it): its pages are counted
    # under it, not under the criteria as typed — "ｷﾀｷｭｳ", "きたきゅう" and " キタキュウ" are one search with
    # "キタキュウ", and its token carries on under any of them.
    search: tuple[str, ...] | None = None

    def takes(self, persons: int, keyed: Callable[[str], str] | None = None) -> list[Take]:
        """`keyed`: the keyed hash of the search's criteria for the page counter's key (the store's; a plain
        hash without it)."""
        return [t for t in (self.pages(keyed), Take(self.persons_key, persons, self.persons_limit)) if t is not None]

    def refused(self, index: int) -> Exception:
        """The exception for the take at `index` of `takes()` refused."""
        paged = self.pages(None) is not None
        return self.refusal("search_pages_per_query" if paged and index == 0 else "persons_per_hour")


_PENDING: ContextVar[DeferredCharge | None] = ContextVar("kokuho_deferred_charge", default=None)


@contextmanager
def deferred(charge: DeferredCharge | None) -> Iterator[None]:
    """The request's deferred charge, for the store that records its access (nothing when None)."""
    token = _PENDING.set(charge)
    try:
        yield
    finally:
        _PENDING.reset(token)


def searching(*search: str) -> None:
    """The request's search page walks `search` (the store running it says which): its pages are counted under it."""
    charge = _PENDING.get()
    if charge is not None and not charge.taken:
        charge.search = search


def take_pending() -> DeferredCharge | None:
    """The request's charge if not taken yet (the store marks it taken once its transaction commits)."""
    charge = _PENDING.get()
    return charge if charge is not None and not charge.taken else None
