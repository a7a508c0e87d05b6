"""Requests and inquiries kept in the `requests` table, each step in one transaction with its access record
(the request is about the person's data: handling it is an access to it, category `requests`).

Keys: a request `PERSON#<id>` / `REQUEST#<request id>`, its gsi1 `OPEN` / `<decide_by>#<request id>` while
undecided (the desk's list of what is due, oldest first), `DONE` after; a suspension mark `PERSON#<id>` /
`SUSPENSION#<request id>` (gsi1 `SUSPENDED`); a disclosure as handed over `PERSON#<id>` /
`DISCLOSURE#<request id>`; an inquiry `INQUIRY` / `<received_on>#<id>`. A request's
document carries a version: a step writes on the condition that nobody wrote since it read.
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Callable
from datetime import date

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from kokuho.access.records import Actor, record_access
from kokuho.records.base import Gsi1, TableModel, connection, table_meta
from kokuho.requests.model import Inquiry, Kind, Request, RequestError, from_json, inquiry_from_json

CATEGORY = "requests"


class StoreConflict(RuntimeError):
    """Someone else changed the request since it was read, or the id is taken."""


class RequestItem(TableModel):
    Meta = table_meta("requests")
    version = NumberAttribute()
    doc = JSONAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_state = Gsi1["RequestItem"]()


def _request_item(req: Request, version: int) -> RequestItem:
    undecided = req.decision is None
    return RequestItem(f"PERSON#{req.person_id}", f"REQUEST#{req.request_id}", version=version, doc=req.to_json(),
                       gsi1pk="OPEN" if undecided else "DONE",
                       gsi1sk=f"{req.decide_by.isoformat()}#{req.request_id}")


def _write(actor: Actor, subject: str, operation: str, item: RequestItem, expected: int | None,
           extra: Callable[[TransactWrite], None] | None = None) -> None:
    condition = (RequestItem.pk.does_not_exist() if expected is None else RequestItem.version == expected)
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(item, condition=condition)
            if extra is not None:
                extra(tx)
            record_access(actor, [subject], CATEGORY, operation, transaction=tx)
    except TransactWriteError as exc:
        raise StoreConflict(f"{item.sk}: changed or taken by someone else; read it again") from exc


def add_request(actor: Actor, req: Request) -> None:
    _write(actor, req.person_id, f"receive_{req.kind.value}", _request_item(req, 1), None)


def get_request(actor: Actor, person_id: str, request_id: str) -> tuple[Request, int] | None:
    try:
        item = RequestItem.get(f"PERSON#{person_id}", f"REQUEST#{request_id}", consistent_read=True)
    except RequestItem.DoesNotExist:
        return None
    finally:
        record_access(actor, [person_id], CATEGORY, "read_request")
    return from_json(item.doc), int(item.version)


def save_step(actor: Actor, req: Request, version: int, operation: str,
              extra: Callable[[TransactWrite], None] | None = None) -> None:
    """The request after one step (extend, decide, carry out), written if still at `version`."""
    _write(actor, req.person_id, operation, _request_item(req, version + 1), version, extra)


def open_requests() -> list[Request]:
    """Undecided requests, the one due first first (the desk's worklist; no person's data beyond ids)."""
    return [from_json(i.doc) for i in RequestItem.by_state.query("OPEN")]


def mark_suspension(req: Request) -> Callable[[TransactWrite], None]:
    """The suspension mark, written in the carrying-out step's own transaction."""
    assert req.kind is Kind.SUSPENSION

    def put(tx: TransactWrite) -> None:
        tx.save(RequestItem(f"PERSON#{req.person_id}", f"SUSPENSION#{req.request_id}", version=1,
                            doc={"person_id": req.person_id, "categories": req.details["categories"],
                                 "request_id": req.request_id},
                            gsi1pk="SUSPENDED", gsi1sk=f"{req.person_id}#{req.request_id}"),
                condition=RequestItem.pk.does_not_exist())
    return put


# A disclosure document is kept as handed over (gzip, base64 in the item): DynamoDB's item limit is 400 KB.
MAX_KEPT_BYTES = 300_000


def keep_disclosure(req: Request, body: bytes) -> Callable[[TransactWrite], None]:
    """The disclosure's JSON exactly as handed over, written in the carrying-out step's own transaction (the
    API's download serves these bytes; their SHA-256 is in the request's result)."""
    assert req.kind is Kind.DISCLOSURE
    packed = base64.b64encode(gzip.compress(body, mtime=0)).decode("ascii")
    if len(packed) > MAX_KEPT_BYTES:
        raise RequestError("disclosure", f"the document is larger than {MAX_KEPT_BYTES} bytes compressed: "
                                         "hand it over from the command line (kokuho requests carry-out --out)")

    def put(tx: TransactWrite) -> None:
        tx.save(RequestItem(f"PERSON#{req.person_id}", f"DISCLOSURE#{req.request_id}", version=1,
                            doc={"request_id": req.request_id, "json_gzip_base64": packed},
                            gsi1pk="DISCLOSURE", gsi1sk=f"{req.person_id}#{req.request_id}"),
                condition=RequestItem.pk.does_not_exist())
    return put


def kept_disclosure(actor: Actor, person_id: str, request_id: str) -> bytes | None:
    """The disclosure's JSON as handed over (None: none kept), the read recorded as an access to the person."""
    try:
        item = RequestItem.get(f"PERSON#{person_id}", f"DISCLOSURE#{request_id}", consistent_read=True)
    except RequestItem.DoesNotExist:
        return None
    finally:
        record_access(actor, [person_id], CATEGORY, "read_disclosure")
    return gzip.decompress(base64.b64decode(item.doc["json_gzip_base64"]))


def suspensions() -> dict[str, set[str]]:
    """person → the data categories whose use is suspended for them."""
    out: dict[str, set[str]] = {}
    for item in RequestItem.by_state.query("SUSPENDED"):
        out.setdefault(item.doc["person_id"], set()).update(item.doc["categories"])
    return out


def suspensions_of(person_ids: set[str]) -> dict[str, set[str]]:
    """person → suspended categories, for a few persons (one key query each)."""
    out: dict[str, set[str]] = {}
    for pid in sorted(person_ids):
        for item in RequestItem.query(f"PERSON#{pid}", RequestItem.sk.startswith("SUSPENSION#")):
            out.setdefault(pid, set()).update(item.doc["categories"])
    return out


def add_inquiry(actor: Actor, inquiry: Inquiry, expected: int | None = None) -> None:
    item = RequestItem("INQUIRY", f"{inquiry.received_on.isoformat()}#{inquiry.inquiry_id}",
                       version=(expected or 0) + 1, doc=inquiry.to_json(),
                       gsi1pk="INQUIRY" if inquiry.answered_on else "INQUIRY-OPEN",
                       gsi1sk=f"{inquiry.received_on.isoformat()}#{inquiry.inquiry_id}")
    subject = inquiry.person_id or f"INQUIRY:{inquiry.inquiry_id}"
    _write(actor, subject, "answer_inquiry" if inquiry.answered_on else "log_inquiry", item, expected)


def inquiries(date_from: date, date_to: date) -> list[tuple[Inquiry, int]]:
    """The inquiry log between two days (received), oldest first."""
    return [(inquiry_from_json(i.doc), int(i.version)) for i in RequestItem.query(
        "INQUIRY", RequestItem.sk.between(date_from.isoformat(), f"{date_to.isoformat()}~"))]
