"""The city-file intake's ports wired to their adapters: what kokuho.intake.apply uses (the information file
through kokuho.qualification.application.wired, its own records here). The unit tests pass the fakes of
tests/fakes/ instead. Each call answers a new adapter (they hold no state of their own)."""

from __future__ import annotations

from kokuho.collection.pension_ports import PensionStore
from kokuho.intake.ports import IntakeFiles


def files() -> IntakeFiles:
    from kokuho.records.intake_files import PynamoIntakeFiles

    return PynamoIntakeFiles()


def pension_store() -> PensionStore:
    from kokuho.records.pension_targets import DynamoPensionStore

    return DynamoPensionStore()
