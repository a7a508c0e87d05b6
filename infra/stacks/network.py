"""Network stack: the closed network (閉域ネットワーク) the assessment requires (III-7 リスク1,
"インターネットとは切り離された閉域ネットワーク").

Private isolated subnets only: no internet gateway, no NAT, no public subnet. AWS services are reached
through VPC endpoints: gateway endpoints for DynamoDB and S3, interface endpoints for the rest. Two
security groups: `endpoints` admits HTTPS from inside the VPC, `workloads` (Lambda) may send HTTPS to
the endpoints and nothing else. Flow logs record every accepted and rejected packet.
"""

from __future__ import annotations

from aws_cdk import CfnResource, CustomResourceProviderBase, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.constructs.log_group import encrypted_log_group
from infra.constructs.roles import ServiceRole
from infra.guards import place_in_vpc
from infra.settings import AUDIT_LOG_RETENTION, DeploySettings, availability_zones

VPC_CIDR = "10.80.0.0/16"

INTERFACE_ENDPOINTS: dict[str, ec2.InterfaceVpcEndpointAwsService] = {
    "Kms": ec2.InterfaceVpcEndpointAwsService.KMS,
    "Sts": ec2.InterfaceVpcEndpointAwsService.STS,
    "Logs": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    "StepFunctions": ec2.InterfaceVpcEndpointAwsService.STEP_FUNCTIONS,
    "StepFunctionsSync": ec2.InterfaceVpcEndpointAwsService.STEP_FUNCTIONS_SYNC,
    "Sqs": ec2.InterfaceVpcEndpointAwsService.SQS,
    "SecretsManager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    "EventBridge": ec2.InterfaceVpcEndpointAwsService.EVENTBRIDGE,
    "XRay": ec2.InterfaceVpcEndpointAwsService.XRAY,
    "ExecuteApi": ec2.InterfaceVpcEndpointAwsService.APIGATEWAY,
    # Used at deploy time by CDK's restrict-default-security-group handler, which runs in the VPC.
    "Ec2": ec2.InterfaceVpcEndpointAwsService.EC2,
}

RESTRICT_SG_PROVIDER_ID = "Custom::VpcRestrictDefaultSGCustomResourceProvider"


class NetworkStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, settings: DeploySettings, flow_log_key: kms.IKey,
        gateway_prefix_lists: dict[str, str] | None = None, **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, env=settings.env, **kwargs)  # type: ignore[arg-type]
        flow_logs = encrypted_log_group(self, "FlowLogs", key=flow_log_key, retention=AUDIT_LOG_RETENTION)
        flow_log_role = ServiceRole(
            self, "FlowLogsDelivery", service=iam.ServicePrincipal("vpc-flow-logs.amazonaws.com"),
            description="VPC flow logs delivery to the kokuho flow-log group only")
        flow_log_role.allow(["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                            [flow_logs.log_group_arn])
        self.vpc = ec2.Vpc(
            self, "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(VPC_CIDR),
            availability_zones=availability_zones(settings.region),
            nat_gateways=0,
            subnet_configuration=[ec2.SubnetConfiguration(
                name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=20)],
            restrict_default_security_group=True,
            gateway_endpoints={
                "DynamoDb": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.DYNAMODB),
                "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
            },
            flow_logs={"All": ec2.FlowLogOptions(
                destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs, flow_log_role.immutable),
                traffic_type=ec2.FlowLogTrafficType.ALL,
            )},
        )
        self.subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        # Data-exfiltration control: through this network, DynamoDB serves only this account's kokuho
        # tables to this account's principals (no copying into a table elsewhere, III-3 リスク4).
        dynamodb_endpoint = self.vpc.node.find_child("DynamoDb")
        assert isinstance(dynamodb_endpoint, ec2.GatewayVpcEndpoint)
        dynamodb_endpoint.add_to_policy(iam.PolicyStatement(
            principals=[iam.AnyPrincipal()],
            actions=["dynamodb:*"],
            resources=[f"arn:aws:dynamodb:{settings.region}:{settings.account}:table/kokuho-*"],
            conditions={"StringEquals": {"aws:PrincipalAccount": settings.account}},
        ))

        self.endpoint_sg = ec2.SecurityGroup(
            self, "EndpointSg", vpc=self.vpc, allow_all_outbound=False,
            description="VPC interface endpoints: HTTPS from inside the VPC only",
        )
        self.endpoint_sg.add_ingress_rule(ec2.Peer.ipv4(VPC_CIDR), ec2.Port.tcp(443), "HTTPS from the VPC")

        self.workload_sg = ec2.SecurityGroup(
            self, "WorkloadSg", vpc=self.vpc, allow_all_outbound=False,
            description="Lambda functions: HTTPS to the VPC endpoints only, no inbound",
        )
        self.workload_sg.add_egress_rule(self.endpoint_sg, ec2.Port.tcp(443), "HTTPS to interface endpoints")
        if gateway_prefix_lists:
            for service, prefix_list in sorted(gateway_prefix_lists.items()):
                self.workload_sg.add_egress_rule(
                    ec2.Peer.prefix_list(prefix_list), ec2.Port.tcp(443), f"HTTPS to the {service} gateway endpoint")
        else:
            # Without the region's gateway prefix-list ids (context kokuho:gatewayPrefixLists) we allow
            # HTTPS to any address: the isolated route tables reach only the VPC and the two gateway
            # endpoints, so this still means "the endpoints and nothing else".
            self.workload_sg.add_egress_rule(
                ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS; routing limits it to the gateway endpoints")

        self.endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {
            name: self.vpc.add_interface_endpoint(
                name, service=service, subnets=self.subnets, security_groups=[self.endpoint_sg],
                private_dns_enabled=True, open=False,
            )
            for name, service in INTERFACE_ENDPOINTS.items()
        }
        self.execute_api_endpoint = self.endpoints["ExecuteApi"]
        self._restrict_sg_handler_into_vpc()

    def _restrict_sg_handler_into_vpc(self) -> None:
        """CDK removes the default security group's rules with a deploy-time Lambda that it creates
        outside any VPC; move it into the isolated subnets like every other function (it reaches EC2
        through the EC2 endpoint and answers CloudFormation through the S3 gateway endpoint)."""
        provider = self.node.try_find_child(RESTRICT_SG_PROVIDER_ID)
        if provider is None:
            return
        handler = provider.node.find_child("Handler")
        assert isinstance(handler, CfnResource)
        place_in_vpc(
            handler,
            subnet_ids=self.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED).subnet_ids,
            security_group_ids=[self.workload_sg.security_group_id],
        )
        # The handler needs the EC2 API and CloudFormation's S3 response URL before it can run.
        restrict = self.vpc.node.try_find_child("RestrictDefaultSecurityGroupCustomResource")
        if restrict is not None:
            restrict.node.add_dependency(self.endpoints["Ec2"], self.vpc.node.find_child("S3"))
        if isinstance(provider, CustomResourceProviderBase):
            provider.add_to_role_policy(iam.PolicyStatement(
                actions=["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
                         "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
                         "ec2:UnassignPrivateIpAddresses"],
                resources=["*"],  # ENI ids do not exist before the call
            ).to_json())
