"""The NHI file's search index on the "qualification" table, its keys keyed hashes
(kokuho.qualification.search_tokens: what is hashed, and why; docs/search_index.md: the trade-off).

Items:
- PERSON#<id> / IDX#<kind>          a person's exact tokens on gsi1 (kokuho.records.qualification.SearchKeyModel):
                                    BIRTH#<h>, KANA#<h> (whole kana), POSTAL#<h> (postal + address), each with
                                    gsi1sk = the person id
- PERSON#<id> / PROFILE             RES#<h> (住民コード): the profile itself on gsi1 (gsi1sk = the person id), an
                                    item fewer a person; a person indexed before has it as IDX#RES, removed by
                                    their next change (`LEGACY_RESIDENT_KEY`) or by `reindex`, found once meanwhile
- KANADIR#<h(prefix)> / KANA#<h>    directory: a distinct kana name under its first 1..4 letters (`value`)
- ADDRDIR#<h(postal)> / POSTAL#<h>  directory: a distinct address under its postal code (`value`)
- KEY#SEARCHINDEX / v1              the search-index secret, wrapped by the personal-data key (KMS
                                    GenerateDataKey, encryption context SEARCH_CONTEXT), created on first write

Directory entries are written by the transaction that indexes a person, only those not there yet (read
first: a hot prefix is written only when a name or an address is new to it, so concurrent registrations
seldom touch the same item), and never deleted on a change: an entry nobody holds any more leads a search
to an empty partition, never to a wrong person. `reindex` rebuilds the
index and the directories from the profiles (the migration of an index written in clear, and the clean-up).
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PutError

from kokuho.identity.keyed_hash import load_or_create_secret, open_secret
from kokuho.qualification.model import Person, normalize_kana
from kokuho.qualification.ports import SEARCH_INDEXES, InvalidPageToken, SearchPage
from kokuho.qualification.search_tokens import SearchTokens, kana_directory_prefix, kana_prefixes
from kokuho.records.base import TableModel, table_meta
from kokuho.records.qualification import SearchKeyModel, person_pk

SEARCH_CONTEXT = {"kokuho:use": "search-index-keyed-hash"}
SECRET_PK, SECRET_SK = "KEY#SEARCHINDEX", "v1"
_PERSON_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_HASHED = re.compile(r"[A-Z]{3,6}#[A-Za-z0-9_-]{10,64}")


class SearchSecretModel(TableModel):
    """The search index's HMAC secret, encrypted under the personal-data key."""

    Meta = table_meta("qualification")

    encrypted_secret = UnicodeAttribute()  # base64 KMS ciphertext blob
    key_id = UnicodeAttribute()


class DirectoryModel(TableModel):
    """A distinct name (address) under a hashed prefix (postal code): `value` is never a key."""

    Meta = table_meta("qualification")

    value = UnicodeAttribute()


class PynamoSearchSecretStore:
    """kokuho.identity.keyed_hash.SecretStore for the search-index secret."""

    def get(self) -> str | None:
        try:
            return str(SearchSecretModel.get(SECRET_PK, SECRET_SK, consistent_read=True).encrypted_secret)
        except SearchSecretModel.DoesNotExist:
            return None

    def put_once(self, encrypted: str, key_id: str) -> bool:
        try:
            SearchSecretModel(SECRET_PK, SECRET_SK, encrypted_secret=encrypted, key_id=key_id).save(
                condition=SearchSecretModel.pk.does_not_exist())
        except PutError:
            return False
        return True


_lock = threading.Lock()
_tokens: SearchTokens | None = None


def search_tokens(*, create: bool = True) -> SearchTokens | None:
    """The container's SearchTokens (the secret decrypted once). `create`: a writer generates the secret on
    the first write ever; a reader finding none gets None (nothing was indexed yet; a read-only role holds
    no kms:GenerateDataKey)."""
    global _tokens
    with _lock:
        if _tokens is None:
            import boto3

            from kokuho.platform.tables import DataClass, aws_region, key_alias

            kms = boto3.client("kms", region_name=aws_region())
            store = PynamoSearchSecretStore()
            if create:
                secret = load_or_create_secret(kms, key_alias(DataClass.PERSONAL), store, SEARCH_CONTEXT)
            else:
                encrypted = store.get()
                if encrypted is None:
                    return None
                secret = open_secret(kms, encrypted, SEARCH_CONTEXT)
            _tokens = SearchTokens(secret)
        return _tokens


def writer_tokens() -> SearchTokens:
    """The SearchTokens of a writer (the secret created on the first write ever)."""
    tokens = search_tokens(create=True)
    assert tokens is not None
    return tokens


def forget_secret() -> None:
    """Drop the container's secret (a new embedded AWS holds another one)."""
    global _tokens
    with _lock:
        _tokens = None


# -- writes

LEGACY_RESIDENT_KEY = "IDX#RES"  # the RES key's item of a person indexed before the profile carried it
PROFILE = "PROFILE"


def search_keys(tokens: SearchTokens, p: Person) -> list[SearchKeyModel]:
    """A person's three index items (their table keys are fixed: a change overwrites them); the fourth key is
    the profile's own (`profile_search_key`)."""
    pk = person_pk(p.person_id)
    keys = [("KANA", tokens.kana(normalize_kana(p.name_kana))), ("BIRTH", tokens.birth(p.birth_date.isoformat())),
            ("POSTAL", tokens.address(p.postal_code, p.address))]
    return [SearchKeyModel(pk, f"IDX#{kind}", person_id=p.person_id, gsi1pk=g1, gsi1sk=p.person_id)
            for kind, g1 in keys]


def profile_search_key(tokens: SearchTokens, p: Person) -> tuple[str, str]:
    """(gsi1pk, gsi1sk) of the person's profile: the RES search key (a 住民コード names the profile it finds)."""
    return tokens.resident(p.resident_code), p.person_id


def directory_items(tokens: SearchTokens, p: Person) -> list[DirectoryModel]:
    kana = normalize_kana(p.name_kana)
    name = tokens.kana(kana)
    items = [DirectoryModel(tokens.kana_directory(prefix), name, value=kana) for prefix in kana_prefixes(kana)]
    items.append(DirectoryModel(tokens.address_directory(p.postal_code), tokens.address(p.postal_code, p.address),
                                value=p.address))
    return items


# Within directories_read_once(): the entries read ahead (keys asked, keys found there or written since)
_read_ahead: ContextVar[tuple[set[tuple[str, str]], set[tuple[str, str]]] | None] = ContextVar(
    "kokuho_search_directories_read_ahead", default=None)


def _held(keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    return {(m.pk, m.sk) for m in DirectoryModel.batch_get(keys, attributes_to_get=["pk", "sk"])} if keys else set()


@contextmanager
def directories_read_once(persons: Iterable[Person]) -> Iterator[None]:
    """Within: the directory entries of `persons` are read here, at once (100 keys a BatchGetItem), and
    `missing_directory_items` answers for them from what was read and what commits wrote since
    (`directories_written`) — an intake file's one read instead of one a transaction. Entries are never
    deleted but by `reindex` (entries nobody holds: not one a person of the file is about to hold)."""
    tokens = writer_tokens()
    asked = {(m.pk, m.sk) for p in persons for m in directory_items(tokens, p)}
    token = _read_ahead.set((asked, _held(sorted(asked))))
    try:
        yield
    finally:
        _read_ahead.reset(token)


def missing_directory_items(persons: Iterable[Person]) -> list[DirectoryModel]:
    """The directory entries of these persons not written yet (one BatchGetItem, or none for entries read
    ahead): the transaction that indexes the persons writes them, so a hot prefix is written only when a name
    or address is new to it."""
    tokens = writer_tokens()
    items = {(m.pk, m.sk): m for p in persons for m in directory_items(tokens, p)}
    if not items:
        return []
    ahead = _read_ahead.get()
    asked, held = ahead if ahead is not None else (set(), set())
    held = held | _held([key for key in items if key not in asked])
    return [m for key, m in items.items() if key not in held]


def directories_written(items: Iterable[DirectoryModel]) -> None:
    """Entries a transaction committed: known there from now on, within directories_read_once()."""
    ahead = _read_ahead.get()
    if ahead is not None:
        ahead[1].update((m.pk, m.sk) for m in items)


# -- the search

def _token(doc: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode()


def _untoken(token: str | None) -> dict[str, str] | None:
    if not token:
        return None
    try:
        doc = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidPageToken("page_token is not a token this API issued") from exc
    if not isinstance(doc, dict) or set(doc) != {"q", "p", "a"} or not all(isinstance(v, str) for v in doc.values()) \
            or not _HASHED.fullmatch(doc["p"]) or not _PERSON_ID.fullmatch(doc["a"]) or len(doc["q"]) > 64:
        raise InvalidPageToken("page_token is not a token this API issued")
    return doc


def _directory(pk: str) -> list[tuple[str, str]]:
    """(value, exact token) of every entry of a directory."""
    return [(m.value, m.sk) for m in DirectoryModel.query(pk)]


def _partitions(tokens: SearchTokens, index: str, value: str, prefix: str | None) -> list[str]:
    """The exact partitions a search reads, in the order of its results."""
    if index == "RES":
        return [tokens.resident(value)]
    if index == "BIRTH":
        return [tokens.birth(value)]
    if index == "KANA":
        query = prefix or value
        entries = _directory(tokens.kana_directory(kana_directory_prefix(query)))
    else:  # POSTAL: the addresses under the postal code, those starting with the address prefix
        query = prefix or ""
        entries = _directory(tokens.address_directory(value))
    return [sk for name, sk in sorted(entries) if name.startswith(query)]


def search(index: str, value: str, prefix: str | None, limit: int, page_token: str | None) -> SearchPage:
    """QualificationStore.search: persons in the order of today's clear index — (kana, id), (address, id),
    or id for the exact searches —, `limit` a page; a full page carries a token (as DynamoDB's last key)."""
    if index not in SEARCH_INDEXES:
        raise ValueError(f"no search index {index}")
    start = _untoken(page_token)
    tokens = search_tokens(create=False)
    bound = tokens.search(index, value, prefix) if tokens is not None else ""
    if start is not None and start["q"] != bound:
        raise InvalidPageToken("page_token belongs to another search")
    if tokens is None:
        return SearchPage([], None)
    partitions = _partitions(tokens, index, value, prefix)
    at, after = 0, None
    if start is not None:
        if start["p"] not in partitions:
            raise InvalidPageToken("page_token belongs to another search")
        at, after = partitions.index(start["p"]), start["a"]
    ids: list[str] = []
    # the RES key is the profile's (a person indexed before may also have its own item, which sorts before the
    # profile: resuming after the profile passes both)
    sk = PROFILE if index == "RES" else f"IDX#{index}"
    for j in range(at, len(partitions)):
        pk = partitions[j]
        last = {"gsi1pk": {"S": pk}, "gsi1sk": {"S": after}, "pk": {"S": person_pk(after)},
                "sk": {"S": sk}} if after else None
        while True:  # a partition's page again when a person's two RES items took two places of it
            result = SearchKeyModel.by_key.query(pk, limit=limit - len(ids), last_evaluated_key=last)
            for k in result:
                if not ids or k.person_id != ids[-1]:  # a person's two RES items (the profile's, an older one) once
                    ids.append(k.person_id)
            last = result.last_evaluated_key
            if len(ids) >= limit or last is None:
                break
        after = None
        if len(ids) >= limit:
            more = last is not None or j + 1 < len(partitions)
            return SearchPage(ids, _token({"q": bound, "p": pk, "a": ids[-1]}) if more else None)
    return SearchPage(ids, None)


def find_by_resident_code(code: str) -> set[str]:
    """The persons indexed under a 住民コード (the intakes' look-up of a 宛名番号)."""
    tokens = search_tokens(create=False)
    if tokens is None:
        return set()
    return {k.person_id for k in SearchKeyModel.by_key.query(tokens.resident(code))}


# -- migration

def _set_profile_key(profile: Any, key: tuple[str, str]) -> None:
    """The RES key put on a profile as it was read (its version unchanged: no change of the person's, no
    history); a profile changed since carries its key already (every change writes it)."""
    from botocore.exceptions import ClientError

    from kokuho.records.base import connection

    try:
        connection().dispatch("UpdateItem", {
            "TableName": profile.Meta.table_name, "Key": {"pk": {"S": profile.pk}, "sk": {"S": profile.sk}},
            "UpdateExpression": "SET gsi1pk = :p, gsi1sk = :s", "ConditionExpression": "#v = :v",
            "ExpressionAttributeNames": {"#v": "version"},
            "ExpressionAttributeValues": {":p": {"S": key[0]}, ":s": {"S": key[1]},
                                          ":v": {"N": str(int(profile.version or 0))}}})
    except ClientError as exc:  # pynamodb's (a botocore ClientError): a condition refused is the one expected
        if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise

def reindex(say: Callable[[str], Any] | None = None,
            record: Callable[[list[str]], None] | None = None) -> dict[str, int]:
    """Rebuild the search index from the profiles: every person's index items and directory entries under
    the search-index secret, and directory entries nobody holds any more deleted. Idempotent; the way an
    index written before (clear values in its keys) is replaced — each item's table key is the same, so the
    clear keys are overwritten, never left beside the new ones. `record`: records the reading of these
    persons' profiles (kokuho.cli.qualification: their access records), before anything is written."""
    from kokuho.records.qualification import PersonModel, to_person

    tokens = writer_tokens()
    profiles = list(PersonModel.scan((PersonModel.sk == "PROFILE") & PersonModel.pk.startswith("PERSON#")))
    persons = [to_person(m) for m in profiles]
    if record is not None:
        record([p.person_id for p in persons])
    for profile, p in zip(profiles, persons, strict=True):
        if (profile.gsi1pk, profile.gsi1sk) != profile_search_key(tokens, p):
            _set_profile_key(profile, profile_search_key(tokens, p))
    keep: dict[tuple[str, str], Any] = {}
    with SearchKeyModel.batch_write() as batch:
        for p in persons:
            for item in search_keys(tokens, p):
                batch.save(item)
            batch.delete(SearchKeyModel(person_pk(p.person_id), LEGACY_RESIDENT_KEY))
            for d in directory_items(tokens, p):
                keep[(d.pk, d.sk)] = d
        for d in keep.values():
            batch.save(d)
    stale = [m for m in DirectoryModel.scan(DirectoryModel.pk.startswith("KANADIR#")
                                            | DirectoryModel.pk.startswith("ADDRDIR#"))
             if (m.pk, m.sk) not in keep]
    with DirectoryModel.batch_write() as batch:
        for m in stale:
            batch.delete(m)
    if say is not None:
        say(f"re-indexed {len(persons):,} persons: {len(keep):,} directory entries, {len(stale):,} stale removed")
    return {"persons": len(persons), "directory_entries": len(keep), "stale_removed": len(stale)}
