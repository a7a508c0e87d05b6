"""Probe: through the API a clerk alone entered a 支給申請 or a 療養費 claim with an old `received_on` and kept a right
extinguished after 2 years (国保法第110条). Entered more than the city's maximum lag after its received_on and keeping
a right already lapsed on the entry day: 422 naming received_on, nothing written, the attempt recorded. A day after
the entry day stays refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from qualification_helpers import benefit_household, call, item_counts
from test_other_benefit_api import JUDO, world

from kokuho.access.records import records_by_staff
from kokuho.receipts import benefit_routes, claim_routes

CLERK = "S1018"
ACCOUNT = {"bank_code": "0001", "branch_code": "002", "account_type": "普通", "account_number": "1234567",
           "holder_kana": "シケン　ハジメ"}
# the 2024-10 benefit's right lasts to 2026-10-31
APPLICATION = {"application_id": "A-LATE", "months": ["2024-10"], "received_on": "2025-08-20", "account": ACCOUNT}


def _enter_on(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    for module in (benefit_routes, claim_routes):
        monkeypatch.setattr(module, "today_jst", lambda: day)


def test_an_application_entered_late_keeping_a_lapsed_right_is_refused(staffed: None,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    benefit_household()
    before = item_counts("receipts")
    _enter_on(monkeypatch, date(2026, 11, 1))
    status, out, _ = call("POST", "/benefits/H1/applications", staff_id=CLERK, body=APPLICATION)
    assert status == 422 and "received_on" in str(out) and "2026-10-31" in str(out), out
    for late in ("2026-11-02", "2099-01-01"):  # after the entry day: refused as ever
        status, out, _ = call("POST", "/benefits/H1/applications", staff_id=CLERK,
                              body={**APPLICATION, "received_on": late})
        assert status == 422 and "received_on" in str(out), out
    assert item_counts("receipts") == before
    assert any(r.result == "rejected" for r in records_by_staff(CLERK))
    _enter_on(monkeypatch, date(2026, 10, 31))  # the right's last day: still alive, nothing rescued
    status, out, _ = call("POST", "/benefits/H1/applications", staff_id=CLERK, body=APPLICATION)
    assert (status, out["status"]) == (201, "recorded"), out


def test_a_claim_entered_late_keeping_a_lapsed_right_is_refused(staffed: None,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    world()
    before = item_counts("receipts")
    last = date(2027, 6, 3)  # the 柔道整復 paid on 2025-06-03: its right lasts 2 years
    _enter_on(monkeypatch, last + timedelta(days=1))
    status, out, _ = call("POST", "/benefits/H1/other-claims", staff_id=CLERK, body=JUDO)
    assert status == 422 and "received_on" in str(out) and last.isoformat() in str(out), out
    status, out, _ = call("POST", "/benefits/H1/other-claims", staff_id=CLERK,
                          body={**JUDO, "received_on": (last + timedelta(days=2)).isoformat()})
    assert status == 422 and "received_on" in str(out), out  # after the entry day
    assert item_counts("receipts") == before
    _enter_on(monkeypatch, last)
    status, out, _ = call("POST", "/benefits/H1/other-claims", staff_id=CLERK, body=JUDO)
    assert (status, out["status"]) == (201, "filed"), out
