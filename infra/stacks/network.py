"""Network stack: the closed network (閉域ネットワーク) the assessment requires (III-7 リスク1,
"インターネットとは切り離された閉域ネットワーク").

Private isolated subnets only: no internet gateway, no NAT, no public subnet. AWS services are reached
through VPC endpoints: gateway endpoints for DynamoDB and S3, interface endpoints for the rest. Two
security groups: `endpoints` admits HTTPS from inside the VPC, `workloads` (Lambda) may send HTTPS to
the endpoints' group and to the two gateway endpoints' AWS-managed prefix lists, nothing else (the
prefix-list ids come from context `kokuho:gatewayPrefixLists`, else the CDK CLI looks them up by name
for the deployment's region). Every endpoint carries a policy: this account's principals only; the S3
gateway endpoint serves only the project's buckets and CloudFormation's custom-resource response
bucket. Flow logs record every accepted and rejected packet.
"""

from __future__ import annotations

from aws_cdk import CfnResource, CustomResourceProviderBase, Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.log_group import encrypted_log_group
from infra.constructs.roles import ServiceRole
from infra.guards import place_in_vpc
from infra.settings import APP_LOG_RETENTION, AUDIT_LOG_RETENTION, PROJECT, DeploySettings, availability_zones
from kokuho.platform.catalog import FUNCTIONS
from kokuho.platform.catalog.model import bucket_prefixes
from kokuho.platform.tables import BUCKETS_BY_LOGICAL

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

# The IAM service prefix each interface endpoint serves (its endpoint policy allows only that service).
ENDPOINT_IAM_PREFIX: dict[str, str] = {
    "Kms": "kms", "Sts": "sts", "Logs": "logs", "StepFunctions": "states", "StepFunctionsSync": "states",
    "Sqs": "sqs", "SecretsManager": "secretsmanager", "EventBridge": "events", "XRay": "xray",
    "ExecuteApi": "execute-api", "Ec2": "ec2",
}
GATEWAY_SERVICES = ("s3", "dynamodb")
PROJECT_OBJECT_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject",
                          "s3:AbortMultipartUpload", "s3:ListBucket"]

RESTRICT_SG_PROVIDER_ID = "Custom::VpcRestrictDefaultSGCustomResourceProvider"


def _function_prefixes(bucket: str, default: str | None) -> list[str]:
    """The key prefixes the catalog's functions use in `bucket` (its function_prefix, and any function's own)."""
    used = {p for f in FUNCTIONS if bucket in f.buckets for p in bucket_prefixes(f, bucket, default)}
    return sorted(used | {default or ""})


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
        for gateway in GATEWAY_SERVICES:
            # One rule resource per gateway: offline both lookups show the same placeholder id, which
            # add_egress_rule would fold into one rule.
            ec2.CfnSecurityGroupEgress(
                self, f"WorkloadTo{gateway.title()}Gateway", group_id=self.workload_sg.security_group_id,
                ip_protocol="tcp", from_port=443, to_port=443,
                destination_prefix_list_id=self._gateway_prefix_list(settings, gateway, gateway_prefix_lists or {}),
                description=f"HTTPS to the {gateway} gateway endpoint")
        self._s3_endpoint_policy(settings)

        self.endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {}
        for name, service in INTERFACE_ENDPOINTS.items():
            endpoint = self.vpc.add_interface_endpoint(
                name, service=service, subnets=self.subnets, security_groups=[self.endpoint_sg],
                private_dns_enabled=True, open=False,
            )
            endpoint.add_to_policy(self._account_only(settings, ENDPOINT_IAM_PREFIX[name]))
            self.endpoints[name] = endpoint
        self.execute_api_endpoint = self.endpoints["ExecuteApi"]
        self._restrict_sg_handler_into_vpc(flow_log_key)

    def _gateway_prefix_list(self, settings: DeploySettings, service: str, configured: dict[str, str]) -> str:
        """The gateway endpoint's AWS-managed prefix list: configured, or looked up by its name in this
        region (the CDK CLI resolves the lookup at deploy time; offline synth shows a placeholder)."""
        if service in configured:
            return configured[service]
        found = ec2.PrefixList.from_lookup(
            self, f"{service.title()}PrefixList", prefix_list_name=f"com.amazonaws.{settings.region}.{service}")
        return found.prefix_list_id

    @staticmethod
    def _account_only(settings: DeploySettings, iam_prefix: str) -> iam.PolicyStatement:
        """Interface endpoint policy: its own service, called by this account's principals only; KMS only
        on this account's keys (no encrypting data away under someone else's key)."""
        resources = ([f"arn:aws:kms:{settings.region}:{settings.account}:key/*"] if iam_prefix == "kms" else ["*"])
        return iam.PolicyStatement(
            principals=[iam.AnyPrincipal()], actions=[f"{iam_prefix}:*"], resources=resources,
            conditions={"StringEquals": {"aws:PrincipalAccount": settings.account}})

    def _s3_endpoint_policy(self, settings: DeploySettings) -> None:
        """Through this network S3 serves the project's buckets to this account (the append-only audit
        bucket: reads and puts under its function prefix, no delete), and takes the custom-resource
        handler's answer to CloudFormation (a presigned PUT into the AWS-owned response bucket of the
        region); no other bucket, so nothing can be copied out to one."""
        s3_endpoint = self.vpc.node.find_child("S3")
        assert isinstance(s3_endpoint, ec2.GatewayVpcEndpoint)
        for spec in BUCKETS_BY_LOGICAL.values():
            arn = settings.bucket_arn(spec.logical)
            actions = [a for a in PROJECT_OBJECT_ACTIONS
                       if not (spec.append_only and a in ("s3:DeleteObject", "s3:AbortMultipartUpload"))]
            s3_endpoint.add_to_policy(iam.PolicyStatement(
                principals=[iam.AnyPrincipal()], actions=actions,
                resources=[arn, *(f"{arn}/{p}*" for p in _function_prefixes(spec.logical, spec.function_prefix))],
                conditions={"StringEquals": {"aws:PrincipalAccount": settings.account}}))
        s3_endpoint.add_to_policy(iam.PolicyStatement(
            principals=[iam.AnyPrincipal()], actions=["s3:PutObject"],
            resources=[f"arn:aws:s3:::cloudformation-custom-resource-response-"
                       f"{settings.region.replace('-', '')}/*"]))

    def _restrict_sg_handler_into_vpc(self, key: kms.IKey) -> None:
        """CDK removes the default security group's rules with a deploy-time Lambda that it creates
        outside any VPC; move it into the isolated subnets like every other function (it reaches EC2
        through the EC2 endpoint and answers CloudFormation through the S3 gateway endpoint). Like every
        function it logs to a declared group (the key, retention) and has its own concurrency; and as
        CloudFormation invokes it asynchronously, an event it fails on lands in a dead-letter queue."""
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
        self.custom_resource_logs = encrypted_log_group(
            self, "CustomResourceLogs", key=key, retention=APP_LOG_RETENTION,
            name=f"/{PROJECT}/custom-resources/restrict-default-sg")
        handler.add_property_override("LoggingConfig", {"LogGroup": self.custom_resource_logs.log_group_name})
        handler.add_property_override("ReservedConcurrentExecutions", 1)
        self.custom_resource_dlq = sqs.Queue(
            self, "CustomResourceDeadLetters", encryption=sqs.QueueEncryption.KMS, encryption_master_key=key,
            enforce_ssl=True, retention_period=Duration.days(14))
        handler.add_property_override("DeadLetterConfig", {"TargetArn": self.custom_resource_dlq.queue_arn})
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
            provider.add_to_role_policy(iam.PolicyStatement(
                actions=["sqs:SendMessage"], resources=[self.custom_resource_dlq.queue_arn]).to_json())
            provider.add_to_role_policy(iam.PolicyStatement(
                actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[key.key_arn]).to_json())
