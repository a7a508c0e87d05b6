"""The port of 符号 management (kokuho.linkage.codes): where each person's 情報提供用個人識別符号 is kept,
found in both directions, and the access record of a registration. Adapter:
kokuho.records.linkage_codes (wired in kokuho.linkage.code_store); in-memory fake: tests/fakes/code_store.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from kokuho.access.actor import Actor


class CodeStore(Protocol):
    def code_of(self, person_id: str) -> str | None: ...
    def person_of_code(self, code: str) -> str | None: ...
    def put_once(self, person_id: str, code: str, issued_at: str, issuer: str) -> bool:
        """Store the person's code unless they hold one (False: a concurrent registration won)."""
    def record(self, actor: Actor, subject_ids: Sequence[str], category: str, operation: str) -> None: ...
