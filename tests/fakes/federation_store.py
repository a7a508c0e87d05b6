"""In-memory fake of the 国保連合会 exchange's store port (kokuho.linkage.federation_ports.FederationStore)
for the unit tests of applying a file: no moto. Keeps the adapter's rules: deterministic keys (saving
a record again writes the same values), each chunk's access record once, the APPLIED marker written once."""

from __future__ import annotations

from dataclasses import dataclass, field

from kokuho.access.actor import Actor
from kokuho.linkage.federation_ports import AppliedFile, ParsedFile


@dataclass
class InMemoryFederationStore:
    markers: dict[tuple[str, str], AppliedFile] = field(default_factory=dict)  # (file id, APPLIED|ACCESS#n)
    continuity: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # (person, acquired_on)
    carry_over: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # (householder, month)
    access: list[tuple[Actor, list[str], str, str]] = field(default_factory=list)  # actor, subjects, category, chain

    def applied(self, file_id: str) -> AppliedFile | None:
        return self.markers.get((file_id, "APPLIED"))

    def save_continuity(self, file_id: str, record: dict[str, str]) -> None:
        self.continuity[(record["person_id"], record["acquired_on"])] = {**record, "file_id": file_id}

    def save_carry_over(self, file_id: str, record: dict[str, str], month: str) -> None:
        self.carry_over[(record["householder_id"], month)] = {**record, "month": month, "file_id": file_id}

    def record_subjects_once(self, actor: Actor, parsed: ParsedFile, source_key: str, n: int,
                             subjects: list[str], category: str) -> None:
        key = (parsed.file_id, f"ACCESS#{n:05d}")
        if key in self.markers:
            return
        self.access.append((actor, list(subjects), category, f"FILE#{parsed.file_id}"))
        self.markers[key] = AppliedFile(parsed.content_hash, len(subjects))

    def mark_applied(self, parsed: ParsedFile, source_key: str) -> None:
        key = (parsed.file_id, "APPLIED")
        if key in self.markers:
            raise RuntimeError("the APPLIED marker exists")  # the adapter's condition fails the same way
        self.markers[key] = AppliedFile(parsed.content_hash, len(parsed.records))

    def carried_over_months(self, householder_id: str) -> list[str]:
        return sorted(m for h, m in self.carry_over if h == householder_id)
