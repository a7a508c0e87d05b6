"""Lambda routing and executions on a fresh embedded AWS per test."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kokuho.platform.tables import TABLES
from kokuho_local import local_lambda
from kokuho_local.embedded import FUNCTIONS_ROOT, LAMBDA_ROLE, EmbeddedAWS, ExecutionFailed, embedded_aws


def test_lambda_invoke_runs_the_catalog_handler_in_process(aws: EmbeddedAWS) -> None:
    # A run is named by its mode, fiscal year and month (not the execution name), so a rerun is the same run.
    out = aws.invoke("assessment-prepare", {"input": {"mode": "annual", "as_of_month": "2024-06"},
                                             "execution_id": "local", "execution_name": "probe-1"})
    assert (out["run_id"], out["fiscal_year"], out["households"], out["batches"]) == ("annual-2024-2024-06", 2024, 0, 0)


def test_handler_exception_is_a_function_error_answered_as_aws_answers_it(
        aws: EmbeddedAWS, monkeypatch: pytest.MonkeyPatch) -> None:
    """The message as the handler raised it (AWS redacts nothing: the embedded AWS redacting hid leaks from the
    tests); a handler guarded as every run step and the vault are answers the same type, its number redacted."""
    from kokuho.identity.redaction import errors_without_my_numbers

    def boom(event: dict[str, object], context: object) -> None:
        assert context.get_remaining_time_in_millis() > 0  # type: ignore[attr-defined]
        number = "12345" if event.get("short") else "1234567890" + "18"  # the frame's source line shows no number
        raise ValueError(f"number {number} rejected")

    monkeypatch.setitem(local_lambda._HANDLERS, "probe.boom.handler", errors_without_my_numbers(boom))
    lam = aws.client("lambda")
    lam.create_function(FunctionName="probe-boom", Runtime="python3.11", Role=LAMBDA_ROLE,
                        Handler="probe.boom.handler", Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18})
    for short in (True, False):
        resp = lam.invoke(FunctionName="probe-boom", Payload=json.dumps({"short": short}).encode())
        payload = json.loads(resp["Payload"].read())
        assert resp["FunctionError"] == "Unhandled" and payload["errorType"] == "ValueError"
        if short:
            assert payload["errorMessage"] == "number 12345 rejected"
        else:
            assert "123456789018" not in json.dumps(payload) and "rejected" in payload["errorMessage"]


def test_failed_execution_raises_with_error_and_cause(aws: EmbeddedAWS) -> None:
    with pytest.raises(ExecutionFailed) as info:
        aws.run_state_machine("monthly-assessment", {"mode": "weekly"}, name="bad-mode")
    assert info.value.status == "FAILED"
    assert "InputRefused" in (info.value.error or "") + (info.value.cause or "")
    assert "mode" in (info.value.cause or "")


def test_a_function_is_invoked_in_a_warm_container_whatever_thread_invokes_it(
        aws: EmbeddedAWS, monkeypatch: pytest.MonkeyPatch) -> None:
    # On Lambda a container serves one invocation at a time and keeps its module state, thread and clients
    # for the next. moto's Distributed Map invokes each iteration from a new thread: run there, every batch
    # made its own botocore session and clients (≈ 8 ms of CPU each) as if every invocation were a cold start.
    import threading

    seen: list[int] = []

    def probe(event: Any, context: Any) -> dict[str, Any]:
        seen.append(threading.get_ident())
        return {"n": event.get("n")}

    monkeypatch.setitem(local_lambda._HANDLERS, "probe.warm.handler", probe)
    lam = aws.client("lambda")
    lam.create_function(FunctionName="probe-warm", Runtime="python3.11", Role=LAMBDA_ROLE,
                        Handler="probe.warm.handler", Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18})

    def call(n: int) -> None:
        resp = lam.invoke(FunctionName="probe-warm", Payload=json.dumps({"n": n}).encode())
        assert json.loads(resp["Payload"].read()) == {"n": n}

    callers = []
    for n in range(3):
        t = threading.Thread(target=call, args=(n,))
        t.start()
        t.join()
        callers.append(t.ident)
    assert len(seen) == 3 and len(set(seen)) == 1 and seen[0] not in callers


def test_a_function_runs_in_at_most_its_containers_and_the_others_wait(
        aws: EmbeddedAWS, monkeypatch: pytest.MonkeyPatch) -> None:
    # the Map's hundred iterations of a 10,000-household run on a few containers, not a hundred threads
    import threading
    import time

    running, most = [0], [0]
    lock = threading.Lock()

    def probe(event: Any, context: Any) -> dict[str, Any]:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return {"threads": threading.get_ident()}

    monkeypatch.setitem(local_lambda._HANDLERS, "probe.busy.handler", probe)
    lam = aws.client("lambda")
    lam.create_function(FunctionName="probe-busy", Runtime="python3.11", Role=LAMBDA_ROLE,
                        Handler="probe.busy.handler", Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18})
    threads = [threading.Thread(target=lam.invoke, kwargs={"FunctionName": "probe-busy", "Payload": b"{}"})
               for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == local_lambda.CONTAINERS_PER_FUNCTION


def test_waiting_for_an_execution_asks_the_api_once_it_has_ended(
        aws: EmbeddedAWS, monkeypatch: pytest.MonkeyPatch) -> None:
    # Polling DescribeExecution every 50 ms cost ≈ 2 ms of CPU a call beside the run it waited for (3 % of
    # the monthly run's CPU); the execution's status is read from moto's own model while it runs.
    import time

    real = local_lambda.resolve_handler("assessment.prepare.handler", FUNCTIONS_ROOT)

    def slow_prepare(event: Any, context: Any) -> Any:
        time.sleep(0.5)
        return real(event, context)

    monkeypatch.setitem(local_lambda._HANDLERS, "assessment.prepare.handler", slow_prepare)
    asked: list[str] = []
    aws.client("stepfunctions").meta.events.register(
        "before-call.sfn.DescribeExecution", lambda **kw: asked.append("describe"))
    out = aws.run_state_machine("monthly-assessment", {"mode": "annual", "as_of_month": "2024-06"}, name="slow")
    assert out["households_selected"] == 0 and out["status"] == "completed"
    assert len(asked) == 1
    with pytest.raises(ExecutionFailed):  # a failure is still read through the API
        aws.run_state_machine("monthly-assessment", {"mode": "weekly"}, name="bad")


def test_loopback_server_serves_the_same_resources() -> None:
    pytest.importorskip("flask", reason="the loopback server needs moto[server] (flask), not installed")
    import boto3

    with embedded_aws(server=True) as aws:
        assert aws.endpoint_url and aws.endpoint_url.startswith("http://127.0.0.1:")
        ddb = boto3.client("dynamodb", endpoint_url=aws.endpoint_url, region_name="ap-northeast-1")
        assert set(ddb.list_tables()["TableNames"]) == {t.name() for t in TABLES}


def test_every_attribute_type_round_trips_through_the_patched_dynamodb(aws: EmbeddedAWS) -> None:
    ddb = aws.client("dynamodb")
    item: dict[str, Any] = {
        "pk": {"S": "RT#1"}, "sk": {"S": "x"}, "n": {"N": "-12.5"}, "b": {"B": b"\x00\xffbin"},
        "bs": {"BS": [b"a", b"\x01"]}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]},
        "t": {"BOOL": True}, "z": {"NULL": True}, "l": {"L": [{"S": "x"}, {"N": "3"}, {"B": b"\x02"}]},
        "m": {"M": {"k": {"L": [{"BOOL": False}]}, "s": {"S": "日本語"}}},
    }
    table = TABLES[0].name()
    ddb.put_item(TableName=table, Item=item)
    got = ddb.get_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]}, ConsistentRead=True)["Item"]
    assert {k: v for k, v in got.items() if k not in ("bs", "ss", "ns")} == \
        {k: v for k, v in item.items() if k not in ("bs", "ss", "ns")}
    assert sorted(got["bs"]["BS"]) == sorted(item["bs"]["BS"])
    assert sorted(got["ss"]["SS"]) == ["a", "b"] and sorted(got["ns"]["NS"]) == ["1", "2"]
    batch = ddb.batch_get_item(RequestItems={table: {"Keys": [{"pk": item["pk"], "sk": item["sk"]}]}})
    assert batch["Responses"][table][0]["m"] == item["m"]


def test_a_cancelled_transaction_leaves_every_item_as_it_was(aws: EmbeddedAWS) -> None:
    ddb = aws.client("dynamodb")
    table = TABLES[0].name()
    ddb.put_item(TableName=table, Item={"pk": {"S": "TX"}, "sk": {"S": "1"}, "v": {"N": "1"}})
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": "TX"}, "sk": {"S": "1"}, "v": {"N": "2"}}}},
            {"Put": {"TableName": table, "Item": {"pk": {"S": "TX"}, "sk": {"S": "new"}}}},
            {"Update": {"TableName": table, "Key": {"pk": {"S": "TX"}, "sk": {"S": "2"}},
                        "UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {":v": {"N": "9"}},
                        "ConditionExpression": "attribute_exists(pk)"}},
        ])
    items = ddb.query(TableName=table, KeyConditionExpression="pk = :p",
                      ExpressionAttributeValues={":p": {"S": "TX"}}, ConsistentRead=True)["Items"]
    assert items == [{"pk": {"S": "TX"}, "sk": {"S": "1"}, "v": {"N": "1"}}]


def test_queries_on_table_and_index_return_what_dynamodb_returns_with_paging(aws: EmbeddedAWS) -> None:
    ddb = aws.client("dynamodb")
    table = TABLES[0].name()
    for i in range(30):
        ddb.put_item(TableName=table, Item={"pk": {"S": f"Q#{i % 3}"}, "sk": {"S": f"{i:03d}"},
                                            "gsi1pk": {"S": f"G#{i % 2}"}, "gsi1sk": {"S": f"{100 - i:03d}"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "Q#0"}, "sk": {"S": "noindex"}})

    def pages(**kwargs: object) -> list[str]:
        keys: list[str] = []
        start: dict[str, object] | None = None
        while True:
            resp = ddb.query(TableName=table, Limit=4, **kwargs, **({"ExclusiveStartKey": start} if start else {}))
            keys += [f"{it['pk']['S']}/{it['sk']['S']}" for it in resp["Items"]]
            start = resp.get("LastEvaluatedKey")
            if not start:
                return keys

    assert pages(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "Q#0"}}) == \
        [f"Q#0/{i:03d}" for i in range(0, 30, 3)] + ["Q#0/noindex"]
    assert pages(KeyConditionExpression="pk = :p AND sk > :s", ScanIndexForward=False,
                 ExpressionAttributeValues={":p": {"S": "Q#1"}, ":s": {"S": "010"}}) == \
        [f"Q#1/{i:03d}" for i in range(28, 10, -3)]
    by_index = pages(IndexName="gsi1", KeyConditionExpression="gsi1pk = :g",
                     ExpressionAttributeValues={":g": {"S": "G#1"}})
    assert by_index == [f"Q#{i % 3}/{i:03d}" for i in range(29, 0, -2)]  # gsi1sk ascending = i descending
    assert pages(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "absent"}}) == []
