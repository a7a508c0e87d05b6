"""Alarms reach someone; the custom-resource handler logs like every function; the work and exchange
buckets keep personal data no longer than needed (issue 8 item 15)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from infra_helpers import resources

from infra.app import build_app, synth

REPO = Path(__file__).resolve().parents[2]


def _subscriptions(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [s["Properties"] for s in resources(template, "AWS::SNS::Subscription").values()]


def test_the_security_topic_has_the_configured_subscriber(raw: dict[str, dict[str, Any]]) -> None:
    configured = json.loads((REPO / "cdk.json").read_text())["context"]["kokuho:alarmSubscription"]
    (topic_id,) = resources(raw["KokuhoAudit"], "AWS::SNS::Topic")
    (sub,) = _subscriptions(raw["KokuhoAudit"])
    assert sub["TopicArn"] == {"Ref": topic_id}
    assert (sub["Protocol"], sub["Endpoint"]) == ("email", configured.removeprefix("mailto:"))


def _audit_only(tmp_path: Path, subscription: object) -> Any:
    return synth(build_app(outdir=str(tmp_path), context={"kokuho:alarmSubscription": subscription}, nag=False))


def test_an_https_endpoint_subscribes_over_https(tmp_path: Path) -> None:
    result = _audit_only(tmp_path, "https://alarms.city.internal/kokuho")
    assert result.guard_errors == []
    (sub,) = _subscriptions(result.templates["KokuhoAudit"])
    assert (sub["Protocol"], sub["Endpoint"]) == ("https", "https://alarms.city.internal/kokuho")


@pytest.mark.parametrize("bad", ["", "http://alarms.city.internal/kokuho", "security team", None])
def test_no_or_a_bad_subscriber_fails_the_synth(tmp_path: Path, bad: object) -> None:
    if bad is None:
        context = json.loads((REPO / "cdk.json").read_text())["context"]
        assert "kokuho:alarmSubscription" in context  # the shipped config names one...
        with pytest.raises(ValueError, match="kokuho:alarmSubscription"):  # ...and without it, no synth
            build_app(outdir=str(tmp_path), context={"kokuho:alarmSubscription": None}, nag=False)
        return
    with pytest.raises(ValueError, match="kokuho:alarmSubscription"):
        _audit_only(tmp_path, bad)


def test_the_custom_resource_handler_logs_to_an_encrypted_retained_group(raw: dict[str, dict[str, Any]]) -> None:
    net = raw["KokuhoNetwork"]
    (handler,) = resources(net, "AWS::Lambda::Function").values()
    group_ref = handler["Properties"]["LoggingConfig"]["LogGroup"]
    (group_id,) = group_ref.values() if "Ref" in group_ref else [None]
    group = resources(net, "AWS::Logs::LogGroup")[group_id]["Properties"]
    assert "KmsKeyId" in group and group["RetentionInDays"] == 365


# Hand-written from the retention rules (docs domain §5; the assessment III-7 リスク3):
#  work: a run's work list and Distributed Map results are copies made for ONE run (the summary and the
#        assessment versions live in the assessment table): gone 35 days after the run.
#  exchange: files already applied, sent or rejected are kept 2 years (国保法 第110条, the period of
#        the rights they carry) and deleted by the retention workflow alone, which keeps what a legal hold
#        names: no lifecycle rule expires them (docs/retention.md "Legal hold").
EXPECTED_EXPIRY: dict[str, dict[str, int]] = {
    "work": {"runs/": 35, "map-results/": 35},
    "exchange": {},
}


def test_work_and_exchange_buckets_expire_what_the_retention_rules_allow(raw: dict[str, dict[str, Any]]) -> None:
    buckets = {b["Properties"]["BucketName"]: b["Properties"]
               for b in resources(raw["KokuhoData"], "AWS::S3::Bucket").values()}
    for logical, expected in EXPECTED_EXPIRY.items():
        rules = buckets[f"kokuho-{logical}-111111111111-ap-northeast-1"]["LifecycleConfiguration"]["Rules"]
        assert all(r["Status"] == "Enabled" for r in rules)
        expiring = {r["Prefix"]: r["ExpirationInDays"] for r in rules if "ExpirationInDays" in r}
        assert expiring == expected, logical
        # An overwritten or deleted object's old version goes too, and unfinished uploads are cleaned up.
        assert any(r.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays", 10**6) <= 30 for r in rules)
        assert any(r.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation", 10**6) <= 7 for r in rules)
