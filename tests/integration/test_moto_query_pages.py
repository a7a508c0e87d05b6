"""The embedded AWS's DynamoDB query (kokuho_local.moto_dynamodb) answers exactly as moto itself: the
patch only hands moto the items a query can return (the partition's slice that the key condition, the
start key and the limit allow), so a page costs its own items, not the whole partition's.

Checked against plain moto on the same table, request by request: every key condition on a string sort
key, both directions, limits, and pages followed through ExclusiveStartKey.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from kokuho_local.moto_dynamodb import patched_dynamodb

REGION = "ap-northeast-1"
TABLE = "query-pages"
# Keys that sort in interesting ways: shared prefixes, a prefix of another key, non-ASCII, '#', '~'.
SORT_KEYS = st.sampled_from(["", "a", "a#", "a#1", "a#10", "a#2", "a~", "ab", "b", "b#x", "あ", "あ#1", "z"])
CONDITIONS = st.sampled_from(["none", "=", "<", "<=", ">", ">=", "between", "begins_with"])


def client_with_table(name: str) -> Any:
    """A DynamoDB client of the running mock with an on-demand table `name` keyed by string pk and sk."""
    ddb = boto3.client("dynamodb", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                {"AttributeName": "sk", "KeyType": "RANGE"}])
    return ddb


@pytest.fixture(scope="module")
def client(request: pytest.FixtureRequest) -> Iterator[Any]:
    with mock_aws():
        ddb = client_with_table(TABLE)
        for n in range(60):  # a partition of 60 items in insertion order unlike their sort order
            sk = f"{'abz'[n % 3]}#{(n * 37) % 60:02d}"
            ddb.put_item(TableName=TABLE, Item={"pk": {"S": "P"}, "sk": {"S": sk}, "n": {"N": str(n)}})
        for sk in ("a", "a#", "a#1", "a~", "ab", "あ", "あ#1"):
            ddb.put_item(TableName=TABLE, Item={"pk": {"S": "P"}, "sk": {"S": sk}, "n": {"N": "-1"}})
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": "Q"}, "sk": {"S": "a#00"}, "n": {"N": "0"}})
        yield ddb


def _request(condition: str, low: str, high: str, forward: bool, limit: int | None,
             start: str | None) -> dict[str, Any]:
    values: dict[str, Any] = {":p": {"S": "P"}}
    expression = "pk = :p"
    if condition == "between":
        expression += " AND sk BETWEEN :a AND :b"
        values.update({":a": {"S": low}, ":b": {"S": high}})
    elif condition == "begins_with":
        expression += " AND begins_with(sk, :a)"
        values[":a"] = {"S": low}
    elif condition != "none":
        expression += f" AND sk {condition} :a"
        values[":a"] = {"S": low}
    request: dict[str, Any] = {"TableName": TABLE, "KeyConditionExpression": expression,
                               "ExpressionAttributeValues": values, "ScanIndexForward": forward}
    if limit is not None:
        request["Limit"] = limit
    if start is not None:
        request["ExclusiveStartKey"] = {"pk": {"S": "P"}, "sk": {"S": start}}
    return request


def all_pages(operation: Callable[..., dict[str, Any]], request: dict[str, Any],
              most: int = 100) -> list[tuple[Any, ...]]:
    """Every page of a query or scan, followed through LastEvaluatedKey, as (items, count, scanned, last key)."""
    pages, request = [], dict(request)
    for _ in range(most):
        try:
            answer = operation(**request)
        except ClientError as exc:
            return [("error", exc.response["Error"]["Code"])]
        pages.append((answer["Items"], answer["Count"], answer["ScannedCount"], answer.get("LastEvaluatedKey")))
        if "LastEvaluatedKey" not in answer:
            break
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
    return pages


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(condition=CONDITIONS, low=SORT_KEYS, high=SORT_KEYS, forward=st.booleans(),
       limit=st.none() | st.integers(min_value=1, max_value=12), start=st.none() | SORT_KEYS)
def test_a_query_answers_as_moto_does(client: Any, condition: str, low: str, high: str, forward: bool,
                                      limit: int | None, start: str | None) -> None:
    request = _request(condition, low, high, forward, limit, start)
    expected = all_pages(client.query, request)
    with patched_dynamodb():
        assert all_pages(client.query, request) == expected
