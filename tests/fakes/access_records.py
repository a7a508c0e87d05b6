"""In-memory fake of the access-record writer's storage (kokuho.access.ports.AccessRecordStore) for the unit
tests of kokuho.access.records and of the use cases that record in their own unit of work: no moto. It
keeps what the writer relies on — a record's position taken once, appended only to the record it names
(its prev_hash), its subject index entries with it, pending writes committed all or nothing, `settled`
told either way — and nothing of the table's layout beyond the records' own attributes. The contract test
holds it to the pynamodb adapter (tests/integration/test_access_record_store_contract.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from kokuho.access import subject_index
from kokuho.access.ports import AccessRecord, ChainTaken


class PendingFailed(Exception):
    """A condition of the pending writes failed at commit: none of them was written."""


@dataclass
class InMemoryPending:
    """The fake's unit of work: puts on keys nobody holds, checks of a record's hash, all at commit."""

    store: InMemoryAccessRecords
    puts: list[tuple[tuple[str, str], dict[str, Any]]] = field(default_factory=list)  # into the log
    changes: list[tuple[tuple[str, str], dict[str, Any]]] = field(default_factory=list)  # the caller's
    checks: list[tuple[tuple[str, str], str]] = field(default_factory=list)
    settle: list[Callable[[bool], None]] = field(default_factory=list)

    def put(self, key: tuple[str, str], item: dict[str, Any]) -> None:
        """A caller's own write (the change the access record goes with), on a key nobody holds."""
        self.changes.append((key, item))

    def commit(self) -> None:
        items, changed = self.store.items_by_key, self.store.changes
        ok = all(len({k for k, _ in puts}) == len(puts) and not any(k in held for k, _ in puts)
                 for puts, held in ((self.puts, items), (self.changes, changed)))
        ok = ok and all(items.get(k, {}).get("hash") == digest for k, digest in self.checks)
        if ok:
            items.update(self.puts)
            changed.update(self.changes)
        for then in self.settle:
            then(ok)
        if not ok:
            raise PendingFailed("a condition of the pending writes failed")

    def __enter__(self) -> InMemoryPending:
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        if kind is None:
            self.commit()


def _key(chain: str, seq: int) -> tuple[str, str]:
    return f"CHAIN#{chain}", f"REC#{seq:010d}"


@dataclass
class InMemoryAccessRecords:
    items_by_key: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # the log's items
    changes: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # what callers changed with them
    head_reads: int = 0

    def head(self, chain: str) -> tuple[int, str] | None:
        self.head_reads += 1
        seqs = [int(i["seq"]) for (pk, _), i in self.items_by_key.items() if pk == f"CHAIN#{chain}"]
        if not seqs:
            return None
        return max(seqs), str(self.items_by_key[_key(chain, max(seqs))]["hash"])

    def append(self, item: Mapping[str, Any], within: Any, settled: Callable[[bool], None]) -> None:
        pending = within if within is not None else InMemoryPending(self)
        assert isinstance(pending, InMemoryPending), "pending writes of this storage are an InMemoryPending"
        chain, seq = str(item["chain"]), int(item["seq"])
        pending.puts.append((_key(chain, seq), dict(item)))
        if seq > 1:
            pending.checks.append((_key(chain, seq - 1), str(item["prev_hash"])))
        for entry in subject_index.entries_of(item):
            pending.puts.append(((entry["pk"], entry["sk"]), entry))
        pending.settle.append(settled)
        if within is None:
            try:
                pending.commit()
            except PendingFailed as exc:
                raise ChainTaken(chain) from exc

    def pending(self) -> InMemoryPending:
        return InMemoryPending(self)

    def _records(self) -> list[AccessRecord]:
        return [AccessRecord.of(i) for (pk, _), i in sorted(self.items_by_key.items()) if pk.startswith("CHAIN#")]

    def chain(self, chain: str) -> Iterator[AccessRecord]:
        return iter([r for r in self._records() if r.chain == chain])

    def by_staff(self, staff_id: str) -> Iterator[AccessRecord]:
        return iter(sorted((r for r in self._records() if r.staff_id == staff_id), key=lambda r: r.at))

    def of_subject(self, subject: str) -> list[AccessRecord]:
        own, shared = subject_index.partitions_of(subject)
        entries = sorted(sk for (pk, sk), item in self.items_by_key.items() if pk == own or (
            shared is not None and pk == shared[0] and subject in subject_index.subjects_of(item)))
        named = [_key(*subject_index.chain_and_seq(sk)) for sk in entries]
        return [AccessRecord.of(self.items_by_key[k]) for k in named if k in self.items_by_key]

    def items(self, page_size: int | None = None) -> Iterator[dict[str, Any]]:
        return iter([dict(i) for _, i in sorted(self.items_by_key.items())])
