"""Synth-time guards (CDK Aspects) for the protections the assessment promises in III-7 リスク1
(閉域ネットワーク, 暗号化, 国内保管): each finding is an ERROR annotation naming the resource, and
`infra.app.synth()` turns any error annotation into a failed synth with a non-zero exit.

Guards:
  region       every stack pinned to a Japanese region (ap-northeast-1, DR ap-northeast-3)
  closed-net   no internet/egress-only gateway, NAT gateway, public subnet (MapPublicIpOnLaunch), EIP,
               or public IP on a launch template or instance
  lambda-vpc   every Lambda function has a VpcConfig
  cmk          every table, bucket and log group is encrypted with a customer-managed KMS key
               (a bucket may be exempted with a written reason: the S3 access-log target, which
               S3 log delivery only supports with SSE-S3)
  retention    every log group has a retention period
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jsii
from aws_cdk import Annotations, AspectPriority, Aspects, CfnResource, IAspect, Stack, Token
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import IConstruct

from infra.settings import JAPAN_REGIONS

EXCEPTION_METADATA = "kokuho:guard-exception"
IN_VPC_METADATA = "kokuho:placed-in-vpc"


def exempt(construct: IConstruct, guard: str, reason: str) -> None:
    """Record a written exception on a construct (kept in the cloud assembly as evidence)."""
    if len(reason.split()) < 8:
        raise ValueError("a guard exception needs a real reason (a sentence, not a word)")
    construct.node.add_metadata(EXCEPTION_METADATA, {"guard": guard, "reason": reason})


def place_in_vpc(handler: CfnResource, *, subnet_ids: Sequence[str], security_group_ids: Sequence[str]) -> None:
    """Put a Lambda that CDK itself synthesizes as a raw CfnResource (custom-resource providers) into the
    VPC. Raw overrides are invisible to aspects, so the placement is also recorded as metadata."""
    handler.add_property_override("VpcConfig", {
        "SubnetIds": list(subnet_ids), "SecurityGroupIds": list(security_group_ids)})
    handler.node.add_metadata(IN_VPC_METADATA, True)


def _metadata(node: IConstruct, kind: str) -> list[Any]:
    return [m.data for m in node.node.metadata if m.type == kind]


def _exempted(node: IConstruct, guard: str) -> bool:
    # The exception may sit on the L2 construct or on its L1 resource.
    owners = [node] + ([node.node.scope] if node.node.scope is not None else [])
    return any(e.get("guard") == guard for o in owners for e in _metadata(o, EXCEPTION_METADATA))


def _resolve(node: IConstruct, value: object) -> Any:
    return Stack.of(node).resolve(value)


def _truthy(node: IConstruct, value: object) -> bool:
    return _resolve(node, value) in (True, "true", "True")


def _error(node: IConstruct, guard: str, message: str) -> None:
    Annotations.of(node).add_error(f"[kokuho guard {guard}] {node.node.path}: {message}")


@jsii.implements(IAspect)
class RegionGuard:
    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, Stack):
            return
        if Token.is_unresolved(node.region):
            _error(node, "region", "stack is not pinned to a region; pin it to ap-northeast-1 or "
                   "ap-northeast-3 (domestic storage, assessment III-7)")
        elif node.region not in JAPAN_REGIONS:
            _error(node, "region", f"region {node.region} is outside Japan; specific personal information "
                   "must stay in ap-northeast-1 / ap-northeast-3 (assessment III-7)")


@jsii.implements(IAspect)
class ClosedNetworkGuard:
    def visit(self, node: IConstruct) -> None:
        why = "the system runs in a closed network with no path to the internet (assessment III-7)"
        if isinstance(node, ec2.CfnInternetGateway):
            _error(node, "closed-net", f"internet gateway is not allowed: {why}")
        elif isinstance(node, ec2.CfnEgressOnlyInternetGateway):
            _error(node, "closed-net", f"egress-only internet gateway is not allowed: {why}")
        elif isinstance(node, ec2.CfnNatGateway):
            _error(node, "closed-net", f"NAT gateway is not allowed: {why}")
        elif isinstance(node, ec2.CfnEIP):
            _error(node, "closed-net", f"Elastic IP (public address) is not allowed: {why}")
        elif isinstance(node, ec2.CfnSubnet) and _truthy(node, node.map_public_ip_on_launch):
            _error(node, "closed-net", f"public subnet (MapPublicIpOnLaunch) is not allowed: {why}")
        elif isinstance(node, ec2.CfnLaunchTemplate):
            data = _resolve(node, node.launch_template_data) or {}
            if any(ni.get("associatePublicIpAddress") in (True, "true") or ni.get("AssociatePublicIpAddress")
                   in (True, "true") for ni in data.get("networkInterfaces", data.get("NetworkInterfaces", []))):
                _error(node, "closed-net", f"launch template assigns a public IP: {why}")
        elif isinstance(node, ec2.CfnInstance):
            interfaces = _resolve(node, node.network_interfaces) or []
            if any(ni.get("associatePublicIpAddress") in (True, "true") or ni.get("AssociatePublicIpAddress")
                   in (True, "true") for ni in interfaces):
                _error(node, "closed-net", f"instance has a public IP: {why}")


@jsii.implements(IAspect)
class LambdaInVpcGuard:
    def visit(self, node: IConstruct) -> None:
        message = ("Lambda function has no VpcConfig; every function runs in the isolated subnets and "
                   "reaches AWS only through VPC endpoints")
        if isinstance(node, lambda_.CfnFunction):
            if node.vpc_config is None:
                _error(node, "lambda-vpc", message)
        elif isinstance(node, CfnResource) and node.cfn_resource_type == "AWS::Lambda::Function":
            # CDK-internal providers are raw CfnResources; placement is only visible as metadata.
            if "VpcConfig" not in (node._cfn_properties or {}) and not _metadata(node, IN_VPC_METADATA):
                _error(node, "lambda-vpc", message)


@jsii.implements(IAspect)
class CustomerManagedKeyGuard:
    def visit(self, node: IConstruct) -> None:
        if isinstance(node, dynamodb.CfnTable):
            sse = _resolve(node, node.sse_specification) or {}
            if not (_is_true(sse.get("sseEnabled", sse.get("SSEEnabled")))
                    and sse.get("kmsMasterKeyId", sse.get("KMSMasterKeyId"))):
                _error(node, "cmk", "DynamoDB table is not encrypted with a customer-managed KMS key")
        elif isinstance(node, dynamodb.CfnGlobalTable):
            # KMS without a per-replica key id is the AWS-managed key, not ours.
            sse = _resolve(node, node.sse_specification) or {}
            replicas = _resolve(node, node.replicas) or []
            keyed = all((r.get("sseSpecification") or r.get("SSESpecification") or {}).get(
                "kmsMasterKeyId", (r.get("SSESpecification") or {}).get("KMSMasterKeyId")) for r in replicas)
            if str(sse.get("sseType", sse.get("SSEType", ""))).upper() != "KMS" or not replicas or not keyed:
                _error(node, "cmk", "DynamoDB global table is not encrypted with a customer-managed KMS key")
        elif isinstance(node, s3.CfnBucket):
            if not _bucket_on_cmk(_resolve(node, node.bucket_encryption)) and not _exempted(node, "cmk"):
                _error(node, "cmk", "S3 bucket is not encrypted with a customer-managed KMS key "
                       "(SSE-KMS with a KMSMasterKeyID)")
        elif isinstance(node, logs.CfnLogGroup):
            if node.kms_key_id is None:
                _error(node, "cmk", "log group is not encrypted with a customer-managed KMS key")


def _is_true(value: object) -> bool:
    return value in (True, "true", "True")


def _bucket_on_cmk(encryption: Any) -> bool:
    if not encryption:
        return False
    rules = encryption.get("serverSideEncryptionConfiguration",
                           encryption.get("ServerSideEncryptionConfiguration", []))
    for rule in rules:
        default = rule.get("serverSideEncryptionByDefault", rule.get("ServerSideEncryptionByDefault", {}))
        algorithm = default.get("sseAlgorithm", default.get("SSEAlgorithm"))
        key = default.get("kmsMasterKeyId", default.get("KMSMasterKeyID"))
        if algorithm in ("aws:kms", "aws:kms:dsse") and key:
            return True
    return False


@jsii.implements(IAspect)
class LogRetentionGuard:
    def visit(self, node: IConstruct) -> None:
        if isinstance(node, logs.CfnLogGroup) and node.retention_in_days is None:
            _error(node, "retention", "log group has no retention period (logs would be kept forever "
                   "instead of for the documented period)")


ALL_GUARDS: tuple[type, ...] = (
    RegionGuard, ClosedNetworkGuard, LambdaInVpcGuard, CustomerManagedKeyGuard, LogRetentionGuard)


def add_guards(scope: IConstruct) -> None:
    # READONLY priority: guards look at the tree after every mutating aspect has run.
    for guard in ALL_GUARDS:
        Aspects.of(scope).add(guard(), priority=AspectPriority.READONLY)
