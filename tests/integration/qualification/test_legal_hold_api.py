"""Legal holds through the private API (issue 13 item 9, beside `kokuho retention hold/lift`): a member of staff
with the `legal_hold` grant places a hold with its reason, reads it and lifts it, each recorded naming the person
(保存期間の停止); without the grant 403 recorded denied; no reason, a My Number in it, a day to come 422; a hold
in force already or none to lift 409 — nothing changed. The retention run honours the hold
(tests/integration/linkage/test_linkage_query_workflow.py, tests/unit/retention)."""

from __future__ import annotations

from datetime import date, timedelta

from qualification_helpers import call

from kokuho.access.records import records_by_staff
from kokuho.dates.tokyo import today_jst
from kokuho.records.legal_holds import PynamoHoldStore

OFFICER, CLERK = "S1032", "S1018"  # legal_hold; benefits only
PATH = "/retention/holds/P1"


def test_a_hold_placed_read_and_lifted_with_the_grant_each_recorded(staffed: None) -> None:
    today = today_jst().isoformat()
    assert call("GET", PATH, staff_id=OFFICER)[1] == {"person_id": "P1", "held": False, "reason": None,
                                                      "placed_on": None, "placed_by": None}
    status, out, _ = call("POST", PATH, staff_id=OFFICER, body={"action": "hold", "reason": "訴訟 (令和8年(ワ)第1号)"})
    assert status == 200 and out == {"person_id": "P1", "held": True, "reason": "訴訟 (令和8年(ワ)第1号)",
                                     "placed_on": today, "placed_by": OFFICER}
    assert PynamoHoldStore().held_persons() == {"P1"}
    assert call("GET", PATH, staff_id=OFFICER)[1]["held"] is True
    status, out, _ = call("POST", PATH, staff_id=OFFICER, body={"action": "lift"})
    assert status == 200 and out["held"] is False and PynamoHoldStore().held_persons() == set()
    ops = [(r.category, r.operation, r.result, list(r.subject_ids)) for r in records_by_staff(OFFICER)]
    assert [o for o in ops if o[0] == "保存期間の停止"] == [
        ("保存期間の停止", "read", "ok", ["P1"]), ("保存期間の停止", "hold", "ok", ["P1"]),
        ("保存期間の停止", "read", "ok", ["P1"]), ("保存期間の停止", "lift", "ok", ["P1"])]


def test_refusals_name_their_reason_and_change_nothing(staffed: None) -> None:
    assert call("POST", PATH, staff_id=CLERK, body={"action": "hold", "reason": "訴訟"})[0] == 403
    assert ("保存期間の停止", "legal_hold", "denied") in [(r.category, r.operation, r.result)
                                                      for r in records_by_staff(CLERK)]
    tomorrow = (today_jst() + timedelta(days=1)).isoformat()
    for body, field in (({"action": "hold"}, "reason"), ({"action": "hold", "reason": "  "}, "reason"),
                        ({"action": "hold", "reason": "訴訟", "placed_on": tomorrow}, "placed_on"),
                        ({"action": "hold", "reason": "番号 123456789018"}, "reason"),
                        ({"action": "keep", "reason": "訴訟"}, "action"),
                        ({"action": "hold", "reason": "訴訟", "note": "x"}, "note")):
        status, out, _ = call("POST", PATH, staff_id=OFFICER, body=body)
        assert status == 422 and field in str(out), (body, out)
        assert "123456789018" not in str(out)
    assert PynamoHoldStore().held_persons() == set()
    status, out, _ = call("POST", PATH, staff_id=OFFICER, body={"action": "lift"})
    assert status == 409 and "no hold in force" in out["error"]
    assert call("POST", PATH, staff_id=OFFICER, body={"action": "hold", "reason": "訴訟"})[0] == 200
    status, out, _ = call("POST", PATH, staff_id=OFFICER, body={"action": "hold", "reason": "監査"})
    assert status == 409 and "in force already" in out["error"]
    assert PynamoHoldStore().hold_of("P1").reason == "訴訟"  # type: ignore[union-attr]


def test_the_command_line_refuses_a_hold_from_a_day_to_come_as_the_api_does(staffed: None) -> None:
    """Probe: `kokuho retention hold --on <a day to come>` placed the hold (the API refused it with 422): the rule
    lived in the route only. It is the hold's own (kokuho.retention.holds.place_hold): exit 2, nothing held."""
    from kokuho.access.staff import Grant, put_grant
    from kokuho.cli.main import main as cli_main

    put_grant(Grant(OFFICER, "G-HOLD", "legal_hold", "保存期間の停止 (legal hold)", "訴訟 (民事訴訟法)", "国保年金課",
                    date(2020, 4, 1), date(2099, 3, 31), "S9001", "2020-04-01T09:00:00+09:00"))  # the command's purpose
    tomorrow = (today_jst() + timedelta(days=1)).isoformat()
    assert cli_main(["retention", "--as", OFFICER, "hold", "P1", "--reason", "訴訟", "--on", tomorrow]) == 2
    assert PynamoHoldStore().held_persons() == set()
    assert cli_main(["retention", "--as", OFFICER, "hold", "P1", "--reason", "訴訟", "--on", "2026-04-01"]) == 0
    assert PynamoHoldStore().hold_of("P1").placed_on.isoformat() == "2026-04-01"  # type: ignore[union-attr]
