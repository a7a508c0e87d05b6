"""The private API split by concern (issue 8 item 12): one handler module deployed as one function per
concern; a function serves its concern's routes only and refuses the others with 404 before any handler
(no access record, nothing read); the read routes learn that a number is on file without the vault's
table; the case intake hands its numbers to the vault function."""

from __future__ import annotations

import json
from typing import Any

import pytest
from qualification_helpers import call, item_counts

from kokuho.access.records import records_by_staff
from kokuho_local.local_api import rest_event
from kokuho_local.local_lambda import LocalLambdaContext

READER, CLERK, OFFICER, AUDITOR = "S1001", "S1002", "S1004", "S1005"
NUMBER = "123456789018"
PERSON = {"person_id": "P0001", "resident_code": "10000001", "household_id": "H0001", "name_kanji": "北九 太郎",
          "name_kana": "キタキュウ タロウ", "birth_date": "1975-06-15", "sex": "1", "relationship": "世帯主",
          "postal_code": "803-8501", "address": "北九州市小倉北区城内1-1", "resident_from": "2024-04-01"}
MOVE = {"postal_code": "802-0001", "address": "北九州市小倉北区浅野1-1", "moved_on": "2025-04-01", "version": 1}
# Hand-written: which deployed function serves which (method, path, staff with the grant, body, status of
# success) — one per concern.
SAMPLES = {
    "read": ("GET", "/persons/P0001", READER, "kokuho-qualification-api-read", None, 200),
    "register": ("POST", "/persons/P0001/moves", CLERK, "kokuho-qualification-api-register", MOVE, 200),
    "vault": ("POST", "/persons/P0001/my-number", OFFICER, "kokuho-qualification-api-vault",
              {"my_number": NUMBER}, 202),
    "review": ("GET", "/permissions/review", AUDITOR, "kokuho-qualification-api-review", None, 200),
    "requests": ("GET", "/requests/due", "S1015", "kokuho-qualification-api-requests", None, 200),
    "health": ("GET", "/health/persons/P0001/medical-cost-notice", "S1030", "kokuho-qualification-api-health", None,
               200),
    "benefits": ("GET", "/benefits/H0001", "S1018", "kokuho-qualification-api-benefits", None, 200),
}
FUNCTIONS = sorted({s[3] for s in SAMPLES.values()} | {"kokuho-qualification-api-approval"})


def _as(function_name: str, method: str, path: str, staff_id: str, body: object = None) -> tuple[int, Any]:
    from qualification.api import handler

    ctx = LocalLambdaContext(function_name=function_name, invoked_function_arn=f"arn:aws:lambda:::{function_name}",
                             memory_limit_in_mb=1024, timeout_seconds=29)
    resp = handler(rest_event(method, path, staff_id=staff_id, body=body), ctx)  # type: ignore[arg-type]
    return int(resp["statusCode"]), json.loads(resp.get("body") or "{}")


def _records(staff_id: str) -> int:
    return len(list(records_by_staff(staff_id)))


@pytest.fixture
def seeded(staffed: None) -> None:
    assert call("POST", "/persons", staff_id=CLERK, body=PERSON)[0] == 201


def test_each_function_serves_its_concern_and_refuses_the_others_before_any_handler(seeded: None) -> None:
    for concern, (method, path, staff_id, own, body, ok) in SAMPLES.items():
        for function in FUNCTIONS:
            if function == own:
                continue
            before, counts = _records(staff_id), item_counts("qualification", "mynumber", "access_log")
            status, out = _as(function, method, path, staff_id, body)
            assert (status, out) == (404, {"error": "no such route"}), (concern, function)
            assert _records(staff_id) == before, (concern, function)  # refused before the grant check
            assert item_counts("qualification", "mynumber", "access_log") == counts
        status, _ = _as(own, method, path, staff_id, body)
        assert status == ok, concern


def test_the_read_routes_show_a_number_on_file_without_the_vaults_table(
        seeded: None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _as("kokuho-qualification-api-vault", "POST", "/persons/P0001/my-number", OFFICER,
               {"my_number": NUMBER})[0] == 202
    from kokuho.records import vault_store

    def _forbidden(*_: object, **__: object) -> None:
        raise AssertionError("a read route touched the My Number table")

    for method in ("get", "batch_get", "query", "scan"):
        monkeypatch.setattr(vault_store.MyNumberModel, method, _forbidden)
    status, person = _as("kokuho-qualification-api-read", "GET", "/persons/P0001", READER)
    assert status == 200 and person["my_number"] and set(person["my_number"]) == {"*"}  # on file, masked
    status, household = _as("kokuho-qualification-api-read", "GET", "/households/H0001", READER)
    assert status == 200 and [bool(m["my_number"]) for m in household["members"]] == [True]


def test_the_vault_function_takes_the_intakes_numbers_and_names_none_in_an_error(seeded: None) -> None:
    from qualification.vault import handler

    from kokuho.identity.vault import STORE_ACTION

    ctx = LocalLambdaContext(function_name="kokuho-qualification-api-vault", invoked_function_arn="arn",
                             memory_limit_in_mb=1024, timeout_seconds=29)
    actor = {"staff_id": "system:case-intake", "terminal_id": "req-1", "purpose": "賦課用世帯情報の取込"}
    out = handler({"action": STORE_ACTION, "actor": actor, "items": [["P0001", NUMBER]]}, ctx)
    assert out == {"my_numbers": {"stored": 1}}
    with pytest.raises(ValueError) as exc:
        handler({"action": STORE_ACTION, "items": [["P0001", NUMBER]]}, ctx)  # no actor
    assert NUMBER not in str(exc.value)


@pytest.mark.parametrize("staff_id", ["S0301", "A0001"])
def test_the_vault_functions_hand_over_is_a_runs_never_a_member_of_staffs(seeded: None, staff_id: str) -> None:
    """Numbers handed over (or forgotten) by direct invocation took their actor from the payload: whoever could
    invoke the vault stored or forgot a person's number as any member of staff — their id as the source identity in
    CloudTrail and in the access record. A hand-over is a run's (`system:<workflow>`, acting as its run); a member
    of staff stores a number at the private API, as their login session. Refused, nothing stored or forgotten."""
    from qualification.vault import handler

    from kokuho.access.records import records_by_staff
    from kokuho.identity.vault import FORGET_ACTION, STORE_ACTION

    ctx = LocalLambdaContext(function_name="kokuho-qualification-api-vault", invoked_function_arn="arn",
                             memory_limit_in_mb=1024, timeout_seconds=29)
    actor = {"staff_id": staff_id, "terminal_id": "T-KOKUHO-03", "purpose": "個人番号の登録"}
    for event in ({"action": STORE_ACTION, "actor": actor, "items": [["P0001", NUMBER]]},
                  {"action": FORGET_ACTION, "actor": actor, "persons": ["P0001"]}):
        with pytest.raises(ValueError, match="run"):
            handler(event, ctx)
    assert list(records_by_staff(staff_id)) == []
