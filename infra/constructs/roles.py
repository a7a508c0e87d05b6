"""Service roles whose every permission is written out in ONE customer-managed policy.

CDK constructs add statements to a role's inline default policy behind our back (X-Ray for tracing,
log delivery for Step Functions). Handing them `role.without_policy_updates()` drops those silent
additions, so the policy we write — exactly what the catalog asks for — is the whole truth, and no
inline policy exists for a reviewer to miss.
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from constructs import Construct


class ServiceRole(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, service: iam.IPrincipal, description: str,
                 role_name: str | None = None) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(self, "Role", assumed_by=service, description=description, role_name=role_name)
        self.policy = iam.ManagedPolicy(self, "Policy", roles=[self.role], description=description)

    @property
    def immutable(self) -> iam.IRole:
        return self.role.without_policy_updates()

    def trust(self, statement: iam.PolicyStatement) -> None:
        """One more statement of the role's trust policy."""
        assert self.role.assume_role_policy is not None
        self.role.assume_role_policy.add_statements(statement)

    def allow(self, actions: list[str], resources: list[str], conditions: dict[str, object] | None = None) -> None:
        self.policy.add_statements(iam.PolicyStatement(actions=actions, resources=resources, conditions=conditions))
