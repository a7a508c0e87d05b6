"""Private REST API: only the project's execute-api endpoint, IAM auth, validation, throttling, logs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from infra_helpers import resources

from kokuho.platform.catalog import FUNCTIONS


@pytest.fixture(scope="module")
def api(raw: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if not any(f.api for f in FUNCTIONS):
        pytest.skip("no api function in the catalog yet (the fake-catalog test covers the API)")
    return raw["KokuhoApi"]


def test_endpoint_private_and_policy_pinned_to_vpc_endpoint(api: dict[str, Any]) -> None:
    (rest,) = resources(api, "AWS::ApiGateway::RestApi").values()
    props = rest["Properties"]
    assert props["EndpointConfiguration"]["Types"] == ["PRIVATE"]
    assert props["EndpointConfiguration"]["VpcEndpointIds"]
    statements = props["Policy"]["Statement"]
    deny = [s for s in statements if s["Effect"] == "Deny"]
    assert len(deny) == 1
    condition = deny[0]["Condition"]["StringNotEquals"]["aws:SourceVpce"]
    assert "ExecuteApi" in json.dumps(condition)
    assert props["EndpointConfiguration"]["VpcEndpointIds"] == [condition]


def test_methods_iam_authorized_and_validated(api: dict[str, Any]) -> None:
    methods = resources(api, "AWS::ApiGateway::Method").values()
    assert methods
    (validator_id, validator), = resources(api, "AWS::ApiGateway::RequestValidator").items()
    assert validator["Properties"]["ValidateRequestBody"] is True
    assert validator["Properties"]["ValidateRequestParameters"] is True
    for m in methods:
        assert m["Properties"]["AuthorizationType"] == "AWS_IAM"
        assert m["Properties"]["RequestValidatorId"] == {"Ref": validator_id}
        assert m["Properties"]["Integration"]["Type"] == "AWS_PROXY"


def test_stage_throttled_traced_and_access_logged(api: dict[str, Any]) -> None:
    (stage,) = resources(api, "AWS::ApiGateway::Stage").values()
    props = stage["Properties"]
    assert props["TracingEnabled"] is True
    assert props["AccessLogSetting"]["DestinationArn"]
    (setting,) = props["MethodSettings"]
    assert setting["ThrottlingRateLimit"] > 0 and setting["ThrottlingBurstLimit"] > 0
    assert setting["DataTraceEnabled"] is False
    for group in resources(api, "AWS::Logs::LogGroup").values():
        assert "KmsKeyId" in group["Properties"] and "RetentionInDays" in group["Properties"]
