"""A person's wish about the 医療費通知 through the private API (issue 13 item 7): a member of staff with the
保健事業 grant records that the person opts out (or back in) and reads it; every call recorded (保健事業) naming the
person; without the grant 403 recorded denied; an unknown person 404 recorded; bad input 422 and nothing
changed. The print run honours it (tests/integration/health/test_medical_cost_notice_workflow.py)."""

from __future__ import annotations

from datetime import date

import pytest
from qualification_helpers import call

from kokuho.access.records import records_by_staff
from kokuho.dates.tokyo import today_jst
from kokuho.qualification.model import Person
from kokuho.records.health import DynamoHealthStore
from kokuho.records.qualification import from_person

OFFICER, READER = "S1030", "S1001"  # health_read + health_record; qualification read only
PATH = "/health/persons/P1/medical-cost-notice"


def world() -> None:
    person = Person(person_id="P1", resident_code="10000001", household_id="H1", name_kanji="北九 太郎",
                    name_kana="キタキュウ タロウ", birth_date=date(1970, 1, 1), sex="1", relationship="世帯主",
                    postal_code="804-8510", address="福岡県北九州市戸畑区千防1-1-1")
    from_person(person, updated_at="2024-04-01T00:00:00+09:00", updated_by="test").save()


def test_staff_with_the_grant_record_and_read_a_persons_opt_out_recorded(staffed: None) -> None:
    world()
    today = today_jst().isoformat()
    status, out, _ = call("GET", PATH, staff_id=OFFICER)
    assert status == 200 and out == {"person_id": "P1", "opted_out": False, "received_on": None, "recorded_by": None}
    status, out, _ = call("POST", PATH, staff_id=OFFICER, body={"opted_out": True, "received_on": today})
    assert status == 200 and out == {"person_id": "P1", "opted_out": True, "received_on": today,
                                     "recorded_by": OFFICER}
    assert DynamoHealthStore().opt_outs(["P1"])["P1"].opted_out is True
    assert call("GET", PATH, staff_id=OFFICER)[1]["opted_out"] is True

    ops = [(r.category, r.operation, r.result, list(r.subject_ids)) for r in records_by_staff(OFFICER)]
    assert ops.count(("保健事業", "read", "ok", ["P1"])) == 2 and ("保健事業", "write", "ok", ["P1"]) in ops


def test_without_the_grant_unknown_or_bad_input_nothing_changes(staffed: None) -> None:
    world()
    today = today_jst().isoformat()
    assert call("POST", PATH, staff_id=READER, body={"opted_out": True, "received_on": today})[0] == 403
    assert call("GET", PATH, staff_id=READER)[0] == 403
    assert ("保健事業", "denied") in [(r.category, r.result) for r in records_by_staff(READER)]
    assert call("POST", "/health/persons/P9/medical-cost-notice", staff_id=OFFICER,
                body={"opted_out": True, "received_on": today})[0] == 404
    assert ("保健事業", "write", "not_found") in [(r.category, r.operation, r.result)
                                              for r in records_by_staff(OFFICER)]
    for body in ({"opted_out": "yes", "received_on": today}, {"opted_out": True},
                 {"opted_out": True, "received_on": today, "reason": "x"}):
        status, out, _ = call("POST", PATH, staff_id=OFFICER, body=body)
        assert status == 422, body
    status, out, _ = call("POST", PATH, staff_id=OFFICER, body={"opted_out": True, "received_on": "2999-01-01"})
    assert status == 422 and "received_on" in out["error"]
    assert DynamoHealthStore().opt_outs(["P1", "P9"]) == {}


CLERK = "S1002"


def _register(pid: str, birth: str) -> None:
    body = {"person_id": pid, "resident_code": f"10{pid[1:]:0>6}", "household_id": f"H{pid}",
            "name_kanji": f"北九 {pid}", "name_kana": "キタキュウ タロウ", "birth_date": birth, "sex": "1",
            "relationship": "世帯主", "postal_code": "803-8501", "address": "北九州市小倉北区城内1-1",
            "resident_from": "2026-06-01"}
    assert call("POST", "/persons", staff_id=CLERK, body=body)[0] == 201


def test_a_joiner_gets_a_voucher_on_acquisition_once(staffed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hook on the file's one commit path (kokuho.qualification.registrations.AFTER_COMMIT): an acquisition
    registered at the counter after the year's day of issue gives a joiner of 40–74 a voucher valid from that day,
    written with its access record naming the person (the clerk's); a second acquisition gives no second one."""
    import qualification.person_routes as routes

    monkeypatch.setattr(routes, "today_jst", lambda: date(2026, 7, 1))
    _register("P0101", "1970-05-01")
    _register("P0102", "1995-05-01")  # 31: no voucher
    for pid in ("P0101", "P0102"):
        status, body, _ = call("POST", f"/persons/{pid}/qualification", staff_id=CLERK,
                               body={"reason": "move_in", "cause_on": "2026-06-01", "version": 1})
        assert status == 200, body
    held = DynamoHealthStore().vouchers(2026, ["P0101", "P0102"])
    assert list(held) == ["P0101"]
    v = held["P0101"]
    assert (v.source, v.valid_from, v.valid_until, v.copay) == ("acquisition", date(2026, 7, 1), date(2027, 3, 31), 500)
    assert ("保健事業", "write", ["P0101"]) in [(r.category, r.operation, list(r.subject_ids))
                                               for r in records_by_staff(CLERK)]
    # lost and acquired again within the year: the person keeps the one voucher of the year
    assert call("POST", "/persons/P0101/qualification", staff_id=CLERK,
                body={"reason": "joined_employee_insurance", "cause_on": "2026-06-10", "version": 2})[0] == 200
    assert call("POST", "/persons/P0101/qualification", staff_id=CLERK,
                body={"reason": "left_employee_insurance", "cause_on": "2026-06-20", "version": 3})[0] == 200
    assert DynamoHealthStore().vouchers_of_year(2026) == [v]


def test_the_rates_are_served_as_json_recorded(staffed: None) -> None:
    assert call("GET", "/health/checkups/2026/rates", staff_id=OFFICER)[0] == 404
    doc = {"fiscal_year": 2026, "rows": [{"ward": "戸畑区", "age_band": "55-59", "issued": 2, "used": 1,
                                          "rate": "50.0"}],
           "total": {"issued": 2, "used": 1, "rate": "50.0"}, "made_at": "2026-06-02T00:00:00+00:00"}
    # made before small cells were withheld (no `small_cells`): exact figures of a ward of two persons, never served
    DynamoHealthStore().put_rates(2026, doc)
    status, out, _ = call("GET", "/health/checkups/2026/rates", staff_id=OFFICER)
    assert status == 404 and "small cells" in str(out)
    doc = {**doc, "rows": [{"ward": "戸畑区", "age_band": "55-59", "issued": None, "used": None, "rate": None,
                            "suppressed": ["issued", "rate", "used"]}],
           "small_cells": {"threshold": 10, "withheld": 2, "basis": "…"}}
    DynamoHealthStore().put_rates(2026, doc)
    status, out, _ = call("GET", "/health/checkups/2026/rates", staff_id=OFFICER)
    assert status == 200 and out == doc
    assert call("GET", "/health/checkups/2026/rates", staff_id=READER)[0] == 403
    ops = [(r.operation, r.result, list(r.subject_ids)) for r in records_by_staff(OFFICER)]
    assert ("read", "not_found", ["RATES:FY2026"]) in ops and ("read", "ok", ["RATES:FY2026"]) in ops
