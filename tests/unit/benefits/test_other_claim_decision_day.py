"""Auditor's probe of the 療養費・出産育児一時金・葬祭費 decision: its day is the decider's (`decided_on`, only "not in
the future"), so a claim received on 10 December 2025 could be decided — and its payment created, its notice dated — on
1 January 2020, before the claim existed. A decision before the claim was received is refused naming decided_on, and
nothing is decided or paid."""

from __future__ import annotations

from datetime import date

import pytest
from test_other_claims import ACT, HOUSEHOLD, claim

from kokuho.benefits.claims import ClaimRejected, decide_claim, file_claim
from tests.fakes.other_claim_store import InMemoryClaimStore


def test_a_decision_dated_before_the_claim_was_received_is_refused() -> None:
    store = InMemoryClaimStore({"H0001": HOUSEHOLD})
    c = claim("葬祭費", "P0003", date(2025, 11, 2), chief_mourner="北九 一郎", funeral_on=date(2025, 11, 5))
    file_claim(store, c, **ACT)  # received 10 December 2025
    with pytest.raises(ClaimRejected, match="decided_on"):
        decide_claim(store, "H0001", c.claim.claim_id, on=date(2020, 1, 1), rate=None, staff_id="S1002", **ACT)
    assert not store.payments and store.get_claim("H0001", c.claim.claim_id, **ACT).decision is None  # type: ignore[union-attr]
    d = decide_claim(store, "H0001", c.claim.claim_id, on=date(2025, 12, 10), rate=None, staff_id="S1002", **ACT)
    assert d.payment is not None  # the day it was received: taken
