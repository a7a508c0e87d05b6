"""domain.md §2, 高額療養費: hand-derived households, the arithmetic written next to each."""

from __future__ import annotations

import pytest
from kogaku_cases import THREE_PRIOR, bill, case, member, run

from kokuho.benefits.case import CaseError, parse_case
from kokuho.benefits.ceilings import CeilingNotGiven, one_percent_rounded_half_up
from kokuho.benefits.kogaku import assess_many


def test_interfaces_example_bracket_u() -> None:
    # ウ: 80,100 + (1,000,000 − 267,000) × 1% = 80,100 + 7,330 = 87,430; 300,000 − 87,430 = 212,570
    result = run(case(member("A", 45, bill("H1", "inpatient", 1_000_000, 300_000)),
                      prior=["2024-05", "2024-07"]))
    assert (result.ceiling, result.multiple, result.benefit) == (87_430, False, 212_570)
    assert result.to_json() == {"service_month": "2024-10", "ceiling": 87_430, "multiple": False,
                                "benefit": 212_570}


def test_multiple_from_the_fourth_month() -> None:
    # 3 prior months within 2023-11..2024-09 → 多数回 ウ 44,400; 300,000 − 44,400 = 255,600
    result = run(case(member("A", 45, bill("H1", "inpatient", 1_000_000, 300_000)), prior=THREE_PRIOR))
    assert (result.ceiling, result.multiple, result.benefit) == (44_400, True, 255_600)


def test_multiple_window_is_the_eleven_months_before() -> None:
    a = member("A", 45, bill("H1", "inpatient", 1_000_000, 300_000))
    # 2023-11 is 11 months before 2024-10: inside the window → 3 months → 多数回
    assert run(case(a, prior=["2023-11", "2024-05", "2024-07"])).ceiling == 44_400
    # 2023-10 is 12 months before: outside → only 2 months count → 87,430
    assert run(case(a, prior=["2023-10", "2024-05", "2024-07"])).ceiling == 87_430
    # the same month twice is refused (issue 16): a month is one benefit month, a repeat is a mistake upstream
    with pytest.raises(CaseError, match=r"prior_benefit_months\[1\]: the same month is given twice"):
        run(case(a, prior=["2024-05", "2024-05", "2024-07"]))


@pytest.mark.parametrize(
    ("bracket", "ceiling", "multiple_ceiling"),
    [
        ("ア", 254_180, 140_100),  # 252,600 + (1,000,000 − 842,000) × 1% = 252,600 + 1,580
        ("イ", 171_820, 93_000),  # 167,400 + (1,000,000 − 558,000) × 1% = 167,400 + 4,420
        ("ウ", 87_430, 44_400),
        ("エ", 57_600, 44_400),  # flat
        ("オ", 35_400, 24_600),  # flat
    ],
)
def test_every_under70_bracket(bracket: str, ceiling: int, multiple_ceiling: int) -> None:
    a = member("A", 45, bill("H1", "inpatient", 1_000_000, 300_000))
    normal = run(case(a, bracket=bracket))
    assert (normal.ceiling, normal.benefit) == (ceiling, 300_000 - ceiling)
    many = run(case(a, bracket=bracket, prior=THREE_PRIOR))
    assert (many.ceiling, many.multiple, many.benefit) == (multiple_ceiling, True, 300_000 - multiple_ceiling)


@pytest.mark.parametrize(
    ("total_cost", "ceiling"),
    [
        (267_000, 80_100),  # not above the threshold: no 1% term
        (267_049, 80_100),  # 49 × 1% = 0.49 → 0
        (267_050, 80_101),  # 50 × 1% = 0.5 → rounds half up to 1
        (267_150, 80_102),  # 150 × 1% = 1.5 → 2
        (200_000, 80_100),  # below the threshold: the base alone, never a negative term
    ],
)
def test_one_percent_term_rounds_half_up_only_above_the_threshold(total_cost: int, ceiling: int) -> None:
    result = run(case(member("A", 45, bill("H1", "inpatient", total_cost, 90_000))))
    assert result.ceiling == ceiling
    assert result.benefit == max(0, 90_000 - ceiling)


def test_one_percent_rounding_function() -> None:
    assert [one_percent_rounded_half_up(x) for x in (0, 49, 50, 149, 150, 733_000)] == [0, 0, 1, 1, 2, 7_330]


def test_bill_under_21000_is_not_combined() -> None:
    big = member("A", 45, bill("H1", "inpatient", 1_000_000, 300_000))
    # B's 18,000 is below 21,000: neither its copay nor its cost enters → same as A alone
    small = member("B", 40, bill("C1", "outpatient", 60_000, 18_000))
    result = run(case(big, small))
    assert (result.ceiling, result.benefit) == (87_430, 212_570)
    # at exactly 21,000 it counts: cost 1,070,000 → 80,100 + 8,030 = 88,130; 321,000 − 88,130 = 232,870
    counted = member("B", 40, bill("C1", "outpatient", 70_000, 21_000))
    result = run(case(big, counted))
    assert (result.ceiling, result.benefit) == (88_130, 232_870)


def test_one_small_bill_alone_gives_nothing() -> None:
    # 20,999 < 21,000 → nothing combined; ceiling stays the base 80,100; benefit 0
    result = run(case(member("A", 45, bill("H1", "outpatient", 100_000, 20_999))))
    assert (result.ceiling, result.multiple, result.benefit) == (80_100, False, 0)


def test_bills_of_the_same_provider_setting_and_dental_flag_are_merged() -> None:
    # エ (57,600). H1 inpatient 60,000 counts. H2 outpatient 12,000 + 12,000 = 24,000 ≥ 21,000 → counts:
    # 84,000 − 57,600 = 26,400
    merged = member("A", 45, bill("H1", "inpatient", 200_000, 60_000),
                    bill("H2", "outpatient", 40_000, 12_000), bill("H2", "outpatient", 40_000, 12_000))
    assert run(case(merged, bracket="エ")).benefit == 26_400
    # different providers: 12,000 each, neither counts → 60,000 − 57,600 = 2,400
    apart = member("A", 45, bill("H1", "inpatient", 200_000, 60_000),
                   bill("H2", "outpatient", 40_000, 12_000), bill("H3", "outpatient", 40_000, 12_000))
    assert run(case(apart, bracket="エ")).benefit == 2_400


@pytest.mark.parametrize(
    "second",
    [
        bill("H2", "inpatient", 40_000, 12_000),  # same provider, other setting
        bill("H2", "outpatient", 40_000, 12_000, dental=True),  # same provider and setting, dental
    ],
)
def test_settings_and_dental_are_counted_separately(second: dict[str, object]) -> None:
    # 60,000 alone counts; 12,000 + 12,000 would reach 24,000 only if merged, which they must not be
    a = member("A", 45, bill("H1", "inpatient", 200_000, 60_000), bill("H2", "outpatient", 40_000, 12_000), second)
    assert run(case(a, bracket="エ")).benefit == 2_400


def test_bills_of_different_members_are_not_merged() -> None:
    # same provider, two people, 12,000 each: per person → neither counts
    a = member("A", 45, bill("H1", "inpatient", 200_000, 60_000), bill("H2", "outpatient", 40_000, 12_000))
    b = member("B", 40, bill("H2", "outpatient", 40_000, 12_000))
    assert run(case(a, b, bracket="エ")).benefit == 2_400


def test_pharmacy_bill_goes_with_the_prescribing_provider() -> None:
    # clinic C1 outpatient 15,000 + its prescription filled at a pharmacy 9,000, given under C1 → 24,000
    # counted; with H1 60,000: 84,000 − 57,600 = 26,400
    a = member("A", 45, bill("H1", "inpatient", 200_000, 60_000),
               bill("C1", "outpatient", 50_000, 15_000), bill("C1", "outpatient", 30_000, 9_000))
    assert run(case(a, bracket="エ")).benefit == 26_400


def test_70_74_ippan_outpatient_then_household() -> None:
    # X: outpatient 20,000 + 10,000 = 30,000 → bears 18,000 (step 1)
    # Y: inpatient 50,000. Step 2: 18,000 + 50,000 = 68,000 → household 57,600
    # benefit = 80,000 − 57,600 = 22,400
    x = member("X", 72, bill("C1", "outpatient", 100_000, 20_000), bill("C2", "outpatient", 50_000, 10_000))
    y = member("Y", 73, bill("H1", "inpatient", 500_000, 50_000))
    result = run(case(x, y, bracket=None, bracket70="一般"))
    assert (result.ceiling, result.multiple, result.benefit) == (57_600, False, 22_400)


def test_70_74_outpatient_has_no_21000_threshold() -> None:
    # one 70–74 member, outpatient 10,000 at each of two clinics → 20,000 → bears 18,000; benefit 2,000
    x = member("X", 70, bill("C1", "outpatient", 50_000, 10_000), bill("C2", "outpatient", 50_000, 10_000))
    result = run(case(x, bracket=None, bracket70="一般"))
    assert (result.ceiling, result.benefit) == (57_600, 2_000)


def test_70_74_ippan_multiple_household_ceiling() -> None:
    # 多数回 一般 44,400: inpatient 60,000 → 60,000 − 44,400 = 15,600
    x = member("X", 72, bill("H1", "inpatient", 600_000, 60_000))
    result = run(case(x, bracket=None, bracket70="一般", prior=THREE_PRIOR))
    assert (result.ceiling, result.multiple, result.benefit) == (44_400, True, 15_600)


@pytest.mark.parametrize(("bracket70", "ceiling"), [("低所得Ⅱ", 24_600), ("低所得Ⅰ", 15_000)])
def test_low_income_never_gets_multiple(bracket70: str, ceiling: int) -> None:
    # three prior months, yet 低所得 has no 多数回: 30,000 − ceiling
    x = member("X", 72, bill("H1", "inpatient", 300_000, 30_000))
    result = run(case(x, bracket=None, bracket70=bracket70, prior=THREE_PRIOR))
    assert (result.ceiling, result.multiple, result.benefit) == (ceiling, False, 30_000 - ceiling)


def test_a_month_of_the_70_74_outpatient_limit_alone_does_not_count_towards_multiple() -> None:
    # 一般: outpatient 30,000 → bears 18,000 (step 1, the 外来特例): 12,000 paid back; step 2: 18,000 < 57,600, the
    # household ceiling pays nothing. Only a month the household (世帯単位) ceiling paid counts towards 多数回
    # (国民健康保険法施行令 第29条の3; MHLW: the 外来 individual limit's months are not counted).
    x = member("X", 72, bill("C1", "outpatient", 150_000, 30_000))
    result = run(case(x, bracket=None, bracket70="一般"))
    assert (result.benefit, result.outpatient_benefit, result.counts_for_multiple) == (12_000, 12_000, False)
    assert any("does not count towards 多数回" in s for s in result.explain)
    # the batch path reports the same (one rule set); the interfaces.md output keeps its four keys
    assert assess_many([case(x, bracket=None, bracket70="一般")])[0] == {
        "service_month": "2024-10", "ceiling": 57_600, "multiple": False, "benefit": 12_000,
        "outpatient_benefit": 12_000, "counts_for_multiple": False}
    assert list(result.to_json()) == ["service_month", "ceiling", "multiple", "benefit"]


def test_a_month_the_household_ceiling_paid_counts_with_or_without_the_outpatient_limit() -> None:
    # as test_70_74_ippan_outpatient_then_household: 12,000 by step 1, then 68,000 → 57,600 (10,400 by step 2)
    x = member("X", 72, bill("C1", "outpatient", 100_000, 20_000), bill("C2", "outpatient", 50_000, 10_000))
    y = member("Y", 73, bill("H1", "inpatient", 500_000, 50_000))
    result = run(case(x, y, bracket=None, bracket70="一般"))
    assert (result.benefit, result.outpatient_benefit, result.counts_for_multiple) == (22_400, 12_000, True)
    assert any("counts towards 多数回" in s for s in result.explain)
    # inpatient alone above the household ceiling: 60,000 − 57,600, nothing by step 1
    z = member("Z", 72, bill("H1", "inpatient", 600_000, 60_000))
    result = run(case(z, bracket=None, bracket70="一般"))
    assert (result.benefit, result.outpatient_benefit, result.counts_for_multiple) == (2_400, 0, True)
    # under 70 only: any benefit is the household ceiling's
    a = member("A", 45, bill("H1", "inpatient", 1_000_000, 300_000))
    assert run(case(a)).counts_for_multiple is True
    assert run(case(member("A", 45, bill("H1", "inpatient", 100_000, 30_000)))).counts_for_multiple is False


def test_step_3_decides_whether_the_month_counts_when_step_2_paid_nothing() -> None:
    # X outpatient 30,000 → 18,000 (12,000 by step 1); step 2: 18,000 < 57,600.
    # Step 3 (ウ) with A's 90,000: cost 150,000 + 300,000 = 450,000 → 80,100 + 1,830 = 81,930;
    # 18,000 + 90,000 = 108,000 → 81,930: 26,070 by the household ceiling → counts. Benefit 120,000 − 81,930.
    x = member("X", 72, bill("C1", "outpatient", 150_000, 30_000))
    a = member("A", 45, bill("H2", "inpatient", 300_000, 90_000))
    result = run(case(x, a, bracket="ウ", bracket70="一般"))
    assert (result.ceiling, result.benefit, result.outpatient_benefit, result.counts_for_multiple) == (
        81_930, 38_070, 12_000, True)
    # with A's 30,000 instead: 18,000 + 30,000 = 48,000 < 80,100 + … → only the 外来特例 paid: does not count
    b = member("B", 45, bill("H2", "inpatient", 100_000, 30_000))
    result = run(case(x, b, bracket="ウ", bracket70="一般"))
    assert (result.benefit, result.outpatient_benefit, result.counts_for_multiple) == (12_000, 12_000, False)


def test_low_income_outpatient_ceiling_8000() -> None:
    # outpatient 20,000 → bears 8,000 (step 1); 8,000 < 24,600 → benefit 12,000
    x = member("X", 74, bill("C1", "outpatient", 100_000, 20_000))
    assert run(case(x, bracket=None, bracket70="低所得Ⅱ")).benefit == 12_000


def test_genekinami_one_percent_on_all_70_74_costs_and_no_outpatient_ceiling() -> None:
    # 現役並みⅠ: no per-person outpatient step. cost 1,000,000 + 100,000 = 1,100,000
    # 80,100 + (1,100,000 − 267,000) × 1% = 80,100 + 8,330 = 88,430; 330,000 − 88,430 = 241,570
    x = member("X", 71, bill("H1", "inpatient", 1_000_000, 300_000), bill("C1", "outpatient", 100_000, 30_000))
    result = run(case(x, bracket=None, bracket70="現役並みⅠ"))
    assert (result.ceiling, result.multiple, result.benefit) == (88_430, False, 241_570)
    # a small outpatient bill alone stays whole (no 18,000 ceiling for 現役並み)
    y = member("Y", 71, bill("C1", "outpatient", 100_000, 30_000))
    assert run(case(y, bracket=None, bracket70="現役並みⅠ")).benefit == 0


@pytest.mark.parametrize(("bracket70", "multiple_ceiling"), [("現役並みⅢ", 140_100), ("現役並みⅡ", 93_000),
                                                             ("現役並みⅠ", 44_400)])
def test_genekinami_multiple(bracket70: str, multiple_ceiling: int) -> None:
    x = member("X", 71, bill("H1", "inpatient", 1_000_000, 300_000))
    result = run(case(x, bracket=None, bracket70=bracket70, prior=THREE_PRIOR))
    assert (result.ceiling, result.multiple, result.benefit) == (multiple_ceiling, True, 300_000 - multiple_ceiling)


def test_genekinami_3_one_percent() -> None:
    # 252,600 + (1,000,000 − 842,000) × 1% = 254,180; 300,000 − 254,180 = 45,820
    x = member("X", 71, bill("H1", "inpatient", 1_000_000, 300_000))
    assert run(case(x, bracket=None, bracket70="現役並みⅢ")).benefit == 45_820


def test_mixed_household_step_3() -> None:
    # Step 1: X outpatient 30,000 → 18,000. Step 2: 18,000 + Y inpatient 40,000 = 58,000 → 57,600.
    # Step 3 (ウ): A's 90,000 counts, B's 15,000 does not. Cost = 300,000 + 150,000 + 400,000 = 850,000
    #   ceiling 80,100 + (850,000 − 267,000) × 1% = 80,100 + 5,830 = 85,930
    #   combined 57,600 + 90,000 = 147,600 → bears 85,930
    # benefit = (30,000 + 40,000 + 90,000) − 85,930 = 74,070
    x = member("X", 72, bill("C1", "outpatient", 150_000, 30_000))
    y = member("Y", 72, bill("H1", "inpatient", 400_000, 40_000))
    a = member("A", 45, bill("H2", "inpatient", 300_000, 90_000))
    b = member("B", 40, bill("C3", "outpatient", 50_000, 15_000))
    result = run(case(x, y, a, b, bracket="ウ", bracket70="一般"))
    assert (result.ceiling, result.multiple, result.benefit) == (85_930, False, 74_070)
    # --explain walks the clerk through the same steps
    assert any(s.startswith("Step 1, X") and "bears 18,000 outpatient" in s for s in result.explain)
    assert any(s.startswith("Step 2") and "the household bears 57,600" in s for s in result.explain)
    assert any(s.startswith("Under 70, B") and "not combined" in s for s in result.explain)
    assert any(s.startswith("Step 3") and "= 80,100 + 5,830 = 85,930" in s for s in result.explain)


def test_mixed_household_step_3_multiple() -> None:
    # as above with 多数回: step 2 44,400 (58,000 → 44,400); step 3 ウ 44,400: 44,400 + 90,000 → 44,400
    # benefit = 160,000 − 44,400 = 115,600
    x = member("X", 72, bill("C1", "outpatient", 150_000, 30_000))
    y = member("Y", 72, bill("H1", "inpatient", 400_000, 40_000))
    a = member("A", 45, bill("H2", "inpatient", 300_000, 90_000))
    result = run(case(x, y, a, bracket="ウ", bracket70="一般", prior=THREE_PRIOR))
    assert (result.ceiling, result.multiple, result.benefit) == (44_400, True, 115_600)


def test_mixed_household_without_counted_under70_bill_stops_at_step_2() -> None:
    # B's 15,000 does not count → step 2 stands: 70,000 (X 30,000 → 18,000 + Y 40,000 = 58,000 → 57,600)
    # benefit = 70,000 − 57,600 = 12,400; the output ceiling is the 70–74 household one
    x = member("X", 72, bill("C1", "outpatient", 150_000, 30_000))
    y = member("Y", 72, bill("H1", "inpatient", 400_000, 40_000))
    b = member("B", 40, bill("C3", "outpatient", 50_000, 15_000))
    result = run(case(x, y, b, bracket="ウ", bracket70="一般"))
    assert (result.ceiling, result.multiple, result.benefit) == (57_600, False, 12_400)


def test_mixed_household_low_income_70_74_with_multiple_under70() -> None:
    # 低所得Ⅱ at 70–74 has no 多数回, but step 3 applies under オ, which has: 24,600.
    # X inpatient 30,000 → 24,600 (step 2). A 50,000 counts. Step 3: 24,600 + 50,000 → 24,600.
    # benefit = 80,000 − 24,600 = 55,400
    x = member("X", 72, bill("H1", "inpatient", 300_000, 30_000))
    a = member("A", 50, bill("H2", "inpatient", 200_000, 50_000))
    result = run(case(x, a, bracket="オ", bracket70="低所得Ⅱ", prior=THREE_PRIOR))
    assert (result.ceiling, result.multiple, result.benefit) == (24_600, True, 55_400)


def test_move_within_prefecture_halves_every_ceiling() -> None:
    # ウ halved: 40,050 + (1,000,000 − 133,500) × 1% = 40,050 + 8,665 = 48,715; 300,000 − 48,715 = 251,285
    a = member("A", 45, bill("H1", "inpatient", 1_000_000, 300_000))
    result = run(case(a, moved_in_month_within_prefecture=True))
    assert (result.ceiling, result.benefit) == (48_715, 251_285)
    # 一般: outpatient 30,000 → 9,000 (half of 18,000); household 28,800 not reached → benefit 21,000
    x = member("X", 72, bill("C1", "outpatient", 100_000, 30_000))
    result = run(case(x, bracket=None, bracket70="一般", moved_in_month_within_prefecture=True))
    assert (result.ceiling, result.benefit) == (28_800, 21_000)
    # 多数回 count carries over; half of 44,400 = 22,200
    result = run(case(a, prior=THREE_PRIOR, moved_in_month_within_prefecture=True))
    assert (result.ceiling, result.multiple) == (22_200, True)


def test_yearly_outpatient_cap_of_ippan() -> None:
    # 135,000 already borne since August: 144,000 − 135,000 = 9,000 left → outpatient 30,000 bears 9,000
    x = member("X", 72, bill("C1", "outpatient", 100_000, 30_000), outpatient_paid_this_year=135_000)
    assert run(case(x, bracket=None, bracket70="一般", service_month="2025-03")).benefit == 21_000
    # the cap already reached: bears nothing
    x = member("X", 72, bill("C1", "outpatient", 100_000, 30_000), outpatient_paid_this_year=144_000)
    assert run(case(x, bracket=None, bracket70="一般", service_month="2025-03")).benefit == 30_000
    # far from the cap: the monthly 18,000 governs → 12,000
    x = member("X", 72, bill("C1", "outpatient", 100_000, 30_000), outpatient_paid_this_year=18_000)
    assert run(case(x, bracket=None, bracket70="一般", service_month="2025-03")).benefit == 12_000
    # 現役並み has no outpatient caps: the history changes nothing (30,000 < 80,100)
    x = member("X", 72, bill("C1", "outpatient", 100_000, 30_000), outpatient_paid_this_year=144_000)
    assert run(case(x, bracket=None, bracket70="現役並みⅠ", service_month="2025-03")).benefit == 0


def test_august_2026_provisional_u() -> None:
    # from 2026-08 [secondary]: 85,800 + (1,000,000 − 286,000) × 1% = 85,800 + 7,140 = 92,940
    a = member("A", 45, bill("H1", "inpatient", 1_000_000, 300_000))
    result = run(case(a, service_month="2026-08"))
    assert (result.ceiling, result.benefit) == (92_940, 207_060)
    assert "PROVISIONAL" in result.explain[0]
    # July 2026 still the old table
    assert run(case(a, service_month="2026-07")).ceiling == 87_430


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (case(member("A", 45), service_month="2026-08", bracket="ア"), "household.bracket"),
        (case(member("A", 45), service_month="2026-08", prior=["2026-01", "2026-03", "2026-05"]),
         "household.prior_benefit_months"),
        (case(member("X", 72), service_month="2026-08", bracket=None, bracket70="一般"), "household.bracket70"),
        (case(member("A", 45), service_month="2018-07"), "service_month"),
    ],
)
def test_figures_the_data_does_not_give_are_refused(raw: dict[str, object], field: str) -> None:
    with pytest.raises(CeilingNotGiven) as caught:
        run(raw)
    assert caught.value.field == field


def test_no_bills_no_benefit() -> None:
    result = run(case(member("A", 45), member("X", 72), bracket="エ", bracket70="一般"))
    assert (result.ceiling, result.benefit) == (57_600, 0)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (case(member("A", 75)), "household.members[0].age"),
        (case(member("X", 72)), "household.bracket70"),
        (case(member("A", 45), bracket=None), "household.bracket"),
        (case(member("A", 45, bill("H1", "inpatient", 1_000, 1_001))), "household.members[0].bills[0].copay"),
        (case(member("A", 45), prior=["2024-10"]), "household.prior_benefit_months[0]"),
        (case(member("A", 45), member("A", 40)), "household.members[1].id"),
        # a valid My Number as an id would be echoed by --explain: refused (check digit 8, see identity tests)
        (case(member("123456789018", 45)), "household.members[0].id"),
        (case(member("A", 45, outpatient_paid_this_year=0)), "household.members[0].outpatient_paid_this_year"),
        (case(member("X", 72, outpatient_paid_this_year=1), bracket70="一般", service_month="2024-08"),
         "household.members[0].outpatient_paid_this_year"),
        (case(member("A", 45, bill("H1", "inpatient", 1_000, -1))), "household.members[0].bills[0].copay"),
        (case(member("A", 45, {**bill("H1", "inpatient", 1_000, 1), "total_cost": 1_000.0})),
         "household.members[0].bills[0].total_cost"),
        (case(member("A", 45), bracket="カ"), "household.bracket"),
        (case(member("A", 45), service_month="2024-1"), "service_month"),
        ({"service_month": "2024-10", "household": {"bracket": "ウ", "members": []}}, "household.members"),
    ],
)
def test_rejections_name_the_field(raw: dict[str, object], field: str) -> None:
    with pytest.raises(CaseError) as caught:
        parse_case(raw)
    assert field in [e.field for e in caught.value.errors]
