"""Filing and deciding 療養費・出産育児一時金・葬祭費 claims against the port (kokuho.benefits.claims), on the in-memory
fake: the person's facts from the household (insured on the event day, the 70–74 ratio of the household's bracket),
a claim stored once, decided once, paid once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from kokuho.benefits.benefit_ports import HouseholdFacts, MemberSpan
from kokuho.benefits.claim_ports import StoredClaim
from kokuho.benefits.claims import ClaimConflict, ClaimNotFound, ClaimRejected, decide_claim, file_claim
from kokuho.benefits.other_benefits import Claim, claim_id_of, facts_of
from kokuho.benefits.receipt_ports import InsuredPeriod
from kokuho.collection.ports import RefundAccount
from tests.fakes.other_claim_store import InMemoryClaimStore

ACCOUNT = RefundAccount("0177", "123", "普通", "7654321", "キタキユウ タロウ", "申出口座")
HOUSEHOLD = HouseholdFacts(
    "H0001", "P0001",
    (MemberSpan("P0001", date(1980, 5, 10), date(2020, 1, 1), None, (InsuredPeriod(date(2020, 1, 1)),)),
     MemberSpan("P0002", date(1990, 2, 3), date(2020, 1, 1), None,
                (InsuredPeriod(date(2020, 1, 1), date(2025, 10, 1)),)),  # left NHI on 1 October 2025
     MemberSpan("P0003", date(1954, 3, 20), date(2020, 1, 1), date(2025, 11, 3),
                (InsuredPeriod(date(2020, 1, 1), date(2025, 11, 3)),))),  # died 2 November 2025
    {2025: {p: {"declared": True, "total": 0, "resident_tax_exempt": False} for p in ("P0001", "P0002", "P0003")}}, {})
ACT = {"actor": None, "chain": "T"}


def claim(kind: str, person: str, on: date, **kw: object) -> StoredClaim:
    c = Claim(claim_id_of(kind, "H0001", person, on, kw.get("subkind")),  # type: ignore[arg-type]
              kind, "H0001", person, on, date(2025, 12, 10), **kw)  # type: ignore[arg-type]
    return StoredClaim(c, ACCOUNT, "S1001")


def test_facts_insured_on_the_day_and_the_70_74_ratio_from_the_bracket() -> None:
    assert facts_of(HOUSEHOLD, "P0002", date(2025, 9, 30)).insured_on_event  # type: ignore[union-attr]
    assert not facts_of(HOUSEHOLD, "P0002", date(2025, 10, 1)).insured_on_event  # type: ignore[union-attr]
    assert facts_of(HOUSEHOLD, "P0003", date(2025, 11, 2)).insured_on_event  # type: ignore[union-attr]
    old = facts_of(HOUSEHOLD, "P0003", date(2025, 8, 5))
    assert old is not None and old.ratio70 == "2割"  # 一般 (no 課税所得): 2割
    assert facts_of(HOUSEHOLD, "P9999", date(2025, 8, 5)) is None


def test_a_funeral_claim_is_filed_once_decided_once_and_paid_once_to_the_mourner() -> None:
    store = InMemoryClaimStore({"H0001": HOUSEHOLD})
    c = claim("葬祭費", "P0003", date(2025, 11, 2), chief_mourner="北九 一郎", funeral_on=date(2025, 11, 5))
    assert file_claim(store, c, **ACT)[1] is True
    assert file_claim(store, c, **ACT)[1] is False  # the same claim again: stored once
    with pytest.raises(ClaimConflict):
        file_claim(store, replace(c, claim=replace(c.claim, chief_mourner="別人")), **ACT)
    d = decide_claim(store, "H0001", c.claim.claim_id, on=date(2025, 12, 15), rate=None, staff_id="S1002", **ACT)
    assert d.decision.approved and d.payment is not None and d.payment.amount == d.decision.amount > 0
    assert d.payment.payee_id.startswith("MOURNER-") and d.payment.account == ACCOUNT
    with pytest.raises(ClaimConflict):
        decide_claim(store, "H0001", c.claim.claim_id, on=date(2025, 12, 16), rate=None, staff_id="S1002", **ACT)
    assert list(store.payments) == [f"{c.claim.claim_id}-P1"]
    assert ("write", ("P0003",)) in store.access and ("read", ("P0003",)) in store.access


def test_a_birth_after_the_mother_left_is_refused_with_its_reason_and_pays_nothing() -> None:
    store = InMemoryClaimStore({"H0001": HOUSEHOLD})
    c = claim("出産育児一時金", "P0002", date(2025, 10, 3), gestation_days=275)
    file_claim(store, c, **ACT)
    d = decide_claim(store, "H0001", c.claim.claim_id, on=date(2025, 12, 15), rate=None, staff_id="S1002", **ACT)
    assert not d.decision.approved and d.payment is None and not store.payments
    assert d.decision.reasons == ("the mother was not insured on 2025-10-03",)
    assert store.claims[("H0001", c.claim.claim_id)].decision["approved"] is False  # type: ignore[index]


def test_bad_claims_are_refused_before_anything_is_stored() -> None:
    store = InMemoryClaimStore({"H0001": HOUSEHOLD})
    with pytest.raises(ClaimRejected, match="subkind"):
        file_claim(store, claim("療養費", "P0001", date(2025, 6, 3), subkind="鍼灸", paid=1, standard=1), **ACT)
    with pytest.raises(ClaimRejected, match="chief_mourner"):
        file_claim(store, claim("葬祭費", "P0003", date(2025, 11, 2)), **ACT)
    with pytest.raises(ClaimRejected, match="person_id"):
        file_claim(store, claim("葬祭費", "P0009", date(2025, 11, 2), chief_mourner="x"), **ACT)
    with pytest.raises(ClaimRejected, match="fiscal year 2018"):
        file_claim(store, claim("葬祭費", "P0003", date(2018, 11, 2), chief_mourner="x"), **ACT)
    with pytest.raises(ClaimNotFound):
        file_claim(store, replace(claim("葬祭費", "P0003", date(2025, 11, 2), chief_mourner="x"),
                                  claim=replace(claim("葬祭費", "P0003", date(2025, 11, 2), chief_mourner="x").claim,
                                                household_id="H0404")), **ACT)
    assert not store.claims
