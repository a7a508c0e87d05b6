"""高額療養費 through the private API on the embedded AWS (issue 13 items 4 and 6): a clerk with the grant records a
支給申請 (stored once when delivered again, refused with a reason and nothing written when it cannot be), the chief
decides a 差止 and lifts it, the household's benefits, payments and 返還金 are read with their status; without the
grant's function, 403; every call recorded."""

from __future__ import annotations

import json
from datetime import date

import pytest
from qualification_helpers import benefit_household, call, item_counts

from kokuho.access.records import Actor, records_by_staff
from kokuho.receipts import benefit_payment, benefit_routes

CLERK, CHIEF, CASHIER = "S1018", "S1019", "S1014"
PATH = "/benefits/H1"
ACCOUNT = {"bank_code": "0001", "branch_code": "002", "account_type": "普通", "account_number": "1234567",
           "holder_kana": "シケン　ハジメ"}
APPLICATION = {"application_id": "A-2025-001", "months": ["2024-10"], "received_on": "2025-08-20",
               "account": ACCOUNT, "offset_consent": False}


@pytest.fixture
def entered_in_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The application entered on 1 March 2026, while the 2024-10 right (to 2026-10-31) lives: entered later with its
    received_on of 2025-08-20 it would keep a lapsed right and be refused (test_late_benefit_entry)."""
    monkeypatch.setattr(benefit_routes, "today_jst", lambda: date(2026, 3, 1))


def test_an_application_and_a_withholding_recorded_and_the_benefits_read(staffed: None, entered_in_time: None
                                                                          ) -> None:
    benefit_household()
    before = item_counts("receipts")
    # Refused with a reason, nothing written: both an account and the 公金受取口座; a month with no benefit; a My
    # Number in the holder's name; a day in the future; unknown household (404, recorded).
    for body, field in (({**APPLICATION, "public_funds_account": True}, "one of them"),
                        ({**APPLICATION, "months": ["2024-09"]}, "2024-09"),
                        ({**APPLICATION, "account": {**ACCOUNT, "holder_kana": "1234567890" + "18"}}, "holder_kana"),
                        ({**APPLICATION, "received_on": "2099-01-01"}, "future")):
        status, out, _ = call("POST", PATH + "/applications", staff_id=CLERK, body=body)
        assert status == 422 and field in str(out), (field, out)
    assert call("POST", "/benefits/H9/applications", staff_id=CLERK, body=APPLICATION)[0] == 404
    assert item_counts("receipts") == before
    # Without the grant's function: 403 (recorded as denied); the clerk has no 差止 grant.
    assert call("GET", PATH, staff_id=CASHIER)[0] == 403
    assert call("POST", PATH + "/withholdings", staff_id=CLERK,
                body={"action": "withhold", "decision_id": "D1", "basis": "国保法第63条の2"})[0] == 403
    assert item_counts("receipts") == before

    status, out, _ = call("POST", PATH + "/applications", staff_id=CLERK, body=APPLICATION)
    assert (status, out["status"]) == (201, "recorded")
    status, out, _ = call("POST", PATH + "/applications", staff_id=CLERK, body=APPLICATION)  # delivered again
    assert (status, out["status"]) == (201, "already_recorded")
    assert call("POST", PATH + "/applications", staff_id=CLERK, body={**APPLICATION, "offset_consent": True})[0] == 409

    assert call("POST", PATH + "/withholdings", staff_id=CHIEF, body={"action": "withhold", "decision_id": "D1"}
                )[0] == 422  # a decision names its basis
    hold = {"action": "withhold", "decision_id": "D1", "basis": "国保法第63条の2 (保険料の滞納)", "on": "2025-08-25"}
    assert call("POST", PATH + "/withholdings", staff_id=CHIEF, body=hold)[1]["status"] == "recorded"
    assert benefit_payment.pay(on=date(2025, 9, 1), run_id="t1")["withheld"] == 1  # the 差止 holds the payment
    early = call("POST", PATH + "/withholdings", staff_id=CHIEF,
                 body={"action": "lift", "decision_id": "D1", "on": "2025-08-24"})
    assert early[0] == 422 and "on: " in json.dumps(early[1], ensure_ascii=False)  # before it was decided
    assert benefit_payment.pay(on=date(2025, 9, 1), run_id="t1b")["withheld"] == 1  # still withheld
    lift = {"action": "lift", "decision_id": "D1", "on": "2025-09-02"}
    assert call("POST", PATH + "/withholdings", staff_id=CHIEF, body=lift)[1]["status"] == "lifted"
    assert call("POST", PATH + "/withholdings", staff_id=CHIEF, body=lift)[0] == 409
    assert benefit_payment.pay(on=date(2025, 9, 2), run_id="t2")["payments"] == 1

    status, out, _ = call("GET", PATH, staff_id=CLERK, query={"as_of": "2025-09-02"})
    assert status == 200 and out["householder_id"] == "P1"
    assert out["months"] == [{"month": "2024-10", "version": 1, "benefit": 212_570, "paid": 212_570, "claimed": 0,
                              "due": 0}]
    assert out["applications"][0]["account"] == "***4567" and "1234567" not in str(out)
    assert [(p["amount"], p["status"], p["account"]) for p in out["payments"]] == [(212_570, "ready", "***4567")]
    assert out["withholdings"][0]["lifted_on"] == "2025-09-02"
    assert call("GET", "/benefits/H9", staff_id=CLERK)[0] == 404

    ops = {(r.category, r.operation, r.result, tuple(r.subject_ids)) for r in records_by_staff(CLERK)}
    assert ("給付情報 (高額療養費)", "read", "ok", ("H1", "P1")) in ops
    assert ("給付情報 (高額療養費)", "write", "ok", ("HH:H1",)) in ops
    assert ("給付情報 (高額療養費)", "read", "not_found", ("HH:H9",)) in ops
    assert any(r.result == "rejected" for r in records_by_staff(CLERK))
    assert any(r.result == "denied" for r in records_by_staff(CASHIER))


def test_a_claim_repaid_through_the_api_once_and_never_more_than_owed(staffed: None) -> None:
    from kokuho.benefits.payment import HouseholdPlan, RecoveryClaim
    from kokuho.records.benefit_payments import DynamoBenefitPaymentStore

    benefit_household()
    claim = RecoveryClaim("BR-H1-2024-10-2", "H1", "2024-10", 50_000, 1, "2025-09-02", "2025-10-02", "P1",
                          "資格喪失後の受診に係る支給", ("P1",))
    DynamoBenefitPaymentStore().commit(HouseholdPlan("H1", claims=[claim]), [], on=date(2025, 9, 2), persons=["P1"],
                                       actor=Actor("system:test", "t", "test"), chain="test")
    path = PATH + "/claims/BR-H1-2024-10-2/repayments"
    before = item_counts("receipts")
    for body in ({"repayment_id": "R1", "on": "2026-01-10", "amount": 60_000},  # more than owed
                 {"repayment_id": "R1", "on": "2099-01-10", "amount": 10_000},  # in the future
                 {"repayment_id": "R1", "on": "2026-01-10", "amount": "10000"},  # not an integer
                 {"repayment_id": "R1", "on": "0001-01-01", "amount": 10_000},  # before the claim was made (probe)
                 {"repayment_id": "R1", "on": "2025-09-01", "amount": 10_000}):
        assert call("POST", path, staff_id=CLERK, body=body)[0] == 422
    assert call("POST", PATH + "/claims/BR-H1-2099-01-1/repayments", staff_id=CLERK,
                body={"repayment_id": "R1", "on": "2026-01-10", "amount": 1})[0] == 404
    assert call("POST", path, staff_id=CHIEF, body={"repayment_id": "R1", "on": "2026-01-10", "amount": 1})[0] == 403
    assert item_counts("receipts") == before

    body = {"repayment_id": "R1", "on": "2026-01-10", "amount": 20_000}
    status, out, _ = call("POST", path, staff_id=CLERK, body=body)
    assert (status, out["status"], out["unpaid"], out["last_day"]) == (201, "recorded", 30_000, "2031-01-10")
    assert call("POST", path, staff_id=CLERK, body=body)[1]["status"] == "already_recorded"  # delivered again
    status, out, _ = call("POST", path, staff_id=CLERK, body={**body, "amount": 25_000})  # another payment, same id
    assert status == 409 and "another day or amount" in out["error"]
    status, out, _ = call("GET", PATH, staff_id=CLERK, query={"as_of": "2026-01-11"})
    [c] = out["claims"]
    assert (c["status"], c["unpaid"], c["last_day"], c["extinguished"]) == ("overdue", 30_000, "2031-01-10", False)
    out = call("POST", path, staff_id=CLERK, body={"repayment_id": "R2", "on": "2026-02-10", "amount": 30_000})[1]
    assert (out["claim_status"], out["unpaid"], out["last_day"]) == ("paid", 0, None)
    assert ("給付情報 (高額療養費)", "write", "ok", ("HH:H1", "P1")) in {
        (r.category, r.operation, r.result, tuple(r.subject_ids)) for r in records_by_staff(CLERK)}


def test_an_application_or_repayment_delivered_again_leaves_a_record_of_its_read(staffed: None,
                                                                                 entered_in_time: None) -> None:
    """Probe: an application (or a repayment) delivered again read the household's benefit months and the stored
    application (the claim, its debtor and what is unpaid) to answer 'already_recorded' — and left no access record:
    nothing was written, so the write's own record never came. The read is recorded."""
    from kokuho.benefits.payment import HouseholdPlan, RecoveryClaim
    from kokuho.records.benefit_payments import DynamoBenefitPaymentStore

    benefit_household()
    claim = RecoveryClaim("BR-H1-2024-10-2", "H1", "2024-10", 50_000, 1, "2025-09-02", "2025-10-02", "P1", "x", ("P1",))
    DynamoBenefitPaymentStore().commit(HouseholdPlan("H1", claims=[claim]), [], on=date(2025, 9, 2), persons=["P1"],
                                       actor=Actor("system:test", "t", "test"), chain="test")
    repayment = {"repayment_id": "R1", "on": "2026-01-10", "amount": 20_000}
    for path, body in ((PATH + "/applications", APPLICATION), (PATH + "/claims/BR-H1-2024-10-2/repayments", repayment)):
        assert call("POST", path, staff_id=CLERK, body=body)[1]["status"] == "recorded"
        before = len(list(records_by_staff(CLERK)))
        status, out, _ = call("POST", path, staff_id=CLERK, body=body)
        assert (status, out["status"]) == (201, "already_recorded")
        again = [(r.category, r.operation, r.result) for r in list(records_by_staff(CLERK))[before:]]
        assert again == [("給付情報 (高額療養費)", "read", "ok")], path


@pytest.mark.parametrize("months", [["0000-01"], ["0999-12"], ["2025-01", "0000-07"]])
def test_a_withholding_or_application_of_a_month_of_no_real_year_is_refused_naming_the_field(
        staffed: None, entered_in_time: None, months: list[str]) -> None:
    """A month before 1800 — year 0000 above all — is no month of this insurance (the days' rule, IsoDate): 422
    naming months, nothing written."""
    benefit_household()
    before = item_counts("receipts")
    hold = {"action": "withhold", "decision_id": "D9", "basis": "国保法第63条の2", "months": months}
    status, out, _ = call("POST", PATH + "/withholdings", staff_id=CHIEF, body=hold)
    assert status == 422 and "months" in json.dumps(out, ensure_ascii=False), out
    status, out, _ = call("POST", PATH + "/applications", staff_id=CLERK, body={**APPLICATION, "months": months})
    assert status == 422 and "months" in json.dumps(out, ensure_ascii=False), out
    assert item_counts("receipts") == before


def test_a_refused_repayment_names_the_debtor_whose_claim_it_read(staffed: None) -> None:
    """A repayment the claim refuses ('more than the claim's unpaid 50000 yen', 'paid on or after the day the claim
    was made (2025-09-02)') or whose id is taken has read the debtor's 返還金 claim and answers from it: its record
    named only the household (HH:H1), so the search of the debtor (who-accessed P1) did not show it. It names the
    debtor too."""
    from kokuho.benefits.payment import HouseholdPlan, RecoveryClaim
    from kokuho.records.benefit_payments import DynamoBenefitPaymentStore

    benefit_household()
    claim = RecoveryClaim("BR-H1-2024-10-2", "H1", "2024-10", 50_000, 1, "2025-09-02", "2025-10-02", "P1", "x", ("P1",))
    DynamoBenefitPaymentStore().commit(HouseholdPlan("H1", claims=[claim]), [], on=date(2025, 9, 2), persons=["P1"],
                                       actor=Actor("system:test", "t", "test"), chain="test")
    path = PATH + "/claims/BR-H1-2024-10-2/repayments"
    status, out, _ = call("POST", path, staff_id=CLERK, body={"repayment_id": "R1", "on": "2026-01-10",
                                                              "amount": 60_000})
    assert status == 422 and "50000" in out["error"]
    assert call("POST", path, staff_id=CLERK, body={"repayment_id": "R1", "on": "2026-01-10", "amount": 1})[0] == 201
    assert call("POST", path, staff_id=CLERK, body={"repayment_id": "R1", "on": "2026-01-10", "amount": 2})[0] == 409
    refused = [(r.result, r.subject_ids) for r in records_by_staff(CLERK) if r.result in ("rejected", "conflict")]
    assert refused == [("rejected", ["HH:H1", "P1"]), ("conflict", ["HH:H1", "P1"])]
