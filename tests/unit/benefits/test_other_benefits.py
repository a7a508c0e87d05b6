"""療養費・出産育児一時金・葬祭費: amounts per the rules of the event's fiscal year, eligibility with reasons
(kokuho.benefits.other_benefits; docs/other_benefits.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kokuho.benefits.other_benefits import (
    Claim,
    Facts,
    RulesMissing,
    claim_id_of,
    copay_ratio,
    decide,
    rules_for,
)
from kokuho.premium.ages import birth_facts

ADULT = Facts(True, date(1980, 5, 10))
JUDO_DOCS = ("施術明細", "領収書")


def judo(**kw: object) -> Claim:
    base: dict[str, object] = dict(claim_id="OB-X", kind="療養費", household_id="H0001", person_id="P0001",
                                   event_on=date(2025, 6, 3), received_on=date(2025, 6, 20), subkind="柔道整復",
                                   paid=12_000, standard=10_000, documents=JUDO_DOCS)
    base.update(kw)
    return Claim(**base)  # type: ignore[arg-type]


def birth(**kw: object) -> Claim:
    base: dict[str, object] = dict(claim_id="OB-B", kind="出産育児一時金", household_id="H0001", person_id="P0002",
                                   event_on=date(2025, 9, 1), received_on=date(2025, 9, 20), gestation_days=270)
    base.update(kw)
    return Claim(**base)  # type: ignore[arg-type]


def funeral(**kw: object) -> Claim:
    base: dict[str, object] = dict(claim_id="OB-F", kind="葬祭費", household_id="H0001", person_id="P0003",
                                   event_on=date(2025, 11, 2), received_on=date(2025, 12, 1),
                                   chief_mourner="北九 花子", funeral_on=date(2025, 11, 5))
    base.update(kw)
    return Claim(**base)  # type: ignore[arg-type]


def test_ryoyohi_pays_the_lower_of_paid_and_standard_less_the_copay_equivalent() -> None:
    d = decide(judo(), ADULT, rules_for(date(2025, 6, 3)))
    # 10,000 recognised (the standard is lower than the 12,000 paid), 3割 → 3,000 copay equivalent
    assert (d.approved, d.amount, d.to_payee, d.basis["recognised"], d.basis["copay_ratio"]) == \
        (True, 7_000, 7_000, 10_000, "3割")
    cheaper = decide(judo(paid=8_333), ADULT, rules_for(date(2025, 6, 3)))
    assert cheaper.basis["copay_equivalent"] == 2_500  # 2,499.9 → rounded half up to 10 yen
    assert cheaper.amount == 8_333 - 2_500


def test_copay_ratio_by_age_preschool_and_70_74() -> None:
    # born 2 April 2019: 未就学児 until 31 March 2026 (the premium's own rule), then 3割
    child = date(2019, 4, 2)
    assert copay_ratio(child, date(2026, 3, 31), None) == "2割"
    assert copay_ratio(child, date(2026, 4, 1), None) == "3割"
    assert birth_facts(2025, "2019-04-02").preschool and not birth_facts(2026, "2019-04-02").preschool
    # 70 reached on 14 May 2025 (born 15 May 1955): from June the household's 70–74 ratio
    old = date(1955, 5, 15)
    assert copay_ratio(old, date(2025, 5, 31), "2割") == "3割"
    assert copay_ratio(old, date(2025, 6, 1), "2割") == "2割"
    with pytest.raises(ValueError, match="bracket"):
        copay_ratio(old, date(2025, 6, 1), None)
    d = decide(judo(), Facts(True, old, "2割"), rules_for(date(2025, 6, 3)))
    assert (d.amount, d.basis["copay_ratio"]) == (8_000, "2割")


def test_overseas_converts_at_the_decision_rate_and_caps_at_the_japanese_cost() -> None:
    docs = ("診療内容明細書", "領収明細書", "翻訳文", "渡航の事実が分かる書類")
    c = judo(subkind="海外療養費", paid=None, paid_foreign=Decimal("1234.56"), currency="USD", standard=500_000,
             documents=docs)
    d = decide(c, ADULT, rules_for(c.event_on), rate=Decimal("150.25"))
    assert d.basis["paid"] == 185_492  # 1234.56 × 150.25 = 185,492.64, yen rounded down
    assert d.amount == 185_492 - 55_650
    capped = decide(c, ADULT, rules_for(c.event_on), rate=Decimal("1000"))
    assert capped.basis["recognised"] == 500_000
    trip = decide(judo(subkind="海外療養費", paid=None, paid_foreign=Decimal(10), currency="USD", standard=1,
                       documents=docs, trip_for_treatment=True), ADULT, rules_for(c.event_on), rate=Decimal(150))
    assert not trip.approved and "travelled abroad" in trip.reasons[0]


def test_refusals_name_every_reason_and_pay_nothing() -> None:
    d = decide(judo(documents=("領収書",), received_on=date(2027, 6, 4), other_insurer_pays=True),
               Facts(False, date(1980, 5, 10)), rules_for(date(2025, 6, 3)))
    assert (d.approved, d.amount, d.to_payee) == (False, 0, 0)
    text = " / ".join(d.reasons)
    for part in ("施術明細", "lapsed on 2027-06-03", "another insurer", "not insured on 2025-06-03"):
        assert part in text
    # the last day of the right is still in time
    assert decide(judo(received_on=date(2027, 6, 3)), ADULT, rules_for(date(2025, 6, 3))).approved


def test_childbirth_amount_by_year_scheme_and_children_with_direct_payment() -> None:
    on = date(2025, 9, 1)
    assert decide(birth(), ADULT, rules_for(on)).amount == 500_000
    assert decide(birth(compensation_scheme=False), ADULT, rules_for(on)).amount == 488_000
    assert decide(birth(children=2), ADULT, rules_for(on)).amount == 1_000_000
    # FY2022 (before April 2023): 420,000
    assert decide(birth(event_on=date(2023, 3, 31), received_on=date(2023, 4, 2)), ADULT,
                  rules_for(date(2023, 3, 31))).amount == 420_000
    direct = decide(birth(provider_code="4012345", provider_charged=470_000), ADULT, rules_for(on))
    assert (direct.to_provider, direct.to_payee) == (470_000, 30_000)
    over = decide(birth(provider_code="4012345", provider_charged=560_000), ADULT, rules_for(on))
    assert (over.to_provider, over.to_payee) == (500_000, 0)
    early = decide(birth(gestation_days=84), ADULT, rules_for(on))
    assert not early.approved and "85 days" in early.reasons[0]
    assert not decide(birth(), Facts(False), rules_for(on)).approved


def test_funeral_to_the_chief_mourner_by_ordinance() -> None:
    on = date(2025, 11, 2)
    d = decide(funeral(), Facts(True), rules_for(on))
    assert d.approved and d.amount == rules_for(on).funeral_amount > 0
    nobody = decide(funeral(chief_mourner=None, other_insurer_pays=True), Facts(True), rules_for(on))
    assert not nobody.approved and any("喪主" in r for r in nobody.reasons)
    assert not decide(funeral(), Facts(False), rules_for(on)).approved


def test_a_year_without_rules_is_refused_and_ids_are_stable() -> None:
    with pytest.raises(RulesMissing):
        rules_for(date(2019, 5, 1))
    a = claim_id_of("葬祭費", "H0001", "P0003", date(2025, 11, 2), None)
    assert a == claim_id_of("葬祭費", "H0001", "P0003", date(2025, 11, 2), None)
    assert a != claim_id_of("葬祭費", "H0001", "P0004", date(2025, 11, 2), None)
    assert Claim.from_json(judo().to_json()) == judo()


def test_the_funeral_right_runs_from_the_funeral_not_the_death() -> None:
    on = date(2025, 11, 2)  # died; the funeral on 5 November: the 2 years run from the day after it
    d = decide(funeral(received_on=date(2027, 11, 4)), Facts(True), rules_for(on))
    assert d.approved and d.basis["claim_limit"] == "2027-11-05"
    late = decide(funeral(received_on=date(2027, 11, 6)), Facts(True), rules_for(on))
    assert not late.approved and "lapsed on 2027-11-05" in late.reasons[0]


@given(paid=st.integers(0, 5_000_000), standard=st.integers(0, 5_000_000),
       birth=st.dates(date(1951, 4, 2), date(2025, 5, 1)), ratio70=st.sampled_from(["2割", "3割"]))
def test_a_ryoyohi_never_pays_more_than_the_recognised_cost_nor_less_than_nothing(
        paid: int, standard: int, birth: date, ratio70: str) -> None:
    d = decide(judo(paid=paid, standard=standard), Facts(True, birth, ratio70), rules_for(date(2025, 6, 3)))
    cost = min(paid, standard)
    assert d.approved and 0 <= d.amount <= cost
    assert d.amount + d.basis["copay_equivalent"] == cost and d.basis["copay_equivalent"] % 10 == 0
    assert d.basis["copay_ratio"] in ("2割", "3割")


def test_a_rate_is_taken_only_by_a_claim_paid_abroad() -> None:
    """A rate sent with any other claim was silently ignored (probe): the decision named no rate and the clerk
    believed one was applied. Refused naming `rate`, as a 海外療養費 without one is."""
    for claim in (judo(), birth(), funeral()):
        with pytest.raises(ValueError, match="^rate: "):
            decide(claim, ADULT, rules_for(claim.event_on), rate=Decimal("150"))
