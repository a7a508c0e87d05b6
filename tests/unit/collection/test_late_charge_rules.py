"""延滞金 and due dates (domain.md §6), each rule checked against figures worked out by hand, and the engine
against an independent day-by-day computation on random cases."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from kokuho.collection.due_dates import due_date, is_closed_day, next_open_day
from kokuho.collection.late_charge import (
    Installment,
    LateChargeRates,
    MissingRates,
    Payment,
    YearRates,
    apply_payments,
    assess_late_charges,
    load_rates,
    lower_rate_until,
    round_late_charge,
)
from kokuho.dates.era import era_and_western, era_date

RATES = load_rates()


def one(amount: int, due: date, payments: list[Payment], as_of: date):  # type: ignore[no-untyped-def]
    result = assess_late_charges([Installment(1, amount, due)], payments, as_of, RATES)
    return result.installments[0]


# --- due dates -------------------------------------------------------------------------------------------

def test_due_date_is_month_end_moved_past_weekends() -> None:
    assert due_date(2024, 1) == date(2024, 7, 1)  # 30 June 2024 is a Sunday
    assert due_date(2024, 3) == date(2024, 9, 2)  # 31 August 2024 Saturday → Monday 2 September
    assert due_date(2024, 4) == date(2024, 9, 30)  # a Monday: stays
    assert due_date(2024, 8) == date(2025, 1, 31)  # a Friday: stays
    assert due_date(2024, 10) == date(2025, 3, 31)  # the tenth installment is March of the next year


def test_december_installment_moves_past_the_new_year_closure() -> None:
    # 31 December is closed (29 Dec – 3 Jan); 4 January 2025 is a Saturday, 5 a Sunday.
    assert due_date(2024, 7) == date(2025, 1, 6)
    # FY2025: 4 January 2026 is a Sunday → Monday 5 January.
    assert due_date(2025, 7) == date(2026, 1, 5)


def test_national_holidays_substitute_and_citizens_holidays_are_closed() -> None:
    assert is_closed_day(date(2024, 9, 23))  # 振替休日 for 秋分の日 on Sunday 22 September
    assert is_closed_day(date(2026, 9, 22))  # 国民の休日 between 敬老の日 and 秋分の日
    assert not is_closed_day(date(2024, 9, 24))
    assert next_open_day(date(2024, 9, 21)) == date(2024, 9, 24)


def test_era_dates_as_staff_read_them() -> None:
    assert era_date(date(2024, 7, 1)) == "令和6年7月1日"
    assert era_date(date(2019, 5, 1)) == "令和元年5月1日"
    assert era_date(date(2019, 4, 30)) == "平成31年4月30日"
    assert era_and_western(date(2025, 1, 6)) == "令和7年1月6日 (2025-01-06)"


# --- 民法 第143条: the lower rate's month ------------------------------------------------------------------

def test_lower_rate_month_is_counted_as_the_civil_code_counts() -> None:
    assert lower_rate_until(date(2024, 7, 1)) == date(2024, 8, 1)  # the domain's own example
    assert lower_rate_until(date(2025, 1, 31)) == date(2025, 2, 28)  # starts 1 Feb → day before 1 March
    assert lower_rate_until(date(2024, 1, 31)) == date(2024, 2, 29)  # leap year
    assert lower_rate_until(date(2025, 1, 30)) == date(2025, 2, 28)  # starts 31 Jan; no 31 Feb → month end
    assert lower_rate_until(date(2024, 12, 1)) == date(2025, 1, 1)  # across the year
    assert lower_rate_until(date(2025, 3, 30)) == date(2025, 4, 30)  # starts 31 March; no 31 April


# --- the charge -----------------------------------------------------------------------------------------

def test_interfaces_example_first_installment() -> None:
    inst = one(25_300, date(2024, 7, 1), [Payment(date(2024, 9, 15), 25_300, 1)], date(2025, 3, 31))
    assert [(s.start, s.end, s.days, s.rate, s.base) for s in inst.segments] == [
        (date(2024, 7, 2), date(2024, 8, 1), 31, Decimal("2.4"), 25_000),
        (date(2024, 8, 2), date(2024, 9, 15), 45, Decimal("8.7"), 25_000),
    ]
    # 25,000 × (31 × 2.4 % + 45 × 8.7 %) ÷ 365 = 319.11 → under 1,000 → 0
    assert inst.exact_charge == Fraction(25_000 * (31 * 24 + 45 * 87), 1000 * 365)
    assert inst.late_charge == 0 and inst.final and inst.unpaid == 0


def test_unpaid_installment_runs_to_as_of_and_a_new_year_with_the_same_rate_continues_the_run() -> None:
    inst = one(100_000, date(2024, 10, 31), [], date(2025, 3, 31))
    assert [(s.start, s.end, s.days, str(s.rate), s.base) for s in inst.segments] == [
        (date(2024, 11, 1), date(2024, 11, 30), 30, "2.4", 100_000),
        (date(2024, 12, 1), date(2025, 3, 31), 121, "8.7", 100_000),
    ]
    # 100,000 × (30 × 2.4 + 121 × 8.7) ÷ 36,500 = 3,081.37 → 3,000; not final while unpaid
    assert inst.late_charge == 3_000 and not inst.final


def test_each_day_takes_its_own_calendar_years_rate() -> None:
    inst = one(200_000, date(2025, 12, 1), [], date(2026, 1, 31))
    assert [(s.start, s.end, str(s.rate)) for s in inst.segments] == [
        (date(2025, 12, 2), date(2025, 12, 31), "2.4"),
        (date(2026, 1, 1), date(2026, 1, 1), "2.8"),  # still the lower month, 2026's lower rate
        (date(2026, 1, 2), date(2026, 1, 31), "9.1"),
    ]
    # 200,000 × (30 × 2.4 + 1 × 2.8 + 30 × 9.1) ÷ 36,500 = 1,905.75 → 1,900
    assert inst.late_charge == 1_900


def test_partial_payment_lowers_the_base_from_the_next_day_rounded_to_the_thousand() -> None:
    due = date(2024, 7, 1)
    inst = one(300_000, due, [Payment(date(2024, 7, 10), 100_500)], date(2024, 7, 20))
    # 2–10 July on 300,000 (the payment day still at the old base), 11–20 July on 199,500 → 199,000
    assert [(s.start, s.end, s.base) for s in inst.segments] == [
        (date(2024, 7, 2), date(2024, 7, 10), 300_000),
        (date(2024, 7, 11), date(2024, 7, 20), 199_000),
    ]
    assert inst.paid == 100_500 and inst.unpaid == 199_500 and not inst.final


def test_a_remainder_under_a_thousand_accrues_nothing_more() -> None:
    inst = one(25_300, date(2024, 7, 1), [Payment(date(2024, 7, 5), 24_800)], date(2025, 3, 31))
    assert [(s.start, s.end, s.base) for s in inst.segments] == [(date(2024, 7, 2), date(2024, 7, 5), 25_000)]
    assert inst.unpaid == 500 and not inst.final


def test_installment_under_two_thousand_yen_has_no_charge_and_no_segments() -> None:
    inst = one(1_999, date(2024, 7, 1), [], date(2025, 3, 31))
    assert inst.late_charge == 0 and inst.segments == ()
    assert one(2_000, date(2024, 7, 1), [], date(2025, 3, 31)).segments  # 2,000 itself is charged


def test_paid_on_time_or_early_has_no_segments() -> None:
    assert one(50_000, date(2024, 7, 1), [Payment(date(2024, 7, 1), 50_000)], date(2025, 3, 31)).segments == ()
    assert one(50_000, date(2024, 7, 1), [Payment(date(2024, 6, 1), 50_000)], date(2025, 3, 31)).segments == ()


def test_rounding_of_the_total() -> None:
    assert round_late_charge(Fraction(99_999, 100)) == 0  # 999.99 → under 1,000
    assert round_late_charge(Fraction(1_000)) == 1_000
    assert round_late_charge(Fraction(109_999, 100)) == 1_000  # 1,099.99 → 1,000


def test_a_year_without_rates_is_refused_only_when_the_charge_runs_into_it() -> None:
    try:
        one(100_000, date(2026, 12, 1), [], date(2027, 1, 5))
    except MissingRates as exc:
        assert exc.year == 2027
    else:
        raise AssertionError("a charge running into 2027 must be refused")
    one(1_000, date(2026, 12, 1), [], date(2027, 1, 5))  # under 2,000: no charge, nothing to refuse


# --- payments -------------------------------------------------------------------------------------------

def test_unnamed_payment_pays_the_oldest_due_first_then_spills() -> None:
    insts = [Installment(1, 10_000, date(2024, 9, 30)), Installment(2, 10_000, date(2024, 7, 31)),
             Installment(3, 10_000, date(2024, 7, 31))]
    ledger = apply_payments(insts, [Payment(date(2024, 10, 1), 25_000)])
    assert ledger.applied == {2: [(date(2024, 10, 1), 10_000)], 3: [(date(2024, 10, 1), 10_000)],
                              1: [(date(2024, 10, 1), 5_000)]}
    assert ledger.overpayment == 0


def test_named_payment_excess_goes_as_unnamed_and_beyond_all_principal_is_overpayment() -> None:
    insts = [Installment(1, 10_000, date(2024, 7, 1)), Installment(2, 10_000, date(2024, 7, 31))]
    ledger = apply_payments(insts, [Payment(date(2024, 8, 1), 12_000, 2), Payment(date(2024, 8, 2), 9_000)])
    assert ledger.applied == {2: [(date(2024, 8, 1), 10_000)],
                              1: [(date(2024, 8, 1), 2_000), (date(2024, 8, 2), 8_000)]}
    assert ledger.overpayment == 1_000


def test_payments_apply_in_date_order_not_the_order_given() -> None:
    insts = [Installment(1, 10_000, date(2024, 7, 1)), Installment(2, 10_000, date(2024, 7, 31))]
    ledger = apply_payments(insts, [Payment(date(2024, 9, 1), 10_000), Payment(date(2024, 8, 1), 10_000, 1)])
    # The 1 August payment (named 1) goes first; the 1 September unnamed one then pays installment 2.
    assert ledger.applied == {1: [(date(2024, 8, 1), 10_000)], 2: [(date(2024, 9, 1), 10_000)]}


# --- the engine against a plain day-by-day computation ------------------------------------------------------

TEST_RATES = LateChargeRates(years={2024: YearRates(Decimal("2.4"), Decimal("8.7")),
                                    2025: YearRates(Decimal("2.4"), Decimal("8.7")),
                                    2026: YearRates(Decimal("2.8"), Decimal("9.1"))})


def _naive_charge(amount: int, due: date, payments: list[tuple[date, int]], as_of: date) -> tuple[int, int]:
    """Day by day, straight from the text of domain.md §6: (charge, number of charged days)."""
    if amount < 2_000:
        return 0, 0
    nxt = due + timedelta(days=1)
    # one month from `nxt`: the day before the same date next month, or that month's last day
    y, m = (nxt.year, nxt.month + 1) if nxt.month < 12 else (nxt.year + 1, 1)
    try:
        lower_end = date(y, m, nxt.day) - timedelta(days=1)
    except ValueError:
        lower_end = (date(y + (m == 12), m % 12 + 1, 1)) - timedelta(days=1)
    total, days, day = Fraction(0), 0, nxt
    paid_before = 0
    while day <= as_of:
        paid_before = sum(a for d, a in payments if d < day)
        if paid_before >= amount:
            break
        base = (amount - paid_before) // 1000 * 1000
        if base:
            rates = TEST_RATES.years[day.year]
            rate = rates.lower if day <= lower_end else rates.higher
            total += Fraction(base) * Fraction(rate) / 36_500
            days += 1
        day += timedelta(days=1)
    charge = int(total) // 100 * 100
    return (charge if charge >= 1_000 else 0), days


@settings(max_examples=300, deadline=None)
@given(amount=st.integers(0, 400_000),
       due=st.dates(date(2024, 6, 1), date(2026, 3, 31)),
       pays=st.lists(st.tuples(st.integers(0, 500), st.integers(1, 200_000)), max_size=4),
       horizon=st.integers(0, 500))
def test_engine_agrees_with_a_day_by_day_computation(amount: int, due: date, pays: list[tuple[int, int]],
                                                      horizon: int) -> None:
    as_of = min(due + timedelta(days=horizon), date(2026, 12, 31))
    payments = [(min(due + timedelta(days=offset - 100), as_of), paid) for offset, paid in pays]
    result = assess_late_charges([Installment(1, amount, due)], [Payment(d, a, 1) for d, a in payments], as_of,
                                 TEST_RATES).installments[0]
    expected, days = _naive_charge(amount, due, sorted(payments), as_of)
    assert result.late_charge == expected
    assert sum(s.days for s in result.segments) == days
