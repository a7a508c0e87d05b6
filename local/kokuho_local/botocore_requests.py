"""A DynamoDB request's body without botocore's walk, inside `embedded_aws()` only (patch 29).

29. botocore builds a JSON request's body by walking its parameters against the operation's model shape,
    member by member, copying each into a new dict (kokuho_local.botocore_paths 20 already takes a plain
    attribute value as it is; the walk of the request, its items and their attribute maps was left):
    ≈ 6 % of the demo city's intake (py-spy, 2026-12-02), its transactions' ≈ 100 items each. For DynamoDB's
    JSON protocol that walk copies every value unchanged except a blob (base64), a timestamp and a float, and
    renames no member. So a request whose every member is one its input shape declares, holding no such
    value — no attribute value holding a binary (B, BS: its JSON is searched for one) — has the
    body `json.dumps(parameters)`: the same bytes, key for key in the same order. Anything else (a binary
    value, a member the shape does not declare — botocore's own KeyError —, another type) goes through
    botocore's walk as before. Only the DynamoDB service's requests are looked at.

Local only, like botocore_paths: the layer never imports it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_GUARD = "tests/integration/test_botocore_requests.py::"
PATCHES: dict[str, str] = {
    "botocore.serialize.JSONSerializer.serialize_to_request":
        "botocore walks every member of every DynamoDB request against its shape to copy it unchanged; a request "
        "of declared members and plain values is dumped as it is (29); "
        + _GUARD + "test_a_plain_request_is_serialized_alike_without_the_walk",
}

DYNAMODB_TARGET = "DynamoDB_20120810"  # the service's targetPrefix (X-Amz-Target): its requests only
ATTRIBUTE_VALUE = "AttributeValue"
# Shapes botocore's JSON serializer copies as they are (_default_serialize); blob, timestamp, float and double
# it converts, so an operation whose input holds one (besides an attribute value's B and BS) is walked.
_AS_IS_TYPES = frozenset({"string", "integer", "long", "boolean"})
BINARY_VALUE = re.compile(rb'"BS?"\s*:')  # an attribute value's B or BS — or a name or a string that reads so
_PLAIN_OPERATIONS: dict[str, bool] = {}


def _convertible(shape: Any, seen: frozenset[str] = frozenset()) -> bool:
    """Whether botocore's walk changes anything under `shape` besides an attribute value's binary members."""
    if shape.name in seen or shape.name == ATTRIBUTE_VALUE:
        return False
    seen |= {shape.name}
    kind = shape.type_name
    if kind == "structure":
        return any("name" in m.serialization or _convertible(m, seen) for m in shape.members.values())
    if kind == "map":
        return _convertible(shape.value, seen)
    if kind == "list":
        return _convertible(shape.member, seen)
    return kind not in _AS_IS_TYPES


def plain_operation(operation_model: Any) -> bool:
    """A DynamoDB operation whose requests the walk copies unchanged but for attribute values' binaries."""
    name = operation_model.name
    if name not in _PLAIN_OPERATIONS:
        shape = operation_model.input_shape
        _PLAIN_OPERATIONS[name] = (operation_model.metadata.get("targetPrefix") == DYNAMODB_TARGET
                                   and shape is not None and not _convertible(shape))
    return _PLAIN_OPERATIONS[name]


def declared(value: Any, shape: Any) -> bool:
    """Whether every member of a structure in `value` is one its shape declares (botocore's walk raises
    KeyError on another), down to the attribute values, which are not walked here (BINARY_VALUE reads them)."""
    kind = shape.type_name
    if kind == "structure":
        if shape.name == ATTRIBUTE_VALUE or shape.is_document_type:
            return True
        if type(value) is not dict:
            return False
        members = shape.members
        for name, member in value.items():
            inner = members.get(name)
            if inner is None or not declared(member, inner):
                return False
        return True
    if kind == "map":
        inner = shape.value
        return type(value) is dict and (inner.name == ATTRIBUTE_VALUE or inner.type_name in _AS_IS_TYPES
                                        or all(declared(v, inner) for v in value.values()))
    if kind == "list":
        inner = shape.member
        return type(value) is list and (inner.name == ATTRIBUTE_VALUE or inner.type_name in _AS_IS_TYPES
                                        or all(declared(v, inner) for v in value))
    return True


@contextmanager
def patched_requests() -> Iterator[None]:
    from botocore.serialize import JSONSerializer

    original = JSONSerializer.serialize_to_request

    def serialize_to_request(self: Any, parameters: Any, operation_model: Any) -> Any:
        if (type(self) is not JSONSerializer or not plain_operation(operation_model)
                or not declared(parameters, operation_model.input_shape)):
            return original(self, parameters, operation_model)
        try:
            body = json.dumps(parameters).encode(self.DEFAULT_ENCODING)
        except (TypeError, ValueError):  # bytes, a datetime, a Decimal…: botocore's walk (and its error)
            return original(self, parameters, operation_model)
        if BINARY_VALUE.search(body):
            return original(self, parameters, operation_model)
        metadata = operation_model.metadata
        # botocore's serialize_to_request, its body the parameters as they are (the walk would copy them)
        serialized = self._create_default_request()
        serialized["method"] = operation_model.http.get("method", self.DEFAULT_METHOD)
        serialized["headers"] = {
            "X-Amz-Target": f"{metadata['targetPrefix']}.{operation_model.name}",
            "Content-Type": f"application/x-amz-json-{metadata['jsonVersion']}",
        }
        self._handle_query_compatible_trait(operation_model, serialized)
        serialized["body"] = body
        host_prefix = self._expand_host_prefix(parameters, operation_model)
        if host_prefix is not None:
            serialized["host_prefix"] = host_prefix
        return serialized

    JSONSerializer.serialize_to_request = serialize_to_request  # type: ignore[method-assign]
    try:
        yield
    finally:
        JSONSerializer.serialize_to_request = original  # type: ignore[method-assign]
