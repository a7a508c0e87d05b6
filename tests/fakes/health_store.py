"""In-memory fake of the health port (kokuho.health.ports.HealthStore) for the unit tests of the health programmes:
the same put-once, numbering and still-unused conditions as the adapter, no moto."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from kokuho.health.ports import OptOut, Voucher, WriteConflict


class InMemoryHealthStore:
    def __init__(self) -> None:
        self.wishes: dict[str, OptOut] = {}
        self.issued: dict[tuple[int, str], Voucher] = {}
        self.counters: dict[int, int] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.access: list[tuple[Any, list[str], str]] = []
        self.fail_after_marks: int | None = None  # a test cuts a run short after this many transactions
        self.marks = 0
        self.stats: dict[int, dict[str, Any]] = {}

    def opt_outs(self, person_ids: Iterable[str]) -> dict[str, OptOut]:
        return {p: self.wishes[p] for p in person_ids if p in self.wishes}

    def put_opt_out(self, opt_out: OptOut, *, actor: Any, chain: str) -> None:
        self.wishes[opt_out.person_id] = opt_out
        self.access.append((actor, [opt_out.person_id], "write"))

    def vouchers(self, fiscal_year: int, person_ids: Iterable[str]) -> dict[str, Voucher]:
        return {p: self.issued[(fiscal_year, p)] for p in person_ids if (fiscal_year, p) in self.issued}

    def vouchers_of_year(self, fiscal_year: int) -> list[Voucher]:
        return sorted((v for (fy, _), v in self.issued.items() if fy == fiscal_year), key=lambda v: v.number)

    def issue(self, fiscal_year: int, drafts: Sequence[Voucher], *, actor: Any, chain: str) -> list[Voucher]:
        if any((fiscal_year, d.person_id) in self.issued for d in drafts):
            raise WriteConflict("a voucher of the year exists")
        start = self.counters.get(fiscal_year, 1)
        out = [replace(d, number=f"{fiscal_year:04d}{start + k:07d}") for k, d in enumerate(drafts)]
        self.counters[fiscal_year] = start + len(out)
        self.issued.update({(fiscal_year, v.person_id): v for v in out})
        if out:
            self.access.append((actor, sorted(v.person_id for v in out), "write"))
        return out

    def mark_used(self, used: Sequence[tuple[Voucher, date]], digest: str, *, actor: Any, chain: str) -> None:
        if self.fail_after_marks is not None and self.marks >= self.fail_after_marks:
            raise RuntimeError("run cut short")
        for v, _ in used:
            if self.issued[(v.fiscal_year, v.person_id)].used_on is not None:
                raise WriteConflict("already used")
        for v, on in used:
            key = (v.fiscal_year, v.person_id)
            self.issued[key] = replace(self.issued[key], used_on=on, used_file=digest)
        self.marks += 1
        self.access.append((actor, sorted({v.person_id for v, _ in used}), "write"))

    def attendance_file(self, digest: str) -> dict[str, Any] | None:
        return self.files.get(digest)

    def mark_attendance_file(self, digest: str, outcome: dict[str, Any]) -> None:
        self.files[digest] = outcome

    def put_rates(self, fiscal_year: int, doc: dict[str, Any]) -> None:
        self.stats[fiscal_year] = doc

    def rates(self, fiscal_year: int) -> dict[str, Any] | None:
        return self.stats.get(fiscal_year)

    def record_reads(self, person_ids: Sequence[str], *, actor: Any, chain: str) -> None:
        if person_ids:
            self.access.append((actor, list(person_ids), "read"))
