"""A handler invoked in-process may touch exactly the tables and buckets its catalog entry grants, as
its role allows on AWS (issue 10 item 2). Before, every handler ran with the whole process's reach:
an undeclared table resolved to its default name and passed locally, then failed on AWS.

The probes replace the handler of a real catalog function (its grants are the catalog's):
assessment-batch: assessment, idempotency (write), access_log (write, append-only); no bucket.
linkage-federation-list: the exchange bucket (read); no table.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from kokuho.access.staff import load_staff
from kokuho.platform.tables import BUCKETS_BY_LOGICAL, table
from kokuho_local import local_lambda
from kokuho_local.embedded import EmbeddedAWS

KEY = {"pk": {"S": "PROBE#1"}, "sk": {"S": "x"}}


def _ddb() -> Any:
    return boto3.client("dynamodb")  # created inside the handler, like a handler's own client


PROBES: dict[str, Callable[[], Any]] = {
    "read declared": lambda: _ddb().get_item(TableName=table("assessment").name(), Key=KEY),
    "put declared": lambda: _ddb().put_item(TableName=table("assessment").name(), Item={**KEY, "v": {"S": "1"}}),
    "read undeclared": lambda: _ddb().get_item(TableName=table("staff").name(), Key=KEY),
    "query undeclared": lambda: _ddb().query(
        TableName=table("qualification").name(), KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "P1"}}),
    "pynamodb undeclared": lambda: load_staff("S0001"),  # the layer's model of the staff table
    "transaction with an undeclared table": lambda: _ddb().transact_write_items(TransactItems=[
        {"Put": {"TableName": table("assessment").name(), "Item": {**KEY, "v": {"S": "2"}}}},
        {"Put": {"TableName": table("staff").name(), "Item": KEY}}]),
    "update append-only": lambda: _ddb().update_item(
        TableName=table("access_log").name(), Key=KEY, UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"S": "changed"}}),
    "put append-only": lambda: _ddb().put_item(TableName=table("access_log").name(), Item=KEY),
    "read bucket": lambda: boto3.client("s3").list_objects_v2(Bucket=BUCKETS_BY_LOGICAL["exchange"].name()),
    "write read-only bucket": lambda: boto3.client("s3").put_object(
        Bucket=BUCKETS_BY_LOGICAL["exchange"].name(), Key="incoming/x.csv", Body=b"x"),
    "write undeclared bucket": lambda: boto3.client("s3").put_object(
        Bucket=BUCKETS_BY_LOGICAL["work"].name(), Key="runs/x.json", Body=b"{}"),
}


def probe(event: dict[str, Any], context: object) -> str:
    PROBES[event["probe"]]()
    return "ok"


@pytest.fixture
def probed(aws: EmbeddedAWS, monkeypatch: pytest.MonkeyPatch) -> EmbeddedAWS:
    for handler in ("assessment.batch.handler", "linkage.federation.list_incoming"):
        monkeypatch.setitem(local_lambda._HANDLERS, handler, probe)
    return aws


@pytest.mark.parametrize("name", ["read declared", "put declared", "put append-only"])
def test_what_the_catalog_grants_passes(probed: EmbeddedAWS, name: str) -> None:
    assert probed.invoke("assessment-batch", {"probe": name}) == "ok"


@pytest.mark.parametrize("name", ["read undeclared", "query undeclared", "pynamodb undeclared",
                                  "transaction with an undeclared table", "update append-only"])
def test_a_table_the_entry_does_not_grant_fails_locally_as_on_aws(probed: EmbeddedAWS, name: str) -> None:
    with pytest.raises(RuntimeError, match=r"AccessDenied.*assessment-batch.*not granted"):
        probed.invoke("assessment-batch", {"probe": name})


def test_a_denied_transaction_changes_nothing(probed: EmbeddedAWS) -> None:
    with pytest.raises(RuntimeError, match="AccessDenied"):
        probed.invoke("assessment-batch", {"probe": "transaction with an undeclared table"})
    assert "Item" not in _ddb().get_item(TableName=table("assessment").name(), Key=KEY)


def test_buckets_are_granted_per_entry_and_access(probed: EmbeddedAWS) -> None:
    assert probed.invoke("linkage-federation-list", {"probe": "read bucket"}) == "ok"
    for name in ("write read-only bucket", "write undeclared bucket"):
        with pytest.raises(RuntimeError, match=r"AccessDenied.*linkage-federation-list.*not granted"):
            probed.invoke("linkage-federation-list", {"probe": name})
    with pytest.raises(RuntimeError, match="AccessDenied"):  # and this one has no table at all
        probed.invoke("linkage-federation-list", {"probe": "read declared"})


def test_outside_an_invocation_tests_and_tools_reach_every_table(aws: EmbeddedAWS) -> None:
    """Only handlers are confined: a test seeds and inspects any table directly."""
    for probe_name in ("read undeclared", "write undeclared bucket", "update append-only"):
        PROBES[probe_name]()


def _invoke(logical: str) -> Any:
    return boto3.client("lambda").invoke(FunctionName=f"kokuho-{logical}", Payload=b'{"probe": "vault"}')


def test_a_function_invokes_only_the_functions_its_entry_names(aws: EmbeddedAWS,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """assessment-case-intake names the vault in `invokes`; assessment-batch names none."""
    from kokuho.platform.catalog import FUNCTIONS_BY_LOGICAL
    from kokuho.platform.catalog.qualification import VAULT_FUNCTION

    def caller(event: dict[str, Any], context: object) -> str:
        payload = _invoke(VAULT_FUNCTION)["Payload"].read()
        return str(json.loads(payload))

    monkeypatch.setitem(local_lambda._HANDLERS, FUNCTIONS_BY_LOGICAL[VAULT_FUNCTION].handler,
                        lambda event, context: "vault reached")
    for handler in ("assessment.intake.handler", "assessment.batch.handler"):
        monkeypatch.setitem(local_lambda._HANDLERS, handler, caller)
    assert aws.invoke("assessment-case-intake", {}) == "vault reached"
    with pytest.raises(RuntimeError, match=r"AccessDenied.*lambda:InvokeFunction.*not granted to assessment-batch"):
        aws.invoke("assessment-batch", {})
