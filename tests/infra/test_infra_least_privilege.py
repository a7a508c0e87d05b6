"""Least privilege per function (issue 8 item 12): the private API is split by concern, each function's
role holds what its routes touch and nothing more, only the vault reaches the My Number table and key,
and API Gateway sends each route to the function of its concern.

The expectations below are written out by hand from what each concern's routes do (reviewed against
qualification.api and kokuho.qualification.application), not taken from the catalog the stacks build from.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from infra_helpers import resources

ACCOUNT, REGION = "111111111111", "ap-northeast-1"
VAULT = "kokuho-qualification-api-vault"
# The vault reaches My Numbers through its data-access role, as the member of staff (issue 11 item 1).
VAULT_DATA = f"{VAULT}-data"
VAULT_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{VAULT_DATA}"
MY_NUMBER_TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/kokuho-mynumber"

# function → table → "read" | "write" | "append" (PutItem on access records, never Update/Delete).
# Every route identifies the caller (staff_sessions: read), checks the grants (staff: read) and the volume
# limits (api_usage: counters, write) and leaves an access record (access_log: append).
EVERY_ROUTE = {"staff_sessions": "read", "staff": "read", "api_usage": "write", "access_log": "append"}
API_TABLES: dict[str, dict[str, str]] = {
    # search / read persons and households (the "on file" mask from the qualification file), 窓口試算
    "kokuho-qualification-api-read": {"qualification": "read", "requests": "read", **EVERY_ROUTE},  # 利用停止
    # 取得・喪失・異動 and cards: the file, and the household projection in the same transaction
    # (and a joiner's 特定健診受診券 on acquisition: health)
    "kokuho-qualification-api-register": {"qualification": "write", "assessment": "write", "health": "write",
                                          **EVERY_ROUTE},
    # store / reveal / look up, the review list; the person must exist; the "on file" marker
    "kokuho-qualification-api-vault": {"mynumber": "write", "qualification": "write",
                                       "requests": "read", **EVERY_ROUTE},  # 利用停止 of a reveal/look-up
    # 自動応答不可 queue and decisions
    "kokuho-qualification-api-approval": {"linkage": "write", **EVERY_ROUTE},
    # 権限設定状況の一覧表
    "kokuho-qualification-api-review": {**EVERY_ROUTE},
    # 収納: the unmatched queue and its resolution, refund accounts; a notice addressed from the payer's 送付先,
    # a 決定通知書 / 変更通知書 from the assessment's versions and the case the engine explains; the payer's
    # 公金受取口座 (a held refund takes a named account only while none is registered)
    "kokuho-qualification-api-collection": {"collection": "write", "qualification": "read", "assessment": "read",
                                            "linkage": "read", **EVERY_ROUTE},
    # 開示・訂正・利用停止の請求, 問い合わせ: the requests table; a correction changes the file and its household
    # projection; a disclosure reads the payer's premiums and ledgers, the 情報提供等記録 naming the person and their
    # benefit (receipts) and health records
    "kokuho-qualification-api-requests": {"requests": "write", "qualification": "write", "assessment": "write",
                                          "collection": "read", "linkage_records": "read", "receipts": "read",
                                          "health": "read", **EVERY_ROUTE},
    # 保健事業: a person's wish about the 医療費通知 (the health table); the person must be on file
    "kokuho-qualification-api-health": {"health": "write", "qualification": "read", **EVERY_ROUTE},
    # 給付: a household's benefits, payments and 返還金 read, 支給申請 and 差止 written (receipts table); the household
    # read from the qualification file (it must exist: its householder)
    "kokuho-qualification-api-benefits": {"receipts": "write", "qualification": "read", **EVERY_ROUTE},
}
# concern → the function API Gateway must send its routes to
CONCERN_FUNCTION = {"read": "kokuho-qualification-api-read", "meta": "kokuho-qualification-api-read",
                    "register": "kokuho-qualification-api-register", "vault": VAULT,
                    "approval": "kokuho-qualification-api-approval", "review": "kokuho-qualification-api-review",
                    "collection": "kokuho-qualification-api-collection",
                    "requests": "kokuho-qualification-api-requests",
                    "health": "kokuho-qualification-api-health",
                    "benefits": "kokuho-qualification-api-benefits"}
READS = {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan",
         "dynamodb:ConditionCheckItem"}
WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
KEY_USE = {"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo",
           "kms:CreateGrant", "kms:GenerateDataKeyWithoutPlaintext"}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _role_statements(raw: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Owner (function name, or stack/resource of any other role) → its identity-policy statements."""
    out: dict[str, list[dict[str, Any]]] = {}
    for stack, template in raw.items():
        res = template["Resources"]
        role_owner = {fn["Properties"]["Role"]["Fn::GetAtt"][0]: fn["Properties"].get("FunctionName")
                      for fn in resources(template, "AWS::Lambda::Function").values()
                      if isinstance(fn["Properties"].get("Role"), dict) and "Fn::GetAtt" in fn["Properties"]["Role"]}
        for rid, r in res.items():
            props = r.get("Properties", {})
            if r["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
                roles = [x["Ref"] for x in props.get("Roles", []) if isinstance(x, dict) and "Ref" in x]
                owners = [role_owner.get(x) or _named(res, x) or f"{stack}/{x}" for x in roles] or [f"{stack}/{rid}"]
                for owner in owners:
                    out.setdefault(owner, []).extend(props["PolicyDocument"]["Statement"])
            elif r["Type"] == "AWS::IAM::Role":
                for p in props.get("Policies", []):
                    out.setdefault(role_owner.get(rid) or f"{stack}/{rid}", []).extend(p["PolicyDocument"]["Statement"])
    return out


def _named(res: dict[str, Any], role_id: str) -> str | None:
    """A function's data-access role by its fixed name (<function>-data)."""
    name = res.get(role_id, {}).get("Properties", {}).get("RoleName")
    return name if isinstance(name, str) and name.endswith("-data") else None


def _tables_touched(statements: list[dict[str, Any]]) -> dict[str, str]:
    found: dict[str, set[str]] = {}
    for st in statements:
        if st.get("Effect") != "Allow":
            continue
        actions = {a for a in _as_list(st["Action"]) if str(a).startswith("dynamodb:")}
        for r in _as_list(st["Resource"]):
            if isinstance(r, str) and ":table/kokuho-" in r and "/index/" not in r:
                found.setdefault(r.split(":table/kokuho-")[1].replace("-", "_"), set()).update(actions)
    out = {}
    for table, actions in found.items():
        assert actions, table
        if actions & WRITES == {"dynamodb:PutItem", "dynamodb:DeleteItem"}:
            out[table] = "purge"  # put and delete, never update (the retention run on the access log)
        elif actions & (WRITES - {"dynamodb:PutItem"}):
            out[table] = "write"
        elif "dynamodb:PutItem" in actions:
            out[table] = "append"
        else:
            assert actions <= READS | {"dynamodb:DescribeTable"}, (table, actions)
            out[table] = "read"
    return out


def test_each_api_function_holds_exactly_what_its_routes_touch(raw: dict[str, dict[str, Any]]) -> None:
    by_owner = _role_statements(raw)
    api_functions = {n for n in by_owner if str(n).startswith("kokuho-qualification-api")}
    assert api_functions == set(API_TABLES) | {f"{n}-data" for n in API_TABLES}
    for name, expected in API_TABLES.items():
        # the function's own role and its data-access role together (test_infra_data_role: which holds what)
        touched = _tables_touched(by_owner[name] + by_owner[f"{name}-data"])
        assert touched == expected, name


def test_no_role_but_the_vaults_reaches_the_my_number_table(raw: dict[str, dict[str, Any]]) -> None:
    reach = set()
    for owner, statements in _role_statements(raw).items():
        for st in statements:
            if st.get("Effect") != "Allow":
                continue
            if any(isinstance(r, str) and fnmatch.fnmatchcase(MY_NUMBER_TABLE, r.split("/index/")[0])
                   for r in _as_list(st["Resource"])) and any(str(a).startswith("dynamodb:")
                                                              for a in _as_list(st["Action"])):
                reach.add(owner)
    assert reach == {VAULT_DATA}


def test_no_identity_policy_but_the_vaults_names_the_my_number_key(raw: dict[str, dict[str, Any]]) -> None:
    users = set()
    for owner, statements in _role_statements(raw).items():
        for st in statements:
            if "KeyMyNumber" in json.dumps(st.get("Resource")) and set(_as_list(st["Action"])) & KEY_USE:
                users.add(owner)
    assert users == {VAULT_DATA}


def test_the_my_number_key_policy_names_the_vault_as_its_only_user(raw: dict[str, dict[str, Any]]) -> None:
    data = raw["KokuhoData"]
    aliases = {a["Properties"]["AliasName"]: a["Properties"]["TargetKeyId"]["Fn::GetAtt"][0]
               for a in resources(data, "AWS::KMS::Alias").values()}
    key = resources(data, "AWS::KMS::Key")[aliases["alias/kokuho-mynumber"]]
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    assert all(st["Effect"] == "Allow" for st in statements)
    for st in statements:
        uses = set(_as_list(st["Action"])) & (KEY_USE | {"kms:*", "kms:ReEncrypt*", "kms:GenerateDataKey*"})
        if not uses:
            continue  # administration: describe, enable/disable, rotate, policy, alias, deletion
        condition = st.get("Condition", {})
        vault = condition.get("ArnEquals", {}).get("aws:PrincipalArn") == VAULT_ROLE_ARN
        via_dynamodb = condition.get("StringEquals", {}).get("kms:ViaService") == f"dynamodb.{REGION}.amazonaws.com"
        assert vault or via_dynamodb, st  # nobody else, and no kms:* for the account root
    assert any(st.get("Condition", {}).get("ArnEquals", {}).get("aws:PrincipalArn") == VAULT_ROLE_ARN
               for st in statements)


def test_api_gateway_sends_each_route_to_the_function_of_its_concern(raw: dict[str, dict[str, Any]]) -> None:
    from infra.app import FUNCTIONS_ROOT, api_routes

    api = raw["KokuhoApi"]
    res = api["Resources"]
    fn_name = {k: v["Properties"]["FunctionName"] for k, v in res.items() if v["Type"] == "AWS::Lambda::Function"}

    def path_of(ref: Any) -> str:
        if "Fn::GetAtt" in ref:  # the root resource
            return ""
        r = res[ref["Ref"]]["Properties"]
        return f"{path_of(r['ParentId'])}/{r['PathPart']}"

    served: dict[tuple[str, str], str] = {}
    for m in resources(api, "AWS::ApiGateway::Method").values():
        props = m["Properties"]
        assert props["AuthorizationType"] == "AWS_IAM"
        uri = json.dumps(props["Integration"]["Uri"])
        (target,) = [name for lid, name in fn_name.items() if lid in uri]
        served[(props["HttpMethod"], path_of(props["ResourceId"]) or "/")] = target
    routes = api_routes(FUNCTIONS_ROOT)
    assert routes
    for route in routes:
        assert served[(route.method, route.path)] == CONCERN_FUNCTION[route.concern], route
    # Everything else (another method of a known path, an unknown path) reaches the meta function only,
    # whose handler answers 404/405.
    for (method, path), target in served.items():
        if not any((r.method, r.path) == (method, path) for r in routes):
            assert method == "ANY" and target == CONCERN_FUNCTION["meta"], (method, path)
