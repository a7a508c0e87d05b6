"""The embedded AWS's DynamoDB scan (kokuho_local.moto_dynamodb, patch 10) answers exactly as moto itself: the
patch only hands moto the table's items from the page's start key on, in moto's order, so a page costs its
own items, not the table's.

Checked against plain moto on the same tables, request by request: limits, start keys (an item's, one
between items, one past the end), filters, projections, segments, and pages followed through
ExclusiveStartKey; a table with a sort key and one without.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from test_moto_query_pages import all_pages, client_with_table

from kokuho_local.moto_dynamodb import patched_dynamodb

TABLE, HASH_ONLY = "scan-pages", "scan-pages-hash"
# Keys that sort in interesting ways: shared prefixes, a prefix of another key, non-ASCII, '#', '~'.
KEYS = st.sampled_from(["", "a", "a#", "a#1", "a#10", "a#2", "a~", "ab", "b", "b#x", "あ", "あ#1", "z", "~"])
HASHES = ["C#1", "C#10", "C#2", "S#a", "S#あ", "X"]


@pytest.fixture(scope="module")
def client(request: pytest.FixtureRequest) -> Iterator[Any]:
    with mock_aws():
        ddb = client_with_table(TABLE)
        ddb.create_table(TableName=HASH_ONLY, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        for n in range(70):  # inserted in an order unlike the sort order
            pk = HASHES[(n * 7) % len(HASHES)]
            sk = f"{'abz'[n % 3]}#{(n * 37) % 60:02d}"
            ddb.put_item(TableName=TABLE, Item={"pk": {"S": pk}, "sk": {"S": sk}, "n": {"N": str(n)},
                                                "pad": {"S": "x" * (n % 5) * 40}})
            ddb.put_item(TableName=HASH_ONLY, Item={"pk": {"S": f"{pk}#{sk}"}, "n": {"N": str(n)}})
        for sk in ("a", "a#", "a#1", "a~", "ab", "あ", "あ#1"):
            ddb.put_item(TableName=TABLE, Item={"pk": {"S": "C#1"}, "sk": {"S": sk}, "n": {"N": "-1"}})
        ddb.delete_item(TableName=TABLE, Key={"pk": {"S": "X"}, "sk": {"S": "a#00"}})
        yield ddb


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hash_only=st.booleans(), limit=st.none() | st.integers(min_value=1, max_value=15),
       start_hash=st.none() | st.sampled_from([*HASHES, "A", "C#", "S#b", "Z"]), start_range=KEYS,
       filtered=st.booleans(), projected=st.booleans(), segment=st.none() | st.integers(min_value=0, max_value=2))
def test_a_scan_answers_as_moto_does(client: Any, hash_only: bool, limit: int | None, start_hash: str | None,
                                     start_range: str, filtered: bool, projected: bool,
                                     segment: int | None) -> None:
    request: dict[str, Any] = {"TableName": HASH_ONLY if hash_only else TABLE}
    if limit is not None:
        request["Limit"] = limit
    if start_hash is not None:
        request["ExclusiveStartKey"] = ({"pk": {"S": f"{start_hash}#{start_range}"}} if hash_only
                                        else {"pk": {"S": start_hash}, "sk": {"S": start_range}})
    if filtered:
        request.update(FilterExpression="n > :n", ExpressionAttributeValues={":n": {"N": "20"}})
    if projected:
        request["ProjectionExpression"] = "pk, n"
    if segment is not None:
        request.update(Segment=segment, TotalSegments=3)
    expected = all_pages(client.scan, request, most=200)
    with patched_dynamodb():
        assert all_pages(client.scan, request, most=200) == expected


def test_a_full_scan_in_small_pages_returns_every_item_once_in_order(client: Any) -> None:
    stored = {(i["pk"]["S"], i["sk"]["S"]) for i in client.scan(TableName=TABLE)["Items"]}
    with patched_dynamodb():
        pages = all_pages(client.scan, {"TableName": TABLE, "Limit": 4}, most=200)
    keys = [(i["pk"]["S"], i["sk"]["S"]) for items, *_ in pages for i in items]
    assert len(stored) > 60 and keys == sorted(stored)
