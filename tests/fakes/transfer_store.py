"""In-memory fake of the transfers port (kokuho.linkage.transfer_ports.TransferStore) for the unit tests
of kokuho.linkage.transfers: no moto. An application id is taken once, approved only while awaiting
approval; a batch transfer id is recorded once. The contract test holds it to the pynamodb adapter
(tests/integration/test_ports_contracts.py)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from kokuho.linkage.transfer_ports import TransferRow
from kokuho.linkage.transfers import Application


@dataclass
class InMemoryTransferStore:
    applications: dict[str, Application] = field(default_factory=dict)
    transfers: dict[str, TransferRow] = field(default_factory=dict)

    def put_application(self, app: Application) -> bool:
        if app.application_id in self.applications:
            return False
        self.applications[app.application_id] = app
        return True

    def application(self, application_id: str) -> Application | None:
        return self.applications.get(application_id)

    def approve(self, application_id: str, approver: str, approved_at: str) -> Application | None:
        app = self.applications.get(application_id)
        if app is None or app.status != "applied":
            return None
        self.applications[application_id] = replace(app, status="approved", approver=approver,
                                                    approved_at=approved_at)
        return self.applications[application_id]

    def revoke(self, application_id: str) -> bool:
        if application_id not in self.applications:
            return False
        self.applications[application_id] = replace(self.applications[application_id], status="revoked")
        return True

    def applications_for(self, department: str, information_kind: str) -> list[Application]:
        return [a for _, a in sorted(self.applications.items())
                if (a.department, a.information_kind) == (department, information_kind)]

    def put_transfer(self, row: TransferRow, *, once: bool) -> TransferRow:
        if once and row.transfer_id in self.transfers:
            return self.transfers[row.transfer_id]
        self.transfers[row.transfer_id] = row
        return row

    def transfers_to(self, department: str) -> list[TransferRow]:
        # by time; records of the same millisecond in the order written (the table orders those by their
        # random id: no order the use cases rely on)
        return sorted((t for t in self.transfers.values() if t.department == department), key=lambda t: t.at)
