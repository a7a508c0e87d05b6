"""利用停止 (issue 11 item 7) at the My Number and collection routes of the private API:

- the counter's reveal of a person's My Number and the lookup of who holds one (use `qualification.my_number`:
  stop) are refused for a suspended person, 403 with the reason, the attempt recorded as `suspended`;
- the 滞納整理 read and measures (use `collection.arrears`: continue, 国保法第79条の2・地方自治法第231条の3) go
  on for a suspended payer — collecting the premium is a duty — and are recorded as ever.

That each continuing route declares its use (and would refuse to go on were the data to say stop) is tested with
the other paths in tests/integration/requests/test_suspension_uses.py."""

from __future__ import annotations

import json
from datetime import date

from qualification_helpers import REVEAL_PURPOSE, call

from kokuho.access.records import Actor, records_by_staff
from kokuho.collection.ledger import charge_from_version
from kokuho.collection.reminders import run_reminders
from kokuho.dates.tokyo import today_jst
from kokuho.premium.installments import split_equally
from kokuho.records.collection import DynamoCollectionStore
from kokuho_local.ledger_seed import seed_ledger

CLERK, NUMBER_OFFICER, DESK, CHIEF, ARREARS_OFFICER = "S1002", "S1004", "S1015", "S1016", "S1017"
NUM = "123456789018"  # a valid My Number (check digit): never echoed back
SYSTEM = Actor("system:test", "t", "test")
MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]


def _person(pid: str) -> None:
    body = {"person_id": pid, "resident_code": f"1{pid[1:]}000", "household_id": "H0001", "name_kanji": "北九 太郎",
            "name_kana": "キタキュウ タロウ", "birth_date": "1975-06-15", "sex": "1", "relationship": "世帯主",
            "postal_code": "803-8501", "address": "北九州市小倉北区城内1-1", "resident_from": "2024-04-01"}
    assert call("POST", "/persons", staff_id=CLERK, body=body)[0] == 201


def _suspend(pid: str, categories: list[str]) -> None:
    body = {"request_id": "R-0001", "kind": "suspension", "verification": "個人番号カード",
            "received_on": today_jst().isoformat(),
            "details": {"categories": categories, "grounds": "利用目的外の利用のため"}}
    assert call("POST", f"/requests/persons/{pid}", staff_id=DESK, body=body)[0] == 201
    assert call("POST", f"/requests/persons/{pid}/R-0001/decision", staff_id=CHIEF,
                body={"outcome": "granted"})[0] == 200
    assert call("POST", f"/requests/persons/{pid}/R-0001/carrying-out", staff_id=CHIEF, body={})[0] == 200


def _attempts(staff_id: str, operation: str) -> list[str]:
    return [r.result for r in records_by_staff(staff_id) if r.operation == operation]


def test_a_suspended_persons_my_number_is_neither_shown_nor_found_at_the_counter(staffed: None) -> None:
    _person("P0001")
    assert call("POST", "/persons/P0001/my-number", staff_id=NUMBER_OFFICER, body={"my_number": NUM})[0] == 202
    reveal = {"purpose": REVEAL_PURPOSE}
    assert call("POST", "/persons/P0001/my-number/reveal", staff_id=NUMBER_OFFICER, body=reveal)[0] == 200
    assert call("POST", "/my-number/lookup", staff_id=NUMBER_OFFICER, body={"my_number": NUM})[0] == 200
    _suspend("P0001", ["qualification"])

    for path, body, operation in (("/persons/P0001/my-number/reveal", reveal, "reveal"),
                                  ("/my-number/lookup", {"my_number": NUM}, "lookup")):
        status, out, _ = call("POST", path, staff_id=NUMBER_OFFICER, body=body)
        assert status == 403 and "利用停止" in out["error"], (path, status)
        assert NUM not in json.dumps(out) and "P0001" not in json.dumps(out)
        assert _attempts(NUMBER_OFFICER, operation)[-1] == "suspended"


def test_the_arrears_of_a_suspended_payer_are_read_and_worked_as_the_law_requires(staffed: None) -> None:
    _person("P0001")
    seed_ledger(charge_from_version("H0001", 2024, version=1, payer_id="P0001", annual=100_000,
                                    installments=split_equally(100_000, MONTHS)))
    run_reminders(DynamoCollectionStore(), on=date(2024, 7, 10), actor=SYSTEM)
    _suspend("P0001", ["collection", "qualification"])

    status, out, _ = call("GET", "/collection/arrears/H0001/2024", staff_id=ARREARS_OFFICER,
                          query={"as_of": "2024-08-01"})
    assert status == 200 and out["payer_id"] == "P0001" and out["unpaid_in_arrears"] == 10_000
    status, out, _ = call("POST", "/collection/arrears/H0001/2024/actions", staff_id=ARREARS_OFFICER,
                          body={"kind": "納付相談", "note": "来庁", "on": "2024-07-22"})
    assert status == 201 and out["action"]["kind"] == "納付相談"
    assert _attempts(ARREARS_OFFICER, "read") == ["ok"]
