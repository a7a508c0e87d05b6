"""In-city transfers (庁内移転, assessment II-5 移転先1–9; III-5 リスク1–3).

The matrix (data/linkage/transfers.v1.json) names, for each receiving department, the one kind of
information it may receive (e.g. 保健福祉局介護保険課 ← 保険料賦課情報) and the uses it may be put to.
A transfer happens only under an approved データ利用申請 (data-use application: applicant, purpose,
legal basis, approver, validity) for that department and kind; its content is validated (subject
count within the department's band, fields within the kind); every transfer and every refusal is
recorded (table "transfers", through kokuho.linkage.transfer_ports; adapter
kokuho.records.linkage_transfers).

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
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from kokuho.access.actor import Actor
from kokuho.dates.tokyo import today_jst
from kokuho.identity.mynumber import unmistakable_id

if TYPE_CHECKING:
    from kokuho.access.ports import AccessRecordStore, StaffStore
    from kokuho.linkage.transfer_ports import TransferRow, TransferStore



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


# --- service ------------------------------------------------------------------------------------


def _store(store: TransferStore | None) -> TransferStore:
    if store is not None:
        return store
    from kokuho.linkage.transfer_store import wired

    return wired()


def submit_application(app: Application, *, store: TransferStore | None = None) -> Application:
    reason = judge_application(app, load_matrix())
    if reason:
        raise ApplicationRejected(reason)
    if not _store(store).put_application(replace(app, status="applied", approver=None, approved_at=None)):
        raise ApplicationRejected("an application with that id exists")
    return app


APPLICATIONS_CATEGORY = "transfer_applications"  # the access records of the approvals refused


def approve_application(application_id: str, approver: Actor, *, store: TransferStore | None = None,
                        staff: StaffStore | None = None, records: AccessRecordStore | None = None) -> Application:
    """The approver (承認者) — a person with an active grant of approve_transfer_application, never the
    applicant — approves. Denied by default: without the grant, refused before the application is looked up
    and the refusal recorded (subject `APPLICATION:<id>`)."""
    from kokuho.access.grants import Function, authorize
    from kokuho.access.records import record_access

    if approver.staff_id.startswith("system:"):
        raise ApplicationRejected("an application is approved by a person")
    decision = authorize(approver.staff_id, Function.APPROVE_TRANSFER_APPLICATION, store=staff)
    if not decision.allowed:
        record_access(Actor(approver.staff_id, approver.terminal_id, "(no active grant)"),
                      [f"APPLICATION:{application_id}"], APPLICATIONS_CATEGORY, "approve", result="denied",
                      store=records)
        raise ApplicationRejected(f"refused: {decision.reason}")
    apps = _store(store)
    app = apps.application(application_id)
    if app is None:
        raise ApplicationRejected("no such application")
    if approver.staff_id == app.applicant:
        raise ApplicationRejected("an application cannot be approved by its applicant")
    approved = apps.approve(application_id, approver.staff_id, datetime.now(UTC).isoformat(timespec="seconds"))
    if approved is None:
        raise ApplicationRejected("the application is not awaiting approval")
    return approved


def revoke_application(application_id: str, *, store: TransferStore | None = None) -> None:
    if not _store(store).revoke(application_id):
        raise ApplicationRejected("no such application")


def approved_application_id(department: str, information_kind: str, today: date | None = None, *,
                            store: TransferStore | None = None) -> str | None:
    """The approved application valid today for a department and kind (the latest-ending one), if any.

    Batch transfers (the monthly assessment's 移転先3) run under the department's standing application.
    """
    today = today or today_jst()
    valid = [a for a in _store(store).applications_for(department, information_kind)
             if a.status == "approved" and a.approver and a.valid_from <= today <= a.valid_until]
    return max(valid, key=lambda a: (a.valid_until, a.application_id)).application_id if valid else None


def _write(apps: TransferStore, department: str, kind: str, count: int, application_id: str | None, actor: Actor,
           outcome: str, reason: str | None, *, transfer_id: str | None = None,
           reference: str | None = None) -> TransferRow:
    from kokuho.linkage.transfer_ports import TransferRow

    row_id = transfer_id or unmistakable_id(lambda: f"X{secrets.token_urlsafe(12)}")
    row = TransferRow(row_id, department, kind, count, application_id,
                      actor.staff_id, actor.terminal_id, outcome, reason,
                      datetime.now(UTC).isoformat(timespec="milliseconds"), reference)
    return apps.put_transfer(row, once=transfer_id is not None)


def record_transfer(department: str, information_kind: str, subject_count: int, application_id: str | None,
                    actor: Actor, *, today: date | None = None, transfer_id: str | None = None,
                    reference: str | None = None, store: TransferStore | None = None) -> TransferRecord:
    """Check and record one transfer; raises TransferRefused(reason) after recording the refusal.

    `transfer_id` (batch callers): the transfer is recorded at most once under that id.
    """
    apps = _store(store)
    today = today or today_jst()
    app = apps.application(application_id) if application_id else None
    reason = judge_transfer(department, information_kind, subject_count, app, load_matrix(), today)
    if reason:
        _write(apps, department, information_kind, subject_count, application_id, actor, "refused", reason,
               reference=reference)
        raise TransferRefused(reason)
    assert application_id is not None
    m = _write(apps, department, information_kind, subject_count, application_id, actor, "transferred", None,
               transfer_id=transfer_id, reference=reference)
    return TransferRecord(m.transfer_id, department, information_kind, m.subject_count, application_id,
                          m.actor, m.at, m.reference)


def transfers_to(department: str, *, store: TransferStore | None = None) -> list[dict[str, Any]]:
    """Every transfer and refusal for a department, oldest first (III-5 リスク2: the record)."""
    return [{"transfer_id": t.transfer_id, "information_kind": t.information_kind, "outcome": t.outcome,
             "reason": t.reason, "subject_count": t.subject_count, "application_id": t.application_id,
             "actor": t.actor, "at": t.at, "reference": t.reference}
            for t in _store(store).transfers_to(department)]
