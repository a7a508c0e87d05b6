"""Paying the 高額療養費 and recovering what was paid without right (issue 13 items 4 and 6): the pure plan of a
household's day (kokuho.benefits.payment)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from kokuho.benefits.payment import (
    Application,
    MonthBenefit,
    OpenInstallment,
    PaymentRules,
    Withholding,
    load_rules,
    plan_household,
)
from kokuho.collection.ports import RefundAccount

ON = date(2025, 9, 1)
GIVEN = RefundAccount("0001", "002", "普通", "1234567", "シケン ハジメ", "申出口座")
PUBLIC = RefundAccount("0005", "010", "普通", "7654321", "シケン ハジメ", "公金受取口座")
RULES = PaymentRules(application_omission=True, claim_due_days=30, claim_limit_years=5)
OCT = MonthBenefit("2024-10", 1, 212_570, ("P1",))


def app(months: tuple[str, ...] = ("2024-10",), *, account: RefundAccount | None = GIVEN, consent: bool = False,
        app_id: str = "A1", on: date = date(2025, 8, 20)) -> Application:
    return Application(app_id, "H1", months, on, account, consent, "S2001")


def plan(months: list[MonthBenefit], **kw: Any) -> Any:
    args: dict[str, Any] = dict(payments=[], claims=[], applications=[], withholdings=[], invited=set(),
                                insured=lambda person, month: True, public_account=lambda: None,
                                open_installments=lambda: [], rules=RULES, on=ON)
    args.update(kw)
    return plan_household("H1", "P1", months, **args)


def test_a_benefit_without_an_application_gets_one_invitation_then_waits() -> None:
    p = plan([OCT])
    assert [(i.month, i.version, i.amount) for i in p.invitations] == [("2024-10", 1, 212_570)]
    assert p.payments == []
    assert plan([OCT], invited={("2024-10", 1)}).empty  # invited once: never twice for the same version


def test_an_application_pays_the_month_once_to_the_account_it_names() -> None:
    p = plan([OCT], applications=[app()])
    [pay] = p.payments
    assert (pay.payment_id, pay.amount, pay.transfer, pay.account, pay.status, pay.payee_id) == (
        "BP-H1-M2024-10-N1", 212_570, 212_570, GIVEN, "ready", "P1")
    # Run again with the payment stored (a rerun, a retried step, a re-delivered application): nothing more.
    again = plan([OCT], applications=[app(), app(app_id="A1-again")], payments=[pay])
    assert again.empty and again.no_account == []
    # A 追加支給 version pays the difference, under the next id.
    more = plan([replace(OCT, version=2, benefit=230_000)], applications=[app()], payments=[pay])
    assert [(x.payment_id, x.amount, x.version) for x in more.payments] == [("BP-H1-M2024-10-N2", 17_430, 2)]


def test_the_public_funds_account_when_the_application_names_none_else_no_payment() -> None:
    p = plan([OCT], applications=[app(account=None)], public_account=lambda: PUBLIC)
    assert [x.account for x in p.payments] == [PUBLIC]
    held = plan([OCT], applications=[app(account=None)])
    assert held.payments == [] and held.no_account == [("2024-10", 212_570)]


def test_application_omission_is_the_citys_setting() -> None:
    nov = MonthBenefit("2024-11", 1, 50_000, ("P1",))
    with_rule = plan([OCT, nov], applications=[app()])
    assert [x.month for x in with_rule.payments] == ["2024-10", "2024-11"]
    without = plan([OCT, nov], applications=[app()], rules=replace(RULES, application_omission=False))
    assert [x.month for x in without.payments] == ["2024-10"]
    assert [i.month for i in without.invitations] == ["2024-11"]
    assert isinstance(load_rules().application_omission, bool) and load_rules().claim_limit_years == 5


def test_a_withholding_decision_stops_the_payment_until_lifted() -> None:
    hold = Withholding("D1", "H1", (), date(2025, 8, 25), "国保法第63条の2 (保険料滞納)", "S2002")
    p = plan([OCT], applications=[app()], withholdings=[hold])
    assert p.payments == [] and p.withheld == [("2024-10", 212_570)]
    lifted = replace(hold, lifted_on=date(2025, 9, 1))
    assert [x.amount for x in plan([OCT], applications=[app()], withholdings=[lifted]).payments] == [212_570]
    other_month = replace(hold, months=("2024-11",))
    assert [x.amount for x in plan([OCT], applications=[app()], withholdings=[other_month]).payments] == [212_570]


def test_offset_against_unpaid_premiums_only_with_consent_oldest_first() -> None:
    def unpaid() -> list[OpenInstallment]:
        return [OpenInstallment(date(2025, 7, 31), ("H1", 2025), 2, 10_000),
                OpenInstallment(date(2025, 6, 30), ("H1", 2025), 1, 10_000),
                OpenInstallment(date(2024, 8, 31), ("H1", 2024), 3, 500)]

    small = MonthBenefit("2024-10", 1, 15_000, ("P1",))
    [pay] = plan([small], applications=[app(consent=True)], open_installments=unpaid).payments
    assert [(o.ledger, o.installment, o.amount, o.payment_id) for o in pay.offsets] == [
        (("H1", 2024), 3, 500, "BP-H1-M2024-10-N1-O1"), (("H1", 2025), 1, 10_000, "BP-H1-M2024-10-N1-O2"),
        (("H1", 2025), 2, 4_500, "BP-H1-M2024-10-N1-O3")]
    assert (pay.transfer, pay.status) == (0, "offset")  # nothing left to transfer
    [plain] = plan([small], applications=[app()], open_installments=unpaid).payments
    assert plain.offsets == () and plain.transfer == 15_000


def test_a_lower_version_after_payment_is_a_claim_of_the_difference() -> None:
    [pay] = plan([OCT], applications=[app()]).payments
    lower = replace(OCT, version=2, benefit=128_180)
    p = plan([lower], applications=[app()], payments=[pay])
    [claim] = p.claims
    assert (claim.claim_id, claim.amount, claim.due, claim.debtor_id, claim.persons) == (
        "BR-H1-M2024-10-N2", 84_390, "2025-10-01", "P1", ())
    assert plan([lower], applications=[app()], payments=[pay], claims=[claim]).empty  # claimed once


def test_a_month_paid_for_a_member_who_had_lost_qualification_is_claimed_whole() -> None:
    [pay] = plan([OCT], applications=[app()]).payments

    def lost(person: str, month: str) -> bool:  # P1's loss registered afterwards, back to September 2024
        return month < "2024-09"

    p = plan([OCT], applications=[app()], payments=[pay], insured=lost)
    [claim] = p.claims
    assert (claim.amount, claim.persons) == (212_570, ("P1",)) and "資格喪失" in claim.reason
    # Only one of two members lost: nothing more is paid until the monthly run decides the month again.
    both = replace(OCT, members=("P1", "P2"), version=2, benefit=250_000)
    part = plan([both], applications=[app()], payments=[pay], insured=lambda person, month: person == "P2")
    assert part.payments == [] and part.claims == [] and part.awaiting == ["2024-10"]


def test_a_claim_is_tracked_like_arrears_with_its_five_year_right_renewed_by_a_repayment() -> None:
    from kokuho.benefits.payment import RecoveryClaim, claim_state

    claim = RecoveryClaim("BR-H1-M2024-10-N2", "H1", "2024-10", 84_390, 2, "2025-09-01", "2025-10-01", "P1", "再計算")
    assert claim_state(claim, date(2025, 10, 1), RULES).status == "current"
    late = claim_state(claim, date(2025, 10, 2), RULES)
    assert (late.status, late.unpaid, late.limitation and late.limitation.last_day) == (
        "overdue", 84_390, date(2030, 10, 1))
    assert late.limitation is not None and late.limitation.extinguished(date(2030, 10, 2))
    part = claim_state(replace(claim, repayments=(("2026-02-10", 40_000),)), date(2026, 3, 1), RULES)
    assert (part.repaid, part.unpaid, part.limitation and part.limitation.last_day) == (
        40_000, 44_390, date(2031, 2, 10))  # a repayment (承認) renews the right from its day
    done = claim_state(replace(claim, repayments=(("2026-02-10", 84_390),)), date(2026, 3, 1), RULES)
    assert (done.status, done.unpaid, done.limitation) == ("paid", 0, None)


def test_a_month_whose_right_has_lapsed_is_neither_paid_nor_invited() -> None:
    # 国保法第110条: the right to the 高額療養費 of October 2024 lasts 2 years from 1 November 2024
    from kokuho.benefits.payment import right_last_day

    assert right_last_day("2024-10") == date(2026, 10, 31)
    late = date(2026, 11, 2)
    lapsed = plan([OCT], on=late)
    assert lapsed.invitations == [] and lapsed.expired == [("2024-10", 212_570)]
    applied_late = plan([OCT], applications=[app(on=date(2026, 11, 1))], on=late)
    assert applied_late.payments == [] and applied_late.expired == [("2024-10", 212_570)]
    in_time = plan([OCT], applications=[app(on=date(2026, 10, 30))], on=late)  # applied within the 2 years
    assert [p.amount for p in in_time.payments] == [212_570]
