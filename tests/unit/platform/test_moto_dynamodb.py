"""The embedded AWS's sorted partitions (kokuho_local.moto_dynamodb, fix 6): a query on a large
partition hands moto only its page, and answers exactly as moto alone does — items, order, pages and
LastEvaluatedKey — for every key condition, direction, limit and start key, after writes that move items
within, into and out of a partition.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from moto.dynamodb.models.table import Table

from kokuho_local import moto_dynamodb
from kokuho_local.moto_dynamodb import patched_dynamodb

REGION = "ap-northeast-1"
TABLE = "sorted-partitions"


def _create(client: Any) -> None:
    client.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gpk", "gsk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "gsi1", "Projection": {"ProjectionType": "ALL"}, "KeySchema": [
            {"AttributeName": "gpk", "KeyType": "HASH"}, {"AttributeName": "gsk", "KeyType": "RANGE"}]}])


@pytest.fixture
def client() -> Iterator[Any]:
    with mock_aws():
        c = boto3.client("dynamodb", region_name=REGION)
        _create(c)
        yield c


def _put(client: Any, pk: str, sk: str, gpk: str | None, gsk: str | None, n: int = 0) -> None:
    item = {"pk": {"S": pk}, "sk": {"S": sk}, "n": {"N": str(n)}}
    if gpk is not None:
        item["gpk"] = {"S": gpk}
    if gsk is not None:
        item["gsk"] = {"S": gsk}
    client.put_item(TableName=TABLE, Item=item)


def _pages(client: Any, query: dict[str, Any]) -> list[tuple[list[dict[str, Any]], Any]]:
    """Every page of the query: (items, LastEvaluatedKey), following the keys (at most 60 pages)."""
    out: list[tuple[list[dict[str, Any]], Any]] = []
    start = None
    for _ in range(60):
        page = client.query(TableName=TABLE, **query, **({"ExclusiveStartKey": start} if start else {}))
        out.append((page["Items"], page.get("LastEvaluatedKey")))
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    return out


def test_a_page_of_a_large_index_partition_hands_moto_the_page_only(
        client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(1_500):
        _put(client, f"P{i:04d}", "IDX", "KANA#キ", f"キ{i % 50:02d}#{i:04d}")
    walked: list[int] = []
    sorted_again: list[int] = []
    sort, page_of = Table.sorted_items, moto_dynamodb._page

    def spy(table: Table, bound: Any) -> Any:
        items = page_of(table, bound)
        walked.append(len(items))  # what moto walks for an index query
        return items

    def sorts(self: Table, hash_attrs: Any, range_attrs: Any, items: list[Any]) -> Any:
        sorted_again.append(len(items))
        return sort(self, hash_attrs, range_attrs, items)

    monkeypatch.setattr(moto_dynamodb, "_page", spy)
    monkeypatch.setattr(Table, "sorted_items", sorts)
    with patched_dynamodb():
        page = client.query(TableName=TABLE, IndexName="gsi1", Limit=20,
                            KeyConditionExpression="gpk = :p AND begins_with(gsk, :k)",
                            ExpressionAttributeValues={":p": {"S": "KANA#キ"}, ":k": {"S": "キ07"}})
    assert [i["pk"]["S"] for i in page["Items"]] == [f"P{i:04d}" for i in range(7, 1_500, 50)][:20]
    assert page["LastEvaluatedKey"]["pk"]["S"] == "P0957"
    # the page and the item after it, where moto alone (and fixes 4 and 5) walk the partition's 1,500
    assert walked == [21]
    assert sorted_again == []  # handed in moto's order: not sorted again


KEYS = st.sampled_from(["a", "ab", "b", "bb", "キ", "キタ", "\U0010ffff", "a\U0010ffff"])
PARTITIONS = st.sampled_from(["X", "Y"])
WRITE = st.tuples(st.integers(0, 11), st.sampled_from(["put", "move", "delete", "drop_index"]), PARTITIONS, KEYS)
OPERATORS = ("=", "<", "<=", ">", ">=", "begins_with", "between")


def _query(index: bool, partition: str, condition: Any, limit: int | None, forward: bool) -> dict[str, Any]:
    h, r = ("gpk", "gsk") if index else ("pk", "sk")
    expr, values = f"{h} = :h", {":h": {"S": partition}}
    if condition is not None:
        op = condition[0]
        values[":a"] = {"S": condition[1]}
        if op == "begins_with":
            expr += f" AND begins_with({r}, :a)"
        elif op == "between":
            low, high = sorted(condition[1:])
            values[":a"], values[":b"] = {"S": low}, {"S": high}
            expr += f" AND {r} BETWEEN :a AND :b"
        else:
            expr += f" AND {r} {op} :a"
    return {"KeyConditionExpression": expr, "ExpressionAttributeValues": values, "ScanIndexForward": forward,
            **({"IndexName": "gsi1"} if index else {}), **({"Limit": limit} if limit else {})}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=st.lists(st.tuples(st.integers(0, 11), PARTITIONS, KEYS), max_size=25),
       then=st.lists(WRITE, max_size=12), index=st.booleans(), partition=PARTITIONS, key=KEYS, other=KEYS,
       limit=st.one_of(st.none(), st.integers(1, 4)), forward=st.booleans())
def test_answers_as_moto_alone_does(first: list[tuple[int, str, str]], then: list[tuple[int, str, str, str]],
                                    index: bool, partition: str, key: str, other: str, limit: int | None,
                                    forward: bool) -> None:
    # every key condition DynamoDB has, on the drawn keys
    queries = [_query(index, partition, c, limit, forward)
               for c in [None, *((op, key, other) for op in OPERATORS)]]
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        _create(client)
        for i, part, k in first:
            _put(client, part if not index else f"P{i}", k if not index else "S", part, k)
        with patched_dynamodb():
            for query in queries:
                _pages(client, query)  # the partitions are sorted here, then followed through the writes
            for i, op, part, k in then:
                pk, sk = (part, k) if not index else (f"P{i}", "S")
                if op == "put":
                    _put(client, pk, sk, part, k, n=1)
                elif op == "move":  # the index keys change in place (UpdateItem)
                    client.update_item(TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"S": sk}},
                                       UpdateExpression="SET gpk = :p, gsk = :k",
                                       ExpressionAttributeValues={":p": {"S": part}, ":k": {"S": k}})
                elif op == "delete":
                    client.delete_item(TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"S": sk}})
                else:  # out of the index, still in the table
                    client.update_item(TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"S": sk}},
                                       UpdateExpression="REMOVE gsk")
            patched = [_pages(client, query) for query in queries]
        alone = [_pages(client, query) for query in queries]
    assert patched == alone


def test_an_item_is_sized_once_per_attribute_and_the_item_limit_still_holds(
        client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError
    from moto.dynamodb.models.dynamo_type import DynamoType

    walks: list[int] = []
    size = DynamoType.size
    monkeypatch.setattr(DynamoType, "size", lambda self: walks.append(1) or size(self))
    wide = {f"a{i:03d}": {"S": "x"} for i in range(300)}
    with patched_dynamodb():
        client.put_item(TableName=TABLE, Item={"pk": {"S": "W"}, "sk": {"S": "1"}, **wide})
        # moto alone sizes every attribute set so far at each one it sets: 302·303/2 ≈ 45,000 walks
        assert len(walks) < 3 * 302
        near = {f"b{i}": {"S": "x" * 99_000} for i in range(4)}  # 396 KB: under the limit
        client.put_item(TableName=TABLE, Item={"pk": {"S": "W"}, "sk": {"S": "2"}, **near})
        over = {f"b{i}": {"S": "x" * 102_000} for i in range(4)}  # 408 KB: over it
        with pytest.raises(ClientError, match="Item size has exceeded the maximum allowed size"):
            client.put_item(TableName=TABLE, Item={"pk": {"S": "W"}, "sk": {"S": "3"}, **over})
    assert "Item" in client.get_item(TableName=TABLE, Key={"pk": {"S": "W"}, "sk": {"S": "2"}})
    assert "Item" not in client.get_item(TableName=TABLE, Key={"pk": {"S": "W"}, "sk": {"S": "3"}})


def test_an_items_key_attributes_are_held_once_and_read_alike(client: Any) -> None:
    """Fix 13: moto kept two values of each key attribute of every item put (the key and the attribute),
    the biggest share of the embedded AWS's memory a registered person after the values themselves."""
    import gc

    from moto.dynamodb.models.dynamo_type import DynamoType

    def live_values() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if type(o) is DynamoType)

    with patched_dynamodb():
        before = live_values()
        for i in range(100):
            _put(client, f"K{i % 7}", f"{i:03d}", f"G{i % 3}", f"{i:03d}", i)
        held = live_values() - before
        item = client.get_item(TableName=TABLE, Key={"pk": {"S": "K2"}, "sk": {"S": "009"}})["Item"]
        transacted = {"pk": {"S": "T"}, "sk": {"S": "1"}, "m": {"M": {"pk": {"S": "T"}}}}
        client.transact_write_items(TransactItems=[{"Put": {"TableName": TABLE, "Item": transacted}}])
        back = client.get_item(TableName=TABLE, Key={"pk": {"S": "T"}, "sk": {"S": "1"}})["Item"]
        by_index = client.query(TableName=TABLE, IndexName="gsi1", KeyConditionExpression="gpk = :g",
                                ExpressionAttributeValues={":g": {"S": "G0"}})["Items"]
    # five attributes an item, one value each (moto alone: seven, its key values twice)
    assert held == 100 * 5
    assert item == {"pk": {"S": "K2"}, "sk": {"S": "009"}, "gpk": {"S": "G0"}, "gsk": {"S": "009"}, "n": {"N": "9"}}
    assert back == transacted
    assert len(by_index) == 34 and all(i["gpk"] == {"S": "G0"} for i in by_index)


def test_the_handler_methods_are_listed_once(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import inspect

    listed: list[int] = []
    getmembers = inspect.getmembers
    monkeypatch.setattr(inspect, "getmembers", lambda *a, **k: listed.append(1) or getmembers(*a, **k))
    with patched_dynamodb():
        for _ in range(5):
            client.get_item(TableName=TABLE, Key={"pk": {"S": "none"}, "sk": {"S": "none"}})
    assert len(listed) <= 1  # moto alone: once a request
