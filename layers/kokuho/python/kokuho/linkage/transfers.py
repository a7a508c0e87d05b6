"""In-city transfers (庁内移転, assessment II-5 移転先1–9; III-5 リスク1–3).

The matrix (data/linkage/transfers.v1.json) names, for each receiving department, the one kind of
information it may receive (e.g. 保健福祉局介護保険課 ← 保険料賦課情報) and the uses it may be put to.
A transfer happens only under an approved データ利用申請 (data-use application: applicant, purpose,
legal basis, approver, validity) for that department and kind; its content is validated (subject
count within the department's band, fields within the kind); every transfer and every refusal is
recorded (table "transfers").

Public API for other areas (the assessment workflow records its 保険料賦課情報 transfer with it)::

    record_transfer(department, information_kind, subject_count, application_id, actor,
                    *, transfer_id=None, reference=None) -> TransferRecord
    # raises TransferRefused(reason) — after recording the refusal; a given transfer_id is recorded
    # once (a retried batch step gets the first record back)
    approved_application_id(department, information_kind, today) -> str | None

Every transfer, interactive or batch, goes through `record_transfer` (one judgement, one record model).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from pynamodb.exceptions import DoesNotExist, PutError

from kokuho.access.records import Actor
from kokuho.records.linkage import ApplicationModel, TransferRecordModel

JST = ZoneInfo("Asia/Tokyo")


class TransferRefused(Exception):
    """A transfer outside the matrix or without a valid approved application (reason recorded)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ApplicationRejected(ValueError):
    pass


@dataclass(frozen=True)
class MatrixEntry:
    no: int
    department: str
    information_kind: str
    uses: tuple[str, ...]
    max_subjects: int


@dataclass(frozen=True)
class TransferMatrix:
    version: int
    legal_basis: tuple[str, ...]
    entries: tuple[MatrixEntry, ...]

    def entry(self, department: str, information_kind: str) -> MatrixEntry | None:
        return next((e for e in self.entries
                     if e.department == department and e.information_kind == information_kind), None)

    def departments(self) -> set[str]:
        return {e.department for e in self.entries}


@lru_cache(maxsize=2)
def load_matrix(version: int = 1) -> TransferMatrix:
    raw = json.loads((resources.files("kokuho.data") / "linkage" / f"transfers.v{version}.json").read_text("utf-8"))
    return TransferMatrix(
        version=int(raw["version"]), legal_basis=tuple(raw["legal_basis_all"]),
        entries=tuple(MatrixEntry(int(e["no"]), e["department"], e["information_kind"], tuple(e["uses"]),
                                  int(e["max_subjects_per_transfer"])) for e in raw["entries"]))


@dataclass(frozen=True)
class Application:
    """データ利用申請 — data-use application."""

    application_id: str
    department: str
    information_kind: str
    applicant: str  # staff id of the applicant in the receiving department
    purpose: str  # one of the matrix entry's uses
    legal_basis: str
    valid_from: date
    valid_until: date  # inclusive
    status: str = "applied"
    approver: str | None = None
    approved_at: str | None = None


@dataclass(frozen=True)
class TransferRecord:
    transfer_id: str
    department: str
    information_kind: str
    subject_count: int
    application_id: str
    actor: str
    at: str
    reference: str | None = None


# --- pure judgements -----------------------------------------------------------------------------


def judge_application(app: Application, matrix: TransferMatrix) -> str | None:
    """Why an application cannot be accepted, or None."""
    entry = matrix.entry(app.department, app.information_kind)
    if entry is None:
        return "department and information kind are not in the transfer matrix"
    if app.purpose not in entry.uses:
        return "purpose is not a use listed for this department"
    if app.legal_basis not in matrix.legal_basis:
        return "legal basis is not one of the matrix's"
    if app.valid_until < app.valid_from:
        return "validity ends before it starts"
    return None


def judge_transfer(department: str, information_kind: str, subject_count: int, app: Application | None,
                   matrix: TransferMatrix, today: date) -> str | None:
    """Why a transfer is refused, or None. Checks in a fixed order (the first failure is recorded)."""
    entry = matrix.entry(department, information_kind)
    if department not in matrix.departments():
        return "department is not a transfer recipient"
    if entry is None:
        return "information kind is not the one listed for this department"
    if app is None:
        return "no data-use application"
    if (app.department, app.information_kind) != (department, information_kind):
        return "application is for another department or information kind"
    if app.status != "approved" or not app.approver:
        return "application is not approved"
    if not app.valid_from <= today <= app.valid_until:
        return "application is not valid today"
    if subject_count < 1:
        return "a transfer names at least one subject"
    if subject_count > entry.max_subjects:
        return f"subject count above the department's band ({entry.max_subjects})"
    return None


# --- service -------------------------------------------------------------------------------------


def _to_app(m: ApplicationModel) -> Application:
    return Application(m.application_id, m.department, m.information_kind, m.applicant, m.purpose, m.legal_basis,
                       date.fromisoformat(m.valid_from), date.fromisoformat(m.valid_until), m.status, m.approver,
                       m.approved_at)


def submit_application(app: Application) -> Application:
    reason = judge_application(app, load_matrix())
    if reason:
        raise ApplicationRejected(reason)
    ApplicationModel(f"APP#{app.application_id}", "APPLICATION", application_id=app.application_id,
                     department=app.department, information_kind=app.information_kind, applicant=app.applicant,
                     purpose=app.purpose, legal_basis=app.legal_basis, valid_from=app.valid_from.isoformat(),
                     valid_until=app.valid_until.isoformat(), status="applied",
                     gsi1pk=_apps_key(app.department, app.information_kind), gsi1sk=app.application_id,
                     ).save(condition=ApplicationModel.pk.does_not_exist())
    return app


def approve_application(application_id: str, approver: Actor) -> Application:
    """The approver (承認者) — never the applicant — approves."""
    m = ApplicationModel.get(f"APP#{application_id}", "APPLICATION", consistent_read=True)
    if approver.staff_id == m.applicant:
        raise ApplicationRejected("an application cannot be approved by its applicant")
    if approver.staff_id.startswith("system:"):
        raise ApplicationRejected("an application is approved by a person")
    m.update(actions=[ApplicationModel.status.set("approved"), ApplicationModel.approver.set(approver.staff_id),
                      ApplicationModel.approved_at.set(datetime.now(UTC).isoformat(timespec="seconds"))],
             condition=ApplicationModel.status == "applied")
    return _to_app(m)


def revoke_application(application_id: str) -> None:
    ApplicationModel.get(f"APP#{application_id}", "APPLICATION").update(
        actions=[ApplicationModel.status.set("revoked")])


def _load_app(application_id: str | None) -> Application | None:
    if not application_id:
        return None
    try:
        return _to_app(ApplicationModel.get(f"APP#{application_id}", "APPLICATION", consistent_read=True))
    except DoesNotExist:
        return None


def _apps_key(department: str, information_kind: str) -> str:
    return f"APPS#{department}#{information_kind}"


def approved_application_id(department: str, information_kind: str, today: date | None = None) -> str | None:
    """The approved application valid today for a department and kind (the latest-ending one), if any.

    Batch transfers (the monthly assessment's 移転先3) run under the department's standing application.
    """
    today = today or datetime.now(JST).date()
    valid = [a for a in (_to_app(m) for m in ApplicationModel.by_kind.query(_apps_key(department, information_kind)))
             if a.status == "approved" and a.approver and a.valid_from <= today <= a.valid_until]
    return max(valid, key=lambda a: (a.valid_until, a.application_id)).application_id if valid else None


def _write(department: str, kind: str, count: int, application_id: str | None, actor: Actor, outcome: str,
           reason: str | None, *, transfer_id: str | None = None,
           reference: str | None = None) -> TransferRecordModel:
    at = datetime.now(UTC).isoformat(timespec="milliseconds")
    tid = transfer_id or f"X{secrets.token_urlsafe(12)}"
    item = TransferRecordModel(f"XFER#{tid}", "RECORD", transfer_id=tid, department=department,
                               information_kind=kind, subject_count=count, application_id=application_id,
                               actor=actor.staff_id, terminal=actor.terminal_id, outcome=outcome, reason=reason,
                               at=at, reference=reference, gsi1pk=f"DEPT#{department}", gsi1sk=f"{at}#{tid}")
    if transfer_id is None:
        item.save()
        return item
    try:
        item.save(condition=TransferRecordModel.pk.does_not_exist())
    except PutError:
        # a retried batch step: the transfer was recorded once already, that record stands
        return TransferRecordModel.get(f"XFER#{tid}", "RECORD", consistent_read=True)
    return item


def record_transfer(department: str, information_kind: str, subject_count: int, application_id: str | None,
                    actor: Actor, *, today: date | None = None, transfer_id: str | None = None,
                    reference: str | None = None) -> TransferRecord:
    """Check and record one transfer; raises TransferRefused(reason) after recording the refusal.

    `transfer_id` (batch callers): the transfer is recorded at most once under that id.
    """
    today = today or datetime.now(JST).date()
    reason = judge_transfer(department, information_kind, subject_count, _load_app(application_id), load_matrix(),
                            today)
    if reason:
        _write(department, information_kind, subject_count, application_id, actor, "refused", reason,
               reference=reference)
        raise TransferRefused(reason)
    assert application_id is not None
    m = _write(department, information_kind, subject_count, application_id, actor, "transferred", None,
               transfer_id=transfer_id, reference=reference)
    return TransferRecord(m.transfer_id, department, information_kind, int(m.subject_count), application_id,
                          m.actor, m.at, m.reference)


def transfers_to(department: str) -> list[dict[str, Any]]:
    """Every transfer and refusal for a department, oldest first (III-5 リスク2: the record)."""
    return [{"transfer_id": t.transfer_id, "information_kind": t.information_kind, "outcome": t.outcome,
             "reason": t.reason, "subject_count": int(t.subject_count), "application_id": t.application_id,
             "actor": t.actor, "at": t.at, "reference": t.reference}
            for t in TransferRecordModel.by_department.query(f"DEPT#{department}")]
