"""The request workflow (assessment V) over the store: each step checks the rules (kokuho.requests.model),
then writes the request with its access record in one transaction; carrying out does what was granted.

- disclosure: the person's own data as JSON and PDF (kokuho.requests.disclosure, .pdf), their SHA-256 kept
  in the request (what was handed over can be proven later), the JSON kept in the store as handed over (the
  API's download; the PDF is rendered again from it and checked) and written into `out` when given;
- correction: the qualification record changed through its own application (the change and its history
  entry and access record in one transaction, the note naming the request);
- suspension: the mark (person, categories) written in the step's own transaction
  (kokuho.requests.suspension answers whether a use is suspended).

The requests are stored through the port kokuho.requests.ports.RequestStore: the container's adapter
(kokuho.requests.wiring) unless a store is passed (the unit tests' in-memory fake).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from kokuho.access.actor import Actor
from kokuho.dates.tokyo import today_jst
from kokuho.requests import model, ports, wiring
from kokuho.requests.model import Kind, Request, RequestError
from kokuho.requests.ports import RequestStore

PURPOSE = "開示等請求の処理 (個人情報の保護に関する法律 第76条・第90条・第98条)"


class NotFound(LookupError):
    pass


@dataclass(frozen=True)
class Outputs:
    json_path: Path | None = None
    pdf_path: Path | None = None


def _wired(store: RequestStore | None) -> RequestStore:
    return store if store is not None else wiring.store()


def _load(actor: Actor, person_id: str, request_id: str, store: RequestStore | None) -> tuple[Request, int]:
    found = _wired(store).get_request(actor, person_id, request_id)
    if found is None:
        raise NotFound(f"no request {request_id} of person {person_id}")
    return found


def _not_to_come(day: date, field: str) -> None:
    """A step is recorded on the day it happened: never a day to come (a request 'received' or 'decided' in 2099
    would stand in the person's record and the desk's deadlines), whoever records it — the API or the command
    line."""
    if day > today_jst():
        raise RequestError(field, "a day in the future")


def receive_request(actor: Actor, request_id: str, person_id: str, kind: str, received_on: date,
                    verification: str, details: dict[str, Any] | None = None, *,
                    store: RequestStore | None = None) -> Request:
    _not_to_come(received_on, "received_on")
    req = model.receive(request_id, person_id, kind, received_on, actor.staff_id, verification, details)
    _wired(store).add_request(actor, req)
    return req


def extend_request(actor: Actor, person_id: str, request_id: str, until: date, reason: str, on: date, *,
                   store: RequestStore | None = None) -> Request:
    _not_to_come(on, "on")
    req, version = _load(actor, person_id, request_id, store)
    req = model.extend(req, until, reason, on, actor.staff_id)
    _wired(store).save_step(actor, req, version, "extend")
    return req


def decide_request(actor: Actor, person_id: str, request_id: str, outcome: str, on: date,
                   reason: str | None = None, *, store: RequestStore | None = None) -> Request:
    _not_to_come(on, "on")
    req, version = _load(actor, person_id, request_id, store)
    req = model.decide(req, outcome, on, actor.staff_id, reason)
    _wired(store).save_step(actor, req, version, f"decide_{req.kind.value}")
    return req


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def carry_out_request(actor: Actor, person_id: str, request_id: str, on: date,
                      out: Path | None = None, *, store: RequestStore | None = None) -> tuple[Request, Outputs]:
    _not_to_come(on, "on")
    req, version = _load(actor, person_id, request_id, store)
    if req.decision is None or req.decision.outcome is model.Outcome.REFUSED or req.carried_out_on is not None:
        model.carry_out(req, on, actor.staff_id, {})  # raises the rule's own error
    outputs: Outputs = Outputs()
    also: ports.SuspensionMark | ports.KeptDisclosure | None = None
    result: dict[str, Any]
    if req.kind is Kind.DISCLOSURE:
        from kokuho.requests.disclosure import build_disclosure
        from kokuho.requests.pdf import render_pdf

        document = build_disclosure(actor, req.request_id, person_id, on)
        body = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
        pdf = render_pdf(document)
        also = ports.keep_disclosure(req, body)  # what the API's download serves, kept as handed over
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            outputs = Outputs(out / f"disclosure-{req.request_id}.json", out / f"disclosure-{req.request_id}.pdf")
            assert outputs.json_path is not None and outputs.pdf_path is not None
            outputs.json_path.write_bytes(body)
            outputs.pdf_path.write_bytes(pdf)
        result = {"json_sha256": _sha256(body), "pdf_sha256": _sha256(pdf),
                  "sections": [k for k in document if k not in ("文書", "請求番号", "本人", "作成日")]}
    elif req.kind is Kind.CORRECTION:
        result = _correct(actor, req, on)
    else:
        from kokuho.requests.suspension import continuing

        also = ports.mark_suspension(req)
        # what the law keeps going whatever the suspension, with its basis: told to the person with the decision
        result = {"suspended": req.details["categories"], "continues": continuing(req.details["categories"])}
    req = model.carry_out(req, on, actor.staff_id, result)
    _wired(store).save_step(actor, req, version, f"carry_out_{req.kind.value}", also)
    return req, outputs


MEDIA_TYPES = {"json": "application/json", "pdf": "application/pdf"}


def disclosure_file(actor: Actor, person_id: str, request_id: str, fmt: str, *,
                    store: RequestStore | None = None) -> tuple[bytes, str]:
    """The carried-out disclosure as handed over: its JSON, or its PDF rendered again from that JSON (the
    rendering is deterministic); either checked against the SHA-256 recorded when it was carried out.
    Returns the bytes and their media type; every download is recorded as an access to the person."""
    if fmt not in MEDIA_TYPES:
        raise RequestError("format", f"one of {sorted(MEDIA_TYPES)}")
    req, _ = _load(actor, person_id, request_id, store)
    if req.kind is not Kind.DISCLOSURE:
        raise RequestError("request_id", f"a {req.kind.value} request has no disclosure to download")
    if req.carried_out_on is None:
        raise RequestError("request_id", "the disclosure is not carried out yet")
    body = _wired(store).kept_disclosure(actor, person_id, request_id)
    if body is None:
        raise NotFound(f"no disclosure kept for request {request_id} (handed over from the command line)")
    if fmt == "pdf":
        from kokuho.requests.pdf import render_pdf

        body = render_pdf(json.loads(body))
    if _sha256(body) != req.result.get(f"{fmt}_sha256"):
        # Never hand over something other than what the request says was handed over.
        raise RuntimeError(f"the kept disclosure of {request_id} no longer matches its recorded {fmt} hash")
    return body, MEDIA_TYPES[fmt]


def _correct(actor: Actor, req: Request, on: date) -> dict[str, Any]:
    from kokuho.qualification import application

    person = application.wired().person(req.person_id)
    if person is None:
        raise NotFound(f"no person {req.person_id}")
    note = f"訂正請求 {req.request_id} による訂正"
    d = req.details
    if d["field"] == "name":
        application.register_rename(actor, req.person_id, d["name_kanji"], d["name_kana"], on, person.version,
                                    note, on)
    elif d["field"] == "address":
        application.register_move(actor, req.person_id, d["postal_code"], d["address"], on, person.version, note, on)
    else:
        application.register_contact(actor, req.person_id, on, person.version, note, on, phone=d.get("phone"),
                                     mailing=None, bank_account=None,
                                     clear=frozenset() if d.get("phone") else frozenset({"phone"}))
    return {"corrected": d["field"]}


def read_request(actor: Actor, person_id: str, request_id: str, *, store: RequestStore | None = None) -> Request:
    return _load(actor, person_id, request_id, store)[0]


def due_requests(today: date, actor: Actor, *, store: RequestStore | None = None,
                 limit: int | None = None) -> list[dict[str, Any]]:
    """The desk's worklist: undecided requests, due first; overdue ones say so. Looking at it is recorded as
    an access to the persons it names (ids and dates only). With `limit`: the first `limit` rows and, when more
    follow, one more (the caller says so) — only the persons of the rows shown are recorded."""
    rows: list[dict[str, Any]] = [{"request_id": r.request_id, "person_id": r.person_id, "kind": r.kind.value,
             "received_on": r.received_on.isoformat(), "decide_by": r.decide_by.isoformat(),
             "extended": r.extension is not None, "overdue": r.overdue(today)} for r in _wired(store).open_requests()]
    shown = rows if limit is None else rows[:limit]
    _record_list(actor, [str(r["person_id"]) for r in shown], "list_due", store)
    return rows if limit is None else rows[:limit + 1]


def _record_list(actor: Actor, persons: list[str], operation: str, store: RequestStore | None) -> None:
    # the command line's actor has no chain of its own: its lists go to the member's (an API actor's own
    # chain wins)
    _wired(store).record(actor, sorted(set(persons)) or ["no-match"], operation, f"STAFF#{actor.staff_id}")


def log_inquiry(actor: Actor, inquiry_id: str, received_on: date, channel: str, question: str,
                person_id: str | None = None, *, store: RequestStore | None = None) -> model.Inquiry:
    _not_to_come(received_on, "received_on")
    inquiry = model.log_inquiry(inquiry_id, received_on, actor.staff_id, channel, question, person_id)
    _wired(store).add_inquiry(actor, inquiry)
    return inquiry


def inquiry_log(actor: Actor, date_from: date, date_to: date, *,
                store: RequestStore | None = None) -> list[model.Inquiry]:
    """The inquiry log between two days of receipt (both included), oldest first; recorded as an access
    to the persons it names."""
    if date_from > date_to:
        raise RequestError("from", "after to")
    if (date_to - date_from).days > 366:
        raise RequestError("to", "at most a year after from")
    found = [inquiry for inquiry, _ in _wired(store).inquiries(date_from, date_to)]
    _record_list(actor, [i.person_id for i in found if i.person_id], "list_inquiries", store)
    return found


def answer_inquiry(actor: Actor, inquiry_id: str, received_on: date, answer: str, on: date, *,
                   store: RequestStore | None = None) -> model.Inquiry:
    _not_to_come(on, "on")
    for inquiry, version in _wired(store).inquiries(received_on, received_on):
        if inquiry.inquiry_id == inquiry_id:
            answered = model.answer_inquiry(inquiry, answer, on, actor.staff_id)
            _wired(store).add_inquiry(actor, answered, expected=version)
            return answered
    raise NotFound(f"no inquiry {inquiry_id} received on {received_on.isoformat()}")
