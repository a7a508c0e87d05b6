"""Probe: a 支給申請 or a 療養費・出産育児一時金・葬祭費 claim entered today with an old `received_on` brought back a
right extinguished after 2 years (国保法第110条): the application keeps the right only if it really arrived before
the right lapsed, and one clerk alone could make that so by typing a past day. An application or claim entered more
than the city's maximum entry lag (data per fiscal year, with its basis) after its `received_on` that would keep a
right already lapsed on the entry day is refused, naming received_on, nothing stored (a second member's approval of
such an entry is not built: docs/benefit_payment.md)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from kokuho.benefits.claims import ClaimRejected, decide_claim, decide_late_claim, file_claim
from kokuho.benefits.late_entry import (
    AlreadyDecided,
    DecisionRefused,
    LateEntry,
    decide_late_entry,
    late_rescue,
    max_entry_lag,
    setting,
)
from kokuho.benefits.other_benefits import right_last_day as claim_last_day
from kokuho.benefits.other_benefits import rules_for
from kokuho.benefits.payment import Application, in_force, right_last_day
from kokuho.collection import arrears_entry
from tests.fakes.other_claim_store import InMemoryClaimStore
from tests.unit.benefits.test_other_claims import ACT, HOUSEHOLD, claim

LAG = 14
LAST = right_last_day("2024-10")  # 2026-10-31


def test_the_maximum_entry_lag_is_a_city_setting_per_fiscal_year_with_its_basis_read_by_the_one_loader() -> None:
    raw = setting()
    assert "国保法第110条" in raw["basis"] and raw["description"]
    assert {int(y) for y in raw["years"]} >= {2024, 2025, 2026}
    assert max_entry_lag(date(2026, 12, 1)) == LAG
    assert max_entry_lag(date(2031, 5, 1)) == LAG  # a year stands until the city sets another
    # the 滞納整理 lag is read by the same rule (one loader for both settings)
    assert arrears_entry.max_entry_lag(date(2026, 12, 1)) == 14


@pytest.mark.parametrize(("entered_on", "received_on", "refused"), [
    # the lapse: the right to 2024-10 lasts to 2026-10-31; entered long after an application of 2026-09-01
    (LAST + timedelta(days=1), date(2026, 9, 1), True),   # lapsed the day before the entry day: refused
    (LAST, date(2026, 9, 1), False),                      # still alive on the entry day: nothing rescued
    (LAST - timedelta(days=1), date(2026, 9, 1), False),
    # the lag, on an entry day after the lapse (received on the right's last day)
    (LAST + timedelta(days=LAG - 1), LAST, False),        # within the lag: a normal entry
    (LAST + timedelta(days=LAG), LAST, False),            # on the lag's last day
    (LAST + timedelta(days=LAG + 1), LAST, True),         # one day more: refused
    # received after the right lapsed: nothing is rescued (the run marks the month expired)
    (date(2026, 12, 1), LAST + timedelta(days=1), False),
])
def test_an_application_entered_late_that_would_keep_a_lapsed_right_is_refused(
        entered_on: date, received_on: date, refused: bool) -> None:
    reason = late_rescue(received_on, entered_on, {"2024-10": LAST, "2026-09": right_last_day("2026-09")})
    assert (reason is not None) == refused, reason
    if refused:
        assert reason is not None and reason.startswith("received_on:")
        assert "2024-10" in reason and "2026-09" not in reason and LAST.isoformat() in reason


def test_a_claim_entered_late_that_would_keep_a_lapsed_right_is_held_until_another_member_approves() -> None:
    store = InMemoryClaimStore({"H0001": HOUSEHOLD})
    # a funeral claim of 2 November 2025 (the death, no funeral day): the right lasts to 2027-11-02
    c = claim("葬祭費", "P0003", date(2025, 11, 2), chief_mourner="x")
    last = claim_last_day(c.claim, rules_for(c.claim.event_on))
    assert last == date(2027, 11, 2)
    old = replace(c, claim=replace(c.claim, received_on=date(2027, 10, 1)))
    for entered_on, refused in ((last + timedelta(days=1), True), (last, False), (date(2027, 10, 1) + timedelta(
            days=LAG), False)):
        s = InMemoryClaimStore({"H0001": HOUSEHOLD})
        stored, new = file_claim(s, old, entered_on=entered_on, **ACT)
        assert new is True
        if refused:  # held: recorded, never decided before a second member approves it
            assert stored.late is not None and stored.late.status == "pending_approval"
            assert "received_on: " in stored.late.reason and "2027-11-02" in stored.late.reason
            assert s.get_claim("H0001", c.claim.claim_id, **ACT) == stored
            with pytest.raises(ClaimRejected, match="approval"):
                decide_claim(s, "H0001", c.claim.claim_id, on=entered_on, rate=None, staff_id="S2", **ACT)
            with pytest.raises(DecisionRefused, match="approver"):
                decide_late_claim(s, "H0001", c.claim.claim_id, decision="approve", staff_id=" s1001 ",
                                  on=entered_on, reason=None, **ACT)
            approved = decide_late_claim(s, "H0001", c.claim.claim_id, decision="approve", staff_id="S2",
                                         on=entered_on, reason=None, **ACT)
            assert approved.late is not None and approved.late.in_force
            assert decide_claim(s, "H0001", c.claim.claim_id, on=entered_on, rate=None, staff_id="S2",
                                **ACT).decision.approved
        else:
            assert stored.late is None
    # entered within the lag of its received_on, even after the lapse: the day is plausible, recorded
    recent = replace(c, claim=replace(c.claim, received_on=last))
    assert file_claim(store, recent, entered_on=last + timedelta(days=LAG), **ACT)[1] is True


# -- the approval path of a 支給申請 held for it (kokuho.benefits.late_entry.decide) ---------------------------------
def _held() -> LateEntry:
    reason = late_rescue(date(2026, 9, 1), LAST + timedelta(days=1), {"2024-10": LAST})
    assert reason is not None
    return LateEntry(LAST + timedelta(days=1), "S1018", reason)


@pytest.mark.parametrize("spelling", ["S1018", "s1018", " S1018", "S1018 ", "Ｓ１０１８", "ｓ1018", "S 1018",
                                      "S-1018", "S\u200b1018", "S1018\n"])
def test_the_entrant_never_approves_their_own_in_any_spelling(spelling: str) -> None:
    with pytest.raises(DecisionRefused, match="approver"):
        decide_late_entry(_held(), decision="approve", staff_id=spelling, on=LAST + timedelta(days=2))
    with pytest.raises(DecisionRefused, match="approver"):
        decide_late_entry(_held(), decision="refuse", staff_id=spelling, on=LAST + timedelta(days=2), reason="x")


def test_another_member_decides_once_and_a_refusal_says_why() -> None:
    day = LAST + timedelta(days=2)
    held = _held()
    assert (held.status, held.in_force) == ("pending_approval", False)
    approved = decide_late_entry(held, decision="approve", staff_id="S1034", on=day)
    assert (approved.status, approved.in_force, approved.decided_by, approved.decided_on) == (
        "approved", True, "S1034", day)
    with pytest.raises(AlreadyDecided):
        decide_late_entry(approved, decision="refuse", staff_id="S1035", on=day, reason="x")
    with pytest.raises(DecisionRefused, match="reason"):
        decide_late_entry(held, decision="refuse", staff_id="S1034", on=day, reason="  ")
    refused = decide_late_entry(held, decision="refuse", staff_id="S1034", on=day, reason="受付日が確認できない")
    assert (refused.status, refused.in_force, refused.note) == ("refused", False, "受付日が確認できない")
    with pytest.raises(DecisionRefused, match="decision"):
        decide_late_entry(held, decision="maybe", staff_id="S1034", on=day)
    with pytest.raises(DecisionRefused, match="application"):
        decide_late_entry(None, decision="approve", staff_id="S1034", on=day)
    assert in_force([replace(APP, late=held), APP, replace(APP, application_id="A2", late=approved),
                     replace(APP, application_id="A3", late=refused)]) == [APP, replace(
                         APP, application_id="A2", late=approved)]


APP = Application("A1", "H1", ("2024-10",), date(2026, 9, 1), None, False, "S1018")
