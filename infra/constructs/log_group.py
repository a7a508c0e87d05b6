"""Every log group of the app is made here: encrypted with a customer-managed key, retention set,
kept on stack deletion (the guards check the same three things on every log group)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct


def encrypted_log_group(
    scope: Construct, construct_id: str, *, key: kms.IKey, retention: logs.RetentionDays,
    name: str | None = None,
) -> logs.LogGroup:
    return logs.LogGroup(
        scope, construct_id,
        log_group_name=name,
        encryption_key=key,
        retention=retention,
        removal_policy=RemovalPolicy.RETAIN,
    )
