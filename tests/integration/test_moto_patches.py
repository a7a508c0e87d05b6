"""The patches of moto are few, small, named and guarded (issue 10 item 2).

Each patch (kokuho_local.moto_dynamodb.PATCHES, kokuho_local.local_lambda.PATCHES,
kokuho_local.moto_kms.PATCHES, kokuho_local.moto_stepfunctions.PATCHES) has a test here that fails
without it. Where the patch works around a cost or a race of moto, the test shows both sides on one
small table: plain moto 5.2.5 still behaves that way (when a new moto stops, the patch can go) and the
patched one does not. Cost is shown by what moto walks or copies, never by timing.
"""

from __future__ import annotations

import copy
import json
import sys
import time
import types
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core.serialize import JSONSerializer
from moto.dynamodb import models as ddb_models
from moto.dynamodb.models.table import Table

from kokuho_local import local_lambda, moto_dynamodb, moto_kms, moto_stepfunctions
from kokuho_local.embedded import embedded_aws
from kokuho_local.moto_dynamodb import DDB_LOCK, patched_dynamodb
from kokuho_local.moto_kms import patched_kms
from kokuho_local.moto_stepfunctions import patched_stepfunctions

ALL_PATCHES = {**moto_dynamodb.PATCHES, **local_lambda.PATCHES, **moto_kms.PATCHES, **moto_stepfunctions.PATCHES}
TABLE = "patch-probe"
REGION = "ap-northeast-1"


@contextmanager
def dynamodb(patched: bool) -> Iterator[Any]:
    """moto's DynamoDB alone (no embedded AWS), with or without the patches; one table with an index."""
    with mock_aws(), (patched_dynamodb() if patched else nullcontext()):
        ddb = boto3.client("dynamodb", region_name=REGION)
        ddb.create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "g")],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[{"IndexName": "gsi1", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "ALL"}}])
        for i in range(20):
            ddb.put_item(TableName=TABLE, Item={"pk": {"S": f"P{i % 4}"}, "sk": {"S": f"{i:02d}"},
                                                "g": {"S": f"G{i % 2}"}, "n": {"N": str(i)}})
        yield ddb


def _both(test: Callable[[Any], int]) -> tuple[int, int]:
    """(plain moto, patched) measurements of the same steps."""
    results = []
    for patched in (False, True):
        with dynamodb(patched) as ddb:
            results.append(test(ddb))
    return results[0], results[1]


def _counting(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str,
              counts: Callable[..., bool] = lambda *a, **k: True) -> list[int]:
    """Wrap owner.name (before a patch captures it as moto's original) to count the calls it makes."""
    calls = [0]
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if counts(*args, **kwargs):
            calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)
    return calls


def test_plain_attribute_values_skip_the_model_serializer(monkeypatch: pytest.MonkeyPatch) -> None:
    walked = _counting(monkeypatch, JSONSerializer, "_serialize_type_structure",
                       lambda self, serialized, value, shape, key: getattr(shape, "name", None) == "AttributeValue")

    def read(ddb: Any) -> int:
        walked[0] = 0
        item = ddb.get_item(TableName=TABLE, Key={"pk": {"S": "P1"}, "sk": {"S": "01"}})["Item"]
        assert item["n"] == {"N": "1"}
        return walked[0]

    plain, patched = _both(read)
    assert plain >= 4 and patched == 0


def test_a_plain_result_is_dumped_as_moto_serialises_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patch 17. moto's serialiser walked the output shape of every answer, trying six spellings of each member:
    a data-plane result made of its shape's members and plain values is dumped as is — each answer here is
    compared, status, headers and body byte for byte, with what moto's own serialiser makes of the same result."""
    from moto.core.responses import BaseResponse
    from moto.core.serialize import ResponseSerializer

    walked = _counting(monkeypatch, ResponseSerializer, "_serialize_result")
    moto_serialized = BaseResponse.serialized  # moto's own, before the patch captures it
    compared: list[str] = []
    original_direct = moto_dynamodb._serialized_directly

    def direct(handler: Any, action_result: Any) -> Any:
        out = original_direct(handler, action_result)
        if out is not None:
            counted = walked[0]
            expected = moto_serialized(handler, action_result)
            walked[0] = counted
            assert out == expected
            compared.append(handler._get_action())
        return out

    monkeypatch.setattr(moto_dynamodb, "_serialized_directly", direct)
    key = {"pk": {"S": "P1"}, "sk": {"S": "01"}}

    def requests(ddb: Any) -> tuple[int, list[Any]]:
        walked[0] = 0
        out: list[Any] = []
        for capacity in ("NONE", "TOTAL", "INDEXES"):
            c = {"ReturnConsumedCapacity": capacity}
            out.append(ddb.put_item(TableName=TABLE, Item={"pk": {"S": "N"}, "sk": {"S": capacity}, "f": {"N": "1.5"},
                                                           "m": {"M": {"l": {"L": [{"S": "x"}, {"NULL": True}]}}},
                                                           "ss": {"SS": ["b", "a"]}, "t": {"BOOL": True}},
                                    ReturnValues="ALL_OLD", **c))
            out.append(ddb.put_item(TableName=TABLE, Item={"pk": {"S": "N"}, "sk": {"S": capacity}},
                                    ReturnValues="ALL_OLD", **c))
            out.append(ddb.get_item(TableName=TABLE, Key=key, **c))
            out.append(ddb.update_item(TableName=TABLE, Key=key, UpdateExpression="SET #n = :n",
                                       ExpressionAttributeNames={"#n": "n"},
                                       ExpressionAttributeValues={":n": {"N": "3"}}, ReturnValues="ALL_NEW", **c))
            out.append(ddb.query(TableName=TABLE, IndexName="gsi1", KeyConditionExpression="g = :g", Limit=3,
                                 ExpressionAttributeValues={":g": {"S": "G1"}}, **c))
            out.append(ddb.query(TableName=TABLE, KeyConditionExpression="pk = :p", Select="COUNT",
                                 ExpressionAttributeValues={":p": {"S": "P2"}}, **c))
            out.append(ddb.scan(TableName=TABLE, Limit=4, **c))
            out.append(ddb.batch_get_item(RequestItems={TABLE: {"Keys": [key, {"pk": {"S": "no"}, "sk": {"S": "1"}}],
                                                                "ProjectionExpression": "pk, n"}}, **c))
            out.append(ddb.transact_write_items(TransactItems=[{"ConditionCheck": {
                "TableName": TABLE, "Key": key, "ConditionExpression": "attribute_exists(pk)"}}], **c))
            out.append(ddb.delete_item(TableName=TABLE, Key={"pk": {"S": "N"}, "sk": {"S": capacity}},
                                       ReturnValues="ALL_OLD", **c))
        with pytest.raises(ClientError) as refused:  # an error: moto's serialiser
            ddb.put_item(TableName=TABLE, Item=key, ConditionExpression="attribute_not_exists(pk)")
        out.append(refused.value.response["Error"])
        out.append(ddb.describe_table(TableName=TABLE)["Table"]["KeySchema"])  # not a data-plane answer
        for answer in out:
            if isinstance(answer, dict):
                answer.pop("ResponseMetadata", None)
        return walked[0], out

    runs = []
    for patched_run in (False, True):
        with dynamodb(patched_run) as ddb:
            runs.append(requests(ddb))
    (plain, plain_answers), (patched, patched_answers) = runs
    assert patched_answers == plain_answers
    # moto's serialiser only for DescribeTable and the three deletes (moto's result holds a ConsumedCapacityUnits
    # that is no member of the answer: its serialiser drops it)
    assert plain >= 30 and patched == 4
    assert len(compared) >= 30 and {"PutItem", "Query", "Scan", "BatchGetItem", "TransactWriteItems"} <= set(compared)


def test_a_dynamodb_request_gets_the_environ_werkzeug_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patch 18. moto built every request's WSGI environ through werkzeug's EnvironBuilder; a DynamoDB request's is
    made from EnvironBuilder's for its method and URL, with its body and headers set as get_environ sets them. Each
    request below is turned into a request both ways and compared key for key (the body read back)."""
    from moto.core import botocore_stubber
    from moto.core.request import Request
    from werkzeug import test as werkzeug_test
    from werkzeug.wrappers import request as werkzeug_request

    built = _counting(monkeypatch, werkzeug_test.EnvironBuilder, "get_environ")
    moto_from_primitives = Request.from_primitives  # moto's own, before the patch captures it
    seen: list[Any] = []
    original_normalize = botocore_stubber.normalize_request

    def normalize_request(request: Any) -> Any:
        seen.append(request)
        return original_normalize(request)

    monkeypatch.setattr(botocore_stubber, "normalize_request", normalize_request)

    def environ(request: Any) -> dict[str, Any]:
        env = dict(request.environ)
        env.pop("werkzeug.request", None)
        env["wsgi.input"] = env["wsgi.input"].getvalue()
        return env

    def requests(ddb: Any) -> int:
        seen.clear()
        built[0] = 0
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": "賦課"}, "sk": {"S": "1"}, "d": {"S": "x" * 3000}})
        ddb.query(TableName=TABLE, IndexName="gsi1", KeyConditionExpression="g = :g",
                  ExpressionAttributeValues={":g": {"S": "G1"}})
        ddb.batch_get_item(RequestItems={TABLE: {"Keys": [{"pk": {"S": "P1"}, "sk": {"S": "01"}}]}})
        ddb.transact_write_items(TransactItems=[{"Put": {"TableName": TABLE, "Item": {
            "pk": {"S": "T"}, "sk": {"S": "1"}, "n": {"N": "1"}}}}])
        ddb.list_tables()
        made = built[0]
        for request in seen:
            expected = moto_from_primitives(request.method, request.url, request.headers, request.body)
            got = Request.from_primitives(request.method, request.url, request.headers, request.body)
            assert type(got) is type(expected) and environ(got) == environ(expected)
            assert (got.headers.get("X-Amz-Target"), got.data, got.raw_url, got.path) == (
                expected.headers.get("X-Amz-Target"), expected.data, expected.raw_url, expected.path)
            # 27: after moto's first read (request.data, above), the form, files and stream alike
            assert (got.form, got.files, got.get_data(), got.get_data(parse_form_data=True), got.stream.read(),
                    got.values) == (expected.form, expected.files, expected.get_data(),
                                    expected.get_data(parse_form_data=True), expected.stream.read(), expected.values)
        return made

    parsed = _counting(monkeypatch, werkzeug_request.Request, "_load_form_data")
    plain, patched = _both(requests)
    assert len(seen) == 5
    assert plain >= 5 and patched <= 1  # the first request of its method and URL: its environ template
    parsed[0] = 0
    with dynamodb(patched=True) as ddb:
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": "F"}, "sk": {"S": "1"}})
        ddb.query(TableName=TABLE, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "F"}})
        before = parsed[0]  # the table made and filled: moto's own reads of those requests' forms
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": "F"}, "sk": {"S": "2"}})
        assert ddb.get_item(TableName=TABLE, Key={"pk": {"S": "F"}, "sk": {"S": "2"}})["Item"]
        assert parsed[0] == before  # 27: no form parse of a JSON request


def test_a_plain_result_is_copied_as_moto_copies_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patch 22. moto's dynamo_to_dict tested every node of every answer for five kinds before copying it; plain
    nodes are copied without the tests and the rest (a DynamoType, a binary, a datetime) are moto's: each result
    here is compared with moto's own copy, and every answer with plain moto's."""
    from datetime import datetime

    from moto.dynamodb.models import utilities
    from moto.dynamodb.models.dynamo_type import DynamoType

    calls = _counting(monkeypatch, utilities, "dynamo_to_dict")
    from moto.dynamodb import responses as ddb_responses

    monkeypatch.setattr(ddb_responses, "dynamo_to_dict", utilities.dynamo_to_dict)  # counted, as moto imports it
    moto_copy = utilities.dynamo_to_dict
    compared = [0]

    def requests(ddb: Any) -> tuple[int, list[Any]]:
        calls[0] = 0
        out: list[Any] = []
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": "M"}, "sk": {"S": "1"}, "n": {"N": "1.5"}, "t": {"BOOL": True},
                                            "m": {"M": {"l": {"L": [{"S": "x"}, {"NULL": True}, {"B": b"\x01"}]}}},
                                            "b": {"B": b"\x00\x01"}, "ss": {"SS": ["b", "a"]}})
        out.append(ddb.get_item(TableName=TABLE, Key={"pk": {"S": "M"}, "sk": {"S": "1"}})["Item"])
        out.append(ddb.query(TableName=TABLE, IndexName="gsi1", KeyConditionExpression="g = :g",
                             ExpressionAttributeValues={":g": {"S": "G1"}})["Items"])
        out.append(ddb.batch_get_item(RequestItems={TABLE: {"Keys": [{"pk": {"S": "M"}, "sk": {"S": "1"}}]}})[
            "Responses"])
        made = calls[0]
        if ddb_responses.dynamo_to_dict is not moto_copy:  # patched: the same copies as moto's
            for value in ({"a": [1, 2.5, True, None, "x", {"b": []}]}, {"d": datetime(2024, 6, 1)},
                          {"v": DynamoType({"S": "x"}), "w": [DynamoType({"B": "AAE="})]}):
                assert ddb_responses.dynamo_to_dict(value) == moto_copy(value)
                compared[0] += 1
        return made, out

    (plain, plain_answers), (patched, patched_answers) = _both(requests)
    assert patched_answers == plain_answers and compared[0] == 3
    assert plain >= 100 and patched < plain // 5  # moto's own only for the binary values


def test_an_items_size_is_kept_until_an_update_changes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patch 23. moto summed every attribute of every item a query walked, at every query; patched, an item's size
    is kept with it and dropped by an update (plain or nested, succeeded or refused). Seen through the 1 MB page:
    items of 300 KB, three a page, until an update shrinks or grows one — every page as plain moto answers it."""
    from moto.dynamodb.models.dynamo_type import Item

    sized = _counting(monkeypatch, Item, "size")
    big = "x" * 300_000

    def pages(ddb: Any) -> list[Any]:
        out, start = [], None
        for _ in range(10):
            page = ddb.query(TableName=TABLE, KeyConditionExpression="pk = :p", ProjectionExpression="sk",
                             ExpressionAttributeValues={":p": {"S": "BIG"}}, **({"ExclusiveStartKey": start}
                                                                               if start else {}))
            out.append([i["sk"]["S"] for i in page["Items"]])
            start = page.get("LastEvaluatedKey")
            if not start:
                return out
        return out

    def requests(ddb: Any) -> tuple[int, list[Any]]:
        for i in range(5):
            ddb.put_item(TableName=TABLE, Item={"pk": {"S": "BIG"}, "sk": {"S": f"{i}"}, "v": {"S": big},
                                                "m": {"M": {"x": {"S": "y"}}}})
        sized[0] = 0
        out = [pages(ddb), pages(ddb)]
        walked = sized[0]
        key = {"pk": {"S": "BIG"}, "sk": {"S": "1"}}
        ddb.update_item(TableName=TABLE, Key=key, UpdateExpression="SET v = :s",
                        ExpressionAttributeValues={":s": {"S": "small"}})  # a plain SET (patch 9)
        out.append(pages(ddb))
        ddb.update_item(TableName=TABLE, Key=key, UpdateExpression="SET m.x = :b",
                        ExpressionAttributeValues={":b": {"S": big}})  # a nested path: moto's own executors
        out.append(pages(ddb))
        with pytest.raises(ClientError):  # refused: the item as it was
            ddb.update_item(TableName=TABLE, Key=key, UpdateExpression="SET v = :s", ConditionExpression="v = :n",
                            ExpressionAttributeValues={":s": {"S": "z"}, ":n": {"S": "no"}})
        out.append(pages(ddb))
        ddb.transact_write_items(TransactItems=[{"Update": {"TableName": TABLE, "Key": key,
                                                            "UpdateExpression": "REMOVE m"}}])
        out.append(pages(ddb))
        return walked, out

    (plain, plain_pages), (patched, patched_pages) = _both(requests)
    assert patched_pages == plain_pages
    assert [len(p) for p in plain_pages[0]] == [3, 2] and plain_pages[2] != plain_pages[0]  # the sizes show
    assert plain >= 10 and patched == 0  # sized when put, kept


def test_a_dynamodb_url_is_routed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patch 19. moto tried its services' URL patterns in turn and rebuilt the DynamoDB backend's URL table
    (`urls`, a property) for every request; patched, a DynamoDB URL's route is found once by moto's own loop and
    every request answers alike (errors too); other services are routed as moto routes them."""
    from moto.core.base_backend import BaseBackend

    tables = [0]
    original_urls = BaseBackend.urls

    def urls(self: Any) -> Any:
        tables[0] += 1
        return original_urls.fget(self)  # type: ignore[attr-defined]

    monkeypatch.setattr(BaseBackend, "urls", property(urls))

    def requests(ddb: Any) -> tuple[int, list[Any]]:
        tables[0] = 0
        out: list[Any] = []
        for i in range(5):
            out.append(ddb.get_item(TableName=TABLE, Key={"pk": {"S": f"P{i % 4}"}, "sk": {"S": f"{i:02d}"}})["Item"])
        out.append(ddb.query(TableName=TABLE, KeyConditionExpression="pk = :p",
                             ExpressionAttributeValues={":p": {"S": "P1"}})["Items"])
        with pytest.raises(ClientError) as refused:
            ddb.get_item(TableName="no-such-table", Key={"pk": {"S": "x"}})
        out.append(refused.value.response["Error"])
        dynamodb_tables = tables[0]
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="routing-probe", CreateBucketConfiguration={"LocationConstraint": REGION})
        out.append(s3.list_buckets()["Buckets"][0]["Name"])
        assert tables[0] > dynamodb_tables  # S3: moto's own loop
        return dynamodb_tables, out

    (plain, plain_answers), (patched, patched_answers) = _both(requests)
    assert patched_answers == plain_answers
    assert plain >= 7 and patched <= 1


def test_a_request_in_wire_form_skips_the_model_parser_and_is_read_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.core.parse import JSONParser
    from moto.dynamodb.responses import DynamoHandler

    walked = _counting(monkeypatch, JSONParser, "_parse_shape")
    compared = [0]
    original_call = DynamoHandler.call_action

    def call_action(self: Any) -> Any:  # what the handler reads equals moto's own parse of the same body
        from moto.core.utils import get_service_model

        operation = get_service_model("dynamodb").operation_model(self._get_action())
        counted, walked[0] = walked[0], 0
        expected = JSONParser(operation).parse({"method": "POST", "values": {}, "headers": {},
                                                "body": self.raw_body, "url_path": "/", "url_params": {}})
        walked[0] = counted
        assert self.params == expected
        compared[0] += 1
        return original_call(self)

    monkeypatch.setattr(DynamoHandler, "call_action", call_action)

    def requests(ddb: Any) -> int:
        walked[0] = 0
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "W"}, "sk": {"S": "1"}, "n": {"N": "7"},
                                                  "m": {"M": {"l": {"L": [{"S": "x"}, {"NULL": True}]},
                                                              "b": {"BOOL": False}, "ss": {"SS": ["a", "b"]}}}},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": {"TableName": TABLE, "Key": {"pk": {"S": "P1"}, "sk": {"S": "01"}},
                        "UpdateExpression": "SET #n = :n", "ExpressionAttributeNames": {"#n": "n"},
                        "ExpressionAttributeValues": {":n": {"N": "2"}}}}])
        ddb.query(TableName=TABLE, IndexName="gsi1", KeyConditionExpression="g = :g", Limit=3,
                  ExpressionAttributeValues={":g": {"S": "G1"}}, ScanIndexForward=False)
        got = ddb.batch_get_item(RequestItems={TABLE: {"Keys": [{"pk": {"S": "W"}, "sk": {"S": "1"}}],
                                                       "ConsistentRead": True}})
        assert got["Responses"][TABLE][0]["m"]["M"]["ss"] == {"SS": ["a", "b"]}
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": "B"}, "sk": {"S": "1"}, "b": {"B": b"\x00\x01"}})
        binary = ddb.get_item(TableName=TABLE, Key={"pk": {"S": "B"}, "sk": {"S": "1"}})["Item"]["b"]
        assert binary == {"B": b"\x00\x01"}
        return walked[0]

    plain, patched = _both(requests)
    assert plain >= 20 and 0 < patched < plain // 4  # only the binary put walks the model shapes
    assert compared[0] >= 10


def test_a_query_never_walks_the_whole_table(monkeypatch: pytest.MonkeyPatch) -> None:
    walked = _counting(monkeypatch, Table, "all_items")

    def query(ddb: Any) -> int:
        walked[0] = 0
        by_key = ddb.query(TableName=TABLE, KeyConditionExpression="pk = :p",
                           ExpressionAttributeValues={":p": {"S": "P1"}})["Items"]
        by_index = ddb.query(TableName=TABLE, IndexName="gsi1", KeyConditionExpression="g = :g",
                             ExpressionAttributeValues={":g": {"S": "G1"}})["Items"]
        assert len(by_key) == 5 and len(by_index) == 10
        return walked[0]

    plain, patched = _both(query)
    assert plain >= 2 and patched == 0


def test_a_projected_query_copies_no_whole_item_and_answers_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patch 14. moto deep-copied every item a query returned, then turned it whole into JSON and back to keep
    the attributes asked for: Prepare's household ids cost their whole cases twice."""
    from moto.dynamodb.models.dynamo_type import Item

    copied = _counting(monkeypatch, Item, "__deepcopy__")
    as_json = _counting(monkeypatch, Item, "to_regular_json")
    sized = _counting(monkeypatch, Item, "size")
    projections = ["pk", "sk, g", "n", "pk, nope", "m.a", "l[1]", "ss", "b, z", "m"]

    def answers(ddb: Any) -> list[Any]:
        ddb.put_item(TableName=TABLE, Item={
            "pk": {"S": "P1"}, "sk": {"S": "99"}, "g": {"S": "G1"}, "n": {"N": "1.50"},
            "m": {"M": {"a": {"S": "x"}, "b": {"N": "2"}}}, "l": {"L": [{"S": "0"}, {"S": "1"}]},
            "ss": {"SS": ["b", "a"]}, "b": {"BOOL": True}, "z": {"NULL": True}})
        out: list[Any] = []
        for expr in projections:
            for index in ({}, {"IndexName": "gsi1"}):
                page = ddb.query(TableName=TABLE, KeyConditionExpression=("g = :v" if index else "pk = :v"),
                                 ExpressionAttributeValues={":v": {"S": "G1" if index else "P1"}},
                                 ProjectionExpression=expr, **index)
                out.append((expr, bool(index), page["Items"], page["Count"], page.get("LastEvaluatedKey")))
        return out

    counts = []
    for patched in (False, True):
        copied[0] = as_json[0] = sized[0] = 0
        with dynamodb(patched) as ddb:
            copied[0] = as_json[0] = sized[0] = 0
            ddb.query(TableName=TABLE, IndexName="gsi1", KeyConditionExpression="g = :g",
                      ExpressionAttributeValues={":g": {"S": "G1"}}, ProjectionExpression="pk")
            counts.append((copied[0], as_json[0], sized[0]))
            counts.append(answers(ddb))  # type: ignore[arg-type]
    (plain, plain_answers), (patched, patched_answers) = zip(counts[::2], counts[1::2], strict=True)
    assert patched_answers == plain_answers
    assert plain[0] >= 10 and plain[1] >= 10 and plain[2] >= 20  # each of the 10 items: copied, JSON, sized twice
    assert patched == (0, 0, 0)  # each item's size kept since it was put (23)

    # a keys-only index (the year's cases by shard): moto copied each whole item before keeping its keys
    keys_only = []
    for patched_run in (False, True):
        with dynamodb(patched_run) as ddb:
            ddb.create_table(
                TableName="keys-only", BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "g", "h")],
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                GlobalSecondaryIndexes=[{"IndexName": "gsi2", "KeySchema": [
                    {"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "h", "KeyType": "RANGE"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"}}])
            for i in range(6):
                ddb.put_item(TableName="keys-only", Item={"pk": {"S": f"P{i}"}, "sk": {"S": "C"}, "g": {"S": "Y"},
                                                          "h": {"S": f"H{i}"}, "case": {"M": {"n": {"N": str(i)}}}})
            copied[0] = 0
            page = ddb.query(TableName="keys-only", IndexName="gsi2", KeyConditionExpression="g = :g",
                             ExpressionAttributeValues={":g": {"S": "Y"}})
            keys_only.append((page["Items"], copied[0]))
    assert keys_only[1][0] == keys_only[0][0] and len(keys_only[0][0]) == 6
    assert keys_only[0][1] >= 6 and keys_only[1][1] == 0


def test_a_scan_page_never_walks_the_items_before_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patch 10. A full scan goes page by page (1 MB each on DynamoDB); moto sorts the whole table again for every page
    and compares every item before the page's start key with it: a scan cost pages × table size."""
    compared = _counting(monkeypatch, Table, "_item_comes_before_dct")

    def scan(ddb: Any) -> int:
        compared[0] = 0
        seen, start = [], None
        for _ in range(10):
            page = ddb.scan(TableName=TABLE, Limit=3, **({"ExclusiveStartKey": start} if start else {}))
            seen += [(it["pk"]["S"], it["sk"]["S"]) for it in page["Items"]]
            start = page.get("LastEvaluatedKey")
            if start is None:
                break
        assert len(seen) == 20 and seen == sorted(seen)
        return compared[0]

    plain, patched = _both(scan)
    assert plain >= 50 and patched <= 14  # two a page at most: the start key, then the item after it


def test_a_dynamodb_item_is_freed_once_nothing_holds_it() -> None:
    """Patch 11. moto keeps every model instance it makes: an item a put replaced, and the copy of every item
    a scan returns, stay in memory for the whole run (the demo's peak memory was mostly those)."""
    import gc

    from moto.dynamodb.models.dynamo_type import Item

    def live_items() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if type(o) is Item)

    def churn(ddb: Any) -> int:
        before = live_items()
        for _ in range(5):
            assert len(ddb.scan(TableName=TABLE)["Items"]) == 20
            for i in range(20):  # each replaced by a new item of the same key
                ddb.put_item(TableName=TABLE, Item={"pk": {"S": f"P{i % 4}"}, "sk": {"S": f"{i:02d}"},
                                                    "g": {"S": f"G{i % 2}"}, "n": {"N": str(i)}})
        return live_items() - before

    plain, patched = _both(churn)
    assert plain >= 150 and patched <= 0


def test_a_transaction_copies_no_table(monkeypatch: pytest.MonkeyPatch) -> None:
    copies = [0]

    def deepcopy(value: Any, memo: Any = None) -> Any:
        copies[0] += isinstance(value, Table)
        return copy.deepcopy(value, memo)

    def transaction(ddb: Any) -> int:
        monkeypatch.setattr(ddb_models, "copy", types.SimpleNamespace(deepcopy=deepcopy, copy=copy.copy))
        copies[0] = 0
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "T"}, "sk": {"S": str(i)}}}} for i in range(3)])
        return copies[0]

    plain, patched = _both(transaction)
    assert plain >= 1 and patched == 0


def _values() -> list[Any]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    raw = [{"S": ""}, {"S": "P1"}, {"S": "資格"}, {"S": "1"}, {"N": "1"}, {"N": "1.0"}, {"N": "-7"}, {"BOOL": True},
           {"NULL": True}, {"SS": ["a", "b"]}, {"NS": ["1", "2"]}, {"L": [{"S": "a"}, {"N": "2"}]},
           {"M": {"a": {"S": "x"}, "b": {"M": {"c": {"L": [{"M": {"d": {"N": "12"}}}, {"S": "å"}]}}}}},
           {"M": {}}, {"L": []}]
    return [DynamoType(v) for v in raw]


def test_string_values_hash_compare_and_size_alike_without_casts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patch 16. moto hashes and compares every value through cast_value (each key looked up, each item a
    transaction writes) and sizes a map by rebuilding each of its members at every level."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    def hashed(v: Any) -> Any:
        try:
            return hash(v)
        except TypeError as exc:  # a set, list or map: moto's own refusal
            return str(exc)

    def answers() -> list[Any]:
        values = _values()
        copies = [DynamoType(v) for v in values]  # a copy of a value: moto's own
        multi = DynamoType({"S": "a", "N": "1"})  # not in wire form: moto's own (its first member)
        return [[hashed(v) for v in values], [[a == b for b in values] for a in values], [v.size() for v in values],
                [(v.type, v.to_json()) for v in values + copies], [c.value is not v.value for c, v in zip(
                    copies, values, strict=True) if v.type in ("L", "M")], (multi.type, multi.value)]

    plain = answers()
    with patched_dynamodb():
        assert answers() == plain  # the same hashes, equalities and sizes

    casts, builds = [0], [0]
    cast = DynamoType.__dict__["cast_value"]
    monkeypatch.setattr(DynamoType, "cast_value", property(lambda self: casts.__setitem__(0, casts[0] + 1)
                                                           or cast.fget(self)))
    init = DynamoType.__init__
    monkeypatch.setattr(DynamoType, "__init__", lambda self, v: builds.__setitem__(0, builds[0] + 1) or init(self, v))
    nested = {"M": {f"m{i}": {"M": {"l": {"L": [{"M": {"s": {"S": "x"}}} for _ in range(5)]}}} for i in range(5)}}

    tests = [0]
    is_list = DynamoType.is_list
    monkeypatch.setattr(DynamoType, "is_list", lambda self: tests.__setitem__(0, tests[0] + 1) or is_list(self))
    counted: list[tuple[int, int]] = []
    for patched in (False, True):
        with dynamodb(patched) as ddb:
            casts[0] = builds[0] = 0
            ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "T"}, "sk": {"S": str(i)}, "case": nested},
                         "ConditionExpression": "attribute_not_exists(pk)"}} for i in range(3)])
            counted.append((casts[0], builds[0]))
    (plain_casts, plain_builds), (patched_casts, patched_builds) = counted
    assert plain_casts > 0 and patched_casts == 0  # no cast for the string keys
    assert patched_builds < plain_builds / 2  # the maps sized without rebuilding them
    tests[0] = 0
    built = len(_values())
    assert tests[0] >= built  # moto tests the type of each value it builds
    with patched_dynamodb():
        tests[0] = 0
        _values()
        assert tests[0] == 0  # built from their wire form


def test_a_condition_expression_is_lexed_once_whatever_its_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patch 15. A condition with other values at each use (the case's change id in every mark of the
    monthly run) was parsed — and lexed, a dozen regular expressions a token — each time."""
    from moto.dynamodb.comparisons import ConditionExpressionParser

    lexed = _counting(monkeypatch, ConditionExpressionParser, "_lex_one_node")

    def marks(ddb: Any) -> tuple[int, list[str]]:
        lexed[0] = 0
        outcomes = []
        for i, expected in enumerate(("P0", "P1", "P0", "nope", "P2")):
            try:
                ddb.put_item(TableName=TABLE, Item={"pk": {"S": f"P{i % 4}"}, "sk": {"S": f"{i:02d}"},
                                                    "g": {"S": "G9"}},
                             ConditionExpression="attribute_exists(pk) AND (#p = :v OR #g <> :w)",
                             ExpressionAttributeNames={"#p": "pk", "#g": "g"},
                             ExpressionAttributeValues={":v": {"S": expected}, ":w": {"S": f"G{i % 2}"}})
                outcomes.append("put")
            except ClientError as exc:
                outcomes.append(exc.response["Error"]["Code"])
        for bad in ("#p ~ :v", "#p ~ :v"):  # refused each time, as moto refuses it (its lexer's ValueError)
            with pytest.raises((ClientError, ValueError)):
                ddb.put_item(TableName=TABLE, Item={"pk": {"S": "P0"}, "sk": {"S": "00"}}, ConditionExpression=bad,
                             ExpressionAttributeNames={"#p": "pk"}, ExpressionAttributeValues={":v": {"S": "P0"}})
        return lexed[0], outcomes

    results = []
    for patched_run in (False, True):
        with dynamodb(patched_run) as ddb:
            results.append(marks(ddb))
    (plain, plain_outcomes), (patched, patched_outcomes) = results
    assert patched_outcomes == plain_outcomes and "ConditionalCheckFailedException" in plain_outcomes
    assert plain >= 5 * 15 and patched < plain / 3


def test_a_condition_expression_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb import comparisons

    parsed = _counting(monkeypatch, comparisons.ConditionExpressionParser, "parse")

    def puts(ddb: Any) -> int:
        parsed[0] = 0
        for i in range(3):  # the same condition, as every access record and index entry carries
            ddb.put_item(TableName=TABLE, Item={"pk": {"S": "C"}, "sk": {"S": str(i)}},
                         ConditionExpression="attribute_not_exists (#0)", ExpressionAttributeNames={"#0": "pk"})
        with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):  # the parsed condition still holds
            ddb.put_item(TableName=TABLE, Item={"pk": {"S": "C"}, "sk": {"S": "0"}},
                         ConditionExpression="attribute_not_exists (#0)", ExpressionAttributeNames={"#0": "pk"})
        # the same expression with other values is another condition
        for value, holds in (("1", True), ("2", False)):
            request = {"TableName": TABLE, "Key": {"pk": {"S": "P1"}, "sk": {"S": "01"}},
                       "UpdateExpression": "SET m = :m", "ConditionExpression": "n = :n",
                       "ExpressionAttributeValues": {":n": {"N": value}, ":m": {"S": "x"}}}
            if holds:
                ddb.update_item(**request)
            else:
                with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
                    ddb.update_item(**request)
        return parsed[0]

    plain, patched = _both(puts)
    assert plain >= 6 and patched == 3  # attribute_not_exists once, n = 1 and n = 2 once each


# Updates as pynamodb writes them (`SET #0 = :0, …`) and the ones moto refuses or the patch leaves to it, each
# alone and in a transaction: the items, the index and the errors must be plain moto's.
_KEY = {"pk": {"S": "P1"}, "sk": {"S": "01"}}
_NEW = {"pk": {"S": "U"}, "sk": {"S": "new"}}
_PLAIN_UPDATES: list[dict[str, Any]] = [
    {"Key": _KEY, "UpdateExpression": "SET #0 = :0, #1 = :1",
     "ExpressionAttributeNames": {"#0": "n", "#1": "m"},
     "ExpressionAttributeValues": {":0": {"N": "9"}, ":1": {"M": {"a": {"L": [{"S": "x"}, {"N": "1"}]}}}}},
    {"Key": _NEW, "UpdateExpression": "SET #0 = :0, #g = :g", "ExpressionAttributeNames": {"#0": "n", "#g": "g"},
     "ExpressionAttributeValues": {":0": {"S": "v"}, ":g": {"S": "G1"}}},  # creates the item, into the index
    {"Key": _KEY, "UpdateExpression": "set #0=:0", "ExpressionAttributeNames": {"#0": "n"},
     "ExpressionAttributeValues": {":0": {"N": "3"}, ":c": {"N": "9"}}, "ConditionExpression": "n = :c"},
    {"Key": _KEY, "UpdateExpression": "SET #0 = :0", "ExpressionAttributeNames": {"#0": "n"},
     "ExpressionAttributeValues": {":0": {"N": "4"}, ":c": {"N": "1"}}, "ConditionExpression": "n = :c",
     "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},  # fails: n is 3 by now
    {"Key": _KEY, "UpdateExpression": "SET #0 = :0", "ExpressionAttributeNames": {"#0": "big"},
     "ExpressionAttributeValues": {":0": {"S": "x" * 410_000}}},  # past the item size
    {"Key": _KEY, "UpdateExpression": "SET #0 = :0", "ExpressionAttributeNames": {"#0": "big"},
     "ExpressionAttributeValues": {":0": {"S": "x" * 200_000}}},
    {"Key": _KEY, "UpdateExpression": "SET #0 = :0", "ExpressionAttributeNames": {"#0": "big"},
     "ExpressionAttributeValues": {":0": {"S": "y" * 210_000}}},  # refused: moto counts the value replaced too
    {"Key": _KEY, "UpdateExpression": "SET #0 = :0, #1 = :1, #2 = :2",
     "ExpressionAttributeNames": {"#0": "n", "#1": "more", "#2": "m"},
     "ExpressionAttributeValues": {":0": {"N": "8"}, ":1": {"S": "z" * 204_000}, ":2": {"S": "w"}}},  # at the 2nd
    {"Key": _KEY, "UpdateExpression": "SET #0 = :0, #1 = :1", "ExpressionAttributeNames": {"#0": "big", "#1": "m"},
     "ExpressionAttributeValues": {":0": {"S": "s"}, ":1": {"L": [{"S": "x" * 1000}] * 3}}},  # smaller again
]
_LEFT_TO_MOTO: list[dict[str, Any]] = [  # refused by moto's validators, or not plain
    {"Key": _KEY, "UpdateExpression": "SET #0 = :0, #0 = :1", "ExpressionAttributeNames": {"#0": "n"},
     "ExpressionAttributeValues": {":0": {"N": "5"}, ":1": {"N": "6"}}},  # two paths overlap
    {"Key": _KEY, "UpdateExpression": "SET #0 = :0", "ExpressionAttributeNames": {"#0": "sk"},
     "ExpressionAttributeValues": {":0": {"S": "x"}}},  # a key attribute
    {"Key": _KEY, "UpdateExpression": "SET #0 = :9", "ExpressionAttributeNames": {"#0": "n"},
     "ExpressionAttributeValues": {":0": {"S": "x"}}},  # a value not defined
    {"Key": _KEY, "UpdateExpression": "SET #0 = :0 REMOVE #1", "ExpressionAttributeNames": {"#0": "n", "#1": "g"},
     "ExpressionAttributeValues": {":0": {"N": "7"}}},  # not plain: moto's path
]


def test_a_plain_set_update_skips_the_validators_and_ends_as_moto_ends_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.parsing.validators import UpdateExpressionValidator

    validated = _counting(monkeypatch, UpdateExpressionValidator, "validate")
    outcomes: list[list[Any]] = []

    def updates(ddb: Any) -> int:
        validated[0] = 0
        seen: list[Any] = []
        for transactional in (False, True):
            for plain_set, request in [*((True, r) for r in _PLAIN_UPDATES), *((False, r) for r in _LEFT_TO_MOTO)]:
                before = validated[0]
                try:
                    if transactional:
                        ddb.transact_write_items(TransactItems=[{"Update": {"TableName": TABLE, **request}}])
                    else:
                        ddb.update_item(TableName=TABLE, **request)
                    seen.append("ok")
                except ddb.exceptions.ClientError as exc:
                    seen.append((exc.response["Error"]["Code"], exc.response["Error"]["Message"],
                                 exc.response.get("Item"), exc.response.get("CancellationReasons")))
                if not plain_set:
                    validated[0] = before  # moto's own path: counted only for the plain ones
                seen.append([ddb.get_item(TableName=TABLE, Key=k).get("Item") for k in (_KEY, _NEW)])
            seen.append(_index(ddb, "G1"))
        outcomes.append(seen)
        return validated[0]

    plain, patched = _both(updates)
    assert outcomes[0] == outcomes[1]  # items, index, errors (code, message, ALL_OLD item, reasons): moto's
    assert sum(1 for o in outcomes[0] if o == "ok") >= 6 and sum(1 for o in outcomes[0] if isinstance(o, tuple)) >= 8
    assert plain >= 8 and patched == 0


def test_a_plain_set_update_sizes_the_item_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patch 16 in the plain SET update (9): moto sums the size of every attribute of the item at each one an
    update sets (LimitedSizeDict), seven attributes of a household case a size walk of the item each."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    sized = _counting(monkeypatch, DynamoType, "size")
    wide = {f"a{i:03d}": {"N": "1"} for i in range(100)}  # numbers: sized by moto's own method, counted
    names = {f"#{i}": f"c{i}" for i in range(7)}

    def update(ddb: Any) -> int:
        ddb.put_item(TableName=TABLE, Item={**_KEY, **wide})
        sized[0] = 0
        ddb.update_item(TableName=TABLE, Key=_KEY, ExpressionAttributeNames=names,
                        UpdateExpression="SET " + ", ".join(f"#{i} = :{i}" for i in range(7)),
                        ExpressionAttributeValues={f":{i}": {"N": str(i)} for i in range(7)})
        return sized[0]

    plain, patched = _both(update)
    assert plain >= 7 * 100 and patched < 2 * 110


def test_an_update_expression_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser

    parsed = _counting(monkeypatch, UpdateExpressionParser, "parse")
    outcomes: list[list[Any]] = []

    def updates(ddb: Any) -> int:
        parsed[0] = 0
        seen: list[Any] = []
        for n in range(3):  # the same expression, alone and in transactions, as the runs' updates repeat it
            request = {"TableName": TABLE, "Key": {"pk": {"S": "P1"}, "sk": {"S": "01"}},
                       "UpdateExpression": "SET #n = #n + :one, #l = list_append(if_not_exists(#l, :e), :x)",
                       "ExpressionAttributeNames": {"#n": "n", "#l": "l"},
                       "ExpressionAttributeValues": {":one": {"N": "1"}, ":e": {"L": []}, ":x": {"L": [{"N": str(n)}]}}}
            ddb.update_item(**request)
            ddb.transact_write_items(TransactItems=[{"Update": request}])
        with pytest.raises(ddb.exceptions.ClientError):  # an invalid one is refused at every use
            ddb.update_item(TableName=TABLE, Key={"pk": {"S": "P1"}, "sk": {"S": "01"}}, UpdateExpression="SET = :x",
                            ExpressionAttributeValues={":x": {"N": "1"}})
        seen.append(ddb.get_item(TableName=TABLE, Key={"pk": {"S": "P1"}, "sk": {"S": "01"}})["Item"])
        outcomes.append(seen)
        return parsed[0]

    plain, patched = _both(updates)
    assert outcomes[0] == outcomes[1] and outcomes[0][0]["n"] == {"N": "7"} and len(outcomes[0][0]["l"]["L"]) == 6
    assert plain >= 9 and patched == 2  # the valid expression once, the invalid one at its use
    # the handler's walk of the tree for the names and values used: once per kind of clause on a tree made
    # once (a plain SET, as a household case's, in transactions: no validator walks a copy of it either)
    from moto.dynamodb.parsing import ast_nodes

    walked = _counting(monkeypatch, ast_nodes.Node, "find_clauses")
    walks, items = [], []
    for patched_run in (False, True):
        with dynamodb(patched_run) as ddb:
            walked[0] = 0
            for n in range(5):
                ddb.transact_write_items(TransactItems=[{"Update": {
                    "TableName": TABLE, "Key": {"pk": {"S": "P1"}, "sk": {"S": "01"}},
                    "UpdateExpression": "SET #0 = :0, #1 = :1", "ExpressionAttributeNames": {"#0": "a", "#1": "b"},
                    "ExpressionAttributeValues": {":0": {"N": str(n)}, ":1": {"S": f"v{n}"}}}}])
                walks.append(walked[0])
            items.append(ddb.get_item(TableName=TABLE, Key={"pk": {"S": "P1"}, "sk": {"S": "01"}})["Item"])
    assert items[0] == items[1] and items[0]["a"] == {"N": "4"}
    plain_walks, patched_walks = walks[4], walks[9]
    assert plain_walks >= 5 and patched_walks == walks[5], walks  # patched: walked at the first use only


def test_every_dynamodb_request_runs_under_the_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    held: list[bool] = []

    def get_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        held.append(DDB_LOCK._is_owned())  # type: ignore[attr-defined]
        return original(self, *args, **kwargs)

    original = ddb_models.DynamoDBBackend.get_item
    monkeypatch.setattr(ddb_models.DynamoDBBackend, "get_item", get_item)

    def read(ddb: Any) -> int:
        held.clear()
        ddb.get_item(TableName=TABLE, Key={"pk": {"S": "P0"}, "sk": {"S": "00"}})
        return int(all(held) and bool(held))

    assert _both(read) == (0, 1)


def test_an_answer_has_a_unique_request_id_and_no_checksum(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patch 26: plain moto draws each request id from its random generator and adds a CRC32 of every DynamoDB
    answer (botocore computes it again); patched, no draw and no checksum, and the ids keep their shape
    (52 letters and digits) and are all different."""
    import binascii
    import re

    from moto.moto_api._internal import mock_random

    drawn = _counting(monkeypatch, mock_random, "get_random_string")
    crcs = _counting(monkeypatch, binascii, "crc32")

    def answers(ddb: Any) -> int:
        drawn[0] = crcs[0] = 0
        headers = []
        for i in range(5):
            ddb.put_item(TableName=TABLE, Item={"pk": {"S": "R"}, "sk": {"S": str(i)}})
            headers.append(ddb.get_item(TableName=TABLE, Key={"pk": {"S": "R"}, "sk": {"S": str(i)}})
                           ["ResponseMetadata"]["HTTPHeaders"])
        ids = [h["x-amzn-requestid"] for h in headers]
        assert all(re.fullmatch(r"[A-Za-z0-9]{52}", i) for i in ids) and len(set(ids)) == len(ids)
        return int(drawn[0] == 0 and crcs[0] == 0 and not any("x-amz-crc32" in h for h in headers))

    assert _both(answers) == (0, 1)


def _index(ddb: Any, value: str) -> list[str]:
    items = ddb.query(TableName=TABLE, IndexName="gsi1", KeyConditionExpression="g = :g",
                      ExpressionAttributeValues={":g": {"S": value}})["Items"]
    return sorted(f"{it['pk']['S']}/{it['sk']['S']}" for it in items)


def test_an_index_query_sees_puts_updates_and_deletes() -> None:
    """The index map is built on the first index query; every later write must reach it."""
    with dynamodb(patched=True) as ddb:
        assert len(_index(ddb, "G0")) == 10  # builds the map
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": "NEW"}, "sk": {"S": "1"}, "g": {"S": "G7"}})
        ddb.update_item(TableName=TABLE, Key={"pk": {"S": "P0"}, "sk": {"S": "00"}},
                        UpdateExpression="SET g = :g", ExpressionAttributeValues={":g": {"S": "G7"}})
        ddb.delete_item(TableName=TABLE, Key={"pk": {"S": "P2"}, "sk": {"S": "02"}})
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": "P0"}, "sk": {"S": "04"}, "g": {"S": "G9"}})  # replaced
        assert _index(ddb, "G7") == ["NEW/1", "P0/00"]
        assert _index(ddb, "G0") == sorted(f"P{i % 4}/{i:02d}" for i in range(6, 20, 2))
        assert _index(ddb, "G9") == ["P0/04"]


def test_a_cancelled_transaction_restores_items_and_index(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.models.dynamo_type import Item

    copied = _counting(monkeypatch, Item, "__deepcopy__")
    with dynamodb(patched=True) as ddb:
        assert len(_index(ddb, "G1")) == 10
        key, replaced, deleted = ({"pk": {"S": "P1"}, "sk": {"S": f"{n:02d}"}} for n in (1, 5, 9))
        before = [ddb.get_item(TableName=TABLE, Key=k)["Item"] for k in (key, replaced, deleted)]
        copied[0] = 0
        with pytest.raises(ddb.exceptions.TransactionCanceledException):
            ddb.transact_write_items(TransactItems=[
                {"Update": {"TableName": TABLE, "Key": key, "UpdateExpression": "SET g = :g",
                            "ExpressionAttributeValues": {":g": {"S": "G5"}}}},
                {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "NEW"}, "sk": {"S": "x"}, "g": {"S": "G5"}}}},
                {"Put": {"TableName": TABLE, "Item": {**replaced, "g": {"S": "G5"}, "n": {"N": "99"}}}},
                {"Delete": {"TableName": TABLE, "Key": deleted}},
                {"ConditionCheck": {"TableName": TABLE, "Key": {"pk": {"S": "absent"}, "sk": {"S": "x"}},
                                    "ConditionExpression": "attribute_exists(pk)"}}])
        assert copied[0] == 1  # the updated item only: a Put's or a Delete's item is kept as it was, not copied
        assert [ddb.get_item(TableName=TABLE, Key=k)["Item"] for k in (key, replaced, deleted)] == before
        assert "Item" not in ddb.get_item(TableName=TABLE, Key={"pk": {"S": "NEW"}, "sk": {"S": "x"}})
        assert {"P1/01", "P1/05", "P1/09"} <= set(_index(ddb, "G1")) and _index(ddb, "G5") == []


# Changed by moto itself while a mock runs (its bookkeeping), not by this project.
def test_a_key_generates_its_private_key_only_when_it_signs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain moto generates an RSA key for every KMS key, a symmetric one too; patched, none until a key
    signs, verifies or gives its public key, and then that key's own, of its spec, once."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from moto.kms import utils as kms_utils

    generated: list[int] = []
    real_rsa = kms_utils.rsa.generate_private_key
    monkeypatch.setattr(kms_utils.rsa, "generate_private_key",
                        lambda **kw: generated.append(kw["key_size"]) or real_rsa(**kw))

    def symmetric_keys(patched: bool) -> int:
        generated.clear()
        with mock_aws(), (patched_kms() if patched else nullcontext()):
            kms = boto3.client("kms", region_name=REGION)
            for _ in range(3):
                key = kms.create_key(Description="data")["KeyMetadata"]["KeyId"]
                blob = kms.encrypt(KeyId=key, Plaintext=b"x")["CiphertextBlob"]
                assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"
        return len(generated)

    assert (symmetric_keys(patched=False), symmetric_keys(patched=True)) == (3, 0)

    generated.clear()
    with mock_aws(), patched_kms():
        kms = boto3.client("kms", region_name=REGION)
        rsa_key = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_3072")["KeyMetadata"]["KeyId"]
        ec_key = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="ECC_NIST_P256")["KeyMetadata"]["KeyId"]
        assert generated == []
        for key, algorithm in ((rsa_key, "RSASSA_PKCS1_V1_5_SHA_256"), (ec_key, "ECDSA_SHA_256")):
            signature = kms.sign(KeyId=key, Message=b"digest", SigningAlgorithm=algorithm)["Signature"]
            assert kms.verify(KeyId=key, Message=b"digest", Signature=signature,
                              SigningAlgorithm=algorithm)["SignatureValid"]
            assert not kms.verify(KeyId=key, Message=b"other", Signature=signature,
                                  SigningAlgorithm=algorithm)["SignatureValid"]
            public = serialization.load_der_public_key(kms.get_public_key(KeyId=key)["PublicKey"])
            if isinstance(public, rsa.RSAPublicKey):
                from cryptography.hazmat.primitives.asymmetric import padding

                public.verify(signature, b"digest", padding.PKCS1v15(), hashes.SHA256())
                assert public.key_size == 3072
            else:
                assert isinstance(public, ec.EllipticCurvePublicKey)
                public.verify(signature, b"digest", ec.ECDSA(hashes.SHA256()))
        assert generated == [3072]  # the RSA key once, on its first use; none for the EC key's spec


SFN_RUNS: Any = {"stepfunctions": {"execute_state_machine": True}}  # as the embedded AWS starts moto


def test_a_definition_found_valid_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain moto parses a definition at every CreateStateMachine; patched, a text it found valid is not
    parsed again (in a later mock too), a new text is, and an invalid one is refused every time."""
    from moto.stepfunctions.parser.asl.parse import asl_parser

    parsed: list[str] = []
    real_parse = asl_parser.AmazonStateLanguageParser.parse
    monkeypatch.setattr(asl_parser.AmazonStateLanguageParser, "parse",
                        staticmethod(lambda definition: parsed.append(definition) or real_parse(definition)))
    role = "arn:aws:iam::123456789012:role/probe"
    fresh = uuid.uuid4().hex.translate(str.maketrans("0123456789", "ghijklmnop"))  # texts new to this process
    valid = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"v": fresh}, "End": True}}})
    other = json.dumps({"StartAt": "B", "States": {"B": {"Type": "Succeed"}}, "Comment": fresh})
    invalid = json.dumps({"StartAt": "A", "States": {"A": {"Type": "NoSuchType"}}})

    def create(patched: bool) -> list[str]:
        parsed.clear()
        for _ in range(2):
            with mock_aws(config=SFN_RUNS), (patched_stepfunctions() if patched else nullcontext()):
                sfn = boto3.client("stepfunctions", region_name=REGION)
                sfn.create_state_machine(name="one", definition=valid, roleArn=role)
                sfn.create_state_machine(name="two", definition=valid, roleArn=role)
                with pytest.raises(ClientError, match="ASLParserException"):  # moto's InvalidDefinition
                    sfn.create_state_machine(name="bad", definition=invalid, roleArn=role)
        return list(parsed)

    assert create(patched=False) == [valid, valid, invalid] * 2
    assert create(patched=True) == [valid, invalid, invalid]
    with mock_aws(config=SFN_RUNS), patched_stepfunctions():
        sfn = boto3.client("stepfunctions", region_name=REGION)
        sfn.create_state_machine(name="three", definition=other, roleArn=role)
        arn = sfn.create_state_machine(name="four", definition=valid, roleArn=role)["stateMachineArn"]
        assert parsed[3:] == [other]
        # an execution still runs its definition
        execution = sfn.start_execution(stateMachineArn=arn, name="run")["executionArn"]
        for _ in range(200):
            desc = sfn.describe_execution(executionArn=execution)
            if desc["status"] != "RUNNING":
                break
            time.sleep(0.05)
        assert desc["status"] == "SUCCEEDED" and json.loads(desc["output"]) == {"v": fresh}


MOTO_OWN = ("moto.core.models.MockAWS.", "moto.core.authorization.ActionAuthenticatorMixin.request_count",
            "moto.s3.urls.")


def _moto_attributes() -> dict[str, int]:
    out: dict[str, int] = {}
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "moto" or name.startswith("moto.")):
            continue
        for attr, value in list(vars(module).items()):
            out[f"{name}.{attr}"] = id(value)
            if isinstance(value, type) and value.__module__ == name:
                out.update({f"{name}.{attr}.{a}": id(v) for a, v in list(vars(value).items())})
    return out


def test_lambda_tasks_reuse_one_client() -> None:
    """moto made a new boto3 client for every Lambda task state it ran (one per Map iteration)."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

    def clients() -> set[int]:
        return {id(lambda_eval_utils.boto_client_for(REGION, "lambda")) for _ in range(3)}

    with mock_aws():
        assert len(clients()) == 3
        with patched_stepfunctions():
            assert len(clients()) == 1
            assert lambda_eval_utils.boto_client_for(REGION, "s3") is not lambda_eval_utils.boto_client_for(
                REGION, "lambda")
        assert len(clients()) == 3  # restored on exit


def test_a_json_path_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's interpreter parsed every JSONPath again at each evaluation (a new PLY parser each time: six paths of
    every Map item's ItemSelector); patched, a path is parsed once and reads every input as moto reads it, and a
    path the parser refuses (or one that finds nothing) raises each time."""
    from jsonpath_ng.ext import parser as ext_parser
    from moto.stepfunctions.parser.asl.utils import json_path

    built = _counting(monkeypatch, ext_parser.ExtendedJsonPathParser, "__init__")
    inputs = [{"run_id": "r1", "batch": {"households": ["H1", "H2"], "n": 2}, "a": [{"b": 1}, {"b": 2}]},
              {"run_id": "r2", "batch": {"households": [], "n": 0}, "a": []}]
    paths = ["$.run_id", "$.batch.households", "$.batch.n", "$.a[0].b", "$.a[*].b", "$", "$.missing"]

    def reads() -> tuple[int, list[Any]]:
        built[0] = 0
        out: list[Any] = []
        for _ in range(3):
            for data in inputs:
                for path in paths:
                    try:
                        out.append(json_path.extract_json(path, data))
                    except json_path.NoSuchJsonPathError as e:
                        out.append(("missing", str(e)))
                with pytest.raises(Exception) as refused:
                    json_path.extract_json("$.[", data)
                out.append(type(refused.value).__name__)
        return built[0], out

    plain, plain_answers = reads()
    with patched_stepfunctions():
        patched, patched_answers = reads()
    assert patched_answers == plain_answers
    assert plain == 3 * 2 * (len(paths) + 1) and patched == len(paths) + 3 * 2  # the refused path: each time
    assert reads()[0] == plain  # restored on exit


def test_the_listed_patches_are_all_of_moto_that_the_embedded_aws_changes() -> None:
    with embedded_aws():  # imports every moto module the embedded AWS uses
        pass
    before = _moto_attributes()
    with embedded_aws():
        inside = _moto_attributes()
    after = _moto_attributes()
    changed = {k for k in before if inside.get(k, before[k]) != before[k] and not k.startswith(MOTO_OWN)}
    listed = ALL_PATCHES
    assert changed == set(listed)
    assert all(after[k] == before[k] for k in listed)  # restored on exit


def test_each_listed_patch_names_its_reason_and_a_test_that_exists() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for attribute, why in ALL_PATCHES.items():
        reason, _, guard = why.rpartition("tests/")
        assert len(reason) > 40, attribute
        path, _, names = guard.partition("::")
        source = (root / "tests" / path).read_text(encoding="utf-8")
        for name in names.split(" + "):
            assert f"def {name.strip()}(" in source, f"{attribute}: no test {name}"
