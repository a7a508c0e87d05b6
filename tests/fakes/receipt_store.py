"""In-memory fake of the receipt port (kokuho.benefits.receipt_ports.ReceiptStore) for the unit tests of the
receipt intake: the same all-or-nothing and put-once conditions as the adapter, no moto."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from kokuho.benefits.receipt_file import Month
from kokuho.benefits.receipt_ports import HeldReceipt, InsuredPeriod, MonthWrite, PersonMonth, WriteConflict


class InMemoryReceiptStore:
    def __init__(self) -> None:
        self.periods: dict[str, tuple[InsuredPeriod, ...]] = {}
        self.months: dict[tuple[str, Month], PersonMonth] = {}
        self.held: dict[str, HeldReceipt] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.access: list[tuple[Any, list[str], str]] = []  # (actor, persons, operation)
        self.applies = 0
        self.fail_after_applies: int | None = None  # a test cuts a run short after this many transactions
        self.leases: dict[str, str] = {}  # the run holding each file
        self.taken = 0

    def insured_periods(self, person_ids: Iterable[str]) -> dict[str, tuple[InsuredPeriod, ...]]:
        return {p: self.periods[p] for p in person_ids if p in self.periods}

    def person_months(self, keys: Iterable[tuple[str, Month]]) -> dict[tuple[str, Month], PersonMonth]:
        return {k: self.months[k] for k in keys if k in self.months}

    def held_ids(self, review_ids: Iterable[str]) -> set[str]:
        return {i for i in review_ids if i in self.held}

    def record_reads(self, person_ids: Sequence[str], *, actor: Any, chain: str) -> None:
        if person_ids:
            self.access.append((actor, list(person_ids), "read"))

    def take_lease(self, digest: str) -> str:
        self.taken += 1
        self.leases[digest] = f"run{self.taken}"
        return self.leases[digest]

    def holds_lease(self, digest: str, lease: str) -> bool:
        return self.leases.get(digest) == lease

    def _check(self, digest: str, lease: str) -> None:
        if lease and not self.holds_lease(digest, lease):
            raise WriteConflict("another run holds the file")

    def apply(self, months: Sequence[MonthWrite], held: Sequence[HeldReceipt], *, actor: Any, chain: str,
              lease: str = "") -> None:
        if self.fail_after_applies is not None and self.applies >= self.fail_after_applies:
            raise RuntimeError("run cut short")
        for digest in {r.file_digest for w in months for r in w.receipts} | {h.receipt.file_digest for h in held}:
            self._check(digest, lease)
        for w in months:
            stored = self.months.get((w.person_id, w.service_month))
            if len(stored.receipts if stored else ()) != w.stored:
                raise WriteConflict("person-month changed since read")
        ids = [h.review_id for h in held]
        if len(set(ids)) != len(ids) or self.held_ids(ids):
            raise WriteConflict("already held")
        for w in months:
            key = (w.person_id, w.service_month)
            old = self.months.get(key, PersonMonth(w.person_id, w.service_month))
            self.months[key] = replace(old, receipts=(*old.receipts, *w.receipts))
        self.held.update((h.review_id, h) for h in held)
        self.applies += 1
        persons = sorted({w.person_id for w in months} | {h.person_id for h in held})
        if persons:
            self.access.append((actor, persons, "write"))

    def receipt_file(self, digest: str) -> dict[str, Any] | None:
        return self.files.get(digest)

    def mark_file(self, digest: str, outcome: dict[str, Any], *, lease: str = "") -> None:
        self._check(digest, lease)
        self.files[digest] = outcome
        self.leases.pop(digest, None)

    def held_receipts(self) -> list[HeldReceipt]:
        return sorted(self.held.values(), key=lambda h: h.review_id)
