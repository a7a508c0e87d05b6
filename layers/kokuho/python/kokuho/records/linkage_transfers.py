"""The pynamodb adapter of the transfers port (kokuho.linkage.transfer_ports.TransferStore), table
"transfers" (kokuho.records.linkage: ApplicationModel APP#<id> / APPLICATION, gsi1 APPS#<department>#<kind>;
TransferRecordModel XFER#<id> / RECORD, gsi1 DEPT#<department> / <at>#<id>)."""

from __future__ import annotations

from datetime import date

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from kokuho.linkage.transfer_ports import TransferRow
from kokuho.linkage.transfers import Application
from kokuho.records.linkage import ApplicationModel, TransferRecordModel


def _apps_key(department: str, information_kind: str) -> str:
    return f"APPS#{department}#{information_kind}"


def _to_app(m: ApplicationModel) -> Application:
    return Application(m.application_id, m.department, m.information_kind, m.applicant, m.purpose, m.legal_basis,
                       date.fromisoformat(m.valid_from), date.fromisoformat(m.valid_until), m.status, m.approver,
                       m.approved_at)


def _to_row(t: TransferRecordModel) -> TransferRow:
    return TransferRow(t.transfer_id, t.department, t.information_kind, int(t.subject_count), t.application_id,
                       t.actor, t.terminal, t.outcome, t.reason, t.at, t.reference)


class PynamoTransferStore:
    def put_application(self, app: Application) -> bool:
        try:
            ApplicationModel(f"APP#{app.application_id}", "APPLICATION", application_id=app.application_id,
                             department=app.department, information_kind=app.information_kind,
                             applicant=app.applicant, purpose=app.purpose, legal_basis=app.legal_basis,
                             valid_from=app.valid_from.isoformat(), valid_until=app.valid_until.isoformat(),
                             status=app.status, approver=app.approver, approved_at=app.approved_at,
                             gsi1pk=_apps_key(app.department, app.information_kind), gsi1sk=app.application_id,
                             ).save(condition=ApplicationModel.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def application(self, application_id: str) -> Application | None:
        try:
            return _to_app(ApplicationModel.get(f"APP#{application_id}", "APPLICATION", consistent_read=True))
        except DoesNotExist:
            return None

    def approve(self, application_id: str, approver: str, approved_at: str) -> Application | None:
        m = ApplicationModel(f"APP#{application_id}", "APPLICATION")
        try:
            m.update(actions=[ApplicationModel.status.set("approved"), ApplicationModel.approver.set(approver),
                              ApplicationModel.approved_at.set(approved_at)],
                     condition=ApplicationModel.status == "applied")
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return None
            raise
        return _to_app(m)

    def revoke(self, application_id: str) -> bool:
        try:
            ApplicationModel(f"APP#{application_id}", "APPLICATION").update(
                actions=[ApplicationModel.status.set("revoked")], condition=ApplicationModel.pk.exists())
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def applications_for(self, department: str, information_kind: str) -> list[Application]:
        return [_to_app(m) for m in ApplicationModel.by_kind.query(_apps_key(department, information_kind))]

    def put_transfer(self, row: TransferRow, *, once: bool) -> TransferRow:
        item = TransferRecordModel(
            f"XFER#{row.transfer_id}", "RECORD", transfer_id=row.transfer_id, department=row.department,
            information_kind=row.information_kind, subject_count=row.subject_count,
            application_id=row.application_id, actor=row.actor, terminal=row.terminal, outcome=row.outcome,
            reason=row.reason, at=row.at, reference=row.reference, gsi1pk=f"DEPT#{row.department}",
            gsi1sk=f"{row.at}#{row.transfer_id}")
        if not once:
            item.save()
            return row
        try:
            item.save(condition=TransferRecordModel.pk.does_not_exist())
        except PutError:
            # a retried batch step: the transfer was recorded once already, that record stands
            return _to_row(TransferRecordModel.get(f"XFER#{row.transfer_id}", "RECORD", consistent_read=True))
        return row

    def transfers_to(self, department: str) -> list[TransferRow]:
        return [_to_row(t) for t in TransferRecordModel.by_department.query(f"DEPT#{department}")]
