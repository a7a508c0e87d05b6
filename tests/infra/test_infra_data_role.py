"""CloudTrail names the member of staff (issue 11 item 1): each API function reaches personal data through
its own data-access role, which only that function's role may assume, only with a source identity (the
staff id, or a run id) and the session tags terminal, function and purpose. The function's own role keeps
what identifying the caller takes (sessions, staff and grants, volume counters, the access record of a
refused request); the personal data is the data role's alone.

Written out by hand (not read from the catalog the stacks build from).
"""

from __future__ import annotations

import json
from typing import Any

from infra_helpers import resources

ACCOUNT = "111111111111"
API_FUNCTIONS = {
    "kokuho-qualification-api-read": {"qualification", "requests"},
    "kokuho-qualification-api-register": {"qualification", "assessment", "health"},
    "kokuho-qualification-api-vault": {"mynumber", "qualification", "requests"},
    "kokuho-qualification-api-approval": {"linkage"},
    "kokuho-qualification-api-review": set(),
    "kokuho-qualification-api-collection": {"collection", "qualification", "assessment", "linkage"},
    "kokuho-qualification-api-requests": {"requests", "qualification", "assessment", "collection", "linkage_records",
                                          "receipts", "health"},
    "kokuho-qualification-api-health": {"health", "qualification"},
    "kokuho-qualification-api-benefits": {"receipts", "qualification"},
}
# What identifying and refusing a caller takes, before anyone is acting: the function's own role.
OWN = {"staff_sessions", "staff", "api_usage", "access_log"}
TAGS = ["kokuho-function", "kokuho-purpose", "kokuho-terminal"]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _roles(api: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], dict[str, str], dict[str, Any]]:
    """Role resources, function name → its execution role's logical id, data role name → resource."""
    roles = resources(api, "AWS::IAM::Role")
    execution = {fn["Properties"]["FunctionName"]: fn["Properties"]["Role"]["Fn::GetAtt"][0]
                 for fn in resources(api, "AWS::Lambda::Function").values()
                 if str(fn["Properties"].get("FunctionName", "")).startswith("kokuho-qualification-api")}
    data = {r["Properties"]["RoleName"]: r for r in roles.values()
            if str(r["Properties"].get("RoleName", "")).endswith("-data")}
    return roles, execution, data


def _statements(api: dict[str, Any], role_id: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for r in api["Resources"].values():
        if r["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy") and {"Ref": role_id} in r["Properties"].get(
                "Roles", []):
            out.extend(r["Properties"]["PolicyDocument"]["Statement"])
    return out


def _tables(statements: list[dict[str, Any]]) -> set[str]:
    found = set()
    for st in statements:
        if st.get("Effect") == "Allow" and any(str(a).startswith("dynamodb:") for a in _as_list(st["Action"])):
            for r in _as_list(st["Resource"]):
                if isinstance(r, str) and ":table/kokuho-" in r:
                    found.add(r.split(":table/kokuho-")[1].split("/")[0].replace("-", "_"))
    return found


def test_each_api_function_has_its_own_data_role_trusted_by_its_role_only_with_a_source_identity(
        raw: dict[str, dict[str, Any]]) -> None:
    api = raw["KokuhoApi"]
    roles, execution, data = _roles(api)
    assert set(execution) == set(API_FUNCTIONS)
    assert set(data) == {f"{name}-data" for name in API_FUNCTIONS}
    for name, own_role in execution.items():
        trust = data[f"{name}-data"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        by_action: dict[str, dict[str, Any]] = {}
        for st in trust:
            assert st["Effect"] == "Allow"
            assert st["Principal"] == {"AWS": {"Fn::GetAtt": [own_role, "Arn"]}}, (name, st)  # its function only
            for action in _as_list(st["Action"]):
                by_action[action] = st
        assert set(by_action) == {"sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"}
        # no session without a source identity, nor without the three tags
        assume = by_action["sts:AssumeRole"]["Condition"]
        assert assume["Null"]["sts:SourceIdentity"] == "false"
        assert all(assume["Null"][f"aws:RequestTag/{t}"] == "false" for t in TAGS)
        assert by_action["sts:SetSourceIdentity"]["Condition"]["Null"]["sts:SourceIdentity"] == "false"
        assert sorted(by_action["sts:TagSession"]["Condition"]["ForAllValues:StringEquals"]["aws:TagKeys"]) == TAGS


def test_personal_data_is_the_data_roles_and_the_function_may_assume_its_own_only(
        raw: dict[str, dict[str, Any]]) -> None:
    api = raw["KokuhoApi"]
    roles, execution, data = _roles(api)
    data_ids = {props_name: rid for rid, r in roles.items()
                if (props_name := r["Properties"].get("RoleName", "")).endswith("-data")}
    for name, personal in API_FUNCTIONS.items():
        own = _statements(api, execution[name])
        assert _tables(own) <= OWN, name
        assert _tables(_statements(api, data_ids[f"{name}-data"])) == personal | {"access_log"}, name
        sts = [st for st in own if any(str(a).startswith("sts:") for a in _as_list(st["Action"]))]
        assert sts == [{"Action": ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"], "Effect": "Allow",
                        "Resource": f"arn:aws:iam::{ACCOUNT}:role/{name}-data"}], name
        fn, = [f for f in resources(api, "AWS::Lambda::Function").values()
               if f["Properties"]["FunctionName"] == name]
        assert fn["Properties"]["Environment"]["Variables"]["KOKUHO_DATA_ACCESS_ROLE_ARN"] == (
            f"arn:aws:iam::{ACCOUNT}:role/{name}-data")


def test_the_my_number_key_names_the_vaults_data_role(raw: dict[str, dict[str, Any]]) -> None:
    policy = json.dumps(raw["KokuhoData"])
    assert f"arn:aws:iam::{ACCOUNT}:role/kokuho-qualification-api-vault-data" in policy
