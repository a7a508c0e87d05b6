"""滞納整理 and 収納率 through the private API on the embedded AWS (issue 12 items 5 and 7): a member of staff
with the grants reads a ledger's arrears, records a pledge and a seizure (refused with a reason when it cannot
be, nothing written), reads the statistics as JSON (the CSV made from it); without the grant, 403; every call
recorded."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from qualification_helpers import call

from kokuho.access.records import Actor, records_by_staff
from kokuho.collection.ledger import charge_from_version
from kokuho.collection.reminders import run_reminders
from kokuho.collection.statistics import run_statistics, statistics_csv
from kokuho.dates.tokyo import today_jst
from kokuho.premium.installments import split_equally
from kokuho.records.collection import DynamoCollectionStore
from kokuho_local.ledger_seed import seed_ledger

MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]
SYSTEM = Actor("system:test", "t", "test")
OFFICER, CASHIER, CHIEF = "S1017", "S1014", "S1033"
PATH = "/collection/arrears/H1/2024"


def world() -> DynamoCollectionStore:
    store = DynamoCollectionStore()
    seed_ledger(charge_from_version("H1", 2024, version=1, payer_id="H1-P1", annual=100_000,
                                    installments=split_equally(100_000, MONTHS)))
    run_reminders(store, on=date(2024, 7, 10), actor=SYSTEM)  # 督促 of June's: deadline 20 July 2024
    return store


def test_the_arrears_of_a_ledger_and_a_pledge_and_a_seizure_recorded_through_the_api(staffed: None) -> None:
    store = world()
    status, out, _ = call("GET", PATH, staff_id=OFFICER, query={"as_of": "2026-07-20"})
    assert status == 200 and out["payer_id"] == "H1-P1"
    first = out["installments"][0]
    assert (first["status"], first["unpaid"], first["limitation"]["last_day"], first["limitation"]["extinguished"]) \
        == ("in_arrears", 10_000, "2026-07-20", False)
    assert call("GET", PATH, staff_id=OFFICER, query={"as_of": "2026-07-21"})[1]["installments"][0][
        "limitation"]["extinguished"] is True

    pledge = {"kind": "分納誓約", "on": "2024-07-22", "installments": [1],
              "plan": [{"on": "2024-08-30", "amount": 5_000}, {"on": "2024-09-30", "amount": 5_000}]}
    status, out, _ = call("POST", PATH + "/actions", staff_id=OFFICER, body=pledge)
    assert status == 201 and out["action"]["kind"] == "分納誓約" and out["action"]["by"] == OFFICER
    # Entered today (the real clock), long after its day: recorded, not in force until a second member approves.
    assert "entry_lag" in out["action"]["needs_approval"] and out["action"]["entered_on"] > "2024-07-22"
    assert out["arrears"]["installments"][0]["status"] == "in_arrears"
    assert [a["in_force"] for a in out["arrears"]["actions"]] == [False]
    approval = f"{PATH}/actions/{out['action']['id']}/approval"
    # Not by the member who entered it (422, recorded as refused), not without the grant (403), nor an unknown id.
    status, refused, _ = call("POST", approval, staff_id=OFFICER, body={"decision": "approve"})
    assert status == 403  # the officer has no arrears_approve grant
    status, refused, _ = call("POST", f"{PATH}/actions/BN-none/approval", staff_id=CHIEF, body={"decision": "approve"})
    assert status == 422 and refused["error"].startswith("action:")
    assert call("POST", approval, staff_id=CHIEF, body={"decision": "refuse"})[0] == 422  # a refusal says why
    status, out, _ = call("POST", approval, staff_id=CHIEF, body={"decision": "approve"})
    assert status == 201 and (out["approval"]["by"], out["approval"]["decision"]) == (CHIEF, "approve")
    assert out["arrears"]["installments"][0]["status"] == "pledged"
    # The approved pledge renewed the limit from its own day.
    assert out["arrears"]["installments"][0]["limitation"]["last_day"] == "2026-07-22"
    assert call("POST", approval, staff_id=CHIEF, body={"decision": "approve"})[0] == 409  # decided once
    status, own, _ = call("POST", PATH + "/actions", staff_id=CHIEF, body={
        "kind": "催告", "on": "2024-07-23", "installments": [1]})
    assert status == 201 and own["action"]["needs_approval"]
    status, refused, _ = call("POST", f"{PATH}/actions/{own['action']['id']}/approval", staff_id=CHIEF,
                              body={"decision": "approve"})
    assert status == 422 and refused["error"].startswith("approver:")

    seizure = {"kind": "差押", "on": "2024-08-21", "installments": [1], "property": "預金", "amount": 10_000}
    status, out, _ = call("POST", PATH + "/actions", staff_id=OFFICER, body=seizure)  # no basis
    assert status == 422 and "basis" in out["error"]
    status, out, _ = call("POST", PATH + "/actions", staff_id=OFFICER,
                          body={**seizure, "installments": [2], "basis": "国税徴収法第47条"})  # July's: no 督促 yet
    assert status == 422 and "installments" in out["error"] and "arrears" in out["error"]
    assert [a["kind"] for a in store.ledgers([("H1", 2024)])[("H1", 2024)].arrears] == ["分納誓約", "遡及入力承認",
                                                                                         "催告"]

    # Without the grant: 403, recorded as denied; an unknown ledger: 404; a My Number in a note: 422.
    assert call("POST", PATH + "/actions", staff_id=CASHIER, body={"kind": "納付相談", "note": "電話"})[0] == 403
    assert call("GET", "/collection/arrears/H9/2024", staff_id=OFFICER)[0] == 404
    assert call("POST", PATH + "/actions", staff_id=OFFICER,
                body={"kind": "納付相談", "note": "番号 " + "1234567890" + "18"})[0] == 422
    assert call("POST", PATH + "/actions", staff_id=OFFICER, body={"kind": "督促"})[0] == 422
    assert call("POST", PATH + "/actions", staff_id=OFFICER,
                body={"kind": "納付相談", "note": "来庁", "on": "2099-01-01"})[0] == 422
    status, out, _ = call("POST", PATH + "/actions", staff_id=OFFICER, body={"kind": "納付相談", "note": "来庁",
                                                                               "on": "2024-07-22"})
    assert status == 201 and out["action"]["note"] == "来庁"

    ops = [(r.category, r.operation, r.result, r.subject_ids) for r in records_by_staff(OFFICER)]
    assert ("収納情報", "read", "ok", ["H1-P1"]) in ops
    assert ("収納情報", "write", "ok", ["H1-P1"]) in [(r.category, r.operation, r.result, r.subject_ids)
                                                    for r in records_by_staff(CHIEF)]
    assert ("収納情報", "write", "ok", ["H1-P1"]) in ops
    assert ("収納情報", "arrears_action", "rejected", ["HH:H1"]) in ops
    assert ("収納情報", "read", "not_found", ["HH:H9"]) in ops
    assert ("収納情報", "denied") in [(r.category, r.result) for r in records_by_staff(CASHIER)]


def test_the_statistics_as_json_and_csv(staffed: None) -> None:
    store = world()
    assert call("GET", "/collection/statistics/2024", staff_id=OFFICER)[0] == 404  # not made yet
    run_statistics(store, fiscal_year=2024, as_of=date(2024, 8, 31), wards_of=lambda ids: {i: "戸畑区" for i in ids},
                   actor=SYSTEM)
    status, out, _ = call("GET", "/collection/statistics/2024", staff_id=OFFICER)
    assert status == 200 and (out["current"]["due"], out["current"]["collected"]) == (100_000, 0)
    assert out["current"]["by_ward"][0]["ward"] == "戸畑区" and out["period"]["from"] == "2024-04-01"
    # The finance office's CSV is made from this JSON (kokuho collection-stats): the API serves no file. A ward of
    # one payer is a small cell: withheld (the city's figure stays exact).
    rows = list(csv.DictReader(io.StringIO(statistics_csv(out).lstrip("\ufeff"))))
    assert {(r["区分"], r["区"], r["月"], r["調定額"], r["収納率"]) for r in rows} >= {
        ("現年度分", "全市", "年度計", "100000", "0.00"), ("現年度分", "戸畑区", "2024-08", "秘匿", "秘匿")}
    # figures stored before small cells were withheld (no `small_cells`) are never served: made again first
    stored = dict(out)
    del stored["small_cells"]
    store.put_statistics(2024, {**stored, "current": {**stored["current"], "by_ward": [
        {**stored["current"]["by_ward"][0], "due": 100_000}]}})
    status, refused, _ = call("GET", "/collection/statistics/2024", staff_id=OFFICER)
    assert status == 404 and "small cells" in str(refused)
    assert call("GET", "/collection/statistics/2024", staff_id="S1001")[0] == 403
    assert ("収納情報", "read", "ok", ["STATISTICS:FY2024"]) in [
        (r.category, r.operation, r.result, r.subject_ids) for r in records_by_staff(OFFICER)]


def test_a_refused_measure_or_decision_names_the_payer_whose_ledger_it_read(staffed: None) -> None:
    """A measure or a decision the ledger refuses has read the payer's ledger, and its answer tells from it which
    installment is in arrears, extinguished or decided: its record named only the household (HH:H1), so the
    security team's search of the payer (who-accessed H1-P1) did not show it. It names the payer too."""
    from kokuho.access.search import who_accessed

    world()
    july = {"kind": "差押", "on": "2024-08-21", "installments": [2], "basis": "国税徴収法第47条", "property": "預金",
            "amount": 10_000}  # July's installment: no 督促 yet, not in arrears
    status, out, _ = call("POST", PATH + "/actions", staff_id=OFFICER, body=july)
    assert status == 422 and "installment 2" in out["error"]
    status, out, _ = call("POST", f"{PATH}/actions/BN-none/approval", staff_id=CHIEF, body={"decision": "approve"})
    assert status == 422
    refused = [(r.staff_id, r.subject_ids) for r in [*records_by_staff(OFFICER), *records_by_staff(CHIEF)]
               if r.result == "rejected"]
    assert refused == [(OFFICER, ["HH:H1", "H1-P1"]), (CHIEF, ["HH:H1", "H1-P1"])]
    today = today_jst().isoformat()  # the searches take days in Japan
    seen = who_accessed("H1-P1", "2020-01-01", today, SYSTEM)
    assert {(r["staff_id"], r["result"]) for r in seen} >= {(OFFICER, "rejected"), (CHIEF, "rejected")}


def test_a_request_that_fails_after_reading_leaves_a_record_of_the_attempt(staffed: None,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A route that read a person's data and then failed unexpectedly (500) left no access record: the read was
    recorded only on success. The failure is recorded (result `error`, the route's subject), the caller still
    learns nothing of it."""
    from kokuho.payments import arrears_routes

    world()

    def broken(ledger: object, on: object) -> object:  # the ledger was read; its view fails
        raise RuntimeError("rendering failed")

    monkeypatch.setattr(arrears_routes, "arrears_view", broken)
    status, out, _ = call("GET", PATH, staff_id=OFFICER)
    assert status == 500 and "rendering" not in json.dumps(out)
    assert [(r.category, r.operation, r.result, r.subject_ids) for r in records_by_staff(OFFICER)] == [
        ("収納情報", "read_arrears", "error", ["HH:H1"])]
