"""What every pynamodb model shares: table names and region from kokuho.platform.tables, the tables'
generic keys (pk/sk, gsi1pk/gsi1sk, gsi2pk/gsi2sk), the container's connection and its transactions, and
how an adapter names the access records of what it reads."""

from __future__ import annotations

import base64
import json
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.exceptions import AttributeNullError, PutError, TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from kokuho.platform import request_credentials  # noqa: F401 (at import: before any client exists)
from kokuho.platform.tables import GSI1, GSI2, aws_region, table

_M = TypeVar("_M", bound=Model)

_connection_lock = threading.Lock()
_connection: Connection | None = None


class CompactJSONAttribute(JSONAttribute):
    """JSON without the blanks after separators and with kana/kanji as UTF-8, not `\\uXXXX` escapes: an
    item's size is what DynamoDB bills by the KB (a version document shrank by a third). Reads any JSON."""

    def serialize(self, value: Any) -> str | None:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class CompressedJSONAttribute(CompactJSONAttribute):
    """Compact JSON, deflated (zlib) and base64-encoded with a `z:` prefix: a household's case or an
    assessment version is written by the million, and DynamoDB bills each by the KB of the item (and of
    each index entry): a case of 680 bytes of JSON stores in about 350. DynamoDB's own advice for large
    attribute values (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-use-s3-too.html
    : compress them). A string, not binary: no path of the embedded AWS's serialiser is slower for it.
    Reads plain JSON as well (an item written before)."""

    PREFIX = "z:"

    def serialize(self, value: Any) -> str | None:
        text = super().serialize(value)
        if text is None:
            return None
        return self.PREFIX + base64.b64encode(zlib.compress(text.encode("utf-8"), 6)).decode("ascii")

    def deserialize(self, value: str) -> Any:
        if value.startswith(self.PREFIX):
            value = zlib.decompress(base64.b64decode(value[len(self.PREFIX):])).decode("utf-8")
        return super().deserialize(value)


def region() -> str:
    return aws_region()


def connection() -> Connection:
    """The one pynamodb Connection of the container, for transactions: creating one builds a botocore
    client (~0.25 s of CPU, it loads the service model), so a new one per call would dominate latency."""
    global _connection
    with _connection_lock:
        if _connection is None:
            _connection = Connection(region=region())
        return _connection


def reset_connection() -> None:
    """Drop the container's connection: a new environment (credentials, endpoint, event hooks) builds the
    next one."""
    global _connection
    with _connection_lock:
        _connection = None


def transaction() -> TransactWrite:
    """A write transaction on the container's one connection."""
    return TransactWrite(connection=connection())


@contextmanager
def transaction_or(conflict: Callable[[str], Exception]) -> Iterator[TransactWrite]:
    """A write transaction whose refusal (a condition failed, a conflicting write) is raised as the port's
    `conflict` (its WriteConflict), so the use case never sees a pynamodb exception."""
    try:
        with transaction() as tx:
            yield tx
    except (TransactWriteError, PutError) as exc:
        raise conflict(str(exc)) from exc


def table_meta(logical: str) -> Any:
    """A pynamodb `Meta` for the table of that logical name (name from the environment, else default)."""
    spec = table(logical)
    _region = region()

    class Meta:
        table_name = spec.name()
        region = _region

    return Meta


# Attribute classes whose value pynamodb reads back as stored (no __get__ of their own but VersionAttribute's,
# which gives a float as an int: its serialize does too) and serializes without the container's check for a map:
# a model made only of these takes TableModel.serialize's short path. A list is serialized with `null_check`, as
# pynamodb's container does.
_PLAIN_ATTRIBUTES = (UnicodeAttribute, NumberAttribute, BooleanAttribute, JSONAttribute, CompactJSONAttribute,
                     CompressedJSONAttribute, VersionAttribute, ListAttribute)
# python name, attribute, stored name, type, nullable, a list
_SerializePlan = list[tuple[str, Any, str, str, bool, bool]]
_serialize_plans: dict[type, _SerializePlan | None] = {}


def _serialize_plan(cls: type[Model]) -> _SerializePlan | None:
    if cls not in _serialize_plans:
        attributes = cls.get_attributes()
        _serialize_plans[cls] = None if any(type(a) not in _PLAIN_ATTRIBUTES for a in attributes.values()) else [
            (name, a, a.attr_name, a.attr_type, bool(a.null), type(a) is ListAttribute)
            for name, a in attributes.items()]
    return _serialize_plans[cls]


class TableModel(Model):
    """An item of one of the house's tables: its generic keys pk (hash) and sk (range), as
    kokuho.platform.tables defines every table. A model adds its `Meta = table_meta(<logical>)`."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)

    def serialize(self, null_check: bool = True) -> dict[str, dict[str, Any]]:
        """pynamodb's serialization, the same dict; for a model of plain attributes (_PLAIN_ATTRIBUTES) without
        its per-attribute descriptor read and map/list checks: every item written goes through here, and those
        were ≈ 3/4 of its cost (a five-attribute search key: 12.4 → 3.1 µs)."""
        plan = _serialize_plan(type(self))
        if plan is None:
            return super().serialize(null_check=null_check)
        values = self.attribute_values
        out: dict[str, dict[str, Any]] = {}
        for name, attribute, stored, kind, nullable, listed in plan:
            value = values.get(name)
            if value is not None:
                if isinstance(value, MapAttribute):  # pynamodb validates a map first: its own path
                    return super().serialize(null_check=null_check)
                if listed:
                    try:
                        serialized = attribute.serialize(value, null_check=null_check)
                    except AttributeNullError as e:  # as pynamodb's container names the list
                        e.prepend_path(name)
                        raise
                else:
                    serialized = attribute.serialize(value)
                if serialized is not None:
                    out[stored] = {kind: serialized}
                    continue
            if null_check and not nullable:
                raise AttributeNullError(name)
        return out


class Gsi1(GlobalSecondaryIndex[_M]):
    """Index gsi1 of kokuho.platform.tables (gsi1pk/gsi1sk, every attribute projected); the model declares
    gsi1pk and gsi1sk itself (null where only some of its items are in the index)."""

    class Meta:
        index_name = GSI1.name
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class Gsi2(GlobalSecondaryIndex[_M]):
    """Index gsi2 of kokuho.platform.tables (gsi2pk/gsi2sk), as Gsi1."""

    class Meta:
        index_name = GSI2.name
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class RecordsAccess:
    """What a DynamoDB adapter of a port shares: the access-record writer (kokuho.access.records by default;
    a test passes another) and reads recorded `SUBJECTS_PER_RECORD` persons to an access record."""

    CATEGORY = ""  # the access records' category (e.g. 収納情報): set by each adapter
    SUBJECTS_PER_RECORD = 100

    def __init__(self, record_access: Any = None) -> None:
        if record_access is None:
            from kokuho.access.records import record_access as default

            record_access = default
        self._record_access = record_access

    def record_reads(self, subject_ids: Sequence[str], *, actor: Any, chain: str) -> None:
        for first in range(0, len(subject_ids), self.SUBJECTS_PER_RECORD):
            self._record_access(actor, list(subject_ids[first:first + self.SUBJECTS_PER_RECORD]), self.CATEGORY,
                                "read", chain=chain)
