"""The ports of the My Number vault (kokuho.identity.vault_service): where numbers are kept (VaultStore),
how they are sealed and found (Sealer: envelope encryption and the keyed hash) and who may see one
(RevealGrants). Adapters: kokuho.records.vault_store, kokuho.identity.vault_kms, the grants of
kokuho.access.grants (wired in kokuho.identity.vault); in-memory fakes: tests/fakes/vault.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from kokuho.access.actor import Actor

CATEGORY = "my_number"


class VaultConflict(Exception):
    """A conditional write failed (a concurrent store or access to the person): look again."""


class Sealed(NamedTuple):
    """A number sealed for one person (base64): ciphertext, nonce, encrypted data key."""

    ciphertext: str
    nonce: str
    encrypted_data_key: str


@dataclass(frozen=True)
class StoredNumber:
    person_id: str
    digest: str  # the keyed hash (found by it)
    sealed: Sealed
    stored_at: str
    stored_by: str


@dataclass(frozen=True)
class ReviewItem:
    """A candidate held on the review list (確認リスト): "different_number" | "held_by_another_person"."""

    person_id: str
    digest: str
    reason: str
    sealed: Sealed
    found_at: str
    found_by: str
    status: str = "open"


class Sealer(Protocol):
    def hash_of(self, number: str) -> str: ...
    def seal(self, person_id: str, number: str) -> Sealed: ...
    def open(self, person_id: str, sealed: Sealed) -> str:
        """The number; VaultError when it does not open for this person (never says what it holds)."""


class VaultStore(Protocol):
    def current(self, person_id: str) -> StoredNumber | None: ...
    def has_number(self, person_id: str) -> bool: ...
    def holders(self, digest: str, limit: int | None = None) -> list[str]: ...
    def claims_complete(self) -> bool:
        """Every number stored has its claim (False: numbers from before claims — look them up by `holders`)."""
    def claimed(self, digests: Sequence[str]) -> dict[str, str]:
        """Keyed hash → the person whose number it is, for those of `digests` held (a batch read)."""
    def currents(self, person_ids: Sequence[str]) -> dict[str, StoredNumber]:
        """The numbers these persons hold (a batch read)."""
    def put_currents(self, items: Sequence[StoredNumber], actor: Actor, *, chain: str | None = None) -> None:
        """`put_current` of many persons in one transaction with one access record naming them all (in
        `chain`, else its first person's); VaultConflict if any of them holds a number already, or any number
        is held by someone (then nothing is written)."""
    def put_current(self, item: StoredNumber, actor: Actor) -> None:
        """The number (only if the person holds none), its claim (only if nobody holds the number), the
        qualification file's "on file" mark and the access record, in one transaction; VaultConflict
        otherwise."""
    def forget(self, person_ids: Sequence[str], actor: Actor) -> int:
        """Remove the persons' numbers, their claims, their review entries and the file's "on file" marks, each
        person with its access record (retention of a past insured person): how many numbers were removed."""
    def review_exists(self, person_id: str, digest: str) -> bool: ...
    def put_review(self, item: ReviewItem, actor: Actor) -> None:
        """The review entry (once) and its access record in one transaction; VaultConflict otherwise."""
    def review_list(self, limit: int) -> list[ReviewItem]: ...
    def record(self, actor: Actor, subject_ids: list[str], operation: str, result: str = "ok") -> None:
        """An access record on its own (reads, refusals)."""


class RevealGrants(Protocol):
    def refusal(self, actor: Actor) -> str | None:
        """None when the actor holds an active reveal grant naming its purpose, else the reason."""
