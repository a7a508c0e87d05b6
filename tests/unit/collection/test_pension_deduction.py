"""Pension deduction (特別徴収, issue 12 item 6, domain.md §6): who qualifies, the deduction schedule
(仮徴収 April/June/August, 本徴収 October/December/February), the ledger's charge of a deducted household, and a
change that stops the deduction (the rest collected normally, 普通徴収)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fakes.collection_store import InMemoryCollectionStore
from hypothesis import given
from hypothesis import strategies as st

from kokuho.collection.ledger import OPEN, PAID, PaymentEntry, ledger_state
from kokuho.collection.payment_files import PENSION
from kokuho.collection.payment_intake import intake_payment_file
from kokuho.collection.pension_deduction import (
    FINAL,
    PROVISIONAL,
    Member,
    PensionDeductionError,
    age_on,
    charge_after_stop,
    deducted_by_month,
    deduction_schedule,
    pension_charge,
    qualification,
    stops_deduction,
)
from kokuho.collection.pension_deduction_file import PensionRef, request_file, request_rows, stop_row
from kokuho.intake.framing import build_file, read_records

FY = 2024
HEAD = "H1-P1"


def members(*births: date, insured: bool = True) -> list[Member]:
    return [Member(HEAD if i == 0 else f"H1-P{i + 1}", b, insured) for i, b in enumerate(births)]


def check(ms: list[Member], *, pension: int = 1_200_000, premium: int = 120_000, care: int = 60_000) -> Any:
    return qualification(FY, householder_id=HEAD, members=ms, pension_annual=pension, premium_annual=premium,
                         care_premium=care)


# -- who qualifies ---------------------------------------------------------------------------------------

def test_a_householder_and_spouse_aged_65_to_74_with_enough_pension_qualify() -> None:
    q = check(members(date(1953, 6, 1), date(1955, 1, 20)))
    assert q.qualifies and q.reasons == ()


@pytest.mark.parametrize(("ms", "kwargs", "reason"), [
    # the householder is not insured (e.g. in the employees' scheme): a 擬制世帯主's pension is not used
    (members(date(1953, 6, 1), insured=False) + [Member("H1-P2", date(1955, 1, 20), True)], {},
     "householder_not_insured"),
    # a member who has not reached 65 on 1 April (reaches it on 2 April 2024: the day before the birthday)
    (members(date(1953, 6, 1), date(1959, 4, 3)), {}, "member_not_65_to_74"),
    (members(date(1953, 6, 1)), {"pension": 179_999, "premium": 60_000, "care": 29_000}, "pension_under_180000"),
    # the premium plus the 介護保険料 above half the pension (600,001 > 1,200,000 / 2)
    (members(date(1953, 6, 1)), {"premium": 540_001, "care": 60_000}, "over_half_of_pension"),
    # the householder's 75th birthday falls in the fiscal year (後期高齢者医療 from that day)
    (members(date(1950, 3, 31)), {}, "householder_turns_75"),
], ids=["householder", "age", "pension", "half", "75"])
def test_each_condition_alone_refuses_and_is_named(ms: list[Member], kwargs: dict[str, int], reason: str) -> None:
    q = check(ms, **kwargs)
    assert not q.qualifies and q.reasons == (reason,)


def test_the_boundaries_themselves_qualify() -> None:
    # 65 reached on 1 April 2024 itself (birthday 2 April), pension exactly 180,000, exactly half of it,
    # 75th birthday on 1 April 2025 (the next fiscal year)
    q = check(members(date(1950, 4, 1), date(1959, 4, 2)), pension=180_000, premium=60_000, care=30_000)
    assert q.qualifies, q.reasons


def test_a_member_outside_nhi_does_not_count_for_the_ages() -> None:
    ms = [*members(date(1953, 6, 1)), Member("H1-P2", date(1990, 5, 5), insured=False)]
    assert check(ms).qualifies


def test_the_care_premium_counts_toward_the_half() -> None:
    assert check(members(date(1953, 6, 1)), premium=500_000, care=100_000).qualifies
    assert not check(members(date(1953, 6, 1)), premium=500_000, care=100_001).qualifies


# -- the schedule ----------------------------------------------------------------------------------------

def test_provisional_equal_to_last_february_and_final_in_three_parts_remainder_in_october() -> None:
    s = deduction_schedule(FY, annual=100_000, previous_february=15_000)
    assert [(d.month, d.kind, d.amount) for d in s] == [
        ("2024-04", PROVISIONAL, 15_000), ("2024-06", PROVISIONAL, 15_000), ("2024-08", PROVISIONAL, 15_000),
        # 55,000 / 3 = 18,333 → 18,300 each, the remainder 18,400 in October
        ("2024-10", FINAL, 18_400), ("2024-12", FINAL, 18_300), ("2025-02", FINAL, 18_300)]


def test_without_a_previous_february_the_annual_is_all_final() -> None:
    s = deduction_schedule(FY, annual=100_000, previous_february=0)
    assert [(d.month, d.amount) for d in s] == [("2024-10", 33_400), ("2024-12", 33_300), ("2025-02", 33_300)]


def test_an_annual_below_the_provisional_deductions_is_refused() -> None:
    with pytest.raises(PensionDeductionError) as err:
        deduction_schedule(FY, annual=40_000, previous_february=15_000)
    assert err.value.field == "annual"


@given(st.integers(0, 1_100_000), st.integers(0, 100_000))
def test_the_schedule_sums_to_the_annual_premium(annual: int, february: int) -> None:
    if annual < 3 * february:
        return
    s = deduction_schedule(FY, annual=annual, previous_february=february)
    assert sum(d.amount for d in s) == annual and all(d.amount > 0 for d in s)  # a month of 0 is not asked
    by_month = {d.month: d.amount for d in s}
    assert all(by_month.get(m, 0) == february for m in ("2024-04", "2024-06", "2024-08"))
    october, december, february_final = (by_month.get(m, 0) for m in ("2024-10", "2024-12", "2025-02"))
    assert december % 100 == 0 and december == february_final and 0 <= october - december < 300


# -- the ledger ------------------------------------------------------------------------------------------

def ledger(annual: int = 100_000, february: int = 15_000) -> InMemoryCollectionStore:
    store = InMemoryCollectionStore()
    store.put_charge(pension_charge("H1", FY, version=1, payer_id=HEAD, annual=annual,
                                    schedule=deduction_schedule(FY, annual=annual, previous_february=february)))
    return store


def results(store: InMemoryCollectionStore, rows: list[tuple[str, int]]) -> dict[str, Any]:
    data = build_file([{"payer_id": HEAD, "fiscal_year": FY, "month": m, "amount": a, "result": "徴収済"}
                       for m, a in rows])
    return intake_payment_file(PENSION, data, store=store, actor="system:test", key="pension/x.jsonl",
                               received_on=date(2024, 9, 1))


def test_the_charge_carries_the_deductions_and_the_insurers_results_pay_them() -> None:
    store = ledger()
    charge = store.ledger_items[("H1", FY)].charge
    # the ledger's installments start in June: April's deduction is carried on June's
    assert [(i.month, i.amount) for i in charge.installments] == [
        ("2024-06", 30_000), ("2024-08", 15_000), ("2024-10", 18_400), ("2024-12", 18_300), ("2025-02", 18_300)]
    out = results(store, [("2024-04", 15_000), ("2024-06", 15_000), ("2024-08", 15_000)])
    assert out["applied"] == 3
    lg = store.ledger_items[("H1", FY)]
    state = ledger_state(lg.charge, lg.payments, as_of=date(2024, 9, 1))
    assert [i.status for i in state.installments] == [PAID, PAID, OPEN, OPEN, OPEN]


def test_a_stop_moves_the_rest_to_ordinary_installments_after_the_stop() -> None:
    store = ledger()
    results(store, [("2024-04", 15_000), ("2024-06", 15_000), ("2024-08", 15_000)])
    lg = store.ledger_items[("H1", FY)]
    deducted = deducted_by_month(lg.payments)
    assert deducted == {"2024-04": 15_000, "2024-06": 15_000, "2024-08": 15_000}
    after = charge_after_stop("H1", FY, version=2, payer_id=HEAD, annual=100_000, deducted=deducted,
                              stopped_on=date(2024, 9, 10))
    store.put_charge(after)
    state = ledger_state(after, store.ledger_items[("H1", FY)].payments, as_of=date(2024, 9, 10))
    assert [(i.month, i.amount, i.status) for i in state.installments] == [
        ("2024-06", 30_000, PAID), ("2024-08", 15_000, PAID),
        # 55,000 over October … March by the premium's installment rule (remainder on the first)
        ("2024-10", 9_500, OPEN), ("2024-11", 9_100, OPEN), ("2024-12", 9_100, OPEN),
        ("2025-01", 9_100, OPEN), ("2025-02", 9_100, OPEN), ("2025-03", 9_100, OPEN)]
    assert after.total == 100_000 and state.overpayment == 0


def test_a_stop_in_may_spreads_the_rest_from_june() -> None:
    after = charge_after_stop("H1", FY, version=2, payer_id=HEAD, annual=100_000, deducted={"2024-04": 10_000},
                              stopped_on=date(2024, 5, 20))
    assert after.installments[0].month == "2024-06" and after.installments[0].amount == 10_000 + 9_000
    assert len(after.installments) == 10 and after.total == 100_000


def test_a_correction_to_zero_after_deductions_leaves_them_as_an_overpayment() -> None:
    payments = [PaymentEntry(f"TC-{HEAD}-2024-0{m}", date(2024, m, 15), 15_000, "特別徴収") for m in (4, 6)]
    after = charge_after_stop("H1", FY, version=2, payer_id=HEAD, annual=0, deducted=deducted_by_month(payments),
                              stopped_on=date(2024, 7, 1))
    assert after.total == 0
    assert ledger_state(after, payments).overpayment == 30_000


@pytest.mark.parametrize(("reason", "kwargs", "stops"), [
    ("資格喪失", {}, True), ("世帯主変更", {}, True), ("中止通知", {}, True),
    ("更正", {"previous_annual": 100_000, "new_annual": 90_000}, True),
    ("更正", {"previous_annual": 100_000, "new_annual": 0}, True),
    ("更正", {"previous_annual": 100_000, "new_annual": 110_000}, False),
])
def test_what_stops_the_deduction(reason: str, kwargs: dict[str, int], stops: bool) -> None:
    assert stops_deduction(reason, **kwargs) is stops


def test_an_unknown_stop_reason_or_a_correction_without_amounts_is_refused() -> None:
    with pytest.raises(PensionDeductionError):
        stops_deduction("転居")
    with pytest.raises(PensionDeductionError) as err:
        stops_deduction("更正")
    assert err.value.field == "new_annual"


def test_an_age_is_reached_the_day_before_the_birthday() -> None:
    assert age_on(date(1959, 1, 1), date(2023, 12, 31)) == 65  # born 1 January: reached on 31 December
    assert age_on(date(1959, 4, 2), date(2024, 4, 1)) == 65
    assert age_on(date(1959, 4, 3), date(2024, 4, 1)) == 64
    assert age_on(date(1960, 2, 29), date(2025, 2, 28)) == 65  # 29 February: reached on 28 February


# -- the file to the pension insurer ---------------------------------------------------------------------

PENSION_REF = PensionRef("1234567890", "1150")


def test_the_request_file_asks_for_each_deduction_and_is_framed_like_every_file() -> None:
    schedule = deduction_schedule(FY, annual=100_000, previous_february=15_000)
    rows = request_rows(HEAD, FY, PENSION_REF, [d for d in schedule if d.kind == FINAL])
    rows.append(stop_row("H2-P1", FY, PensionRef("2234567890", "1150"), from_month="2024-10", reason="資格喪失"))
    records, errors = read_records(request_file(rows))
    assert errors == []
    assert [(r["payer_id"], r["month"], r["kind"], r["amount"]) for _, r in records] == [
        (HEAD, "2024-10", FINAL, 18_400), (HEAD, "2024-12", FINAL, 18_300), (HEAD, "2025-02", FINAL, 18_300),
        ("H2-P1", "2024-10", "中止", 0)]
    assert records[0][1]["basic_pension_number"] == "1234567890"


def test_a_row_holding_a_my_number_is_refused_and_not_echoed() -> None:
    my_number = "1234567890" + "18"
    rows = request_rows(HEAD, FY, PENSION_REF, deduction_schedule(FY, annual=30_000, previous_february=0))
    rows[1]["basic_pension_number"] = my_number  # where the 基礎年金番号 belongs
    with pytest.raises(PensionDeductionError) as err:
        request_file(rows)
    assert err.value.field == "rows[1].basic_pension_number" and my_number not in str(err.value)
    rows = [stop_row(HEAD, FY, PENSION_REF, from_month="2024-10", reason=f"本人 {my_number}")]
    with pytest.raises(PensionDeductionError) as err:
        request_file(rows)
    assert err.value.field == "rows[0].reason" and my_number not in str(err.value)


def test_the_documented_example_is_what_the_writer_writes() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[3] / "docs" / "pension_deduction.md").read_text("utf-8")
    (example,) = [("{" + b.split("```")[0]).encode("utf-8") for b in doc.split("```\n{")[1:]]
    schedule = deduction_schedule(FY, annual=100_000, previous_february=15_000)
    rows = request_rows("H0000003-P1", FY, PensionRef("0000000001", "1150"), [d for d in schedule if d.kind == FINAL])
    rows.append(stop_row("H0000004-P1", FY, PensionRef("0000000002", "1150"), from_month="2024-10",
                         reason="資格喪失"))
    assert request_file(rows) == example
