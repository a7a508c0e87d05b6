"""In-memory fake of the 符号 port (kokuho.linkage.code_ports.CodeStore) for the unit tests of
kokuho.linkage.codes: no moto. A person's code is stored once; the contract test holds it to the pynamodb
adapter (tests/integration/test_ports_contracts.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from kokuho.access.actor import Actor


@dataclass
class InMemoryCodeStore:
    codes: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # person → (code, issued_at, issuer)
    access: list[tuple[str, tuple[str, ...], str, str]] = field(default_factory=list)

    def code_of(self, person_id: str) -> str | None:
        return self.codes[person_id][0] if person_id in self.codes else None

    def person_of_code(self, code: str) -> str | None:
        return next((p for p, (c, _, _) in sorted(self.codes.items()) if c == code), None)

    def put_once(self, person_id: str, code: str, issued_at: str, issuer: str) -> bool:
        if person_id in self.codes:
            return False
        self.codes[person_id] = (code, issued_at, issuer)
        return True

    def record(self, actor: Actor, subject_ids: Sequence[str], category: str, operation: str) -> None:
        self.access.append((actor.staff_id, tuple(subject_ids), category, operation))
