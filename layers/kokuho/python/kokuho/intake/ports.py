"""The port of the city-file intake (kokuho.intake.apply): what it keeps of the files themselves — a file
applied whole, the lines applied, a line held for review, an acquisition the register implied — and the
search index's look-up of a 宛名番号. Pure: the DynamoDB adapter is `kokuho.records.intake_files.PynamoIntakeFiles`
(wired by `kokuho.intake.wiring`), the in-memory fake `tests/fakes/intake_files.py`. The persons and households
are read and written through the information file's port (kokuho.qualification.ports), the pensions through
kokuho.collection.pension_ports.

`actor` arguments are opaque here: the adapter writes the access record of a held line in its transaction."""

from __future__ import annotations

from typing import Any, Protocol


class IntakeFiles(Protocol):
    def applied_file(self, kind: str, digest: str) -> bool:
        """The file (its bytes, under any key) was applied whole."""
        ...

    def applied_lines(self, kind: str, digest: str) -> set[int]: ...

    def mark_applied(self, kind: str, digest: str, *, source_key: str, counts: dict[str, Any],
                     lease: str = "") -> None:
        """The file applied whole, with when and its counts (a second intake of it is a duplicate); with
        `lease`, only while that run holds the file (else StoreConflict), letting it go."""
        ...

    def take_lease(self, kind: str, digest: str) -> str:
        """This run holds the file from now on (the run that held it before is fenced off): its token."""
        ...

    def holds_lease(self, kind: str, digest: str, lease: str) -> bool: ...

    def hold_line(self, actor: Any, kind: str, digest: str, line: int, reason: str, record: dict[str, Any], *,
                  lease: str = "") -> None:
        """Kept for review, not applied: the line, its marker and its access record, together — with `lease`,
        only while that run holds the file (else StoreConflict)."""
        ...

    def pending_acquisition(self, person_id: str) -> bool:
        """An acquisition the resident register implied waits for the person's 届出."""
        ...

    def pending_acquisitions_of(self, person_ids: list[str]) -> set[str]:
        """Those of these persons for whom such an acquisition waits (read in batches)."""
        ...

    def persons_of_resident_code(self, code: str) -> set[str]:
        """The persons the search index holds under a 住民コード (宛名番号)."""
        ...
