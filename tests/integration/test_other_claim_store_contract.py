"""One contract, two adapters, for the claims of 療養費・出産育児一時金・葬祭費 (kokuho.benefits.claim_ports): the
in-memory fake the service's unit tests run on (tests/fakes/other_claim_store.py) and the pynamodb adapter
(kokuho.records.other_claims) behave alike where kokuho.benefits.claims relies on it — the household's facts, a claim
put once and read back whole, decided once with its payment."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fakes.other_claim_store import InMemoryClaimStore

from kokuho.access.actor import Actor
from kokuho.benefits.benefit_ports import HouseholdFacts, MemberSpan, WriteConflict
from kokuho.benefits.claim_ports import StoredClaim
from kokuho.benefits.late_entry import LateEntry
from kokuho.benefits.other_benefits import Claim, facts_of
from kokuho.benefits.payment import BenefitPayment
from kokuho.benefits.receipt_ports import InsuredPeriod
from kokuho.collection.ports import RefundAccount

CLERK = Actor("S0001", "T1", "療養費の支給")
ACCOUNT = RefundAccount("0001", "002", "普通", "1234567", "シケン ハジメ", "申出口座")
PERIODS = {"P1": (date(2020, 4, 1), None), "P2": (date(2020, 4, 1), date(2025, 10, 1))}
BIRTHS = {"P1": date(1980, 5, 10), "P2": date(1954, 3, 20)}
CLAIM = Claim("OB-0123456789", "療養費", "H1", "P2", date(2025, 8, 5), date(2025, 8, 20), ("診療内容明細書",),
              subkind="海外療養費", standard=100_000, paid_foreign=Decimal("812.40"), currency="USD")


def _fake_household() -> HouseholdFacts:
    spans = tuple(MemberSpan(p, BIRTHS[p], date(2020, 4, 1), None, (InsuredPeriod(*PERIODS[p]),)) for p in BIRTHS)
    incomes = {p: {"declared": True, "total": 0} for p in BIRTHS}
    return HouseholdFacts("H1", "P1", spans, {2025: incomes}, {})


@pytest.fixture(params=["fake", "pynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "fake":
        yield InMemoryClaimStore({"H1": _fake_household()})
        return
    from kokuho_local.embedded import embedded_aws

    with embedded_aws():
        from kokuho.records.other_claims import DynamoClaimStore
        from kokuho.records.qualification import HouseholdModel, PersonModel, household_pk, person_pk, put_income

        for p, (start, until) in PERIODS.items():
            PersonModel(person_pk(p), "PROFILE", person_id=p, resident_code=f"R{p}", household_id="H1",
                        name_kanji=f"試験 {p}", name_kana="シケン", birth_date=BIRTHS[p].isoformat(), sex="1",
                        relationship="世帯主", postal_code="8020001", address="北九州市", updated_at="2024-04-01",
                        updated_by="test", periods=[{"acquired_on": start.isoformat(), "acquire_reason": "move_in",
                                                     "until": until.isoformat() if until else None,
                                                     "lose_reason": "joined_employee_insurance" if until else None}]
                        ).save()
            put_income(p, 2025, {"declared": True, "total": 0})
        HouseholdModel(household_pk("H1"), "PROFILE", household_id="H1", householder_id="P1",
                       members=[{"person_id": p, "relationship": "世帯主", "joined_on": "2020-04-01", "left_on": None}
                                for p in BIRTHS], updated_at="2024-04-01", updated_by="test").save()
        yield DynamoClaimStore()


def test_facts_a_claim_once_and_a_decision_once(store: Any) -> None:
    on = date(2025, 8, 5)
    household = store.household("H1", on, actor=CLERK, chain="c")
    assert household is not None and household.householder_id == "P1"
    assert facts_of(household, "P2", on) == facts_of(_fake_household(), "P2", on)
    assert store.household("H9", on, actor=CLERK, chain="c") is None

    stored = StoredClaim(CLAIM, ACCOUNT, "S0001")
    assert store.put_claim(stored, actor=CLERK, chain="c") is True
    assert store.put_claim(stored, actor=CLERK, chain="c") is False
    assert store.get_claim("H1", CLAIM.claim_id, actor=CLERK, chain="c") == stored  # read back whole
    assert store.get_claim("H1", "OB-FFFFFFFFFF", actor=CLERK, chain="c") is None

    payment = BenefitPayment(f"{CLAIM.claim_id}-P1", "H1", "2025-08", 61_000, 1, "2025-09-01", "P1", ACCOUNT,
                             CLAIM.claim_id)
    decision = {"approved": True, "amount": 61_000, "to_payee": 61_000, "to_provider": 0, "reasons": [],
                "basis": {"fiscal_year": 2025}, "decided_on": "2025-09-01", "decided_by": "S0002"}
    store.record_decision(stored, decision, payment, actor=CLERK, chain="c")
    with pytest.raises(WriteConflict):
        store.record_decision(stored, decision, payment, actor=CLERK, chain="c")
    read = store.get_claim("H1", CLAIM.claim_id, actor=CLERK, chain="c")
    assert (read.decision, read.payment_id, read.payment_status) == (decision, payment.payment_id, "ready")


def test_a_claim_held_for_approval_is_decided_once_and_keeps_its_entry(store: Any) -> None:
    """A claim entered late is stored held (kokuho.benefits.late_entry); the second member's decision is stored once,
    never on a claim decided or not held, and the entry stays with the claim after its decision."""
    held = LateEntry(date(2027, 8, 21), "S0001", "received_on: …")
    stored = StoredClaim(CLAIM, ACCOUNT, "S0001", late=held)
    assert store.put_claim(stored, actor=CLERK, chain="c") is True
    assert store.get_claim("H1", CLAIM.claim_id, actor=CLERK, chain="c") == stored
    approved = replace(held, decision="approve", decided_by="S0003", decided_on=date(2027, 8, 22))
    assert store.decide_late_claim(stored, approved, actor=CLERK, chain="c") is True
    after = store.get_claim("H1", CLAIM.claim_id, actor=CLERK, chain="c")
    assert after == replace(stored, late=approved)
    assert store.decide_late_claim(after, replace(approved, decision="refuse"), actor=CLERK, chain="c") is False
    decision = {"approved": True, "amount": 61_000, "to_payee": 61_000, "to_provider": 0, "reasons": [],
                "basis": {"fiscal_year": 2025}, "decided_on": "2027-08-22", "decided_by": "S0002"}
    store.record_decision(after, decision, None, actor=CLERK, chain="c")
    assert store.get_claim("H1", CLAIM.claim_id, actor=CLERK, chain="c").late == approved
