"""Deployment settings shared by every stack: where the system may run and how long logs are kept.

The region rule comes from the assessment's III-7 (特定個人情報の保管・消去, domestic storage):
specific personal information stays in Japan, Tokyo primary and Osaka for disaster recovery.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aws_cdk import Environment
from aws_cdk import aws_logs as logs
from constructs import Construct

JAPAN_REGIONS: frozenset[str] = frozenset({"ap-northeast-1", "ap-northeast-3"})
PRIMARY_REGION = "ap-northeast-1"
DR_REGION = "ap-northeast-3"
DUMMY_ACCOUNT = "111111111111"  # synth must need no AWS account; the real id comes from cdk.json context

# Fixed AZs so synth needs no context lookup (which would need AWS credentials).
AVAILABILITY_ZONES: dict[str, list[str]] = {
    "ap-northeast-1": ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"],
    "ap-northeast-3": ["ap-northeast-3a", "ap-northeast-3b", "ap-northeast-3c"],
}

# Audit evidence (trail, API access, flow logs) is kept as long as linkage records: 7 years.
AUDIT_LOG_RETENTION = logs.RetentionDays.SEVEN_YEARS
# Application logs carry no My Number (redacted) and are operational: one year.
APP_LOG_RETENTION = logs.RetentionDays.ONE_YEAR
# S3 Object Lock on the audit bucket (compliance mode, 7 years): kokuho.platform.tables.AUDIT_BUCKET.



def availability_zones(region: str) -> list[str]:
    # Other regions only get this far to be refused by the region guard with a clear message.
    return AVAILABILITY_ZONES.get(region, [f"{region}a", f"{region}b", f"{region}c"])


PROJECT = "kokuho"
TRAIL_NAME = "kokuho-trail"


@dataclass(frozen=True)
class DeploySettings:
    account: str
    region: str

    @property
    def env(self) -> Environment:
        return Environment(account=self.account, region=self.region)

    def bucket_name(self, logical: str) -> str:
        """Deterministic, globally unique bucket name (account and region make it unique)."""
        return f"{PROJECT}-{logical.replace('_', '-')}-{self.account}-{self.region}"

    # ARNs are built from the fixed names rather than imported from the Data stack: the stacks that
    # use them declare a dependency instead, so no CloudFormation export pins the tables/buckets.
    def table_arn(self, table_name: str) -> str:
        return f"arn:aws:dynamodb:{self.region}:{self.account}:table/{table_name}"

    def bucket_arn(self, logical: str) -> str:
        return f"arn:aws:s3:::{self.bucket_name(logical)}"

    def function_arn(self, function_name: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{function_name}"

    def function_name(self, logical: str) -> str:
        return f"{PROJECT}-{logical}"

    def fixed_role_arn(self, function_logical: str) -> str:
        """Fixed ARN of the role of a function whose role a key policy names (the vault; signers)."""
        return f"arn:aws:iam::{self.account}:role/{self.function_name(function_logical)}"

    def data_role_arn(self, function_logical: str) -> str:
        """Fixed ARN of a function's data-access role (kokuho.access.data_role): the role that holds its
        personal data, assumed per member of staff with their id as source identity."""
        from kokuho.access.data_role import data_role_name

        return f"arn:aws:iam::{self.account}:role/{data_role_name(self.function_name(function_logical))}"

    def signer_role_arn(self, function_logical: str) -> str:
        """Fixed ARN of the role that signs for a function (a key policy names it; see CatalogFunctions): its
        data-access role — a workflow step signs as its run (kokuho.access.run_identity)."""
        return self.data_role_arn(function_logical)

    def state_machine_name(self, logical: str) -> str:
        return f"{PROJECT}-{logical}"

    def state_machine_arn(self, logical: str) -> str:
        """Fixed ARN of a catalog state machine: other stacks grant on it without a cross-stack reference."""
        return f"arn:aws:states:{self.region}:{self.account}:stateMachine:{self.state_machine_name(logical)}"


def settings_from_context(scope: Construct) -> DeploySettings:
    region = scope.node.try_get_context("kokuho:region") or PRIMARY_REGION
    account = scope.node.try_get_context("kokuho:account") or DUMMY_ACCOUNT
    return DeploySettings(account=str(account), region=str(region))


ALARM_SUBSCRIPTION_CONTEXT = "kokuho:alarmSubscription"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class AlarmSubscription:
    """Who the security alarms reach: an email address, or an HTTPS endpoint of the city's network."""

    protocol: str  # "email" | "https"
    endpoint: str


def alarm_subscription_from_context(scope: Construct) -> AlarmSubscription:
    """`kokuho:alarmSubscription`: "mailto:someone@city…" (or a bare address) or "https://…".
    Required: a security topic nobody reads is an alarm that never rings."""
    value = scope.node.try_get_context(ALARM_SUBSCRIPTION_CONTEXT)
    text = value.strip() if isinstance(value, str) else ""
    if text.startswith("https://") and len(text) > len("https://") and " " not in text:
        return AlarmSubscription("https", text)
    address = text.removeprefix("mailto:")
    if _EMAIL.fullmatch(address):
        return AlarmSubscription("email", address)
    raise ValueError(
        f"{ALARM_SUBSCRIPTION_CONTEXT} must name who receives the security alarms: an email address "
        f"(mailto:…) or an https:// endpoint inside the city's network; got {value!r}")
