"""The port of in-city transfers (kokuho.linkage.transfers): where the データ利用申請 and the record of
every transfer and refusal are kept. Adapter: kokuho.records.linkage_transfers (wired in
kokuho.linkage.transfer_store); in-memory fake: tests/fakes/transfer_store.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from kokuho.linkage.transfers import Application


@dataclass(frozen=True)
class TransferRow:
    """One transfer or refusal as recorded (table "transfers")."""

    transfer_id: str
    department: str
    information_kind: str
    subject_count: int
    application_id: str | None
    actor: str
    terminal: str
    outcome: str  # transferred | refused
    reason: str | None
    at: str
    reference: str | None = None


class TransferStore(Protocol):
    def put_application(self, app: Application) -> bool:
        """Store a submitted application unless its id is taken (False)."""
    def application(self, application_id: str) -> Application | None: ...
    def approve(self, application_id: str, approver: str, approved_at: str) -> Application | None:
        """Approve an application still awaiting approval; None when it is not (or does not exist)."""
    def revoke(self, application_id: str) -> bool:
        """False: no such application."""
    def applications_for(self, department: str, information_kind: str) -> list[Application]: ...
    def put_transfer(self, row: TransferRow, *, once: bool) -> TransferRow:
        """Record it; with `once`, a transfer id recorded already keeps (and returns) its first record."""
    def transfers_to(self, department: str) -> list[TransferRow]:
        """Every record of a department, oldest first."""
