"""Closed network (III-7 リスク1): no path to the internet, AWS reached only through VPC endpoints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Match, Template
from infra_helpers import all_resources, resources

FORBIDDEN = ("AWS::EC2::InternetGateway", "AWS::EC2::EgressOnlyInternetGateway", "AWS::EC2::NatGateway",
             "AWS::EC2::EIP", "AWS::EC2::VPCGatewayAttachment")


def test_no_internet_gateway_nat_or_public_address_in_any_stack(raw: dict[str, dict[str, Any]]) -> None:
    for type_ in FORBIDDEN:
        assert all_resources(raw, type_) == {}, type_


def test_three_isolated_subnets_none_public(raw: dict[str, dict[str, Any]]) -> None:
    subnets = all_resources(raw, "AWS::EC2::Subnet")
    assert len(subnets) == 3
    assert {s["Properties"]["AvailabilityZone"] for s in subnets.values()} == {
        "ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"}
    for subnet in subnets.values():
        assert subnet["Properties"].get("MapPublicIpOnLaunch") in (None, False)
    for route in all_resources(raw, "AWS::EC2::Route").values():  # no default route anywhere
        assert route["Properties"].get("DestinationCidrBlock") != "0.0.0.0/0"


def test_gateway_and_interface_endpoints(raw: dict[str, dict[str, Any]]) -> None:
    endpoints = resources(raw["KokuhoNetwork"], "AWS::EC2::VPCEndpoint").values()
    services = set()
    for ep in endpoints:
        name = ep["Properties"]["ServiceName"]
        services.add(name if isinstance(name, str) else str(name))
    joined = " ".join(services)
    for service in ("dynamodb", "s3", "kms", "sts", "logs", "states", "sync-states", "sqs", "secretsmanager",
                    "events", "xray", "execute-api"):
        assert f".{service}" in joined or f"{service}" in joined, service
    kinds = {ep["Properties"].get("VpcEndpointType", "Gateway") for ep in endpoints}
    assert kinds == {"Gateway", "Interface"}
    for ep in endpoints:
        if ep["Properties"].get("VpcEndpointType") == "Interface":
            assert ep["Properties"]["PrivateDnsEnabled"] is True


def test_security_groups_allow_https_only(raw: dict[str, dict[str, Any]]) -> None:
    for sg in resources(raw["KokuhoNetwork"], "AWS::EC2::SecurityGroup").values():
        props = sg["Properties"]
        for rule in props.get("SecurityGroupIngress", []) + props.get("SecurityGroupEgress", []):
            if rule.get("CidrIp") == "255.255.255.255/32" and rule["Description"] == "Disallow all traffic":
                continue  # CDK's placeholder meaning "no egress at all" (the endpoints' group)
            assert (rule["FromPort"], rule["ToPort"], rule["IpProtocol"]) == (443, 443, "tcp"), rule
    for type_ in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
        for rule in resources(raw["KokuhoNetwork"], type_).values():
            assert (rule["Properties"]["FromPort"], rule["Properties"]["ToPort"]) == (443, 443)


def test_default_security_group_restricted_by_a_handler_inside_the_vpc(raw: dict[str, dict[str, Any]]) -> None:
    net = raw["KokuhoNetwork"]
    assert resources(net, "Custom::VpcRestrictDefaultSG")
    handlers = resources(net, "AWS::Lambda::Function")
    assert handlers and all("VpcConfig" in h["Properties"] for h in handlers.values())


def test_flow_logs_all_traffic_to_encrypted_retained_group(templates: dict[str, Template]) -> None:
    net = templates["KokuhoNetwork"]
    net.has_resource_properties("AWS::EC2::FlowLog", {
        "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"})
    net.has_resource_properties("AWS::Logs::LogGroup", {
        "KmsKeyId": Match.any_value(), "RetentionInDays": 2557})


def test_dynamodb_endpoint_serves_only_this_accounts_kokuho_tables(raw: dict[str, dict[str, Any]]) -> None:
    (endpoint,) = [e for e in resources(raw["KokuhoNetwork"], "AWS::EC2::VPCEndpoint").values()
                   if "dynamodb" in str(e["Properties"]["ServiceName"])]
    (statement,) = endpoint["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Resource"] == "arn:aws:dynamodb:ap-northeast-1:111111111111:table/kokuho-*"
    assert statement["Condition"] == {"StringEquals": {"aws:PrincipalAccount": "111111111111"}}


# --- tighter closed network (issue 8 item 13) --------------------------------------------------------

# Hand-written: what may leave a function over HTTPS. The interface endpoints' security group, and the two
# gateway endpoints' AWS-managed prefix lists (S3, DynamoDB) — never "any address".
GATEWAY_PREFIX_LISTS = {"com.amazonaws.ap-northeast-1.s3", "com.amazonaws.ap-northeast-1.dynamodb"}
# Hand-written: every bucket a function reaches through the S3 gateway endpoint (the project's work and
# exchange buckets, the audit bucket's digests), and the AWS-owned bucket CloudFormation's
# custom-resource handler answers through.
S3_ENDPOINT_BUCKETS = {
    "arn:aws:s3:::kokuho-work-111111111111-ap-northeast-1",
    "arn:aws:s3:::kokuho-exchange-111111111111-ap-northeast-1",
    "arn:aws:s3:::kokuho-audit-111111111111-ap-northeast-1",
}
CFN_RESPONSE_BUCKET = "arn:aws:s3:::cloudformation-custom-resource-response-apnortheast1"


def _egress_rules(net: dict[str, Any], sg_id: str) -> list[dict[str, Any]]:
    rules = list(resources(net, "AWS::EC2::SecurityGroup")[sg_id]["Properties"].get("SecurityGroupEgress", []))
    rules += [r["Properties"] for r in resources(net, "AWS::EC2::SecurityGroupEgress").values()
              if r["Properties"]["GroupId"] == {"Fn::GetAtt": [sg_id, "GroupId"]}]
    return rules


def test_no_security_group_sends_anywhere(raw: dict[str, dict[str, Any]]) -> None:
    for name, template in raw.items():
        for sg in resources(template, "AWS::EC2::SecurityGroup").values():
            for rule in sg["Properties"].get("SecurityGroupEgress", []):
                assert rule.get("CidrIp") != "0.0.0.0/0", (name, rule)
        for rule in resources(template, "AWS::EC2::SecurityGroupEgress").values():
            assert rule["Properties"].get("CidrIp") != "0.0.0.0/0", (name, rule)


def test_functions_reach_the_endpoints_group_and_the_gateway_prefix_lists_only(
        raw: dict[str, dict[str, Any]], real_app: Any) -> None:
    net = raw["KokuhoNetwork"]
    (workload_id,) = [k for k, sg in resources(net, "AWS::EC2::SecurityGroup").items()
                      if sg["Properties"]["GroupDescription"].startswith("Lambda functions")]
    (endpoint_id,) = [k for k, sg in resources(net, "AWS::EC2::SecurityGroup").items()
                      if sg["Properties"]["GroupDescription"].startswith("VPC interface endpoints")]
    rules = _egress_rules(net, workload_id)
    assert {(r["FromPort"], r["ToPort"], r["IpProtocol"]) for r in rules} == {(443, 443, "tcp")}
    to_groups = [r["DestinationSecurityGroupId"] for r in rules if "DestinationSecurityGroupId" in r]
    assert to_groups == [{"Fn::GetAtt": [endpoint_id, "GroupId"]}]
    prefix_rules = [r for r in rules if "DestinationPrefixListId" in r]
    assert len(prefix_rules) == 2 and len(rules) == 3
    # Offline the ids are CDK's lookup placeholders; the CDK CLI resolves them by these names at deploy.
    assert _prefix_list_lookups(real_app) == GATEWAY_PREFIX_LISTS


def _prefix_list_lookups(real_app: Any) -> set[str]:
    manifest = json.loads((Path(real_app.app.outdir) / "manifest.json").read_text())
    return {m["props"]["propertyMatch"]["PrefixListName"] for m in manifest.get("missing", [])
            if m["props"].get("typeName") == "AWS::EC2::PrefixList"}


def test_configured_prefix_lists_replace_the_lookup(tmp_path: Any) -> None:
    from aws_cdk import App, Stack
    from aws_cdk import aws_kms as kms

    from infra.settings import DeploySettings
    from infra.stacks.network import NetworkStack

    app = App(outdir=str(tmp_path))
    settings = DeploySettings(account="111111111111", region="ap-northeast-1")
    keys = Stack(app, "Keys", env=settings.env)
    net = NetworkStack(app, "Net", settings=settings, flow_log_key=kms.Key(keys, "K"),
                       gateway_prefix_lists={"s3": "pl-1111aaaa", "dynamodb": "pl-2222bbbb"})
    template = app.synth().get_stack_by_name(net.stack_name).template
    rules = [r["Properties"] for r in resources(template, "AWS::EC2::SecurityGroupEgress").values()]
    for sg in resources(template, "AWS::EC2::SecurityGroup").values():
        rules += sg["Properties"].get("SecurityGroupEgress", [])
    assert sorted(r["DestinationPrefixListId"] for r in rules if "DestinationPrefixListId" in r) == [
        "pl-1111aaaa", "pl-2222bbbb"]
    assert not any(r.get("CidrIp") == "0.0.0.0/0" for r in rules)


def _statements(endpoint: dict[str, Any]) -> list[dict[str, Any]]:
    return list(endpoint["Properties"].get("PolicyDocument", {}).get("Statement", []))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_s3_gateway_endpoint_serves_only_the_project_buckets_and_cloudformations(
        raw: dict[str, dict[str, Any]]) -> None:
    (endpoint,) = [e for e in resources(raw["KokuhoNetwork"], "AWS::EC2::VPCEndpoint").values()
                   if "s3" in str(e["Properties"]["ServiceName"]) and
                   e["Properties"].get("VpcEndpointType", "Gateway") == "Gateway"]
    statements = _statements(endpoint)
    assert statements and all(s["Effect"] == "Allow" for s in statements)
    named = set()
    for s in statements:
        for r in _as_list(s["Resource"]):
            assert r != "*" and isinstance(r, str), s
            named.add(r.split("/")[0])
    assert named == S3_ENDPOINT_BUCKETS | {CFN_RESPONSE_BUCKET}
    for s in statements:  # the project's buckets: this account's principals only
        buckets = {r.split("/")[0] for r in _as_list(s["Resource"])}
        if buckets & S3_ENDPOINT_BUCKETS:
            assert s["Condition"] == {"StringEquals": {"aws:PrincipalAccount": "111111111111"}}
        else:  # CloudFormation's response bucket: only the presigned PUT of the answer
            assert _as_list(s["Action"]) == ["s3:PutObject"]
        if any("kokuho-audit-" in b for b in buckets):  # the audit evidence: never deleted through here
            assert "s3:DeleteObject" not in _as_list(s["Action"])
            assert f"{next(iter(buckets))}/access-digests/*" in _as_list(s["Resource"])


def test_every_interface_endpoint_is_for_this_accounts_principals_only(raw: dict[str, dict[str, Any]]) -> None:
    interface = [e for e in resources(raw["KokuhoNetwork"], "AWS::EC2::VPCEndpoint").values()
                 if e["Properties"].get("VpcEndpointType") == "Interface"]
    assert len(interface) == 11
    for endpoint in interface:
        statements = _statements(endpoint)
        assert statements, endpoint["Properties"]["ServiceName"]
        for s in statements:
            assert s["Effect"] == "Allow"
            assert s["Condition"]["StringEquals"]["aws:PrincipalAccount"] == "111111111111"
