"""In-memory fakes of the My Number vault's ports (kokuho.identity.vault_ports) for the unit tests of its
use cases: no moto, no KMS. The sealer is a stand-in (an HMAC for the keyed hash, the number sealed with
a fixed local key and bound to the person) — it keeps the one property the use cases rely on: what is
sealed for one person does not open for another."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kokuho.access.actor import Actor
from kokuho.identity.vault_ports import ReviewItem, Sealed, StoredNumber, VaultConflict
from kokuho.identity.vault_service import VaultError

_KEY = hashlib.sha256(b"fake vault key, tests only").digest()


class FakeSealer:
    def hash_of(self, number: str) -> str:
        return hmac.new(_KEY, number.encode("ascii"), hashlib.sha256).hexdigest()

    def seal(self, person_id: str, number: str) -> Sealed:
        nonce = os.urandom(12)
        ct = AESGCM(_KEY).encrypt(nonce, number.encode("ascii"), person_id.encode("utf-8"))
        return Sealed(base64.b64encode(ct).decode(), base64.b64encode(nonce).decode(), "local")

    def open(self, person_id: str, sealed: Sealed) -> str:
        try:
            return AESGCM(_KEY).decrypt(base64.b64decode(sealed.nonce), base64.b64decode(sealed.ciphertext),
                                        person_id.encode("utf-8")).decode("ascii")
        except Exception as exc:
            raise VaultError("the stored number could not be decrypted for this person") from exc


@dataclass
class InMemoryVaultStore:
    numbers: dict[str, StoredNumber] = field(default_factory=dict)
    reviews: dict[tuple[str, str], ReviewItem] = field(default_factory=dict)
    on_file: set[str] = field(default_factory=set)
    access: list[tuple[str, list[str], str, str]] = field(default_factory=list)  # staff, subjects, operation, result
    conflicts: int = 0  # the next puts that find a concurrent writer (a test sets it)
    claims: bool = True  # False: numbers stored before claims (a test sets it)

    def _conflict(self) -> None:
        if self.conflicts:
            self.conflicts -= 1
            raise VaultConflict("a concurrent writer")

    def current(self, person_id: str) -> StoredNumber | None:
        return self.numbers.get(person_id)

    def has_number(self, person_id: str) -> bool:
        return person_id in self.numbers

    def holders(self, digest: str, limit: int | None = None) -> list[str]:
        return sorted(p for p, n in self.numbers.items() if n.digest == digest)[:limit]

    def claims_complete(self) -> bool:
        return self.claims

    def claimed(self, digests: Sequence[str]) -> dict[str, str]:
        wanted = set(digests)
        return {n.digest: p for p, n in self.numbers.items() if n.digest in wanted}

    def _claim_taken(self, items: Sequence[StoredNumber]) -> bool:
        held = {n.digest for n in self.numbers.values()}
        return any(i.digest in held for i in items) or len({i.digest for i in items}) < len(items)

    def currents(self, person_ids: Sequence[str]) -> dict[str, StoredNumber]:
        return {p: self.numbers[p] for p in person_ids if p in self.numbers}

    def put_currents(self, items: Sequence[StoredNumber], actor: Actor, *, chain: str | None = None) -> None:
        self._conflict()
        if any(i.person_id in self.numbers for i in items) or self._claim_taken(items):
            raise VaultConflict("a person holds a number, or the number is held")
        for item in items:
            self.numbers[item.person_id] = item
            self.on_file.add(item.person_id)
        self.access.append((actor.staff_id, [i.person_id for i in items], "store", "ok"))

    def put_current(self, item: StoredNumber, actor: Actor) -> None:
        self._conflict()
        if item.person_id in self.numbers or self._claim_taken([item]):
            raise VaultConflict("the person holds a number, or the number is held")
        self.numbers[item.person_id] = item
        self.on_file.add(item.person_id)
        self.access.append((actor.staff_id, [item.person_id], "store", "ok"))

    def forget(self, person_ids: Sequence[str], actor: Actor) -> int:
        gone = [p for p in person_ids if self.numbers.pop(p, None) is not None]
        self.reviews = {k: v for k, v in self.reviews.items() if k[0] not in set(person_ids)}
        self.on_file -= set(person_ids)
        if gone:
            self.access.append((actor.staff_id, gone, "forget", "ok"))
        return len(gone)

    def review_exists(self, person_id: str, digest: str) -> bool:
        return (person_id, digest) in self.reviews

    def put_review(self, item: ReviewItem, actor: Actor) -> None:
        self._conflict()
        if (item.person_id, item.digest) in self.reviews:
            raise VaultConflict("held already")
        self.reviews[(item.person_id, item.digest)] = item
        self.access.append((actor.staff_id, [item.person_id], "store", "review"))

    def review_list(self, limit: int) -> list[ReviewItem]:
        return list(self.reviews.values())[:limit]

    def record(self, actor: Actor, subject_ids: list[str], operation: str, result: str = "ok") -> None:
        self.access.append((actor.staff_id, list(subject_ids), operation, result))


@dataclass
class FakeGrants:
    """Reveal grants: staff id → the purpose they may reveal for."""

    grants: dict[str, str] = field(default_factory=dict)

    def refusal(self, actor: Actor) -> str | None:
        if self.grants.get(actor.staff_id) == actor.purpose:
            return None
        return "no active grant for this function and purpose"
