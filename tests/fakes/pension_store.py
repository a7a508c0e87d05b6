"""In-memory fake of the pension port (kokuho.collection.pension_ports.PensionStore): the same all-or-nothing
and applied-once rules as the DynamoDB adapter (kokuho.records.pension_targets), no moto."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from kokuho.collection.pension_ports import PensionMark, PensionRecord
from kokuho.qualification.ports import StoreConflict


class InMemoryPensionStore:
    def __init__(self) -> None:
        self.records: dict[tuple[str, int], PensionRecord] = {}
        self.marks: set[tuple[str, str, int]] = set()
        self.access: list[tuple[Any, list[str], str]] = []  # (actor, subjects, operation)

    def put_pensions(self, records: Sequence[PensionRecord], marks: Sequence[PensionMark], *, actor: Any) -> None:
        keys = [(m.kind, m.digest, m.line) for m in marks]
        if len(set(keys)) != len(keys) or self.marks & set(keys):
            raise StoreConflict("a line is already applied")
        self.records.update(((r.person_id, r.fiscal_year), r) for r in records)
        self.marks.update(keys)
        self.access.append((actor, sorted({r.person_id for r in records}), "write"))

    def pensions(self, person_ids: Iterable[str], fiscal_year: int, *, actor: Any) -> dict[str, PensionRecord]:
        ids = list(dict.fromkeys(person_ids))
        if ids:
            self.access.append((actor, ids, "read"))
        return {p: self.records[(p, fiscal_year)] for p in ids if (p, fiscal_year) in self.records}
