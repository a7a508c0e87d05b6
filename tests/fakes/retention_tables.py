"""In-memory fakes of kokuho.retention.table_ports (the table classes' records and the access log as the
retention purge sees it): candidates as the adapter would yield them, what was deleted, the cuts put."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kokuho.retention.table_ports import Candidate, Key


@dataclass
class InMemoryRetentionTables:
    months: list[Candidate] = field(default_factory=list)
    claims: list[Candidate] = field(default_factory=list)
    ledger_items: list[Candidate] = field(default_factory=list)
    person_items: list[Candidate] = field(default_factory=list)
    carried: list[Candidate] = field(default_factory=list)  # the federation's carried-over months
    continuity: list[Candidate] = field(default_factory=list)  # the federation's 資格継続 periods
    households: list[Candidate] = field(default_factory=list)  # yielded as orphans once their keys' persons went
    in_file: set[str] = field(default_factory=set)  # subjects still in the information file
    members: dict[str, tuple[str, ...]] = field(default_factory=dict)  # household → its persons
    deleted: list[Key] = field(default_factory=list)

    def _left(self, items: list[Candidate]) -> Iterator[Candidate]:
        return (c for c in items if not c.keys or not set(c.keys) <= set(self.deleted))

    def benefit_months(self) -> Iterator[Candidate]:
        return self._left(self.months)

    def recovery_claims(self) -> Iterator[Candidate]:
        return self._left(self.claims)

    def ledgers(self) -> Iterator[Candidate]:
        return self._left(self.ledger_items)

    def persons(self) -> Iterator[Candidate]:
        return self._left(self.person_items)

    def carried_over_months(self) -> Iterator[Candidate]:
        return self._left(self.carried)

    def continuity_periods(self) -> Iterator[Candidate]:
        return self._left(self.continuity)

    def orphan_households(self) -> Iterator[Candidate]:
        return (h for h in self._left(self.households) if not self.present(h.persons))

    def delete(self, keys: Sequence[Key]) -> None:
        self.deleted.extend(keys)
        for _, pk, _ in keys:
            self.in_file.discard(pk.partition("#")[2])

    def present(self, subjects: Iterable[str]) -> set[str]:
        return {s for s in subjects if s.removeprefix("HH:") in self.in_file}

    def household_members(self, household_id: str) -> tuple[str, ...]:
        return self.members.get(household_id, ())


@dataclass
class InMemoryAccessPurge:
    items: list[dict[str, Any]] = field(default_factory=list)
    cuts: dict[tuple[str, int], Mapping[str, Any]] = field(default_factory=dict)
    deleted: list[tuple[str, int]] = field(default_factory=list)

    def records(self) -> Iterator[Mapping[str, Any]]:
        return iter([r for r in self.items if (r["chain"], r["seq"]) not in self.deleted])

    def put_cut(self, item: Mapping[str, Any]) -> bool:
        key = (str(item["chain"]), int(item["from_seq"]))
        if key in self.cuts:
            return False
        self.cuts[key] = item
        return True

    def delete_record(self, record: Mapping[str, Any]) -> None:
        self.deleted.append((str(record["chain"]), int(record["seq"])))
