"""What the botocore patch tests (test_botocore_patches, test_botocore_requests) share: a DynamoDB transaction of
generated items, and a count of the calls of one of botocore's walks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def transaction(items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A TransactWriteItems request: a conditional Put of every even item, an Update of every odd one."""
    return {"TransactItems": [
        {"Put": {"TableName": "t", "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
        if i % 2 == 0 else
        {"Update": {"TableName": "t", "Key": {"pk": {"S": "P"}, "sk": {"S": str(i)}},
                    "UpdateExpression": "SET #a = :v", "ExpressionAttributeNames": {"#a": "a"},
                    "ExpressionAttributeValues": {":v": item.get("a", {"S": "x"})}}}
        for i, item in enumerate(items)], **extra}


@contextmanager
def counting(owner: type, name: str) -> Iterator[list[int]]:
    """Count the calls of `owner.name` while inside — botocore's own method, wrapped before a patch takes it —
    in the list's one element; the method restored after."""
    calls = [0]
    walk = getattr(owner, name)

    def counted(self: Any, *args: Any) -> Any:
        calls[0] += 1
        return walk(self, *args)

    setattr(owner, name, counted)
    try:
        yield calls
    finally:
        setattr(owner, name, walk)
