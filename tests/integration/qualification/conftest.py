"""Embedded AWS for the qualification tests: moto `mock_aws` with every table of
kokuho.platform.tables.TABLES and the per-data-class KMS keys (aliases from key_alias)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from kokuho.platform.tables import AWS_REGION, TABLES, DataClass, key_alias


def create_tables(client: Any) -> None:
    for spec in TABLES:
        keys = [{"AttributeName": spec.partition_key, "KeyType": "HASH"}]
        if spec.sort_key:
            keys.append({"AttributeName": spec.sort_key, "KeyType": "RANGE"})
        kwargs: dict[str, Any] = {
            "TableName": spec.name(), "BillingMode": "PAY_PER_REQUEST", "KeySchema": keys,
            "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in spec.key_attributes()],
        }
        if spec.indexes:
            kwargs["GlobalSecondaryIndexes"] = [{
                "IndexName": ix.name,
                "KeySchema": [{"AttributeName": ix.partition_key, "KeyType": "HASH"}]
                + ([{"AttributeName": ix.sort_key, "KeyType": "RANGE"}] if ix.sort_key else []),
                "Projection": {"ProjectionType": "ALL"},
            } for ix in spec.indexes]
        client.create_table(**kwargs)


def create_keys(kms: Any) -> None:
    for dc in DataClass:
        key_id = kms.create_key(Description=f"kokuho {dc.value}")["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=key_alias(dc), TargetKeyId=key_id)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", AWS_REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


@pytest.fixture
def embedded(aws_env: None) -> Iterator[None]:
    """Fresh tables and keys for one test; the vault forgets its cached secret."""
    from kokuho.identity.vault import reset_vault

    with mock_aws():
        create_tables(boto3.client("dynamodb", region_name=AWS_REGION))
        create_keys(boto3.client("kms", region_name=AWS_REGION))
        reset_vault()
        yield
        reset_vault()
