"""CloudTrail names the run (issue 11 item 1): every batch and workflow function that touches data reaches it
through its own data-access role, which only that function's role may assume, only with a source identity
(the run id: kokuho.access.run_identity) and the session tags terminal (the workflow), function and purpose.
The function's own role holds nothing of the data: no table, bucket or data key, only what running takes
(logs, network interfaces, traces, its environment's key) and the right to assume its data role.

Written out by hand (not read from the catalog the stacks build from).
"""

from __future__ import annotations

from typing import Any

from infra_helpers import resources

ACCOUNT = "111111111111"
# Workflow functions that touch a table, a bucket or a signing key: each acts through <name>-data.
WITH_DATA = {
    "kokuho-assessment-prepare", "kokuho-assessment-batch", "kokuho-assessment-record-failure",
    "kokuho-assessment-summarize", "kokuho-assessment-case-intake",
    "kokuho-audit-verify", "kokuho-audit-digest", "kokuho-audit-export",
    "kokuho-collection-payment-intake", "kokuho-collection-payment-list", "kokuho-collection-reminders",
    "kokuho-collection-transfer-returns",
    "kokuho-collection-overpayments", "kokuho-collection-refund-file", "kokuho-collection-arrears",
    "kokuho-collection-statistics", "kokuho-collection-notices", "kokuho-collection-pension",
    "kokuho-linkage-setup", "kokuho-linkage-query-prepare",
    "kokuho-linkage-query-receive", "kokuho-linkage-provision-check", "kokuho-linkage-provision-park",
    "kokuho-linkage-provision-provide", "kokuho-linkage-provision-refuse", "kokuho-linkage-provision-send",
    "kokuho-linkage-retention-purge", "kokuho-linkage-federation-export", "kokuho-linkage-federation-intake",
    "kokuho-linkage-federation-list", "kokuho-city-intake", "kokuho-city-intake-list",
    "kokuho-benefits-receipt-intake", "kokuho-benefits-receipt-list",
    "kokuho-benefits-run-prepare", "kokuho-benefits-run-batch", "kokuho-benefits-run-summarize",
    "kokuho-benefits-payment-pay", "kokuho-benefits-payment-file", "kokuho-benefits-payment-notices",
    "kokuho-health-medical-cost-notices", "kokuho-health-checkup-vouchers", "kokuho-health-attendance-intake",
}
WITHOUT_DATA = {"kokuho-linkage-query-send"}  # hands a prepared query to the network gateway: no data
TAGS = ["kokuho-function", "kokuho-purpose", "kokuho-terminal"]
# What a function's own role may still do: run (logs, ENIs, traces), read its environment, invoke, and start
# its data role's sessions.
OWN_PREFIXES = ("logs:", "ec2:", "xray:")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _functions(raw: dict[str, dict[str, Any]]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Workflow function name → (its function properties, its stack's template)."""
    out = {}
    for template in raw.values():
        for fn in resources(template, "AWS::Lambda::Function").values():
            name = str(fn["Properties"].get("FunctionName", ""))
            if name.startswith("kokuho-") and not name.startswith("kokuho-qualification-api"):
                out[name] = (fn["Properties"], template)
    return out


def _statements(template: dict[str, Any], role_id: str) -> list[dict[str, Any]]:
    return [st for r in template["Resources"].values()
            if r["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy")
            and {"Ref": role_id} in r["Properties"].get("Roles", [])
            for st in r["Properties"]["PolicyDocument"]["Statement"]]


def _data_role(template: dict[str, Any], name: str) -> tuple[str, dict[str, Any]] | None:
    found = [(rid, r) for rid, r in resources(template, "AWS::IAM::Role").items()
             if r["Properties"].get("RoleName") == f"{name}-data"]
    return found[0] if found else None


def test_each_workflow_function_with_data_has_its_data_role_trusted_by_its_role_only_with_a_source_identity(
        raw: dict[str, dict[str, Any]]) -> None:
    functions = _functions(raw)
    assert set(functions) == WITH_DATA | WITHOUT_DATA
    for name, (props, template) in functions.items():
        found = _data_role(template, name)
        env = props.get("Environment", {}).get("Variables", {})
        if name in WITHOUT_DATA:
            assert found is None and "KOKUHO_DATA_ACCESS_ROLE_ARN" not in env, name
            continue
        assert found is not None, name
        _, role = found
        own_role = props["Role"]["Fn::GetAtt"][0]
        by_action: dict[str, dict[str, Any]] = {}
        for st in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]:
            assert st["Effect"] == "Allow"
            assert st["Principal"] == {"AWS": {"Fn::GetAtt": [own_role, "Arn"]}}, (name, st)  # its function only
            for action in _as_list(st["Action"]):
                by_action[action] = st
        assert set(by_action) == {"sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"}, name
        # no session without a source identity (the run id), nor without the three tags
        assume = by_action["sts:AssumeRole"]["Condition"]["Null"]
        assert assume == {"sts:SourceIdentity": "false", **{f"aws:RequestTag/{t}": "false" for t in TAGS}}, name
        assert by_action["sts:SetSourceIdentity"]["Condition"] == {"Null": {"sts:SourceIdentity": "false"}}
        assert sorted(by_action["sts:TagSession"]["Condition"]["ForAllValues:StringEquals"]["aws:TagKeys"]) == TAGS
        assert env["KOKUHO_DATA_ACCESS_ROLE_ARN"] == f"arn:aws:iam::{ACCOUNT}:role/{name}-data"


def test_a_workflow_functions_own_role_holds_no_data_only_its_data_roles_sessions(
        raw: dict[str, dict[str, Any]]) -> None:
    for name, (props, template) in _functions(raw).items():
        if name in WITHOUT_DATA:
            continue
        own = _statements(template, props["Role"]["Fn::GetAtt"][0])
        for st in own:
            actions = _as_list(st["Action"])
            if all(str(a).startswith(OWN_PREFIXES) for a in actions):
                continue
            if actions == ["kms:Decrypt"]:  # its environment, by its own name as encryption context
                assert st["Condition"] == {"StringEquals": {"kms:EncryptionContext:LambdaFunctionName": name}}
                continue
            assert actions == ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"], (name, st)
            assert st["Resource"] == f"arn:aws:iam::{ACCOUNT}:role/{name}-data", name
        data_id, _ = _data_role(template, name) or ("", {})
        granted = _statements(template, data_id)
        assert any(str(a).startswith(("dynamodb:", "s3:", "kms:")) for st in granted
                   for a in _as_list(st["Action"])), name  # the data is the data role's
        assert not any(str(a).startswith("sts:") for st in granted for a in _as_list(st["Action"])), name
