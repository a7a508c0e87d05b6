"""Probe: through the API a clerk alone entered a 支給申請 or a 療養費 claim with an old `received_on` and kept a right
extinguished after 2 years (国保法第110条). Entered more than the city's maximum lag after its received_on and keeping
a right already lapsed on the entry day, a 支給申請 is held pending (recorded, paid by no run) until a second member
with `benefits_approve` — never the entrant — approves it, or refuses it with a reason (kokuho.benefits.late_entry);
a 療養費・出産育児一時金・葬祭費 claim likewise: held, and no decision of it until approved. A day after the entry day
stays refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from qualification_helpers import benefit_household, call
from test_other_benefit_api import JUDO, world

from kokuho.access.records import records_by_staff
from kokuho.receipts import benefit_routes, claim_routes

CLERK = "S1018"
DECIDER = "S1031"  # benefits_decide
SECOND = "S1035"  # a second 係長: benefits_approve
ACCOUNT = {"bank_code": "0001", "branch_code": "002", "account_type": "普通", "account_number": "1234567",
           "holder_kana": "シケン　ハジメ"}
# the 2024-10 benefit's right lasts to 2026-10-31
APPLICATION = {"application_id": "A-LATE", "months": ["2024-10"], "received_on": "2025-08-20", "account": ACCOUNT}


def _enter_on(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    for module in (benefit_routes, claim_routes):
        monkeypatch.setattr(module, "today_jst", lambda: day)


CHIEF = "S1034"  # 給付係長: benefits_approve


def _pending(monkeypatch: pytest.MonkeyPatch, application_id: str = "A-LATE") -> dict[str, object]:
    benefit_household()
    _enter_on(monkeypatch, date(2026, 11, 1))
    status, out, _ = call("POST", "/benefits/H1/applications", staff_id=CLERK,
                          body={**APPLICATION, "application_id": application_id})
    assert status == 201, out
    return dict(out)


def _application(application_id: str = "A-LATE") -> dict[str, object]:
    status, out, _ = call("GET", "/benefits/H1", staff_id=CLERK)
    assert status == 200, out
    return next(a for a in out["applications"] if a["application_id"] == application_id)


def test_an_application_entered_late_keeping_a_lapsed_right_waits_for_a_second_member(
        staffed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    out = _pending(monkeypatch)
    assert out["status"] == "pending_approval" and "received_on" in str(out["needs_approval"])
    assert "2026-10-31" in str(out["needs_approval"])
    late = _application()["late_entry"]
    assert (late["status"], late["entered_by"], late["entered_on"]) == ("pending_approval", CLERK, "2026-11-01")
    # not in force: the payment run reads it as no application at all (kokuho.benefits.payment.in_force)
    from kokuho.benefits.payment import in_force
    from kokuho.receipts.wiring import benefit_payment_store

    assert [a.application_id for a in in_force(benefit_payment_store().household("H1").applications)] == []
    for late_day in ("2026-11-02", "2099-01-01"):  # after the entry day: refused as ever
        status, refused, _ = call("POST", "/benefits/H1/applications", staff_id=CLERK,
                                  body={**APPLICATION, "application_id": "A-FUTURE", "received_on": late_day})
        assert status == 422 and "received_on" in str(refused), refused
    _enter_on(monkeypatch, date(2026, 10, 31))  # the right's last day: still alive, nothing rescued
    status, out, _ = call("POST", "/benefits/H1/applications", staff_id=CLERK,
                          body={**APPLICATION, "application_id": "A-INTIME"})
    assert (status, out["status"]) == (201, "recorded"), out


APPROVAL = "/benefits/H1/applications/A-LATE/approval"


def test_a_second_member_approves_it_and_only_then_it_is_in_force(staffed: None,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _pending(monkeypatch)
    # the entrant holds no benefits_approve: 403; the chief approving the entrant's own is tested below (any spelling)
    assert call("POST", APPROVAL, staff_id=CLERK, body={"decision": "approve"})[0] == 403
    status, out, _ = call("POST", "/benefits/H1/applications/A-NONE/approval", staff_id=CHIEF,
                          body={"decision": "approve"})
    assert status == 422 and "application" in str(out), out
    status, out, _ = call("POST", APPROVAL, staff_id=CHIEF, body={"decision": "refuse"})
    assert status == 422 and "reason" in str(out), out  # a refusal says why
    status, out, _ = call("POST", APPROVAL, staff_id=CHIEF, body={"decision": "approve"})
    assert status == 201 and out["status"] == "approved", out
    late = _application()["late_entry"]
    assert (late["status"], late["decided_by"], late["decided_on"]) == ("approved", CHIEF, "2026-11-01")
    from kokuho.benefits.payment import in_force
    from kokuho.receipts.wiring import benefit_payment_store

    assert [a.application_id for a in in_force(benefit_payment_store().household("H1").applications)] == ["A-LATE"]
    assert call("POST", APPROVAL, staff_id=CHIEF, body={"decision": "refuse", "reason": "x"})[0] == 409  # decided
    # both leave their access record: the clerk's write of the entry, the chief's write of the decision
    for staff in (CLERK, CHIEF):
        assert ("write", "ok", "HH:H1") in [(r.operation, r.result, r.subject_ids[0]) for r in records_by_staff(staff)]


def test_a_refused_late_application_never_takes_effect(staffed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    _pending(monkeypatch)
    status, out, _ = call("POST", APPROVAL, staff_id=CHIEF,
                          body={"decision": "refuse", "reason": "受付印がなく受付日を確認できない"})
    assert status == 201 and out["status"] == "refused", out
    late = _application()["late_entry"]
    assert (late["status"], late["note"]) == ("refused", "受付印がなく受付日を確認できない")
    from kokuho.benefits.payment import in_force
    from kokuho.receipts.wiring import benefit_payment_store

    assert in_force(benefit_payment_store().household("H1").applications) == []


def test_the_entrant_never_approves_their_own(staffed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The chief who entered it late (they hold benefits_record too) cannot approve it."""
    benefit_household()
    _enter_on(monkeypatch, date(2026, 11, 1))
    status, out, _ = call("POST", "/benefits/H1/applications", staff_id=CHIEF, body=APPLICATION)
    assert status == 201 and out["status"] == "pending_approval", out
    status, out, _ = call("POST", APPROVAL, staff_id=CHIEF, body={"decision": "approve"})
    assert status == 422 and "approver" in str(out), out
    assert _application()["late_entry"]["status"] == "pending_approval"


def test_a_claim_entered_late_keeping_a_lapsed_right_waits_for_a_second_member(
        staffed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    world()
    last = date(2027, 6, 3)  # the 柔道整復 paid on 2025-06-03: its right lasts 2 years
    _enter_on(monkeypatch, last + timedelta(days=1))
    status, out, _ = call("POST", "/benefits/H1/other-claims", staff_id=CLERK,
                          body={**JUDO, "received_on": (last + timedelta(days=2)).isoformat()})
    assert status == 422 and "received_on" in str(out), out  # after the entry day (today): refused as ever
    status, out, _ = call("POST", "/benefits/H1/other-claims", staff_id=CLERK, body=JUDO)
    assert (status, out["status"]) == (201, "pending_approval") and last.isoformat() in str(out["needs_approval"])
    claim = f"/benefits/H1/other-claims/{out['claim_id']}"
    status, held, _ = call("GET", claim, staff_id=CLERK)
    assert held["late_entry"]["status"] == "pending_approval" and held["late_entry"]["entered_by"] == CLERK
    # not decided while it waits: the decider's 支給 would pay a right one clerk revived
    status, out, _ = call("POST", f"{claim}/decision", staff_id=DECIDER, body={})
    assert status == 422 and "approval" in str(out), out
    assert call("POST", f"{claim}/approval", staff_id=CLERK, body={"decision": "approve"})[0] == 403
    status, out, _ = call("POST", f"{claim}/approval", staff_id=CHIEF, body={"decision": "approve"})
    assert (status, out["status"]) == (201, "approved"), out
    assert call("POST", f"{claim}/approval", staff_id=CHIEF, body={"decision": "approve"})[0] == 409
    status, out, _ = call("GET", claim, staff_id=CLERK)
    assert (out["late_entry"]["status"], out["late_entry"]["decided_by"]) == ("approved", CHIEF)
    status, out, _ = call("POST", f"{claim}/decision", staff_id=DECIDER, body={})
    assert status == 200 and out["approved"] is True, out  # approved: decided as any claim
    for staff in (CLERK, CHIEF):  # the entry's write and the decision's write, each recorded
        assert "write" in [r.operation for r in records_by_staff(staff)]


def test_a_refused_late_claim_is_never_decided_and_its_entrant_never_approves(
        staffed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    world()
    _enter_on(monkeypatch, date(2027, 6, 4))
    status, out, _ = call("POST", "/benefits/H1/other-claims", staff_id=CHIEF, body=JUDO)  # entered by the chief
    assert (status, out["status"]) == (201, "pending_approval"), out
    claim = f"/benefits/H1/other-claims/{out['claim_id']}"
    status, out, _ = call("POST", f"{claim}/approval", staff_id=CHIEF, body={"decision": "approve"})
    assert status == 422 and "approver" in str(out), out
    status, out, _ = call("POST", "/benefits/H1/other-claims/C-NONE/approval", staff_id=CHIEF,
                          body={"decision": "approve"})
    assert status == 422 and "claim" in str(out), out
    status, out, _ = call("POST", f"{claim}/approval", staff_id=SECOND,
                          body={"decision": "refuse", "reason": "受付日が確認できない"})
    assert (status, out["status"]) == (201, "refused"), out
    status, out, _ = call("POST", f"{claim}/decision", staff_id=DECIDER, body={})
    assert status == 422 and "refused" in str(out), out
