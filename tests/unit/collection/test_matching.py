"""消込 (issue 12 item 2): by 納付番号, else by payer and amount, else (特別徴収) by payer and fiscal year, else
the unmatched queue with its reason; a payment seen twice is applied once. And the 納付番号 itself."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from kokuho.collection.ledger import PaymentEntry, charge_from_version, ledger_state
from kokuho.collection.matching import (
    BY_NUMBER,
    BY_PAYER_AMOUNT,
    BY_PAYER_YEAR,
    IncomingPayment,
    book_of,
    match_payments,
)
from kokuho.collection.slips import is_payment_number, luhn_digit, payment_number, slips_of
from kokuho.premium.installments import split_equally

MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]


def ledger(household: str, payer: str, annual: int, fy: int = 2024, paid: int = 0):  # type: ignore[no-untyped-def]
    months = [f"{int(m[:4]) + fy - 2024}{m[4:]}" for m in MONTHS]
    charge = charge_from_version(household, fy, version=1, payer_id=payer, annual=annual,
                                 installments=split_equally(annual, months))
    payments = [PaymentEntry("old", date(fy, 6, 1), paid, "収納")] if paid else []
    return charge, ledger_state(charge, payments)


def pay(pid: str, amount: int, *, number: str | None = None, payer: str | None = None, channel: str = "収納",
        fy: int | None = None) -> IncomingPayment:
    return IncomingPayment(pid, channel, date(2024, 7, 10), amount, 1, number, payer, fy)


def test_a_payment_number_names_household_year_and_installment() -> None:
    charge, state = ledger("H1", "H1-P1", 100_000)
    slips = {s.number: s for s in slips_of(charge, state)}
    third = payment_number("H1", 2024, 3, 1)
    result = match_payments([pay("a", 10_000, number=third)], book_of(slips, [state]))
    (m,) = result.matched
    assert (m.key, m.payer_id, m.installment, m.rule) == (("H1", 2024), "H1-P1", 3, BY_NUMBER)


def test_by_payer_and_amount_the_oldest_installment_of_that_amount_each_taken_once() -> None:
    _, s2023 = ledger("H0", "P", 50_000, fy=2023)
    _, s2024 = ledger("H1", "P", 100_000)
    book = book_of({}, [s2024, s2023])
    result = match_payments([pay("a", 10_000, payer="P"), pay("b", 10_000, payer="P"), pay("c", 5_000, payer="P")],
                            book)
    assert [(m.payment.payment_id, m.key, m.installment, m.rule) for m in result.matched] == [
        ("a", ("H1", 2024), 1, BY_PAYER_AMOUNT), ("b", ("H1", 2024), 2, BY_PAYER_AMOUNT),
        ("c", ("H0", 2023), 1, BY_PAYER_AMOUNT)]  # FY2023's installments are older


def test_pension_results_match_by_payer_and_fiscal_year() -> None:
    _, state = ledger("H1", "P", 100_000)
    result = match_payments([pay("t", 12_300, payer="P", channel="特別徴収", fy=2024),
                             pay("u", 12_300, payer="P", channel="特別徴収", fy=2023)], book_of({}, [state]))
    # a deduction pays its own month's installment (here July's: the payment is dated in July), not the oldest
    assert [(m.key, m.installment, m.rule) for m in result.matched] == [(("H1", 2024), 2, BY_PAYER_YEAR)]
    assert [(n.payment.payment_id, n.reason) for n in result.unmatched] == [
        ("u", "no ledger of the payer for that fiscal year")]


def test_what_matches_nothing_goes_to_the_queue_with_its_reason() -> None:
    _, state = ledger("H1", "P", 100_000)
    unknown = payment_number("H9", 2024, 1, 1)
    result = match_payments([pay("a", 10_000, number=unknown), pay("b", 7_777, payer="P"),
                             pay("c", 10_000, payer="Q"), pay("d", 10_000)], book_of({}, [state]))
    assert not result.matched
    assert [n.reason for n in result.unmatched] == [
        "unknown 納付番号", "no unpaid installment of the payer for that amount", "unknown payer",
        "neither 納付番号 nor payer given"]


def test_a_payment_seen_twice_or_already_applied_is_applied_once() -> None:
    charge, state = ledger("H1", "P", 100_000)
    slips = {s.number: s for s in slips_of(charge)}
    n1 = payment_number("H1", 2024, 1, 1)
    result = match_payments([pay("x", 10_000, number=n1), pay("x", 10_000, number=n1), pay("y", 1, number=n1)],
                            book_of(slips, [state]), already_applied={"y"})
    assert [m.payment.payment_id for m in result.matched] == ["x"]
    assert [p.payment_id for p in result.duplicates] == ["x", "y"]


def test_slips_only_for_what_is_still_owed() -> None:
    charge, state = ledger("H1", "P", 100_000, paid=25_000)
    assert [(s.installment, s.amount) for s in slips_of(charge, state)] == [(3, 5_000)] + [
        (n, 10_000) for n in range(4, 11)]


@given(st.text(min_size=1, max_size=20), st.integers(2000, 2100), st.integers(1, 12), st.integers(1, 99))
def test_payment_numbers_are_18_digits_with_a_check_digit_that_catches_one_wrong_digit(
        household: str, fy: int, installment: int, version: int) -> None:
    number = payment_number(household, fy, installment, version)
    assert is_payment_number(number)
    for pos in range(len(number)):
        wrong = number[:pos] + str((int(number[pos]) + 1) % 10) + number[pos + 1:]
        assert not is_payment_number(wrong)


def test_luhn_of_a_known_number() -> None:
    assert luhn_digit("7992739871") == "3"  # the textbook example
    assert not is_payment_number("１２３")
