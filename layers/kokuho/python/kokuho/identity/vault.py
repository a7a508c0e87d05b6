"""My Number vault (個人番号の保管): the only code that stores, finds or shows a My Number.

- Stored only encrypted: an AES-256-GCM envelope whose data key comes from KMS GenerateDataKey under
  the My Number key (alias from `key_alias(DataClass.MY_NUMBER)`), with the KMS encryption context and
  the GCM associated data both bound to the person id — a ciphertext copied onto another person's
  item does not decrypt.
- Found only by a keyed hash (HMAC-SHA256, keyed_hash.py) on gsi1 of the "mynumber" table.
- A second, different number for a person already holding one is never overwritten: it goes on the
  review list (確認リスト, seed III-2 リスク1 関連性・整合性チェック) for a person to resolve. So does a
  number already held by another person.
- Every call writes an access record (アクセス記録) in the same transaction as its write; a reveal
  needs an active reveal grant naming the purpose, and is recorded even when refused.

Nothing here puts the number into a message, a key, an index name or a return value other than
`reveal_my_number`'s.

By what they do: the use cases against their ports (kokuho.identity.vault_service,
kokuho.identity.vault_ports), the KMS sealer (kokuho.identity.vault_kms), the table
(kokuho.records.vault_store, items described there); this module wires them and hands numbers between
functions. Unit tests run the use cases on in-memory fakes (tests/fakes/vault.py).
"""

from __future__ import annotations

from typing import Any

from kokuho.access.actor import Actor
from kokuho.identity.mynumber import InvalidMyNumber
from kokuho.identity.vault_ports import CATEGORY
from kokuho.identity.vault_service import RevealDenied, ReviewEntry, StoreResult, Vault, VaultError


class AccessGrants:
    """RevealGrants through kokuho.access.grants (deny by default, per staff, function, purpose, expiry)."""

    def refusal(self, actor: Actor) -> str | None:
        from kokuho.access.grants import Function, authorize

        decision = authorize(actor.staff_id, Function.REVEAL_MY_NUMBER, purpose=actor.purpose)
        return None if decision.allowed else decision.reason


_VAULT: Vault | None = None


def vault() -> Vault:
    """The container's vault, wired to its adapters (the HMAC secret is decrypted once per container)."""
    global _VAULT
    if _VAULT is None:
        from kokuho.identity.vault_kms import KmsSealer
        from kokuho.records.vault_store import PynamoVaultStore

        _VAULT = Vault(PynamoVaultStore(), KmsSealer(), AccessGrants())
    return _VAULT


def reset_vault() -> None:
    """Forget the cached client and secret (tests start a fresh embedded AWS each time)."""
    global _VAULT
    _VAULT = None


# Other functions hand numbers to the vault by invoking its function (they hold no right on the My Number
# table or key): {"action": STORE_ACTION, "actor": {staff_id, terminal_id, purpose}, "items": [[person_id,
# number], ...]} → {"my_numbers": {result: count}}. Chunked so a payload stays far below Lambda's 6 MB.
STORE_ACTION = "store_my_numbers"
STORE_CHUNK = 500


class HandOverRefused(ValueError):
    """A hand-over whose actor is no run (the message names the action, never a number)."""


def hand_over_actor(event: dict[str, Any], action: str) -> Actor:
    """The actor of a hand-over by direct invocation: a run's (`system:<workflow>` and its run id), never a member
    of staff's — the payload proves no one's identity, so a staff id there would let whoever may invoke the vault
    store or forget numbers as that member (their id the source identity in CloudTrail and in the record). Staff
    store numbers at the private API, as their login session."""
    from kokuho.access.data_role import SYSTEM_PREFIX

    given = event["actor"]
    actor = Actor(str(given["staff_id"]), str(given["terminal_id"]), str(given["purpose"]))
    if not actor.staff_id.startswith(SYSTEM_PREFIX):
        raise HandOverRefused(f"{action}: a hand-over is a run's (actor system:<workflow>), never a member of staff's: "
                         "staff act through the private API")
    return actor


def store_many(event: dict[str, Any]) -> dict[str, Any]:
    """The vault function's side of STORE_ACTION (validated; the error never names a number)."""
    try:
        actor = hand_over_actor(event, STORE_ACTION)
        items = [(str(pid), str(number)) for pid, number in event["items"]]
    except HandOverRefused:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError("store_my_numbers: needs actor {staff_id, terminal_id, purpose} and items "
                         "[[person_id, my_number], ...]") from exc
    return {"my_numbers": vault().store_many(items, actor)}


# The retention run hands the vault the persons it removed from the file (their numbers go with them):
# {"action": FORGET_ACTION, "actor": {staff_id, terminal_id, purpose}, "persons": [person_id, ...]}
# → {"forgotten": count}.
FORGET_ACTION = "forget_my_numbers"


def forget_many(event: dict[str, Any]) -> dict[str, Any]:
    """The vault function's side of FORGET_ACTION (validated)."""
    try:
        actor = hand_over_actor(event, FORGET_ACTION)
        persons = [str(p) for p in event["persons"]]
    except HandOverRefused:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError("forget_my_numbers: needs actor {staff_id, terminal_id, purpose} and persons "
                         "[person_id, ...]") from exc
    return {"forgotten": vault().forget(persons, actor)}


def forget_through_vault(person_ids: list[str], actor: Actor, invoke: Any) -> int:
    """The caller's side: `invoke(payload) -> response dict` reaches the vault function."""
    gone = 0
    for first in range(0, len(person_ids), STORE_CHUNK):
        out = invoke({"action": FORGET_ACTION, "persons": person_ids[first:first + STORE_CHUNK],
                      "actor": {"staff_id": actor.staff_id, "terminal_id": actor.terminal_id,
                                "purpose": actor.purpose}})
        gone += int(dict(out)["forgotten"])
    return gone


def store_through_vault(items: list[tuple[str, str]], actor: Actor, invoke: Any) -> dict[str, int]:
    """The caller's side: `invoke(payload) -> response dict` reaches the vault function."""
    counts: dict[str, int] = {}
    for first in range(0, len(items), STORE_CHUNK):
        out = invoke({"action": STORE_ACTION, "items": [list(i) for i in items[first:first + STORE_CHUNK]],
                      "actor": {"staff_id": actor.staff_id, "terminal_id": actor.terminal_id,
                                "purpose": actor.purpose}})
        for result, n in dict(out["my_numbers"]).items():
            counts[result] = counts.get(result, 0) + int(n)
    return counts


def store_my_number(person_id: str, number: str, actor: Actor) -> StoreResult:
    """Store a person's My Number: "stored", "unchanged" (same number again) or "review" (held)."""
    return vault().store(person_id, number, actor)


def find_person_by_my_number(number: str, actor: Actor) -> str | None:
    """The internal id of the person holding this number, or None."""
    return vault().find(number, actor)


def reveal_my_number(person_id: str, actor: Actor) -> str:
    """The number itself: only under an active reveal grant naming `actor.purpose`; always recorded."""
    return vault().reveal(person_id, actor)


__all__ = [
    "CATEGORY", "InvalidMyNumber", "ReviewEntry", "RevealDenied", "StoreResult", "VaultError", "Vault",
    "store_my_number", "find_person_by_my_number", "reveal_my_number", "reset_vault", "vault",
]
