"""Who may answer a workflow's task tokens: exactly the functions whose catalog entry says so
(`answers_task_tokens_of`), on exactly those state machines' ARNs — the private API's function included,
though it lives in another stack than the state machine."""

from __future__ import annotations

from typing import Any

from infra_helpers import resources

from kokuho.platform.catalog import FUNCTIONS_BY_LOGICAL

REGION, ACCOUNT = "ap-northeast-1", "111111111111"
PROVISION_ARN = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:kokuho-linkage-provision"
CONTEXT_KEY = "kms:EncryptionContext:aws:states:stateMachineArn"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(raw: dict[str, dict[str, Any]], own_only: bool = False) -> dict[str, list[dict[str, Any]]]:
    """Function logical (catalog) → every statement of its roles' policies: its execution role's and its
    data-access role's (<function>-data, kokuho.access.data_role), unless `own_only`."""
    out: dict[str, list[dict[str, Any]]] = {}
    for template in raw.values():
        policies = resources(template, "AWS::IAM::ManagedPolicy").values()
        named = {r["Properties"].get("RoleName"): rid for rid, r in resources(template, "AWS::IAM::Role").items()}
        for fn in resources(template, "AWS::Lambda::Function").values():
            name = fn["Properties"].get("FunctionName", "")
            if not name.startswith("kokuho-"):
                continue
            roles = [fn["Properties"]["Role"]["Fn::GetAtt"][0]]
            if not own_only and f"{name}-data" in named:
                roles.append(named[f"{name}-data"])
            out[name.removeprefix("kokuho-")] = [
                st for p in policies for role in roles if {"Ref": role} in p["Properties"].get("Roles", [])
                for st in p["Properties"]["PolicyDocument"]["Statement"]]
    return out


def _states_statements(statements: list[dict[str, Any]], prefix: str = "states:") -> list[dict[str, Any]]:
    return [st for st in statements if any(str(a).startswith(prefix) for a in _as_list(st["Action"]))]


def test_the_private_api_may_answer_the_provision_workflow_and_nothing_broader(
    raw: dict[str, dict[str, Any]],
) -> None:
    statements = _statements(raw)["qualification-api-approval"]
    (states,) = _states_statements(statements)
    assert states["Effect"] == "Allow"
    assert sorted(_as_list(states["Action"])) == [
        "states:SendTaskFailure", "states:SendTaskHeartbeat", "states:SendTaskSuccess"]
    assert _as_list(states["Resource"]) == [PROVISION_ARN]  # one machine, no wildcard
    assert "Condition" not in states
    # The answer is written to the execution history: the personal-data key, for that machine only.
    keyed = [st for st in statements if st.get("Condition", {}).get("StringEquals", {}).get(CONTEXT_KEY)]
    assert len(keyed) == 1
    assert _as_list(keyed[0]["Action"]) == ["kms:GenerateDataKey"]
    assert keyed[0]["Condition"]["StringEquals"][CONTEXT_KEY] == PROVISION_ARN
    assert "KeyPersonal" in str(keyed[0]["Resource"])
    # and it may decide the held requests (the linkage table), not start or stop executions
    assert not any(a in str(statements) for a in ("states:StartExecution", "states:StopExecution", "states:*"))
    # (through its data-access role, as the member of staff: issue 11 item 1)
    data_role = [rid for rid, r in resources(raw["KokuhoApi"], "AWS::IAM::Role").items()
                 if r["Properties"].get("RoleName") == "kokuho-qualification-api-approval-data"]
    data_statements = [st for p in resources(raw["KokuhoApi"], "AWS::IAM::ManagedPolicy").values()
                       if {"Ref": data_role[0]} in p["Properties"].get("Roles", [])
                       for st in p["Properties"]["PolicyDocument"]["Statement"]]
    assert "table/kokuho-linkage\"" in str(data_statements).replace("'", "\"")
    # the answer is sent inside the route, while acting as the member of staff: the data role's, not the
    # function's own (which could not make it: every call there is signed with the data role's session)
    assert _states_statements(data_statements)
    assert not _states_statements(_statements(raw, own_only=True)["qualification-api-approval"])


def test_only_the_catalog_answerers_hold_send_task_and_only_on_their_machines(
    raw: dict[str, dict[str, Any]],
) -> None:
    by_function = _statements(raw)
    assert set(by_function) == set(FUNCTIONS_BY_LOGICAL)
    answerers = {lg for lg, spec in FUNCTIONS_BY_LOGICAL.items() if spec.answers_task_tokens_of}
    # the private API's approval concern alone: a direct invocation proves no one (the linkage-approval function,
    # which took the approver from its payload, is gone)
    assert answerers == {"qualification-api-approval"}
    for logical, statements in by_function.items():
        spec = FUNCTIONS_BY_LOGICAL[logical]
        expected = {f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:kokuho-{m}" for m in spec.answers_task_tokens_of}
        granted = {r for st in _states_statements(statements, "states:SendTask") for r in _as_list(st["Resource"])}
        assert granted == expected, logical
