"""Volume limits per member of staff and function (seed III-3 リスク4: 不正な複製 — no bulk export).

A grant says *what* a member of staff may do; these limits say *how much*: persons read per hour and
pages of one search per hour, per function, from the data file kokuho/data/api/limits.v1.json (defaults
per function, overrides per member). Counters live in the `api_usage` table — one item per member,
function and hour (DynamoDB TTL removes old windows) — and move only by atomic conditional updates, so
every Lambda container of the API sees the same count and no two concurrent requests can both take the
last unit (kokuho.access.ports.UsageStore; the table: kokuho.records.access_store). Past a limit:
LimitExceeded (the API answers 429 and writes an access record).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from kokuho.access.ports import Take

if TYPE_CHECKING:
    from kokuho.access.ports import UsageStore
    from kokuho.access.volume_ports import DeferredCharge

LIMITS_VERSION = 1


@dataclass(frozen=True)
class FunctionLimit:
    persons_per_hour: int
    search_pages_per_query: int | None = None


@dataclass(frozen=True)
class Limits:
    window_seconds: int
    functions: Mapping[str, FunctionLimit]
    staff: Mapping[str, Mapping[str, FunctionLimit]]

    def of(self, staff_id: str, function: str) -> FunctionLimit:
        return self.staff.get(staff_id, {}).get(function) or self.functions[function]


class LimitsFileError(ValueError):
    pass


def _limit(where: str, raw: object) -> FunctionLimit:
    if not isinstance(raw, dict) or set(raw) - {"persons_per_hour", "search_pages_per_query"}:
        raise LimitsFileError(f"{where}: persons_per_hour and optionally search_pages_per_query")
    persons, pages = raw.get("persons_per_hour"), raw.get("search_pages_per_query")
    if not isinstance(persons, int) or isinstance(persons, bool) or persons < 1:
        raise LimitsFileError(f"{where}.persons_per_hour: a positive whole number")
    if pages is not None and (not isinstance(pages, int) or isinstance(pages, bool) or pages < 1):
        raise LimitsFileError(f"{where}.search_pages_per_query: a positive whole number")
    return FunctionLimit(persons, pages)


def parse_limits(raw: Mapping[str, object]) -> Limits:
    """Checked limits: every function of kokuho.access.grants.Function has its default (deny by default
    extends to volume: a function without a limit cannot be served), and nothing else is named."""
    from kokuho.access.grants import Function
    from kokuho.access.identity import INDIVIDUAL_STAFF_ID

    window = raw.get("window_seconds")
    if not isinstance(window, int) or isinstance(window, bool) or window < 60:
        raise LimitsFileError("window_seconds: a whole number of seconds, at least 60")
    functions = raw.get("functions")
    if not isinstance(functions, dict):
        raise LimitsFileError("functions: an object of function → limit")
    known = {f.value for f in Function}
    if set(functions) != known:
        missing, unknown = sorted(known - set(functions)), sorted(set(functions) - known)
        raise LimitsFileError(f"functions: missing {missing}, unknown {unknown}")
    staff = raw.get("staff") or {}
    if not isinstance(staff, dict):
        raise LimitsFileError("staff: an object of staff id → function → limit")
    overrides: dict[str, dict[str, FunctionLimit]] = {}
    for sid, per in staff.items():
        if not INDIVIDUAL_STAFF_ID.fullmatch(sid) or not isinstance(per, dict) or set(per) - known:
            raise LimitsFileError(f"staff.{sid}: an individual staff id → known functions → limit")
        overrides[sid] = {fn: _limit(f"staff.{sid}.{fn}", v) for fn, v in per.items()}
    return Limits(window, {fn: _limit(f"functions.{fn}", v) for fn, v in functions.items()}, overrides)


@lru_cache(maxsize=2)
def load_limits(version: int = LIMITS_VERSION) -> Limits:
    text = (resources.files("kokuho.data") / "api" / f"limits.v{version}.json").read_text("utf-8")
    return parse_limits(json.loads(text))


class LimitExceeded(Exception):
    """Past a volume limit; the message names the limit, never data."""

    def __init__(self, kind: str, function: str, limit: int, retry_after_s: int) -> None:
        what = "persons an hour" if kind == "persons_per_hour" else "pages of one search an hour"
        super().__init__(f"volume limit: at most {limit} {what} through {function}; "
                         f"try again in {retry_after_s} s or narrow the search")
        self.kind, self.function, self.limit, self.retry_after_s = kind, function, limit, retry_after_s


@dataclass(frozen=True)
class Reservation:
    """Units taken before a request runs; `settle` charges what it actually read."""

    key: tuple[str, str]
    reserved: int
    kind: str = "persons"  # or "pages"


def _window(now: float, seconds: int) -> tuple[int, int]:
    start = int(now) // seconds * seconds
    return start, start + seconds


def _store(store: UsageStore | None) -> UsageStore:
    if store is not None:
        return store
    from kokuho.access import stores

    return stores.usage()


def reserve_persons(staff_id: str, function: str, units: int, *, now: float | None = None,
                    store: UsageStore | None = None) -> Reservation:
    """Take `units` persons of this hour's allowance of the member for the function, or LimitExceeded."""
    limits = load_limits()
    limit = limits.of(staff_id, function).persons_per_hour
    start, end = _window(now if now is not None else time.time(), limits.window_seconds)
    key = (f"USAGE#{staff_id}", f"{function}#persons#{start}")
    if units > limit or not _store(store).take(Take(key, units, limit), end + limits.window_seconds):
        raise LimitExceeded("persons_per_hour", function, limit, max(1, end - int(now or time.time())))
    return Reservation(key, units)


def settle(reservation: Reservation, actual: int, *, store: UsageStore | None = None) -> None:
    """Charge what the request read instead of what it reserved (a refund, or a household's members)."""
    delta = actual - reservation.reserved
    if delta:
        _store(store).add(reservation.key, delta)


def criteria_text(criteria: Mapping[str, str]) -> str:
    """A search's criteria, page position and size left out: one search, its pages."""
    same = {k: v for k, v in sorted(criteria.items()) if k not in ("page_token", "limit") and v}
    return json.dumps(same, ensure_ascii=False)


def query_digest(criteria: Mapping[str, str], keyed: Callable[[str], str] | None = None) -> str:
    """A short digest of a search's criteria (page position and size left out): one search, its pages.
    base64url, so no run of twelve digits appears in a key. `keyed`: a keyed hash (the person search's:
    kokuho.qualification.search_tokens — the counter's key is logged, and a plain hash of a name searched
    for is found again by hashing names)."""
    if keyed is not None:
        return keyed(criteria_text(criteria))
    digest = hashlib.sha256(criteria_text(criteria).encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


def reserve_page_and_persons(staff_id: str, function: str, criteria: Mapping[str, str], units: int, *,
                             now: float | None = None, store: UsageStore | None = None) -> list[Reservation]:
    """One page of a search counted against the pages-per-query limit and `units` persons reserved, in
    ONE transaction: both are taken or neither (a search refused for persons leaves no page counted),
    and it is one request. LimitExceeded names the limit that refused (the pages one first)."""
    limits = load_limits()
    of = limits.of(staff_id, function)
    start, end = _window(now if now is not None else time.time(), limits.window_seconds)
    retry = max(1, end - int(now or time.time()))
    if of.search_pages_per_query is None:
        return [reserve_persons(staff_id, function, units, now=now, store=store)]
    if units > of.persons_per_hour:
        raise LimitExceeded("persons_per_hour", function, of.persons_per_hour, retry)
    expires = end + limits.window_seconds
    pages = Reservation((f"USAGE#{staff_id}", f"{function}#pages#{query_digest(criteria)}#{start}"), 1, "pages")
    persons = Reservation((f"USAGE#{staff_id}", f"{function}#persons#{start}"), units)
    refused = _store(store).take_all([Take(pages.key, pages.reserved, of.search_pages_per_query),
                                      Take(persons.key, persons.reserved, of.persons_per_hour)], expires)
    if refused == 0:
        raise LimitExceeded("search_pages_per_query", function, of.search_pages_per_query, retry)
    if refused == 1:
        raise LimitExceeded("persons_per_hour", function, of.persons_per_hour, retry)
    return [pages, persons]


def defer_page_and_persons(staff_id: str, function: str, criteria: Mapping[str, str], units: int, *,
                           now: float | None = None) -> DeferredCharge:
    """A search page's charge, taken with its access record (kokuho.access.volume_ports): the page against
    the pages-per-query limit, the persons the record names against the persons-per-hour limit. A page
    larger than the hour's whole allowance is refused now."""
    from kokuho.access.volume_ports import DeferredCharge

    limits = load_limits()
    of = limits.of(staff_id, function)
    start, end = _window(now if now is not None else time.time(), limits.window_seconds)
    retry = max(1, end - int(now or time.time()))
    if units > of.persons_per_hour:
        raise LimitExceeded("persons_per_hour", function, of.persons_per_hour, retry)
    def pages(keyed: Callable[[str], str] | None) -> Take | None:
        return None if of.search_pages_per_query is None else Take(
            (f"USAGE#{staff_id}", f"{function}#pages#{query_digest(criteria, keyed)}#{start}"), 1,
            of.search_pages_per_query)

    def refusal(kind: str) -> Exception:
        limit = of.search_pages_per_query if kind == "search_pages_per_query" else of.persons_per_hour
        return LimitExceeded(kind, function, int(limit or 0), retry)

    return DeferredCharge(pages, (f"USAGE#{staff_id}", f"{function}#persons#{start}"), of.persons_per_hour,
                          end + limits.window_seconds, refusal)


def usage(staff_id: str, *, store: UsageStore | None = None) -> dict[str, int]:
    """Every counter of a member (sk → units): what the security team looks at after an alarm."""
    return _store(store).usage(staff_id)
