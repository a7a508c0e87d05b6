"""The security team's searches of the access records: who accessed a person between two dates (the
subject index: the person's own entries and the entries its bucket's subjects share, two queries merged in
order — kokuho.access.subject_index), and what one member of staff accessed (one query on the records'
staff index, gsi1). Both read only their own partitions, never the table; both are bounded by dates
(inclusive, YYYY-MM-DD, days in Japan — the office's day, kokuho.dates.tokyo — over the UTC instants the records
keep) so a search is a range, not a listing of everything.

Who accessed a person comes a page at a time (`who_accessed_page`: at most `limit` rows, oldest first,
and a token for the next page): the two queries read the page's entries, whatever the person's history
— the API answers a page a request, each request recorded. `who_accessed` lists the whole period (the
CLI), recorded once.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from kokuho.access.actor import Actor
from kokuho.access.subject_index import chain_and_seq, row_of
from kokuho.dates.days import iso_day
from kokuho.dates.months import FIRST_YEAR
from kokuho.dates.tokyo import TOKYO
from kokuho.platform.csv_cells import text_cell

if TYPE_CHECKING:
    from kokuho.access.ports import AccessLog

FIELDS = ("at", "staff_id", "terminal_id", "purpose", "subject_id", "subjects", "category", "operation",
          "result", "chain", "seq")
STAFF_FIELDS = ("at", "staff_id", "terminal_id", "purpose", "subject_ids", "category", "operation", "result",
                "chain", "seq")
CATEGORY = "access_records"  # looking at access records is itself an access, recorded under this
PURPOSE = "アクセス記録の点検 (security review of access records)"
MAX_SPAN_DAYS = 3660  # ten years: the records' retention, and a bound against a "from 0001" listing
PAGE_SIZE = 50  # rows of a who-accessed page unless asked otherwise (the API's page size elsewhere)
MAX_PAGE_SIZE = 500
SHOWN_OPERATION = "search_staff_shown"  # the subjects a staff search's rows named, shown to the security team
SHOWN_PER_RECORD = 500  # subjects a record of them names (a page of 500 rows may name thousands): far below 400 KB
_TOKEN_SEPARATOR = "\x1f"  # between the person and the last sort key in a page token (neither holds it)


class SearchError(ValueError):
    """A search asked wrongly (a bad date, an empty id): the reason, for a 400 or an exit 2."""


def date_range(date_from: str, date_to: str) -> tuple[str, str]:
    """The sort-key bounds of [date_from, date_to], both days included."""
    try:  # YYYY-MM-DD only: fromisoformat also read a week date ('2026-W48-3', ten characters too)
        start, end = iso_day(date_from), iso_day(date_to)
    except ValueError:
        raise SearchError("from and to: dates as YYYY-MM-DD") from None
    if start.year < FIRST_YEAR or end == date.max:  # the UTC bounds of year 1 or of 9999-12-31 overflow
        raise SearchError(f"from and to: days from {FIRST_YEAR}-01-01 to 9999-12-30")
    if end < start:
        raise SearchError("to: before from")
    if (end - start).days > MAX_SPAN_DAYS:
        raise SearchError(f"from..to: at most {MAX_SPAN_DAYS} days")
    # The office's day is Tokyo's (kokuho.dates.tokyo): from `start` 00:00 to `end` 23:59:59.999999 in Japan, as
    # the UTC instants the records are kept in (`at`: 2026-11-30T13:55:00.000000+00:00). A bound without its zone
    # sorts below every instant of its second, and "~" above them: the range holds exactly those instants.
    low = datetime.combine(start, time(), TOKYO).astimezone(UTC)
    high = datetime.combine(end + timedelta(days=1), time(), TOKYO).astimezone(UTC) - timedelta(microseconds=1)
    return low.strftime("%Y-%m-%dT%H:%M:%S"), f"{high.strftime('%Y-%m-%dT%H:%M:%S.%f')}~"


_ID = re.compile(r"[!-\"$-~]{1,64}", re.ASCII)  # printable ASCII but a space and '#': what a record's subject holds


def _check_id(value: str, what: str) -> str:
    """An id as the records name it: a search for 'P1 ' or 'Ｐ１' found nothing and was recorded under that spelling."""
    if not _ID.fullmatch(value):
        raise SearchError(f"{what}: an id of 1-64 printable ASCII characters, no space, no '#'")
    return value


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    next_token: str | None  # None: the period has no more rows


def _token(person_id: str, sk: str) -> str:
    return base64.urlsafe_b64encode(f"{person_id}{_TOKEN_SEPARATOR}{sk}".encode()).decode().rstrip("=")


def _start_after(person_id: str, token: str, low: str, high: str) -> str:
    """The sort key a page token continues after: a token of this person's search and this period only."""
    try:
        if len(token) > 400:
            raise ValueError
        person, separator, sk = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().partition(
            _TOKEN_SEPARATOR)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise SearchError("page_token: not a token this search returned") from None
    if not separator or person != person_id or not low <= sk <= high:
        raise SearchError("page_token: not a token this search returned")
    return sk


def _display(subject: str, sk: str, row: str) -> dict[str, Any]:
    try:
        fields = row_of(subject, row)
    except ValueError:
        # An entry edited into nonsense still shows where it was (verify names it): never a crash.
        chain, seq = chain_and_seq(sk)
        fields = {"at": sk.partition("#")[0], "chain": chain, "seq": seq, "subject_id": subject, "subjects": 0,
                  "result": "index entry unreadable: run kokuho audit verify"}
    return {f: fields.get(f, "") for f in FIELDS}


def _log(store: AccessLog | None) -> AccessLog:
    if store is not None:
        return store
    from kokuho.access import stores

    return stores.access_log()


def _rows(subject: str, items: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    # an entry of its own or one its bucket's subjects share (kokuho.access.subject_index): shown for `subject`
    return [_display(subject, sk, row) for _, sk, row in items]


def who_accessed_page(person_id: str, date_from: str, date_to: str, actor: Actor, *, limit: int = PAGE_SIZE,
                      page_token: str | None = None, store: AccessLog | None = None) -> Page:
    """One page of the access records naming `person_id` (alone or among many) in the period, oldest
    first, and the token of the next page.

    The request is recorded first, as an access to the person's records (no record, no answer): it
    shows in the person's own history, so a look at who looked is seen too."""
    low, high = date_range(date_from, date_to)
    _check_id(person_id, "person")
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise SearchError(f"limit: 1-{MAX_PAGE_SIZE} rows")
    start_after = None if page_token is None else _start_after(person_id, page_token, low, high)
    log = _log(store)
    log.record(actor, [person_id], CATEGORY, "search_subject")
    items, last = next(log.subject_entries(person_id, low, high, limit, start_after))
    return Page(_rows(person_id, items), None if last is None else _token(person_id, last))


def who_accessed(person_id: str, date_from: str, date_to: str, actor: Actor, *,
                 store: AccessLog | None = None) -> list[dict[str, Any]]:
    """Every access record naming `person_id` in the period, oldest first (the whole listing, page after
    page); recorded once, first, as an access to the person's records."""
    low, high = date_range(date_from, date_to)
    _check_id(person_id, "person")
    log = _log(store)
    log.record(actor, [person_id], CATEGORY, "search_subject")
    pages = log.subject_entries(person_id, low, high, None, None)
    return [row for items, _ in pages for row in _rows(person_id, items)]


def staff_activity(staff_id: str, date_from: str, date_to: str, actor: Actor, *,
                   store: AccessLog | None = None) -> list[dict[str, Any]]:
    """Every access record of one member of staff (or workflow) in the period, oldest first; the search
    is recorded first, its subject the member of staff (STAFF:<id>), and the subjects its rows name before they
    are answered (`_record_shown`)."""
    low, high = date_range(date_from, date_to)
    _check_id(staff_id, "staff")
    log = _log(store)
    log.record(actor, [f"STAFF:{staff_id}"], CATEGORY, "search_staff")
    rows = [{f: row[f] for f in STAFF_FIELDS} for row in log.staff_records(staff_id, low, high)]
    _record_shown(log, actor, staff_id, rows)
    return rows


def _record_shown(log: AccessLog, actor: Actor, staff_id: str, rows: list[dict[str, Any]]) -> None:
    """The subjects a staff search's rows name, recorded before the rows are answered (no record, no answer): the
    search shows the security team whose records the member accessed, so each of those persons' own history
    (who accessed me, the disclosure at the counter) must show it — the search's own record names only
    STAFF:<id>. One record per SHOWN_PER_RECORD subjects (as a batch's read record names its households), not one
    per row; none for a page that names nobody."""
    searched = f"STAFF:{staff_id}"  # named by the search's own record already
    # sorted: ids of one bucket share one index entry (kokuho.access.subject_index), as in the records shown
    shown = sorted({s for row in rows for s in row["subject_ids"]} - {searched})
    for first in range(0, len(shown), SHOWN_PER_RECORD):
        log.record(actor, shown[first:first + SHOWN_PER_RECORD], CATEGORY, SHOWN_OPERATION)


_CURSOR = re.compile(r"[!-~]{1,80}\x1fCHAIN#[!-~]{1,200}\x1fREC#[0-9]{10}", re.ASCII)


def staff_activity_page(staff_id: str, date_from: str, date_to: str, actor: Actor, *, limit: int = PAGE_SIZE,
                        page_token: str | None = None, store: AccessLog | None = None) -> Page:
    """One page of a member of staff's (or workflow's) access records in the period, oldest first, and the token
    of the next page: the API's answer is bounded whatever the member did (the whole period of a busy clerk
    outgrew what a request can read and answer). Each page is recorded first, its subject the member (STAFF:<id>),
    and the subjects its rows name before they are answered (`_record_shown`)."""
    low, high = date_range(date_from, date_to)
    _check_id(staff_id, "staff")
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise SearchError(f"limit: 1-{MAX_PAGE_SIZE} rows")
    start_after = None if page_token is None else _staff_start_after(staff_id, page_token, low, high)
    log = _log(store)
    log.record(actor, [f"STAFF:{staff_id}"], CATEGORY, "search_staff")
    rows, last = log.staff_records_page(staff_id, low, high, limit, start_after)
    shown = [{f: row[f] for f in STAFF_FIELDS} for row in rows]
    _record_shown(log, actor, staff_id, shown)
    return Page(shown, None if last is None else _token(f"STAFF:{staff_id}", last))


def _staff_start_after(staff_id: str, token: str, low: str, high: str) -> str:
    """The cursor a staff page token continues after: a token of this member's search, within this period."""
    try:
        if len(token) > 400:
            raise ValueError
        owner, separator, cursor = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().partition(
            _TOKEN_SEPARATOR)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise SearchError("page_token: not a token this search returned") from None
    if not separator or owner != f"STAFF:{staff_id}" or not _CURSOR.fullmatch(cursor) \
            or not low <= cursor.partition(_TOKEN_SEPARATOR)[0] <= high:
        raise SearchError("page_token: not a token this search returned")
    return cursor


def to_json(rows: Iterable[dict[str, Any]]) -> str:
    return json.dumps(list(rows), ensure_ascii=False)


def to_csv(rows: Iterable[dict[str, Any]], fields: tuple[str, ...]) -> str:
    """Every cell a text cell (kokuho.platform.csv_cells: a record's purpose is what a refused caller typed, a run's
    terminal the name its execution was started with); seq and a count stay ints, hence numbers."""
    out = io.StringIO()
    # RFC 4180 line ends: the writer then quotes a value holding a lone "\r" too, which a reader takes for a new row
    writer = csv.DictWriter(out, fieldnames=list(fields), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: text_cell(";".join(v) if isinstance(v, list) else v) for k, v in row.items()})
    return out.getvalue()
