"""Client-side costs of botocore on the embedded AWS's DynamoDB requests, cut only inside `embedded_aws()`.

Numbered after the moto patches (kokuho_local.moto_dynamodb: 1–16; 17–19 kept for them):

20. botocore serializes every request by walking its model shape, member by member: each attribute value of
    every item of a transaction is a structure (`AttributeValue`), its maps and lists walked again inside —
    ≈ 7 % of the demo city's intake. A value already in wire form with no binary member (`S`, `N`, `BOOL`,
    `NULL`, `SS`, `NS`, and `L` / `M` of such values: what the walk would copy unchanged) goes into the
    request as it is; anything else (a binary, a malformed value) goes through botocore's own walk. The
    request's JSON is the same, byte for byte.
21. Before every request botocore resolves DynamoDB's endpoint ruleset, whose `ResourceArnList` parameter of a
    TransactWriteItems is a JMESPath expression over every item of the transaction
    (`TransactItems[*].[ConditionCheck.TableName, …][]`), interpreted node by node — ≈ 3 %. That one path
    is computed directly (the table names, in order, nulls left out as the projection leaves them out);
    any input not a list of one-operation maps, and every other path, goes to JMESPath.
24. botocore parses every answer by walking its model shape the same way: each attribute value of every item
    a query or a BatchGetItem returns is a structure whose ten members are looked up one by one (22 and 23 are
    kokuho_local.moto_dynamodb's). A value in wire form with no binary member — what that walk rebuilds member
    for member, a string as it is, a map's and a list's values the same way — is taken as it is (it is the
    answer's own freshly parsed JSON); a binary value (base64 to bytes) or anything else is botocore's walk.
25. botocore signs every DynamoDB request with SigV4: the canonical request, a SHA-256 of the body and four
    HMACs (≈ 5 % of the monthly run's CPU, one conditional PutItem a household). The embedded AWS checks no
    signature (its credentials are moto's fakes) and reads only the access key of the credential scope (moto:
    the caller's account, its IAM key's last use). A DynamoDB request gets the headers the signer sets — the
    date, the session token and an `Authorization` with the same credential scope — with a signature of
    zeroes, not computed; every other service, and every signer other than plain SigV4 (the local API's
    execute-api signatures, which the adapter verifies), is botocore's own.
28. botocore validates every request's parameters against the model before serializing them, each attribute
    value of every item a structure walked member by member (its ten members' types, its maps and lists again
    inside: ≈ 5 % of a conditional put). DynamoDB's AttributeValue has no constraint but types — no required
    member, no length, not a tagged union — so a value in wire form with no binary member (a string `S` or `N`,
    a boolean `BOOL` or `NULL`, `SS` / `NS` lists of strings, `L` / `M` of such values: what `_plain` accepts)
    is one botocore's walk finds nothing wrong with; it is not walked. Anything else — a binary, a value of two
    members, a wrong type — is botocore's walk, with its errors.

Local only: the layer never imports this module (a Lambda on AWS pays botocore's walks; DynamoDB is far
faster there than moto is here, so they weigh less).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kokuho_local.moto_dynamodb import _plain

_GUARD = "tests/integration/test_botocore_patches.py::"
PATCHES: dict[str, str] = {
    "botocore.serialize.JSONSerializer._serialize_type_structure":
        "botocore walks the model shape of every attribute value of every DynamoDB request; a plain value in "
        "wire form goes as is (20); " + _GUARD + "test_a_plain_attribute_value_is_serialized_alike_without_its_shape",
    "botocore.regions.EndpointRulesetResolver._resolve_param_as_operation_context_param":
        "botocore walks every item of a TransactWriteItems with JMESPath for the endpoint's ResourceArnList; "
        "that path computed directly (21); " + _GUARD + "test_a_transactions_table_list_is_jmespaths_answer",
    "botocore.parsers.BaseJSONParser._handle_structure":
        "botocore walks the model shape of every attribute value of every DynamoDB answer (each item of a query or "
        "a BatchGetItem); a plain value in wire form is taken as it is (24); "
        + _GUARD + "test_a_plain_attribute_value_is_parsed_alike_without_its_shape",
    "botocore.validate.ParamValidator._validate_structure":
        "botocore validates every attribute value of every DynamoDB request member by member; a plain value in wire "
        "form, which that walk finds valid, is not walked (28); "
        + _GUARD + "test_a_plain_attribute_value_is_valid_without_its_walk",
    "botocore.auth.SigV4Auth.add_auth":
        "botocore computes a SigV4 signature (canonical request, body hash, four HMACs) for every DynamoDB request "
        "the embedded AWS never checks; the same headers and credential scope, the signature not computed (25); "
        + _GUARD + "test_a_dynamodb_request_is_not_signed_but_names_its_key",
}
# 25: what stands for the signature of a DynamoDB request to the embedded AWS (the shape of a hex signature)
UNSIGNED = "0" * 64

TRANSACT_TABLES = ("TransactItems[*].[ConditionCheck.TableName, Put.TableName, Delete.TableName, "
                   "Update.TableName][]")
_OPERATIONS = ("ConditionCheck", "Put", "Delete", "Update")
_FALL_BACK = object()


def transact_tables(call_args: Any) -> Any:
    """JMESPath's answer for TRANSACT_TABLES, or _FALL_BACK for an input this does not read like JMESPath."""
    if not isinstance(call_args, dict):
        return _FALL_BACK
    items = call_args.get("TransactItems")
    if not isinstance(items, list):
        return _FALL_BACK
    names = []
    for entry in items:
        if not isinstance(entry, dict):
            return _FALL_BACK
        for kind in _OPERATIONS:
            op = entry.get(kind)
            if op is None:
                continue
            if not isinstance(op, dict):
                return _FALL_BACK
            name = op.get("TableName")
            if isinstance(name, list):  # JMESPath's flatten would spread it: leave that to JMESPath
                return _FALL_BACK
            if name is not None:
                names.append(name)
    return names


@contextmanager
def patched_botocore() -> Iterator[None]:
    from botocore import auth as botocore_auth
    from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
    from botocore.exceptions import NoCredentialsError
    from botocore.parsers import BaseJSONParser
    from botocore.regions import EndpointRulesetResolver
    from botocore.serialize import JSONSerializer
    from botocore.validate import ParamValidator

    original_structure = JSONSerializer._serialize_type_structure

    def serialize_structure(self: Any, serialized: Any, value: Any, shape: Any, key: Any) -> None:
        if key is not None and shape.name == "AttributeValue" and _plain(value):
            serialized[key] = value
            return
        original_structure(self, serialized, value, shape, key)

    original_context = EndpointRulesetResolver._resolve_param_as_operation_context_param

    def operation_context_param(self: Any, param_name: str, operation_model: Any, call_args: Any) -> Any:
        declared = operation_model.operation_context_parameters  # an empty list when the operation has none
        if param_name in declared and declared[param_name].get("path") == TRANSACT_TABLES:
            names = transact_tables(call_args)
            if names is not _FALL_BACK:
                return names
        return original_context(self, param_name, operation_model, call_args)

    original_parse_structure = BaseJSONParser._handle_structure

    def parse_structure(self: Any, shape: Any, value: Any) -> Any:
        if shape.name == "AttributeValue" and _plain(value):
            return value
        return original_parse_structure(self, shape, value)

    original_add_auth = SigV4Auth.add_auth

    def add_auth(self: Any, request: Any) -> None:
        if type(self) is not SigV4Auth or self._service_name != "dynamodb":
            original_add_auth(self, request)
            return
        if self.credentials is None:
            raise NoCredentialsError()
        request.context["timestamp"] = botocore_auth.get_current_datetime().strftime(SIGV4_TIMESTAMP)
        self._modify_request_before_signing(request)  # botocore's: a retry's old header gone, date and token set
        request.headers["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={self.scope(request)}, "
                                            f"SignedHeaders=host;x-amz-date, Signature={UNSIGNED}")

    original_validate = ParamValidator._validate_structure

    def validate_structure(self: Any, params: Any, shape: Any, errors: Any, name: Any) -> None:
        if shape.name == "AttributeValue" and _plain(params):
            return  # 28: no constraint of the shape to break (types only)
        original_validate(self, params, shape, errors, name)

    ParamValidator._validate_structure = validate_structure  # type: ignore[method-assign]
    SigV4Auth.add_auth = add_auth  # type: ignore[method-assign]
    JSONSerializer._serialize_type_structure = serialize_structure  # type: ignore[method-assign]
    BaseJSONParser._handle_structure = parse_structure  # type: ignore[method-assign]
    EndpointRulesetResolver._resolve_param_as_operation_context_param = operation_context_param  # type: ignore[method-assign]
    try:
        yield
    finally:
        SigV4Auth.add_auth = original_add_auth  # type: ignore[method-assign]
        ParamValidator._validate_structure = original_validate  # type: ignore[method-assign]
        JSONSerializer._serialize_type_structure = original_structure  # type: ignore[method-assign]
        BaseJSONParser._handle_structure = original_parse_structure  # type: ignore[method-assign]
        EndpointRulesetResolver._resolve_param_as_operation_context_param = original_context  # type: ignore[method-assign]
