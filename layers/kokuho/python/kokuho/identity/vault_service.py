"""The My Number vault's use cases — store, find, reveal, review list — against its ports
(kokuho.identity.vault_ports). The rules (kokuho.identity.vault explains them): a number is stored
only sealed and found only by its keyed hash; a second, different number for a person, or a number
another person holds, is never stored over anything: it goes on the review list; every call leaves an
access record, a reveal needs an active grant and is recorded even when refused."""

from __future__ import annotations

import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from kokuho.access.actor import Actor
from kokuho.access.records import holding_begun_heads
from kokuho.identity.mynumber import mask, require_valid
from kokuho.identity.vault_ports import (
    RevealGrants,
    ReviewItem,
    Sealer,
    StoredNumber,
    VaultConflict,
    VaultStore,
)

StoreResult = Literal["stored", "unchanged", "review"]
NO_MATCH = "no-match"  # subject of a lookup that found nobody (a record still names the search)
# numbers a transaction: each number, its claim, its on-file mark and its access index entry (4 items),
# with the access record, its chain check and the 4 items the access index keeps free: 23 × 4 + 6 ≤ 100
STORE_PER_WRITE = 23


class VaultError(Exception):
    """A vault failure; the message never carries the number."""


class RevealDenied(VaultError):
    pass


@dataclass(frozen=True)
class ReviewEntry:
    person_id: str
    reason: str
    found_at: str
    found_by: str
    status: str
    masked: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class Vault:
    def __init__(self, store: VaultStore, sealer: Sealer, grants: RevealGrants) -> None:
        self.numbers, self.sealer, self.grants = store, sealer, grants

    def hash_of(self, number: str) -> str:
        return self.sealer.hash_of(number)

    def forget(self, person_ids: Sequence[str], actor: Actor) -> int:
        """The numbers of persons the retention run removed from the file (a past insured person's number is
        kept like the living's, and goes with them: domain.md §5): removed with their access records."""
        return self.numbers.forget(person_ids, actor)

    def decrypt(self, person_id: str, ciphertext: str, nonce: str, encrypted_data_key: str) -> str:
        from kokuho.identity.vault_ports import Sealed

        return self.sealer.open(person_id, Sealed(ciphertext, nonce, encrypted_data_key))

    def store(self, person_id: str, number: str, actor: Actor, *, attempts: int = 4) -> StoreResult:
        number = require_valid(number)  # one form (12 ASCII digits): one keyed hash whatever the shape typed
        for _ in range(attempts - 1):
            try:
                return self._store_once(person_id, number, actor)
            except VaultConflict:
                continue  # a concurrent store or access to this person: look again
        return self._store_once(person_id, number, actor)

    def _store_once(self, person_id: str, number: str, actor: Actor) -> StoreResult:
        digest = self.sealer.hash_of(number)
        current = self.numbers.current(person_id)
        if current is not None and current.digest == digest:
            self.numbers.record(actor, [person_id], "store", "unchanged")
            return "unchanged"
        holders = [p for p in self.numbers.holders(digest) if p != person_id]
        if current is not None or holders:
            reason = "different_number" if current is not None else "held_by_another_person"
            self._hold_for_review(person_id, number, digest, reason, actor)
            return "review"
        self.numbers.put_current(StoredNumber(person_id, digest, self.sealer.seal(person_id, number), _now(),
                                            actor.staff_id), actor)
        return "stored"

    def store_many(self, items: Sequence[tuple[str, str]], actor: Actor, *,
                   per_write: int = STORE_PER_WRITE) -> dict[str, int]:
        """`store` of many (person id, number): the numbers new to the vault — no number held by the
        person, none by another (their claims read by batch), not twice in the batch — sealed and
        written `per_write` a transaction with one access record naming them (a number claimed meanwhile
        fails the transaction); every other one (unchanged, review, a write that met a concurrent
        writer) through `store`, one by one. Counts by result."""
        counts: dict[str, int] = {}
        pending = [(pid, require_valid(number), self.sealer.hash_of(number)) for pid, number in items]
        current = self.numbers.currents([pid for pid, _, _ in pending])
        # who holds each number: their claims, a hundred a read — not a keyed-hash query a number (one
        # principal making thousands of those is what the trail's bulk-read detection is for)
        claimed = self.numbers.claimed([d for _, _, d in pending]) if self.numbers.claims_complete() else None
        fresh: list[tuple[str, str, str]] = []
        alone: list[tuple[str, str]] = []
        seen: set[str] = set()  # digests and persons of the batch: a second one waits for the first
        for pid, number, digest in pending:
            held = (claimed.get(digest, pid) != pid) if claimed is not None \
                else any(h != pid for h in self.numbers.holders(digest, limit=2))  # numbers from before claims
            if pid in current or digest in seen or pid in seen or held:
                alone.append((pid, number))
            else:
                fresh.append((pid, number, digest))
            seen.update((digest, pid))
        # the batch's records join a chain of its own, whose head it holds: not a head read before each write
        chain = "vault#store#" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(16))
        with holding_begun_heads():
            for first in range(0, len(fresh), per_write):
                part = fresh[first:first + per_write]
                stored = [StoredNumber(pid, digest, self.sealer.seal(pid, number), _now(), actor.staff_id)
                          for pid, number, digest in part]
                try:
                    self.numbers.put_currents(stored, actor, chain=chain)
                    counts["stored"] = counts.get("stored", 0) + len(part)
                except VaultConflict:  # a concurrent writer: look again, one by one
                    alone += [(pid, number) for pid, number, _ in part]
        for pid, number in alone:
            result = self.store(pid, number, actor)
            counts[result] = counts.get(result, 0) + 1
        return counts

    def _hold_for_review(self, person_id: str, number: str, digest: str, reason: str, actor: Actor) -> None:
        if self.numbers.review_exists(person_id, digest):
            self.numbers.record(actor, [person_id], "store", "review")
            return
        self.numbers.put_review(ReviewItem(person_id, digest, reason, self.sealer.seal(person_id, number), _now(),
                                         actor.staff_id), actor)

    def find(self, number: str, actor: Actor) -> str | None:
        number = require_valid(number)
        found = self.numbers.holders(self.sealer.hash_of(number), limit=2)
        person_id = found[0] if len(found) == 1 else None
        self.numbers.record(actor, [person_id or NO_MATCH], "lookup", "ok" if person_id else "not_found")
        return person_id

    def reveal(self, person_id: str, actor: Actor) -> str:
        refused = self.grants.refusal(actor)
        if refused is not None:
            self.numbers.record(actor, [person_id], "reveal", "denied")
            raise RevealDenied(refused)
        current = self.numbers.current(person_id)
        if current is None:
            self.numbers.record(actor, [person_id], "reveal", "not_found")
            raise VaultError("no My Number is stored for this person")
        number = self.sealer.open(person_id, current.sealed)
        self.numbers.record(actor, [person_id], "reveal")
        return number

    def has_number(self, person_id: str) -> bool:
        return self.numbers.has_number(person_id)

    def review_list(self, limit: int = 50) -> list[ReviewEntry]:
        return [ReviewEntry(r.person_id, r.reason, r.found_at, r.found_by, r.status, mask("x"))
                for r in self.numbers.review_list(limit)]
