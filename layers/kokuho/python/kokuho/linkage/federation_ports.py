"""The ports of the 国保連合会 file exchange: where applied files go (FederationStore) and where outgoing
files come from (QualificationSource). Adapters: kokuho.records.federation_store; in-memory fakes for
the use cases' unit tests: tests/fakes/federation_store.py."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import NamedTuple, Protocol

from kokuho.access.actor import Actor
from kokuho.linkage.federation_codec import CarryOverRow as CarryOverRow
from kokuho.linkage.federation_codec import ContinuityRow as ContinuityRow
from kokuho.linkage.federation_codec import ParsedFile as ParsedFile
from kokuho.qualification.municipality import CITY_MUNICIPALITY as CITY_MUNICIPALITY  # 北九州市: one definition
from kokuho.qualification.municipality import PREFECTURE as PREFECTURE  # a 高額該当 count carries over within it
from kokuho.qualification.municipality import (  # a 転出 that keeps the household going in it
    continues_in_prefecture as continues_in_prefecture,
)

CITY_INSURER = "401000"
FEDERATION = "福岡県国民健康保険団体連合会"


class AppliedFile(NamedTuple):
    content_hash: str
    record_count: int


class FederationStore(Protocol):
    """The applied files (one marker a file, written last), what they carry, and their access records."""

    def applied(self, file_id: str) -> AppliedFile | None: ...
    def save_continuity(self, file_id: str, record: dict[str, str]) -> None:
        """One QUALCONT record (deterministic key: saving it again writes the same values)."""
    def save_carry_over(self, file_id: str, record: dict[str, str], month: str) -> None:
        """One month of a KOGAKU record (deterministic key)."""
    def record_subjects_once(self, actor: Actor, parsed: ParsedFile, source_key: str, n: int,
                             subjects: list[str], category: str) -> None:
        """The access record of the file's `n`th chunk of subjects, exactly once (with a marker of the chunk
        in its transaction: an interrupted run's rerun does not record it again)."""
    def mark_applied(self, parsed: ParsedFile, source_key: str) -> None:
        """The file's APPLIED marker (conditional: written once)."""
    def carried_over_months(self, householder_id: str) -> list[str]:
        """The months carried over to the household the person heads here (kept under the householder)."""


class QualificationSource(Protocol):
    """Where outgoing files come from (the qualification file; a fake in tests)."""

    def continuity_rows(self, day: date) -> Iterable[ContinuityRow]:
        ...

    def carry_over_rows(self, month: str) -> Iterable[CarryOverRow]:
        ...
