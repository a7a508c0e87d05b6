"""The port of legal holds (kokuho.retention.holds): what a hold is and where holds are kept (adapter
kokuho.records.legal_holds on the requests table)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from kokuho.access.actor import Actor

CATEGORY = "保存期間の停止"


@dataclass(frozen=True)
class LegalHold:
    person_id: str
    reason: str  # why (e.g. 訴訟, 審査請求, 監査): kept with the hold, never in the run's report
    placed_on: date
    placed_by: str


class HoldStore(Protocol):
    def put_hold(self, actor: Actor, hold: LegalHold) -> bool:
        """Record the hold with its access record (one transaction); False when one is in force already."""
    def remove_hold(self, actor: Actor, person_id: str) -> bool:
        """Lift it with its access record; False when none was in force."""
    def held_persons(self) -> set[str]: ...
    def hold_of(self, person_id: str) -> LegalHold | None:
        """The hold in force on the person, if any (read strongly consistent)."""
