"""The pynamodb adapter of the My Number vault's store port (kokuho.identity.vault_ports.VaultStore).

Items (table "mynumber"):
- pk PERSON#<person_id>, sk CURRENT: encrypted number, keyed hash; gsi1 MNH#<hash> / <person_id>.
- pk MNH#<hash>, sk HOLDER: the claim of the person holding that number (put only if absent, in the
  number's own transaction): two persons cannot both hold one number, and the holders of many numbers
  are one BatchGetItem (an intake of thousands looks them up a hundred a request, not one Query each).
- pk REVIEW, sk <person_id>#<hash>: a candidate held for review (encrypted like the number).
- pk KEY#HMAC, sk v1: the KMS-encrypted HMAC secret (kokuho.identity.keyed_hash); `claims` = "v1" when
  every number stored has its claim (the secret was created with claims: no number can be stored before
  it; a vault holding numbers from before claims has no `claims` and is looked up number by number).
"""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from kokuho.access.actor import Actor
from kokuho.access.records import record_access
from kokuho.identity.vault_ports import CATEGORY, ReviewItem, Sealed, StoredNumber, VaultConflict
from kokuho.records.base import Gsi1, TableModel, connection, table_meta, transaction
from kokuho.records.qualification import MY_NUMBER_ON_FILE, MyNumberOnFileModel, person_pk


class MyNumberModel(TableModel):
    Meta = table_meta("mynumber")

    person_id = UnicodeAttribute()
    ciphertext = UnicodeAttribute()
    nonce = UnicodeAttribute()
    encrypted_data_key = UnicodeAttribute()
    stored_at = UnicodeAttribute()
    stored_by = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_hash = Gsi1["MyNumberModel"]()


class ReviewModel(TableModel):
    """A My Number candidate held on the review list (確認リスト)."""

    Meta = table_meta("mynumber")

    person_id = UnicodeAttribute()
    reason = UnicodeAttribute()  # "different_number" | "held_by_another_person"
    ciphertext = UnicodeAttribute()
    nonce = UnicodeAttribute()
    encrypted_data_key = UnicodeAttribute()
    found_at = UnicodeAttribute()
    found_by = UnicodeAttribute()
    status = UnicodeAttribute(default="open")


class ClaimModel(TableModel):
    """A keyed hash claimed by the person holding that number."""

    Meta = table_meta("mynumber")

    person_id = UnicodeAttribute()


class HmacSecretModel(TableModel):
    """The keyed hash's secret, encrypted under the My Number key (kokuho.identity.keyed_hash)."""

    Meta = table_meta("mynumber")

    encrypted_secret = UnicodeAttribute()  # base64 KMS ciphertext blob
    key_id = UnicodeAttribute()
    claims = UnicodeAttribute(null=True)  # CLAIMS_VERSION: every number stored has its claim


HMAC_PK = "KEY#HMAC"
HMAC_SK = "v1"
CLAIM_SK = "HOLDER"
CLAIMS_VERSION = "v1"


class PynamoHmacSecretStore:
    """kokuho.identity.keyed_hash.SecretStore on the "mynumber" table."""

    def get(self) -> str | None:
        try:
            return str(HmacSecretModel.get(HMAC_PK, HMAC_SK, consistent_read=True).encrypted_secret)
        except HmacSecretModel.DoesNotExist:
            return None

    def put_once(self, encrypted: str, key_id: str) -> bool:
        try:
            # created before any number (a number is stored by its keyed hash): every number has a claim
            HmacSecretModel(HMAC_PK, HMAC_SK, encrypted_secret=encrypted, key_id=key_id,
                            claims=CLAIMS_VERSION).save(condition=HmacSecretModel.pk.does_not_exist())
        except PutError:
            return False
        return True


def _pk(person_id: str) -> str:
    return f"PERSON#{person_id}"


def _claim_pk(digest: str) -> str:
    return f"MNH#{digest}"


def _add_number(tx: TransactWrite, item: StoredNumber) -> None:
    """The number (only if the person holds none), its claim (only if nobody holds that number) and the
    qualification file's "on file" mark — the file learns only THAT a number is held."""
    tx.save(_model(item), condition=MyNumberModel.pk.does_not_exist())
    tx.save(ClaimModel(_claim_pk(item.digest), CLAIM_SK, person_id=item.person_id),
            condition=ClaimModel.pk.does_not_exist())
    tx.save(MyNumberOnFileModel(person_pk(item.person_id), MY_NUMBER_ON_FILE))


def _model(item: StoredNumber) -> MyNumberModel:
    return MyNumberModel(
        _pk(item.person_id), "CURRENT", person_id=item.person_id, ciphertext=item.sealed.ciphertext,
        nonce=item.sealed.nonce, encrypted_data_key=item.sealed.encrypted_data_key, stored_at=item.stored_at,
        stored_by=item.stored_by, gsi1pk=f"MNH#{item.digest}", gsi1sk=item.person_id,
    )


class PynamoVaultStore:
    def current(self, person_id: str) -> StoredNumber | None:
        try:
            m = MyNumberModel.get(_pk(person_id), "CURRENT", consistent_read=True)
        except MyNumberModel.DoesNotExist:
            return None
        return StoredNumber(m.person_id, m.gsi1pk.removeprefix("MNH#"),
                            Sealed(m.ciphertext, m.nonce, m.encrypted_data_key), m.stored_at, m.stored_by)

    def has_number(self, person_id: str) -> bool:
        try:
            MyNumberModel.get(_pk(person_id), "CURRENT", attributes_to_get=["pk"])
            return True
        except MyNumberModel.DoesNotExist:
            return False

    def holders(self, digest: str, limit: int | None = None) -> list[str]:
        return [m.person_id for m in MyNumberModel.by_hash.query(f"MNH#{digest}", limit=limit)]

    def claims_complete(self) -> bool:
        try:
            return HmacSecretModel.get(HMAC_PK, HMAC_SK, consistent_read=True).claims == CLAIMS_VERSION
        except HmacSecretModel.DoesNotExist:
            return True  # no secret yet: no number stored yet, every one to come is claimed

    def claimed(self, digests: Sequence[str]) -> dict[str, str]:
        keys = [(_claim_pk(d), CLAIM_SK) for d in dict.fromkeys(digests)]  # a request a hundred (pynamodb)
        return {m.pk.removeprefix("MNH#"): m.person_id for m in ClaimModel.batch_get(keys, consistent_read=True)}

    def currents(self, person_ids: Sequence[str]) -> dict[str, StoredNumber]:
        keys = [(_pk(p), "CURRENT") for p in dict.fromkeys(person_ids)]
        return {m.person_id: StoredNumber(m.person_id, m.gsi1pk.removeprefix("MNH#"),
                                          Sealed(m.ciphertext, m.nonce, m.encrypted_data_key), m.stored_at,
                                          m.stored_by)
                for m in MyNumberModel.batch_get(keys)} if keys else {}

    def put_currents(self, items: Sequence[StoredNumber], actor: Actor, *, chain: str | None = None) -> None:
        try:
            with transaction() as tx:
                for item in items:
                    _add_number(tx, item)
                record_access(actor, [i.person_id for i in items], CATEGORY, "store", chain=chain, transaction=tx)
        except (TransactWriteError, PutError) as exc:
            raise VaultConflict("a person's number or the access chain moved") from exc

    def put_current(self, item: StoredNumber, actor: Actor) -> None:
        try:
            with transaction() as tx:
                _add_number(tx, item)
                record_access(actor, [item.person_id], CATEGORY, "store", transaction=tx)
        except (TransactWriteError, PutError) as exc:
            raise VaultConflict("the person's number or access chain moved") from exc

    def review_exists(self, person_id: str, digest: str) -> bool:
        try:
            ReviewModel.get("REVIEW", f"{person_id}#{digest}", consistent_read=True)
            return True
        except ReviewModel.DoesNotExist:
            return False

    def put_review(self, item: ReviewItem, actor: Actor) -> None:
        entry = ReviewModel(
            "REVIEW", f"{item.person_id}#{item.digest}", person_id=item.person_id, reason=item.reason,
            ciphertext=item.sealed.ciphertext, nonce=item.sealed.nonce,
            encrypted_data_key=item.sealed.encrypted_data_key, found_at=item.found_at, found_by=item.found_by,
        )
        try:
            with transaction() as tx:
                tx.save(entry, condition=ReviewModel.pk.does_not_exist())
                record_access(actor, [item.person_id], CATEGORY, "store", result="review", transaction=tx)
        except (TransactWriteError, PutError) as exc:
            raise VaultConflict("the review entry or access chain moved") from exc

    def review_list(self, limit: int) -> list[ReviewItem]:
        return [ReviewItem(r.person_id, r.sk.partition("#")[2], r.reason,
                           Sealed(r.ciphertext, r.nonce, r.encrypted_data_key), r.found_at, r.found_by, r.status)
                for r in ReviewModel.query("REVIEW", limit=limit)]

    def forget(self, person_ids: Sequence[str], actor: Actor) -> int:
        gone = 0
        for person_id in person_ids:
            current = self.current(person_id)
            reviews = [r for r in ReviewModel.query("REVIEW", ReviewModel.sk.startswith(f"{person_id}#"),
                                                    consistent_read=True)]
            if current is None and not reviews:
                continue
            with TransactWrite(connection=connection()) as tx:
                if current is not None:
                    tx.delete(MyNumberModel(_pk(person_id), "CURRENT"))
                    tx.delete(ClaimModel(_claim_pk(current.digest), CLAIM_SK),
                              condition=ClaimModel.person_id == person_id)
                    tx.delete(MyNumberOnFileModel(person_pk(person_id), MY_NUMBER_ON_FILE))
                for r in reviews:
                    tx.delete(ReviewModel(r.pk, r.sk))
                record_access(actor, [person_id], CATEGORY, "forget", transaction=tx)
            gone += current is not None
        return gone

    def record(self, actor: Actor, subject_ids: list[str], operation: str, result: str = "ok") -> None:
        # on its own (reads, refusals): record_access retries a concurrent append to the same chain
        record_access(actor, subject_ids, CATEGORY, operation, result=result, attempts=8)
