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


def test_stage_throttled_untraced_and_access_logged(api: dict[str, Any]) -> None:
    (stage,) = resources(api, "AWS::ApiGateway::Stage").values()
    props = stage["Properties"]
    # API Gateway's X-Ray segment records the request's URL with its query string: the person search's kana, birth
    # date and address — and a My Number a client typed into a URL, which the function refuses after the stage has
    # traced it — would sit in X-Ray, outside the encrypted, access-recorded stores. The functions' traces remain.
    assert props.get("TracingEnabled") in (None, False)
    assert props["AccessLogSetting"]["DestinationArn"]
    settings = {(s["ResourcePath"], s["HttpMethod"]): s for s in props["MethodSettings"]}
    stage_wide, reads = settings[("/*", "*")], settings[("/*", "GET")]
    assert stage_wide["ThrottlingRateLimit"] > 0 and stage_wide["ThrottlingBurstLimit"] > 0
    # reads (where bulk copying happens) are throttled tighter than the stage
    assert 0 < reads["ThrottlingRateLimit"] < stage_wide["ThrottlingRateLimit"]
    assert 0 < reads["ThrottlingBurstLimit"] < stage_wide["ThrottlingBurstLimit"]
    assert all(s["DataTraceEnabled"] is False for s in settings.values())
    for group in resources(api, "AWS::Logs::LogGroup").values():
        assert "KmsKeyId" in group["Properties"] and "RetentionInDays" in group["Properties"]


def test_volume_limit_refusals_raise_an_alarm_and_the_city_account_is_pinned(api: dict[str, Any]) -> None:
    from infra.settings import DUMMY_ACCOUNT

    alarms = [a["Properties"] for a in resources(api, "AWS::CloudWatch::Alarm").values()
              if a["Properties"].get("MetricName") == "VolumeLimitRefusals"]
    api_functions = [f for f in FUNCTIONS if f.api]
    assert len(alarms) == len(api_functions)
    for alarm in alarms:
        assert alarm["Namespace"] == "kokuho" and alarm["Threshold"] == 1
        dims = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
        assert dims["api"] == "qualification" and dims["service"].startswith("kokuho-")
        assert alarm["AlarmActions"]  # the security topic
    for fn in resources(api, "AWS::Lambda::Function").values():
        env = fn["Properties"]["Environment"]["Variables"]
        assert env["KOKUHO_CITY_ACCOUNT"] == DUMMY_ACCOUNT  # kokuho:account of the synth
