"""In-memory fake of the city-file intake's port (kokuho.intake.ports.IntakeFiles): the files applied, the lines
applied or held (a line marked once), the acquisitions waiting and the search index's 宛名番号, no moto."""

from __future__ import annotations

from typing import Any

from kokuho.qualification.ports import StoreConflict


class InMemoryIntakeFiles:
    def __init__(self) -> None:
        self.files: dict[tuple[str, str], dict[str, Any]] = {}
        self.lines: dict[tuple[str, str], set[int]] = {}
        self.held: list[dict[str, Any]] = []
        self.pending: set[str] = set()  # person ids with an acquisition waiting (set by the test)
        self.resident_codes: dict[str, set[str]] = {}  # 宛名番号 → person ids (set by the test)
        self.access: list[tuple[Any, list[str], str]] = []  # (actor, subjects, operation)
        self.leases: dict[tuple[str, str], str] = {}  # the run holding each file
        self.taken = 0

    def applied_file(self, kind: str, digest: str) -> bool:
        return (kind, digest) in self.files

    def applied_lines(self, kind: str, digest: str) -> set[int]:
        return set(self.lines.get((kind, digest), set()))

    def mark_applied(self, kind: str, digest: str, *, source_key: str, counts: dict[str, Any],
                     lease: str = "") -> None:
        self._check(kind, digest, lease)
        self.files[(kind, digest)] = {"source_key": source_key, "counts": dict(counts)}
        self.leases.pop((kind, digest), None)

    def take_lease(self, kind: str, digest: str) -> str:
        self.taken += 1
        self.leases[(kind, digest)] = f"run{self.taken}"
        return self.leases[(kind, digest)]

    def holds_lease(self, kind: str, digest: str, lease: str) -> bool:
        return self.leases.get((kind, digest)) == lease

    def _check(self, kind: str, digest: str, lease: str) -> None:
        if lease and not self.holds_lease(kind, digest, lease):
            raise StoreConflict("another run holds the file")

    def hold_line(self, actor: Any, kind: str, digest: str, line: int, reason: str, record: dict[str, Any], *,
                  lease: str = "") -> None:
        self._check(kind, digest, lease)
        marked = self.lines.setdefault((kind, digest), set())
        if line in marked:
            raise StoreConflict("the line is already applied")
        marked.add(line)
        self.held.append({"kind": kind, "line": line, "reason": reason, "record": dict(record)})
        self.access.append((actor, [f"ATENA:{record['atena_no']}"], "hold"))

    def pending_acquisition(self, person_id: str) -> bool:
        return person_id in self.pending

    def pending_acquisitions_of(self, person_ids: list[str]) -> set[str]:
        return self.pending & set(person_ids)

    def persons_of_resident_code(self, code: str) -> set[str]:
        return set(self.resident_codes.get(code, set()))
