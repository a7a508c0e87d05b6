"""A person's request about their own data (assessment V; 個人情報の保護に関する法律 第76条 開示, 第90条 訂正,
第98条 利用停止) as pure rules: received with how the requester's identity was verified, decided within the
legal period, carried out. No AWS here (kept through kokuho.requests.ports).

- Period: the decision is due within 30 days of the day the request was received (第83条第1項, 第94条第1項,
  第102条第1項; the day of receipt not counted, 民法第140条). It may be extended once, by at most 30 more
  days, for a reason recorded and told to the requester (第83条第2項, 第94条第2項, 第102条第2項); an extension
  is decided before the period runs out. A decision after the period is still recorded, marked late.
- Decision: granted (全部), partly granted (一部) or refused (不開示・不訂正・利用不停止); anything but a full
  grant carries its reason (第83条 notice of reasons, 行政手続法第8条).
- Carried out: only what was granted; a disclosure by export of the person's own data, a correction by a
  change of the record with its history, a suspension by marking the data (kokuho.requests.suspension).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from kokuho.identity.mynumber import shown_field

DECISION_DAYS = 30
MAX_EXTENSION_DAYS = 30


class Kind(StrEnum):
    DISCLOSURE = "disclosure"   # 開示請求
    CORRECTION = "correction"   # 訂正請求
    SUSPENSION = "suspension"   # 利用停止請求


KIND_LABELS = {Kind.DISCLOSURE: "開示請求", Kind.CORRECTION: "訂正請求", Kind.SUSPENSION: "利用停止請求"}


class Verification(StrEnum):
    """How the requester's identity was verified (本人確認, 個人情報保護法施行令第22条)."""
    MY_NUMBER_CARD = "個人番号カード"
    DRIVING_LICENCE = "運転免許証"
    PASSPORT = "旅券"
    RESIDENCE_CARD = "在留カード"
    ELIGIBILITY_CERTIFICATE = "資格確認書と年金手帳等の2点"
    AGENT = "任意代理人 (委任状と代理人の本人確認書類)"
    LEGAL_REPRESENTATIVE = "法定代理人 (戸籍謄本等と代理人の本人確認書類)"


class Outcome(StrEnum):
    GRANTED = "granted"      # 全部
    PARTIAL = "partial"      # 一部
    REFUSED = "refused"      # 不開示・不訂正・利用不停止


class Status(StrEnum):
    RECEIVED = "received"
    EXTENDED = "extended"
    DECIDED = "decided"
    CARRIED_OUT = "carried_out"
    CLOSED = "closed"  # refused: nothing to carry out


# What a correction may change: the qualification file's own fields, applied through its change history.
CORRECTABLE = {"name": ("name_kanji", "name_kana"), "address": ("postal_code", "address"),
               "contact": ("phone",)}
# What a suspension may stop: data categories as the access records name them. Looking at the access
# records (security review) and handling the person's own requests are never stopped.
SUSPENDABLE = ("qualification", "assessment", "collection", "linkage", "benefits")
_ID = re.compile(r"^[A-Za-z0-9_:-]{1,64}$")


class RequestError(ValueError):
    """A request or a step on it that the rules refuse; `field` names what is wrong."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


@dataclass(frozen=True)
class Extension:
    until: date
    reason: str
    decided_on: date
    by: str


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reason: str | None
    decided_on: date
    by: str
    late: bool


@dataclass(frozen=True)
class Request:
    request_id: str
    person_id: str
    kind: Kind
    received_on: date
    received_by: str
    verification: Verification
    # correction: {"field": "name"|"address"|"contact", the new values}; suspension: {"categories": [...],
    # "grounds": why the person says the use is unlawful}; disclosure: {"scope": free text}
    details: dict[str, Any] = field(default_factory=dict)
    extension: Extension | None = None
    decision: Decision | None = None
    carried_out_on: date | None = None
    carried_out_by: str | None = None
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def decide_by(self) -> date:
        return self.extension.until if self.extension else self.received_on + timedelta(days=DECISION_DAYS)

    @property
    def status(self) -> Status:
        if self.carried_out_on is not None:
            return Status.CARRIED_OUT
        if self.decision is not None:
            return Status.CLOSED if self.decision.outcome is Outcome.REFUSED else Status.DECIDED
        return Status.EXTENDED if self.extension else Status.RECEIVED

    def overdue(self, today: date) -> bool:
        """Undecided past its period: the desk's list of what is late."""
        return self.decision is None and today > self.decide_by

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["status"], out["decide_by"] = self.status.value, self.decide_by.isoformat()
        return _plain(out)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value.value if isinstance(value, StrEnum) else value


def _text(value: Any, field_name: str, limit: int = 500) -> str:
    from kokuho.identity.mynumber import contains_my_number

    if not isinstance(value, str) or not value.strip():
        raise RequestError(field_name, "required")
    if len(value) > limit:
        raise RequestError(field_name, f"at most {limit} characters")
    if contains_my_number(value):
        raise RequestError(field_name, "must not hold a My Number")
    return value.strip()


def _identifier(value: Any, field_name: str) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise RequestError(field_name, "an id of 1-64 letters, digits, '_', ':' or '-'")
    from kokuho.identity.mynumber import identifier_holds_my_number

    if identifier_holds_my_number(value):
        raise RequestError(field_name, "must not hold a My Number")
    return value


def _details(kind: Kind, details: dict[str, Any]) -> dict[str, Any]:
    if kind is Kind.CORRECTION:
        name = details.get("field")
        if name not in CORRECTABLE:
            raise RequestError("details.field", f"one of {sorted(CORRECTABLE)}")
        allowed = set(CORRECTABLE[name]) | {"field", "changed_on"}
        unknown = sorted(set(details) - allowed)
        if unknown:
            raise RequestError(f"details.{shown_field(str(unknown[0]))}", "unknown field")
        values = {k: _text(details.get(k), f"details.{k}", 200) for k in CORRECTABLE[name]
                  if not (name == "contact" and details.get(k) is None)}
        return {"field": name, **values}
    if kind is Kind.SUSPENSION:
        categories = details.get("categories")
        if not isinstance(categories, list) or not categories or any(c not in SUSPENDABLE for c in categories):
            raise RequestError("details.categories", f"a non-empty list of {list(SUSPENDABLE)}")
        unknown = sorted(set(details) - {"categories", "grounds"})
        if unknown:
            raise RequestError(f"details.{shown_field(str(unknown[0]))}", "unknown field")
        return {"categories": sorted(set(categories)), "grounds": _text(details.get("grounds"), "details.grounds")}
    unknown = sorted(set(details) - {"scope"})
    if unknown:
        raise RequestError(f"details.{shown_field(str(unknown[0]))}", "unknown field")
    return {"scope": _text(details["scope"], "details.scope")} if "scope" in details else {}


def receive(request_id: str, person_id: str, kind: str, received_on: date, received_by: str,
            verification: str, details: dict[str, Any] | None = None) -> Request:
    """A request as received at the counter or by post, its requester's identity verified."""
    try:
        kind_ = Kind(kind)
    except ValueError:
        raise RequestError("kind", f"one of {[k.value for k in Kind]}") from None
    try:
        verified = Verification(verification)
    except ValueError:
        raise RequestError("verification", f"one of {[v.value for v in Verification]}") from None
    return Request(_identifier(request_id, "request_id"), _identifier(person_id, "person_id"), kind_,
                   received_on, _identifier(received_by, "received_by"), verified, _details(kind_, details or {}))


def extend(request: Request, until: date, reason: str, on: date, by: str) -> Request:
    """Extend the period once, by at most 30 days, for a recorded reason, before it runs out."""
    if request.decision is not None:
        raise RequestError("extension", "the request is already decided")
    if request.extension is not None:
        raise RequestError("extension", "the period is extended once only")
    if on < request.received_on:
        raise RequestError("on", "before the request was received")
    if on > request.decide_by:
        raise RequestError("on", f"the period ended on {request.decide_by.isoformat()}: extend before it runs out")
    latest = request.decide_by + timedelta(days=MAX_EXTENSION_DAYS)
    if not request.decide_by < until <= latest:
        raise RequestError("until", f"after {request.decide_by.isoformat()}, at most {latest.isoformat()}")
    return replace(request, extension=Extension(until, _text(reason, "reason"), on, _identifier(by, "by")))


def decide(request: Request, outcome: str, on: date, by: str, reason: str | None = None) -> Request:
    if request.decision is not None:
        raise RequestError("decision", "the request is already decided")
    try:
        outcome_ = Outcome(outcome)
    except ValueError:
        raise RequestError("outcome", f"one of {[o.value for o in Outcome]}") from None
    if on < request.received_on:
        raise RequestError("on", "before the request was received")
    if outcome_ is not Outcome.GRANTED:
        reason = _text(reason, "reason")
    elif reason is not None:
        reason = _text(reason, "reason")
    decision = Decision(outcome_, reason, on, _identifier(by, "by"), late=on > request.decide_by)
    return replace(request, decision=decision)


def carry_out(request: Request, on: date, by: str, result: dict[str, Any]) -> Request:
    """Record that what was granted was done (the caller did it: export, change, mark)."""
    if request.decision is None or request.decision.outcome is Outcome.REFUSED:
        raise RequestError("decision", "only a granted request is carried out")
    if request.carried_out_on is not None:
        raise RequestError("carried_out", "already carried out")
    if on < request.decision.decided_on:
        raise RequestError("on", "before the decision")
    return replace(request, carried_out_on=on, carried_out_by=_identifier(by, "by"), result=dict(result))


def from_json(doc: dict[str, Any]) -> Request:
    ext, dec = doc.get("extension"), doc.get("decision")
    return Request(
        doc["request_id"], doc["person_id"], Kind(doc["kind"]), date.fromisoformat(doc["received_on"]),
        doc["received_by"], Verification(doc["verification"]), dict(doc.get("details") or {}),
        Extension(date.fromisoformat(ext["until"]), ext["reason"], date.fromisoformat(ext["decided_on"]), ext["by"])
        if ext else None,
        Decision(Outcome(dec["outcome"]), dec["reason"], date.fromisoformat(dec["decided_on"]), dec["by"],
                 bool(dec["late"])) if dec else None,
        date.fromisoformat(doc["carried_out_on"]) if doc.get("carried_out_on") else None,
        doc.get("carried_out_by"), dict(doc.get("result") or {}))


@dataclass(frozen=True)
class Inquiry:
    """問い合わせ: an inquiry about the handling of personal data, with its dates and answer."""
    inquiry_id: str
    received_on: date
    received_by: str
    channel: str          # 窓口, 電話, 郵送, 電子メール
    question: str
    person_id: str | None = None
    answered_on: date | None = None
    answered_by: str | None = None
    answer: str | None = None

    def to_json(self) -> dict[str, Any]:
        return _plain(asdict(self))


CHANNELS = ("窓口", "電話", "郵送", "電子メール")


def log_inquiry(inquiry_id: str, received_on: date, received_by: str, channel: str, question: str,
                person_id: str | None = None) -> Inquiry:
    if channel not in CHANNELS:
        raise RequestError("channel", f"one of {list(CHANNELS)}")
    return Inquiry(_identifier(inquiry_id, "inquiry_id"), received_on, _identifier(received_by, "received_by"),
                   channel, _text(question, "question", 2000),
                   _identifier(person_id, "person_id") if person_id is not None else None)


def answer_inquiry(inquiry: Inquiry, answer: str, on: date, by: str) -> Inquiry:
    if inquiry.answered_on is not None:
        raise RequestError("answer", "already answered")
    if on < inquiry.received_on:
        raise RequestError("on", "before the inquiry was received")
    return replace(inquiry, answer=_text(answer, "answer", 2000), answered_on=on, answered_by=_identifier(by, "by"))


def inquiry_from_json(doc: dict[str, Any]) -> Inquiry:
    return Inquiry(doc["inquiry_id"], date.fromisoformat(doc["received_on"]), doc["received_by"], doc["channel"],
                   doc["question"], doc.get("person_id"),
                   date.fromisoformat(doc["answered_on"]) if doc.get("answered_on") else None,
                   doc.get("answered_by"), doc.get("answer"))
