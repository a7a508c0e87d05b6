"""Patch 29 (kokuho_local.botocore_requests): a DynamoDB request of declared members and plain values is dumped
as it is — the request botocore makes, byte for byte, without its walk; anything else is botocore's own walk
(and its own error). Cost is shown by what botocore walks, never by timing."""

from __future__ import annotations

import base64
from contextlib import nullcontext
from decimal import Decimal
from typing import Any

import botocore.session
import pytest
from botocore.serialize import JSONSerializer, create_serializer
from botocore_counting import counting, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from kokuho_local.botocore_requests import PATCHES, patched_requests, plain_operation
from kokuho_local.embedded import embedded_aws

_DYNAMODB = botocore.session.get_session().get_service_model("dynamodb")

_SCALARS = st.one_of(
    st.builds(lambda s: {"S": s}, st.text(max_size=8)),
    st.builds(lambda n: {"N": str(n)}, st.integers()),
    st.builds(lambda b: {"BOOL": b}, st.booleans()),
    st.just({"NULL": True}),
    st.builds(lambda v: {"SS": v}, st.lists(st.text(max_size=4), min_size=1, max_size=3, unique=True)),
    st.builds(lambda b: {"B": b}, st.binary(max_size=6)),  # binary: botocore's own walk (base64)
    st.builds(lambda b: {"B": b}, st.text(max_size=6)),  # a str as a binary: botocore base64-encodes it too
)
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.builds(lambda v: {"L": v}, st.lists(inner, max_size=3)),
    st.builds(lambda v: {"M": v}, st.dictionaries(st.text(max_size=5), inner, max_size=3))), max_leaves=10)
_ITEMS = st.dictionaries(st.sampled_from(["pk", "sk", "a", "b", "B"]), _VALUES, min_size=1, max_size=4)


def _serialized(params: dict[str, Any], operation: str, *, patched: bool) -> tuple[dict[str, Any], int]:
    """The request botocore makes of `params` (patch 29 on or off), and how many values its walk walked; without
    validation, as pynamodb's client serializes (parameter_validation=False)."""
    serializer, model = create_serializer("json", include_validation=False), _DYNAMODB.operation_model(operation)
    with counting(JSONSerializer, "_serialize") as calls, patched_requests() if patched else nullcontext():
        out = serializer.serialize_to_request(params, model)
    return out, calls[0]


@settings(max_examples=80, deadline=None)
@given(st.lists(_ITEMS, min_size=1, max_size=4))
def test_a_plain_request_is_serialized_alike_without_the_walk(items: list[dict[str, Any]]) -> None:
    params = transaction(items, ClientRequestToken="t-1")
    plain, _ = _serialized(params, "TransactWriteItems", patched=False)
    fast, walked = _serialized(params, "TransactWriteItems", patched=True)
    assert fast == plain  # method, headers, url, query string, body: the same bytes
    if b'"B' not in plain["body"]:
        assert walked == 0


def test_reads_and_writes_alike_and_unwalked() -> None:
    key = {"pk": {"S": "PERSON#A1"}, "sk": {"S": "PROFILE"}}
    requests: dict[str, dict[str, Any]] = {
        "GetItem": {"TableName": "t", "Key": key, "ConsistentRead": True},
        "BatchGetItem": {"RequestItems": {"t": {"Keys": [key] * 3, "ConsistentRead": True}}},
        "Query": {"TableName": "t", "IndexName": "gsi1", "KeyConditionExpression": "#p = :p",
                  "ExpressionAttributeNames": {"#p": "gsi1pk"}, "ExpressionAttributeValues": {":p": {"S": "K"}},
                  "Limit": 20, "ExclusiveStartKey": key, "ScanIndexForward": False},
        "PutItem": {"TableName": "t", "Item": {**key, "m": {"M": {"l": {"L": [{"N": "1"}, {"NULL": True}]}}}}},
        "UpdateItem": {"TableName": "t", "Key": key, "UpdateExpression": "SET #a = :a",
                       "ExpressionAttributeNames": {"#a": "a"}, "ExpressionAttributeValues": {":a": {"SS": ["x"]}},
                       "ReturnValues": "ALL_NEW"},
    }
    for operation, params in requests.items():
        plain, walked_plain = _serialized(params, operation, patched=False)
        fast, walked = _serialized(params, operation, patched=True)
        assert fast == plain, operation
        assert walked_plain > 3 and walked == 0, operation


def test_a_binary_value_and_an_undeclared_member_go_through_botocores_walk() -> None:
    binary = {"TransactItems": [{"Put": {"TableName": "t", "Item": {"pk": {"S": "P"}, "blob": {"B": b"\x00\x01"}}}}],
              "ClientRequestToken": "t-1"}
    plain, _ = _serialized(binary, "TransactWriteItems", patched=False)
    fast, walked = _serialized(binary, "TransactWriteItems", patched=True)
    assert fast == plain and walked > 0
    assert base64.b64encode(b"\x00\x01") in fast["body"]
    # a member the shape does not declare: botocore's own KeyError, as without the patch
    for params in ({"TableName": "t", "Key": {"pk": {"S": "P"}}, "Consistent": True},
                   {"TransactItems": [{"Put": {"TableName": "t", "Item": {}, "Conditon": "x"}}]}):
        operation = "GetItem" if "Key" in params else "TransactWriteItems"
        with pytest.raises(KeyError):
            _serialized(params, operation, patched=False)
        with pytest.raises(KeyError):
            _serialized(params, operation, patched=True)
    # a value JSON cannot hold: botocore's walk and its own error
    with pytest.raises(TypeError):
        _serialized({"TableName": "t", "Key": {"pk": {"N": Decimal("1")}}}, "GetItem", patched=True)


def test_only_dynamodbs_operations_without_converted_members() -> None:
    assert plain_operation(_DYNAMODB.operation_model("TransactWriteItems"))
    assert plain_operation(_DYNAMODB.operation_model("Query"))
    assert not plain_operation(_DYNAMODB.operation_model("RestoreTableToPointInTime"))  # a timestamp
    assert not plain_operation(_DYNAMODB.operation_model("UpdateGlobalTableSettings"))  # a double
    kms = botocore.session.get_session().get_service_model("kms")
    assert not plain_operation(kms.operation_model("Encrypt"))


def test_the_patch_is_the_embedded_aws_and_restored_after() -> None:
    before = {name: JSONSerializer.__dict__[name.rsplit(".", 1)[1]] for name in PATCHES}
    with embedded_aws():
        assert all(JSONSerializer.__dict__[name.rsplit(".", 1)[1]] is not before[name] for name in PATCHES)
    assert {name: JSONSerializer.__dict__[name.rsplit(".", 1)[1]] for name in PATCHES} == before
    for why in PATCHES.values():
        reason, _, guard = why.rpartition("tests/")
        assert len(reason) > 40 and f"def {guard.partition('::')[2]}(" in open(__file__, encoding="utf-8").read()
