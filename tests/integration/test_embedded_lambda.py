"""Lambda routing and executions on a fresh embedded AWS per test."""

from __future__ import annotations

import json

import pytest

from kokuho.platform import local_lambda
from kokuho.platform.embedded import LAMBDA_ROLE, EmbeddedAWS, ExecutionFailed, embedded_aws
from kokuho.platform.tables import TABLES


def test_lambda_invoke_runs_the_catalog_handler_in_process(aws: EmbeddedAWS) -> None:
    out = aws.invoke("assessment-prepare", {"input": {"mode": "annual", "as_of_month": "2024-06"},
                                             "execution_id": "local", "execution_name": "probe-1"})
    assert (out["run_id"], out["fiscal_year"], out["households"], out["batches"]) == ("probe-1", 2024, 0, 0)


def test_handler_exception_is_a_function_error_with_type_and_redacted_message(
        aws: EmbeddedAWS, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(event: dict[str, object], context: object) -> None:
        assert context.get_remaining_time_in_millis() > 0  # type: ignore[attr-defined]
        raise ValueError("number 123456789018 rejected")

    monkeypatch.setitem(local_lambda._HANDLERS, "probe.boom.handler", boom)
    lam = aws.client("lambda")
    lam.create_function(FunctionName="probe-boom", Runtime="python3.11", Role=LAMBDA_ROLE,
                        Handler="probe.boom.handler", Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18})
    resp = lam.invoke(FunctionName="probe-boom", Payload=b"{}")
    payload = json.loads(resp["Payload"].read())
    assert resp["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "ValueError"
    assert "123456789018" not in json.dumps(payload)


def test_failed_execution_raises_with_error_and_cause(aws: EmbeddedAWS) -> None:
    with pytest.raises(ExecutionFailed) as info:
        aws.run_state_machine("monthly-assessment", {"mode": "weekly"}, name="bad-mode")
    assert info.value.status == "FAILED"
    assert "RunInputError" in (info.value.error or "") + (info.value.cause or "")
    assert "mode" in (info.value.cause or "")


def test_loopback_server_serves_the_same_resources() -> None:
    pytest.importorskip("flask", reason="the loopback server needs moto[server] (flask), not installed")
    import boto3

    with embedded_aws(server=True) as aws:
        assert aws.endpoint_url and aws.endpoint_url.startswith("http://127.0.0.1:")
        ddb = boto3.client("dynamodb", endpoint_url=aws.endpoint_url, region_name="ap-northeast-1")
        assert set(ddb.list_tables()["TableNames"]) == {t.name() for t in TABLES}
