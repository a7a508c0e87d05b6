"""Each guard fails synth with a message naming the resource, on a deliberately bad stack."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3

from infra.app import synth
from infra.guards import add_guards, exempt

TOKYO = Environment(account="111111111111", region="ap-northeast-1")


def guard_errors(tmp_path: Path, build: Callable[[Stack], object], env: Environment | None = TOKYO) -> list[str]:
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Bad", env=env)
    build(stack)
    add_guards(app)
    result = synth(app)
    assert result.ok is (not result.guard_errors)
    return result.guard_errors


def only(errors: list[str], guard: str, path: str) -> str:
    hits = [e for e in errors if f"[kokuho guard {guard}]" in e and path in e]
    assert hits, errors
    return hits[0]


def test_region_outside_japan(tmp_path: Path) -> None:
    errors = guard_errors(tmp_path, lambda s: None, Environment(account="111111111111", region="us-east-1"))
    assert "us-east-1 is outside Japan" in only(errors, "region", "Bad")


def test_region_not_pinned(tmp_path: Path) -> None:
    errors = guard_errors(tmp_path, lambda s: None, env=None)
    assert "not pinned" in only(errors, "region", "Bad")


def test_osaka_dr_region_allowed(tmp_path: Path) -> None:
    assert guard_errors(tmp_path, lambda s: None, Environment(account="111111111111", region="ap-northeast-3")) == []


@pytest.mark.parametrize(("make", "path", "words"), [
    (lambda s: ec2.CfnInternetGateway(s, "Igw"), "Bad/Igw", "internet gateway"),
    (lambda s: ec2.CfnEgressOnlyInternetGateway(s, "Eigw", vpc_id="vpc-1"), "Bad/Eigw", "egress-only"),
    (lambda s: ec2.CfnNatGateway(s, "Nat", subnet_id="subnet-1"), "Bad/Nat", "NAT gateway"),
    (lambda s: ec2.CfnEIP(s, "Eip"), "Bad/Eip", "Elastic IP"),
    (lambda s: ec2.CfnSubnet(s, "Pub", vpc_id="vpc-1", cidr_block="10.0.0.0/24", map_public_ip_on_launch=True),
     "Bad/Pub", "public subnet"),
    (lambda s: ec2.CfnLaunchTemplate(s, "Lt", launch_template_data=ec2.CfnLaunchTemplate.LaunchTemplateDataProperty(
        network_interfaces=[ec2.CfnLaunchTemplate.NetworkInterfaceProperty(
            device_index=0, associate_public_ip_address=True)])), "Bad/Lt", "public IP"),
    (lambda s: ec2.CfnInstance(s, "Vm", image_id="ami-1", network_interfaces=[
        ec2.CfnInstance.NetworkInterfaceProperty(device_index="0", associate_public_ip_address=True)]),
     "Bad/Vm", "public IP"),
])
def test_closed_network(tmp_path: Path, make: Callable[[Stack], object], path: str, words: str) -> None:
    assert words in only(guard_errors(tmp_path, make), "closed-net", path)


def test_default_vpc_is_refused_for_every_public_part(tmp_path: Path) -> None:
    errors = guard_errors(tmp_path, lambda s: ec2.Vpc(s, "Vpc", max_azs=1))
    assert any("internet gateway" in e for e in errors)
    assert any("NAT gateway" in e for e in errors)
    assert any("public subnet" in e for e in errors)
    assert any("Elastic IP" in e for e in errors)


def test_lambda_without_vpc(tmp_path: Path) -> None:
    def build(s: Stack) -> None:
        key = kms.Key(s, "Key", enable_key_rotation=True)
        lambda_.Function(s, "Fn", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                         code=lambda_.Code.from_inline("def handler(e, c):\n    return e\n"),
                         log_group=logs.LogGroup(s, "Logs", encryption_key=key, retention=logs.RetentionDays.ONE_DAY))

    errors = guard_errors(tmp_path, build)
    assert "no VpcConfig" in only(errors, "lambda-vpc", "Bad/Fn/Resource")
    assert len(errors) == 1


def test_table_without_customer_managed_key(tmp_path: Path) -> None:
    def build(s: Stack) -> None:
        pk = dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
        dynamodb.Table(s, "Plain", partition_key=pk)
        dynamodb.Table(s, "AwsManaged", partition_key=pk, encryption=dynamodb.TableEncryption.AWS_MANAGED)
        dynamodb.TableV2(s, "Global", partition_key=pk)
        dynamodb.TableV2(s, "GlobalAwsKms", partition_key=pk,
                         encryption=dynamodb.TableEncryptionV2.aws_managed_key())
        key = kms.Key(s, "Key", enable_key_rotation=True)
        dynamodb.TableV2(s, "GlobalCmk", partition_key=pk,
                         encryption=dynamodb.TableEncryptionV2.customer_managed_key(key))

    errors = guard_errors(tmp_path, build)
    for path in ("Bad/Plain/Resource", "Bad/AwsManaged/Resource", "Bad/Global/Resource",
                 "Bad/GlobalAwsKms/Resource"):
        assert "customer-managed KMS key" in only(errors, "cmk", path)
    assert not [e for e in errors if "Bad/GlobalCmk" in e]


def test_bucket_without_customer_managed_key_unless_exempted_with_reason(tmp_path: Path) -> None:
    def build(s: Stack) -> None:
        s3.Bucket(s, "SseS3", encryption=s3.BucketEncryption.S3_MANAGED)
        s3.Bucket(s, "AwsKms", encryption=s3.BucketEncryption.KMS_MANAGED)
        logs_bucket = s3.Bucket(s, "AccessLogs", encryption=s3.BucketEncryption.S3_MANAGED)
        exempt(logs_bucket, "cmk", "S3 server access log delivery only supports SSE-S3 on the target bucket.")
        s3.Bucket(s, "Cmk", encryption_key=kms.Key(s, "Key", enable_key_rotation=True))

    errors = guard_errors(tmp_path, build)
    only(errors, "cmk", "Bad/SseS3/Resource")
    only(errors, "cmk", "Bad/AwsKms/Resource")
    assert not [e for e in errors if "AccessLogs" in e or "Bad/Cmk" in e]


def test_exemption_needs_a_real_reason(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    bucket = s3.Bucket(Stack(app, "S", env=TOKYO), "B")
    with pytest.raises(ValueError, match="real reason"):
        exempt(bucket, "cmk", "logs")


def test_log_group_without_key_or_retention(tmp_path: Path) -> None:
    def build(s: Stack) -> None:
        key = kms.Key(s, "Key", enable_key_rotation=True)
        logs.LogGroup(s, "NoKey", retention=logs.RetentionDays.ONE_YEAR)
        logs.LogGroup(s, "Forever", encryption_key=key, retention=logs.RetentionDays.INFINITE)
        logs.LogGroup(s, "Good", encryption_key=key, retention=logs.RetentionDays.ONE_YEAR)

    errors = guard_errors(tmp_path, build)
    assert "log group is not encrypted" in only(errors, "cmk", "Bad/NoKey/Resource")
    assert "no retention" in only(errors, "retention", "Bad/Forever/Resource")
    assert not [e for e in errors if "Bad/Good" in e]
    assert len(errors) == 2
