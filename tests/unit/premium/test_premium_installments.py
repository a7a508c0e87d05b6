"""Installments (rule 6), 更正 (rule 7) and the per-part diff between versions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from premium_builders import both, case, member

from kokuho.premium import CaseError, diff_parts, revise
from kokuho.premium.installments import installment_months, split_equally

JUNE_TO_MARCH = ["2024-06", "2024-07", "2024-08", "2024-09", "2024-10", "2024-11", "2024-12", "2025-01",
                 "2025-02", "2025-03"]


def test_ten_installments_june_to_march_remainder_on_the_first() -> None:
    """396,700 ÷ 10 = 39,670 → 39,600 (100円未満切捨て); first = 396,700 − 9 × 39,600 = 40,300."""
    out = both(case(member(birth="1979-06-15", salary=2_500_000)))
    assert [i["due"] for i in out["installments"]] == JUNE_TO_MARCH
    assert [i["amount"] for i in out["installments"]] == [40_300] + [39_600] * 9
    assert sum(i["amount"] for i in out["installments"]) == out["annual"]


@pytest.mark.parametrize(
    ("first_counted", "first_due", "count"),
    [(0, "2024-06", 10), (1, "2024-06", 10), (2, "2024-07", 9), (6, "2024-11", 5), (10, "2025-03", 1)],
)
def test_late_first_month_installments_from_the_month_after(first_counted: int, first_due: str, count: int) -> None:
    """First counted month later than May → from the month after it to March."""
    months = installment_months(2024, first_counted)
    assert months[0] == first_due and months[-1] == "2025-03" and len(months) == count


def test_first_counted_month_march_gets_one_installment_in_april() -> None:
    """Project's reading when "the month after March to March" is empty: one installment the month after."""
    assert installment_months(2024, 11) == ["2025-04"]
    out = both(case(member(birth="1994-06-15", salary=3_000_000, insured=[("2025-03-10", None)])))
    # one month: 261,050 ÷ 12 = 21,754.2 → 21,700; support 111,277 ÷ 12 = 9,273.1 → 9,200
    assert out["installments"] == [{"due": "2025-04", "amount": 30_900}]


def test_split_equally_rounds_each_installment_down_to_100_yen() -> None:
    # 100,999 ÷ 4 = 25,249.75 → 25,200; first 100,999 − 3 × 25,200 = 25,399
    assert [r["amount"] for r in split_equally(100_999, ["a", "b", "c", "d"])] == [25_399, 25_200, 25_200, 25_200]
    assert split_equally(50, ["a", "b"]) == [{"due": "a", "amount": 50}, {"due": "b", "amount": 0}]


PREVIOUS = [{"due": d, "amount": a} for d, a in zip(JUNE_TO_MARCH, [40_300] + [39_600] * 9, strict=True)]


def test_revision_keeps_installments_already_due_and_spreads_the_rest() -> None:
    """更正 as of October: June–September stay (40,300 + 3 × 39,600 = 159,100); new annual 300,000 →
    140,900 over October–March: 140,900 ÷ 6 = 23,483.3 → 23,400; first 140,900 − 5 × 23,400 = 23,900."""
    out = revise(PREVIOUS, 300_000, "2024-10", paid=159_100)
    assert out["installments"][:4] == PREVIOUS[:4]
    assert [r["amount"] for r in out["installments"][4:]] == [23_900] + [23_400] * 5
    assert [r["due"] for r in out["installments"]] == JUNE_TO_MARCH
    assert sum(r["amount"] for r in out["installments"]) == 300_000
    assert out["refund"] == 0
    assert out["difference"] == 300_000 - 396_700


def test_revision_below_what_was_paid_gives_a_refund() -> None:
    """New annual 100,000 after 159,100 was paid: remaining installments 0, 還付 59,100."""
    out = revise(PREVIOUS, 100_000, "2024-10", paid=159_100)
    assert [r["amount"] for r in out["installments"][4:]] == [0] * 6
    assert out["refund"] == 59_100
    assert out["difference"] == -296_700
    assert out["excess_due"] == 0


def test_revision_below_what_is_due_but_unpaid_cancels_the_excess() -> None:
    """Due 159,100, paid 80,000, new annual 100,000: no refund; 59,100 of the due amounts is no longer owed."""
    out = revise(PREVIOUS, 100_000, "2024-10", paid=80_000)
    assert out["refund"] == 0
    assert out["excess_due"] == 59_100


def test_revision_before_anything_is_due_equals_a_fresh_assessment() -> None:
    out = revise(PREVIOUS, 250_050, "2024-06", paid=0)
    assert out["installments"] == split_equally(250_050, JUNE_TO_MARCH)


def test_revision_after_the_last_installment_adds_one() -> None:
    out = revise(PREVIOUS, 400_000, "2025-04", paid=396_700)
    assert out["installments"][-1] == {"due": "2025-04", "amount": 3_300}
    assert out["difference"] == 3_300


def test_revision_of_a_household_with_no_installments_spreads_to_march() -> None:
    """A first charge found by a 更正 in September: September–March (7): 70,000 ÷ 7 = 10,000 each."""
    out = revise([], 70_000, "2024-09", paid=0)
    assert [r["due"] for r in out["installments"]] == JUNE_TO_MARCH[3:]
    assert {r["amount"] for r in out["installments"]} == {10_000}
    assert out["difference"] == 70_000


def test_revision_rejects_bad_input_naming_the_field() -> None:
    with pytest.raises(CaseError) as err:
        revise(PREVIOUS, -1, "2024-10", paid=0)
    assert err.value.field == "new_annual"
    with pytest.raises(CaseError) as err:
        revise(PREVIOUS, 1, "2024-13", paid=0)
    assert err.value.field == "as_of"


def test_diff_parts_between_versions() -> None:
    before = both(case(member(birth="1979-06-15", salary=2_500_000)))
    after = both(case(member(birth="1979-06-15", salary=2_500_000, insured=[("2020-04-01", "2024-10-01")])))
    diff = diff_parts(before, after)
    assert diff["annual"] == after["annual"] - before["annual"] < 0
    assert diff["parts"] == {k: after["parts"][k] - before["parts"][k] for k in before["parts"]}
    assert diff["changed"] is True
    assert diff_parts(before, before)["changed"] is False
    first = diff_parts(None, before)
    assert first["parts"] == before["parts"] and first["reduction"] == {"previous": None, "new": None}


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2_000_000), st.integers(0, 2_000_000), st.integers(0, 11), st.integers(0, 2_000_000),
       st.integers(0, 9))
def test_revision_properties(old: int, new: int, as_of_index: int, paid: int, first: int) -> None:
    """Kept installments never change; the schedule totals the new annual whenever that is not below what
    is already due; the refund is exactly what was paid beyond the new annual."""
    previous = split_equally(old, JUNE_TO_MARCH[first:])
    as_of = (JUNE_TO_MARCH + ["2025-04", "2025-05"])[as_of_index]
    out = revise(previous, new, as_of, paid)
    kept = [r for r in previous if r["due"] < as_of]
    assert out["installments"][: len(kept)] == kept
    kept_total = sum(r["amount"] for r in kept)
    total = sum(r["amount"] for r in out["installments"])
    assert total == (new if new >= kept_total else kept_total)
    assert all(r["amount"] >= 0 for r in out["installments"])
    assert all(r["amount"] % 100 == 0 for r in out["installments"][len(kept) + 1:])
    assert out["refund"] == max(0, paid - new)
    assert out["difference"] == new - old
