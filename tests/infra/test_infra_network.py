"""Closed network (III-7 リスク1): no path to the internet, AWS reached only through VPC endpoints."""

from __future__ import annotations

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
