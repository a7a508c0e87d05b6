"""The embedded AWS's client-side fast paths (kokuho_local.botocore_paths, patches 20 and 21): each gives
botocore's own answer, byte for byte, and skips the walk it names. Cost is shown by what botocore walks,
never by timing."""

from __future__ import annotations

import base64
from contextlib import nullcontext
from typing import Any

import botocore.session
import jmespath
import pytest
from botocore.regions import EndpointRulesetResolver
from botocore.serialize import JSONSerializer, create_serializer
from botocore_counting import counting, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from kokuho_local import botocore_paths
from kokuho_local.botocore_paths import PATCHES, TRANSACT_TABLES, patched_botocore, transact_tables
from kokuho_local.embedded import embedded_aws

_SESSION = botocore.session.get_session()
_DYNAMODB = _SESSION.get_service_model("dynamodb")

_SCALARS = st.one_of(
    st.builds(lambda s: {"S": s}, st.text(max_size=8)),
    st.builds(lambda n: {"N": str(n)}, st.integers()),
    st.builds(lambda b: {"BOOL": b}, st.booleans()),
    st.just({"NULL": True}),
    st.builds(lambda v: {"SS": v}, st.lists(st.text(max_size=4), min_size=1, max_size=3, unique=True)),
    st.builds(lambda v: {"NS": v}, st.lists(st.integers().map(str), min_size=1, max_size=3, unique=True)),
    st.builds(lambda b: {"B": b}, st.binary(max_size=6)),  # binary: botocore's own walk (base64)
    st.builds(lambda v: {"BS": v}, st.lists(st.binary(max_size=4), min_size=1, max_size=2)),
)
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.builds(lambda v: {"L": v}, st.lists(inner, max_size=3)),
    st.builds(lambda v: {"M": v}, st.dictionaries(st.text(max_size=5), inner, max_size=3))), max_leaves=12)


def _serialized(params: dict[str, Any]) -> tuple[bytes, int]:
    """The request body botocore makes of `params`, and how many members and values it walked."""
    with counting(JSONSerializer, "_serialize") as calls:
        body = create_serializer("json").serialize_to_request(
            params, _DYNAMODB.operation_model("TransactWriteItems"))["body"]
    return bytes(body), calls[0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["pk", "sk", "a", "b", "c"]), _VALUES, min_size=1, max_size=4),
                min_size=1, max_size=4))
def test_a_plain_attribute_value_is_serialized_alike_without_its_shape(items: list[dict[str, Any]]) -> None:
    params = transaction(items)
    plain, _ = _serialized(params)
    with patched_botocore():
        fast, _ = _serialized(params)
    assert fast == plain


def test_the_serializer_walks_no_plain_value_and_still_encodes_a_binary_one() -> None:
    item = {"pk": {"S": "P#1"}, "sk": {"S": "HIST#1"}, "n": {"N": "12"}, "m": {"M": {
        "l": {"L": [{"S": "a"}, {"BOOL": True}, {"NULL": True}, {"SS": ["x", "y"]}]}}},
        "blob": {"B": b"\x00\x01"}}
    params = {"TransactItems": [{"Put": {"TableName": "t", "Item": item}}] * 10}
    plain, walked_plain = _serialized(params)
    with patched_botocore():
        fast, walked_fast = _serialized(params)
    assert fast == plain
    assert base64.b64encode(b"\x00\x01") in fast  # the binary value went through botocore's walk
    # botocore walks every value of every item and each value's members, the map's and the list's at every
    # level; the patch: the request's own members (entry, Put, TableName, Item, its five attributes) and the
    # binary value's member only
    assert walked_plain >= 10 * 25
    assert walked_fast <= 10 * 10 + 2


def _parsed(answer: dict[str, Any], operation: str, *, patched: bool) -> tuple[Any, int]:
    """What botocore's JSON parser makes of a DynamoDB answer, and how many structures its own walk walked."""
    import json
    from contextlib import nullcontext

    from botocore.parsers import BaseJSONParser, create_parser

    # counted before the patch takes it
    with counting(BaseJSONParser, "_handle_structure") as calls, patched_botocore() if patched else nullcontext():
        parsed = create_parser("json").parse(
            {"body": json.dumps(answer).encode(), "headers": {}, "status_code": 200},
            _DYNAMODB.operation_model(operation).output_shape)
    parsed.pop("ResponseMetadata", None)
    return parsed, calls[0]


def _wire(value: Any) -> Any:
    """An attribute value as the answer's JSON carries it (a binary one base64-encoded)."""
    (kind, inner), = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode()}
    if kind == "BS":
        return {"BS": [base64.b64encode(b).decode() for b in inner]}
    if kind == "L":
        return {"L": [_wire(v) for v in inner]}
    if kind == "M":
        return {"M": {k: _wire(v) for k, v in inner.items()}}
    return value


@settings(max_examples=60, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["pk", "sk", "a", "b", "c"]), _VALUES, min_size=1, max_size=4),
                min_size=1, max_size=4))
def test_a_plain_attribute_value_is_parsed_alike_without_its_shape(items: list[dict[str, Any]]) -> None:
    """Patch 24: an answer's items parse to the same values, binary ones decoded by botocore's own walk."""
    wire = [{k: _wire(v) for k, v in item.items()} for item in items]
    for answer, operation in (({"Items": wire, "Count": len(wire), "ScannedCount": len(wire),
                                "LastEvaluatedKey": wire[0]}, "Query"),
                              ({"Responses": {"t": wire}, "UnprocessedKeys": {}}, "BatchGetItem")):
        plain, _ = _parsed(answer, operation, patched=False)
        fast, _ = _parsed(answer, operation, patched=True)
        assert fast == plain
        assert (plain.get("Items") or plain["Responses"]["t"]) == items  # binary values back to bytes


def test_the_parser_walks_no_plain_value() -> None:
    item = {"pk": {"S": "HHCASE#H1"}, "sk": {"S": "FY#2024"}, "n": {"N": "12"},
            "m": {"M": {"l": {"L": [{"S": "a"}, {"BOOL": True}, {"NULL": True}, {"SS": ["x", "y"]}]}}}}
    answer = {"Items": [item] * 10, "Count": 10, "ScannedCount": 10}
    plain, walked_plain = _parsed(answer, "Query", patched=False)
    fast, walked_fast = _parsed(answer, "Query", patched=True)
    assert fast == plain
    assert walked_plain >= 10 * 6 and walked_fast == 1  # the answer itself only


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(
    st.dictionaries(st.sampled_from(["ConditionCheck", "Put", "Delete", "Update", "Other"]), st.one_of(
        st.fixed_dictionaries({"TableName": st.one_of(st.text(max_size=5), st.none(), st.integers(),
                                                      st.lists(st.text(max_size=3), max_size=2))}),
        st.fixed_dictionaries({}), st.text(max_size=3), st.none()), max_size=2),
    st.text(max_size=2), st.none()), max_size=6))
def test_a_transactions_table_list_is_jmespaths_answer(items: list[Any]) -> None:
    args = {"TransactItems": items}
    mine = transact_tables(args)
    if mine is not botocore_paths._FALL_BACK:
        assert mine == jmespath.search(TRANSACT_TABLES, args)


def test_the_endpoint_resolves_alike_without_walking_the_items(monkeypatch: pytest.MonkeyPatch) -> None:
    operation = _DYNAMODB.operation_model("TransactWriteItems")
    assert operation.operation_context_parameters["ResourceArnList"]["path"] == TRANSACT_TABLES  # botocore's
    args = transaction([{"pk": {"S": f"P{i}"}} for i in range(40)])
    args["TransactItems"].append({"ConditionCheck": {"TableName": "other", "Key": {}, "ConditionExpression": "x"}})
    resolver = EndpointRulesetResolver.__new__(EndpointRulesetResolver)
    plain = EndpointRulesetResolver._resolve_param_as_operation_context_param(
        resolver, "ResourceArnList", operation, args)
    searched = [0]
    search = jmespath.search

    def counted(*a: Any, **k: Any) -> Any:
        searched[0] += 1
        return search(*a, **k)

    monkeypatch.setattr("botocore.regions.jmespath.search", counted)
    with patched_botocore():
        fast = EndpointRulesetResolver._resolve_param_as_operation_context_param(
            resolver, "ResourceArnList", operation, args)
        assert searched[0] == 0
        # another operation's path is JMESPath's
        batch = EndpointRulesetResolver._resolve_param_as_operation_context_param(
            resolver, "ResourceArnList", _DYNAMODB.operation_model("BatchGetItem"), {"RequestItems": {"a": {}}})
    assert fast == plain == ["t"] * 40 + ["other"]
    assert batch == ["a"] and searched[0] == 1


_INVALID = st.one_of(
    st.builds(lambda n: {"S": n}, st.integers()), st.builds(lambda n: {"N": n}, st.integers()),
    st.just({"S": "a", "N": "1"}), st.just({}), st.just({"X": "1"}), st.just({"BOOL": "yes"}),
    st.just({"SS": ["a", 1]}), st.just({"L": [{"S": 1}]}), st.just({"M": {"k": {"N": 2}}}),
    st.just({"M": {1: {"S": "a"}}}), st.just("S"), st.just(None))


def _validated(params: dict[str, Any], patched: bool) -> tuple[str, int]:
    """botocore's validation report of a PutItem, and how many structures it walked."""
    from botocore.validate import ParamValidator

    with counting(ParamValidator, "_validate_structure") as walked, patched_botocore() if patched else nullcontext():
        report = ParamValidator().validate(params, _DYNAMODB.operation_model("PutItem").input_shape)
    return report.generate_report(), walked[0]


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["pk", "sk", "a", "b", "c"]), st.one_of(_VALUES, _INVALID), min_size=1,
                       max_size=4))
def test_a_plain_attribute_value_is_valid_without_its_walk(item: dict[str, Any]) -> None:
    """Patch 28: botocore's validation reports the same errors (none for a plain value) with and without the patch,
    and walks no plain attribute value."""
    params = {"TableName": "t", "Item": item}
    plain, walked_plain = _validated(params, patched=False)
    fast, walked_fast = _validated(params, patched=True)
    assert fast == plain
    if all(botocore_paths._plain(v) for v in item.values()):
        assert plain == "" and walked_fast == 1 and walked_plain > len(item)  # the request itself only


def test_a_dynamodb_request_is_not_signed_but_names_its_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patch 25: a DynamoDB request to the embedded AWS carries the signer's headers and credential scope (moto
    reads the access key from it) but no computed signature; another service's request is signed by botocore."""
    import re

    import boto3
    from botocore.auth import SigV4Auth
    from moto.dynamodb.responses import DynamoHandler

    computed: list[str] = []
    signature = SigV4Auth.signature

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        computed.append(self._service_name)
        return signature(self, *args, **kwargs)

    monkeypatch.setattr(SigV4Auth, "signature", counted)
    sent: dict[str, dict[str, str]] = {}

    def keep(request: Any, **_: Any) -> None:
        sent[request.url.split("//")[1].split(".")[0]] = {k: (v.decode() if isinstance(v, bytes) else v)
                                                            for k, v in request.headers.items()}

    key = "AKIAIOSFODNN7EXAMPLE"
    with embedded_aws():
        clients = [boto3.client(service, aws_access_key_id=key, aws_secret_access_key="x",
                                aws_session_token="t") for service in ("dynamodb", "kms")]
        for client in clients:
            client.meta.events.register_first("before-send", keep)
        computed.clear()  # provisioning's own calls
        assert clients[0].list_tables()["TableNames"]
        assert clients[1].list_keys()["Keys"]
    ddb = sent["dynamodb"]
    assert re.fullmatch(rf"AWS4-HMAC-SHA256 Credential={key}/\d{{8}}/ap-northeast-1/dynamodb/aws4_request, "
                        rf"SignedHeaders=host;x-amz-date, Signature={'0' * 64}", ddb["Authorization"])
    assert ddb["X-Amz-Security-Token"] == "t" and re.fullmatch(r"\d{8}T\d{6}Z", ddb["X-Amz-Date"])
    match = re.compile(DynamoHandler.access_key_regex).search(ddb["Authorization"])
    assert match is not None and match.group(1) == key  # moto's reading of the caller's key
    assert computed == ["kms"]  # KMS signed by botocore, DynamoDB not
    assert "Signature=" + "0" * 64 not in sent["kms"]["Authorization"]


def test_the_patches_are_the_embedded_aws_and_restored_after() -> None:
    def current() -> dict[str, Any]:
        import botocore.auth
        import botocore.parsers
        import botocore.regions
        import botocore.serialize
        import botocore.validate

        modules = {"botocore.serialize": botocore.serialize, "botocore.regions": botocore.regions,
                   "botocore.parsers": botocore.parsers, "botocore.auth": botocore.auth,
                   "botocore.validate": botocore.validate}
        out = {}
        for name in PATCHES:
            module, cls, attr = name.rsplit(".", 2)
            out[name] = getattr(getattr(modules[module], cls), attr)
        return out

    before = current()
    with embedded_aws():
        inside = current()
    assert all(inside[k] is not before[k] for k in PATCHES)
    assert current() == before
    for why in PATCHES.values():
        reason, _, guard = why.rpartition("tests/")
        assert len(reason) > 40 and f"def {guard.partition('::')[2]}(" in open(__file__, encoding="utf-8").read()
