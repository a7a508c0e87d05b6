"""Hand-derived cases for every rule of domain.md §1. Each case runs through both engines (`both`).

FY2024 rates (Kitakyushu): medical 8.20% / 均等割 23,170 / 平等割 27,140 / cap 650,000;
support 3.51% / 9,700 / 11,370 / 240,000; care 3.14% / 9,660 / 8,400 / 170,000.
Reduced amounts used below: 7割 keeps 3/10 (23,170→6,951; 27,140→8,142; 9,700→2,910; 11,370→3,411;
9,660→2,898; 8,400→2,520); 5割 keeps 5/10 (11,585; 13,570; 4,850; 5,685); 2割 keeps 8/10 (18,536; 21,712;
7,760; 9,096).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from premium_builders import both, case, member, write_rates

from kokuho.premium import load_rate_table


def test_income_levy_per_capita_and_household_levies_single_45_year_old() -> None:
    """所得割 + 均等割 + 平等割 per part, 100円未満切捨て per part (rules 3–5)."""
    out = both(case(member(birth="1979-06-15", salary=2_500_000)))
    # medical: (2,500,000 − 430,000) × 8.20% = 169,740 + 23,170 + 27,140 = 220,050 → 220,000
    # support: 2,070,000 × 3.51% = 72,657 + 9,700 + 11,370 = 93,727 → 93,700
    # care (45 = 2号 all year): 2,070,000 × 3.14% = 64,998 + 9,660 + 8,400 = 83,058 → 83,000
    assert out["parts"] == {"medical": 220_000, "support": 93_700, "care": 83_000, "child": 0}
    assert out["annual"] == 396_700  # rounding the sum 396,835 once would give 396,800: rounding is per part
    assert out["reduction"] is None  # judged 2,500,000 > 2割 limit 430,000 + 545,000 × 1 = 975,000
    assert out["fiscal_year"] == 2024


@pytest.mark.parametrize(
    ("total", "deduction"),
    [(24_000_000, 430_000), (24_000_001, 290_000), (24_500_000, 290_000), (24_500_001, 150_000),
     (25_000_000, 150_000), (25_000_001, 0)],
)
def test_basic_deduction_tiers(total: int, deduction: int) -> None:
    """基礎控除: 430,000 up to 24,000,000; 290,000 up to 24,500,000; 150,000 up to 25,000,000; 0 above."""
    assert load_rate_table(2024).basic_deduction_for(total) == deduction


def test_basic_deduction_tier_enters_income_levy(tmp_path: Path) -> None:
    """基礎控除 tier 290,000 for 24,400,000 (caps raised in a test rate file so the levy shows)."""
    parts = {
        "medical": {"income_rate_percent": "8.20", "per_capita": 23170, "per_household": 27140, "cap": 10**9},
        "support": {"income_rate_percent": "3.51", "per_capita": 9700, "per_household": 11370, "cap": 10**9},
    }
    rates = write_rates(tmp_path, 2024, parts=parts)
    out = both(case(member(birth="1994-06-15", salary=24_400_000)), rates)
    # medical: (24,400,000 − 290,000) × 8.20% = 1,977,020 + 23,170 + 27,140 = 2,027,330 → 2,027,300
    # support: 24,110,000 × 3.51% = 846,261 + 9,700 + 11,370 = 867,331 → 867,300
    assert out["parts"]["medical"] == 2_027_300
    assert out["parts"]["support"] == 867_300
    assert out["parts"]["care"] == 0  # a year whose rate file has no care part


def test_fictive_householder_pays_no_levies_of_their_own_but_income_counts_for_reduction() -> None:
    """擬制世帯主: not insured → no 所得割/均等割 of their own; their income counts in the reduction test."""
    householder = member("P1", "1974-06-15", salary=3_000_000, insured=[])
    child = member("P2", "2004-06-15", insured=None)
    out = both(case(householder, child))
    # judged income 3,000,000 (P1's) + 0 > 975,000 → no reduction (without P1's income it would be 7割)
    assert out["reduction"] is None
    # medical: P2 0 + 23,170 + 平等割 27,140 = 50,310 → 50,300; support 9,700 + 11,370 = 21,070 → 21,000
    # care: P1 is 50 but not insured, P2 is 20 → 0
    assert out["parts"] == {"medical": 50_300, "support": 21_000, "care": 0, "child": 0}


def test_care_part_only_for_class2_members_with_household_levy_once() -> None:
    """介護納付金分: 所得割 and 均等割 only for 2号 (40–64) members, 平等割 once for the household."""
    a = member("A", "1979-06-15", salary=3_000_000)  # 45: 2号
    b = member("B", "1994-06-15", salary=1_000_000)  # 30: not 2号
    out = both(case(a, b))
    # care: A (3,000,000 − 430,000) × 3.14% = 80,698 + 9,660 + 平等割 8,400 = 98,758 → 98,700
    # medical: 210,740 + 46,740 + 23,170 × 2 + 27,140 = 330,960 → 330,900
    # support: 90,207 + 20,007 + 9,700 × 2 + 11,370 = 140,984 → 140,900
    assert out["parts"] == {"medical": 330_900, "support": 140_900, "care": 98_700, "child": 0}


@pytest.mark.parametrize(
    ("birth", "care"),
    [
        ("1985-04-01", 8_200),  # reaches 40 on 2025-03-31 → 2号 in March 2025: 98,758 ÷ 12 = 8,229.8 → 8,200
        ("1985-04-02", 0),  # reaches 40 on 2025-04-01 → FY2025
        ("1959-05-01", 0),  # reaches 65 on 2024-04-30 → 2号 until March 2024
        ("1959-05-02", 8_200),  # reaches 65 on 2024-05-01 → 2号 in April 2024 only
        ("1959-06-02", 16_400),  # reaches 65 on 2024-06-01 → April, May: 98,758 × 2 ÷ 12 = 16,459.7 → 16,400
    ],
)
def test_class2_months_follow_the_birthday_eve_rule(birth: str, care: int) -> None:
    """Rule 2: 2号 from the month of the day before the 40th birthday to the month before the month of
    the day before the 65th birthday. Salary 3,000,000 → care month sum 80,698 + 9,660 + 8,400 = 98,758."""
    out = both(case(member(birth=birth, salary=3_000_000)))
    assert out["parts"]["care"] == care


@pytest.mark.parametrize(
    ("salary", "reduction"),
    [(530_000, "7割"), (530_001, "5割"), (1_120_000, "5割"), (1_120_001, "2割"), (1_620_000, "2割"),
     (1_620_001, None)],
)
def test_statutory_reduction_thresholds_with_two_earners_two_members(salary: int, reduction: str | None) -> None:
    """7割 ≤ 430,000 + 100,000 × (n − 1); 5割 ≤ … + 295,000 × N; 2割 ≤ … + 545,000 × N (FY2024).
    n = 2 earners, N = 2: 7割 ≤ 530,000; 5割 ≤ 530,000 + 590,000 = 1,120,000; 2割 ≤ 530,000 + 1,090,000."""
    a = member("A", "1994-06-15", salary=salary)
    b = member("B", "1994-06-15", earner=True)  # 給与所得者等 with 給与所得 0
    assert both(case(a, b))["reduction"] == reduction


def test_five_tenths_reduction_amounts() -> None:
    """5割軽減: 均等割 and 平等割 halved, rounded down; 所得割 never reduced."""
    out = both(case(member("A", "1994-06-15", salary=700_000)))  # n=1, N=1: 430,000 < 700,000 ≤ 725,000
    assert out["reduction"] == "5割"
    # medical: (700,000 − 430,000) × 8.20% = 22,140 + 11,585 + 13,570 = 47,295 → 47,200
    # support: 270,000 × 3.51% = 9,477 + 4,850 + 5,685 = 20,012 → 20,000
    assert out["parts"] == {"medical": 47_200, "support": 20_000, "care": 0, "child": 0}


def test_two_tenths_reduction_amounts() -> None:
    out = both(case(member("A", "1994-06-15", salary=900_000)))  # 725,000 < 900,000 ≤ 975,000
    assert out["reduction"] == "2割"
    # medical: 470,000 × 8.20% = 38,540 + 18,536 + 21,712 = 78,788 → 78,700
    # support: 470,000 × 3.51% = 16,497 + 7,760 + 9,096 = 33,353 → 33,300
    assert out["parts"] == {"medical": 78_700, "support": 33_300, "care": 0, "child": 0}


@pytest.mark.parametrize(
    ("birth", "reduction", "medical", "support"),
    [
        # 65 on 31 Dec 2023 (reaches 65 on 2023-12-31): judged 580,000 − 150,000 = 430,000 → 7割
        # medical (580,000 − 430,000) × 8.20% = 12,300 + 6,951 + 8,142 = 27,393 → 27,300
        # support 150,000 × 3.51% = 5,265 + 2,910 + 3,411 = 11,586 → 11,500
        ("1959-01-01", "7割", 27_300, 11_500),
        # reaches 65 on 2024-01-01: still 64 on 31 Dec 2023 → judged 580,000 → 5割 (≤ 725,000)
        # medical 12,300 + 11,585 + 13,570 = 37,455 → 37,400; support 5,265 + 4,850 + 5,685 = 15,800
        ("1959-01-02", "5割", 37_400, 15_800),
    ],
)
def test_pension_deduction_for_65_and_over_applies_to_the_test_only(
        birth: str, reduction: str, medical: int, support: int) -> None:
    """軽減判定: 150,000 off the public-pension income of members 65+ on 31 December before the year.
    所得割 still uses the declared 580,000."""
    out = both(case(member(birth=birth, pension=580_000)))
    assert out["reduction"] == reduction
    assert out["parts"] == {"medical": medical, "support": support, "care": 0, "child": 0}


def test_undeclared_income_means_no_reduction() -> None:
    """未申告: if anyone in the household has not declared income, no reduction applies."""
    a = member("A", "1994-06-15")
    b = member("B", "1996-06-15", declared=False)
    out = both(case(a, b))
    assert out["reduction"] is None
    # medical 23,170 × 2 + 27,140 = 73,480 → 73,400; support 9,700 × 2 + 11,370 = 30,770 → 30,700
    assert out["parts"]["medical"] == 73_400
    assert out["parts"]["support"] == 30_700
    assert both(case(a, member("B", "1996-06-15")))["reduction"] == "7割"


def test_reduction_judged_on_the_day_a_mid_year_household_first_becomes_insured() -> None:
    """Judgement date = the day the household first becomes insured (2024-07-10): B, insured from
    2024-09-01, is not in the household that day, so B's 2,000,000 does not count → 7割 for the year."""
    a = member("A", "1994-06-15", insured=[("2024-07-10", None)])
    b = member("B", "1994-06-15", salary=2_000_000, insured=[("2024-09-01", None)])
    out = both(case(a, b))
    assert out["reduction"] == "7割"
    # medical: Jul–Aug 6,951 + 8,142 = 15,093 (× 2 = 30,186);
    #   Sep–Mar 6,951 + (2,000,000 − 430,000) × 8.20% = 128,740 + 6,951 + 8,142 = 150,784 (× 7 = 1,055,488)
    #   (30,186 + 1,055,488) ÷ 12 = 90,472.8 → 90,400
    # support: Jul–Aug 2,910 + 3,411 = 6,321 (× 2 = 12,642); Sep–Mar 2,910 × 2 + 55,107 + 3,411 = 64,338
    #   (× 7 = 450,366); 463,008 ÷ 12 = 38,584 → 38,500
    assert out["parts"] == {"medical": 90_400, "support": 38_500, "care": 0, "child": 0}
    # first counted month July → installments August–March (8): 128,900 ÷ 8 = 16,112.5 → 16,100;
    # first = 128,900 − 7 × 16,100 = 16,200
    assert [i["due"] for i in out["installments"]] == [
        "2024-08", "2024-09", "2024-10", "2024-11", "2024-12", "2025-01", "2025-02", "2025-03"]
    assert out["installments"][0]["amount"] == 16_200
    assert {i["amount"] for i in out["installments"][1:]} == {16_100}


@pytest.mark.parametrize(
    ("birth", "medical", "support"),
    [
        # born 2018-04-02: reaches 6 on 2024-04-01 → 未就学児 until 2025-03-31 (all FY2024)
        # medical 6,951 + (6,951 ÷ 2 = 3,475) + 8,142 = 18,568 → 18,500
        # support 2,910 + 1,455 + 3,411 = 7,776 → 7,700
        ("2018-04-02", 18_500, 7_700),
        # born 2018-04-01: reaches 6 on 2024-03-31 → no longer 未就学児 in FY2024
        # medical 6,951 × 2 + 8,142 = 22,044 → 22,000; support 2,910 × 2 + 3,411 = 9,231 → 9,200
        ("2018-04-01", 22_000, 9_200),
    ],
)
def test_preschool_child_per_capita_halved_after_statutory_reduction(birth: str, medical: int, support: int) -> None:
    """未就学児: 均等割 after the 7割 reduction halved again, rounded down; born 1 April vs 2 April."""
    out = both(case(member("A", "1989-06-15"), member("C", birth)))
    assert out["reduction"] == "7割"
    assert (out["parts"]["medical"], out["parts"]["support"]) == (medical, support)


FY2026_TEST_PARTS = {
    "medical": {"income_rate_percent": "8.00", "per_capita": 23000, "per_household": 27000, "cap": 670000},
    "support": {"income_rate_percent": "3.50", "per_capita": 9700, "per_household": 11000, "cap": 260000},
    "care": {"income_rate_percent": "3.00", "per_capita": 9600, "per_household": 8400, "cap": 170000},
    "child": {"income_rate_percent": "0.30", "per_capita": 1000, "per_household": 1200, "cap": 30000},
}
FY2026_TEST_REDUCTION = {"base": 430000, "per_earner": 100000, "per_member_5": 305000, "per_member_2": 560000}


def test_child_part_per_capita_waived_up_to_first_march_after_18(tmp_path: Path) -> None:
    """子ども・子育て支援納付金分 (FY2026, test rate file): 均等割 waived up to the first 31 March after the
    18th birthday. Born 2008-04-01 reaches 18 on 2026-03-31 → charged all FY2026; born 2008-04-02 reaches
    18 on 2026-04-01 → waived until 2027-03-31."""
    rates = write_rates(tmp_path, 2026, parts=FY2026_TEST_PARTS, reduction=FY2026_TEST_REDUCTION)
    parent = member("P", "1981-06-15", salary=3_000_000)
    out = both(case(parent, member("C1", "2008-04-01"), member("C2", "2008-04-02"), fy=2026), rates)
    assert out["reduction"] is None  # 3,000,000 > 430,000 + 560,000 × 3
    # child: (3,000,000 − 430,000) × 0.30% = 7,710 + 均等割 1,000 (P) + 1,000 (C1) + 0 (C2) + 平等割 1,200
    #   = 10,910 → 10,900
    assert out["parts"]["child"] == 10_900
    # medical: 2,570,000 × 8% = 205,600 + 23,000 × 3 + 27,000 = 301,600 (C2 pays medical 均等割)
    assert out["parts"]["medical"] == 301_600


@pytest.mark.parametrize(
    ("multiple", "expected", "medical", "support"),
    [
        # single, Oct 2024: exempt Sep–Dec (4 months)
        # medical: 8 × (210,740 + 23,170 + 27,140 = 261,050) + 4 × 27,140 = 2,196,960 ÷ 12 = 183,080 → 183,000
        # support: 8 × (90,207 + 9,700 + 11,370 = 111,277) + 4 × 11,370 = 935,696 ÷ 12 = 77,974.7 → 77,900
        (False, "2024-10", 183_000, 77_900),
        # multiple, Oct 2024: exempt Jul–Dec (6 months)
        # medical 6 × 261,050 + 6 × 27,140 = 1,729,140 ÷ 12 = 144,095 → 144,000
        # support 6 × 111,277 + 6 × 11,370 = 735,882 ÷ 12 = 61,323.5 → 61,300
        (True, "2024-10", 144_000, 61_300),
        # single, April 2025: exempt Mar–Jun 2025, only March in FY2024
        # medical 11 × 261,050 + 27,140 = 2,898,690 ÷ 12 = 241,557.5 → 241,500
        # support 11 × 111,277 + 11,370 = 1,235,417 ÷ 12 = 102,951.4 → 102,900
        (False, "2025-04", 241_500, 102_900),
    ],
)
def test_maternity_exemption_months(multiple: bool, expected: str, medical: int, support: int) -> None:
    """産前産後: the mother's 所得割 and 均等割 exempt 4 months from the month before the expected month
    (6 months from 3 months before for a multiple birth); the household's 平等割 stays."""
    mother = member("M", "1994-06-15", salary=3_000_000, expected=expected, multiple=multiple)
    out = both(case(mother))
    assert (out["parts"]["medical"], out["parts"]["support"]) == (medical, support)


def test_involuntary_unemployment_counts_salary_at_30_percent_month_by_month() -> None:
    """非自発的失業者 left 2024-09-30 → period from October 2024 (month of the day after) to 31 March 2026.
    所得割 uses 900,000 (3,000,000 × 30/100) from October; the test on 1 April is outside the period."""
    out = both(case(member("A", "1989-06-15", salary=3_000_000, left_on="2024-09-30")))
    assert out["reduction"] is None
    # medical: Apr–Sep 261,050; Oct–Mar (900,000 − 430,000) × 8.20% = 38,540 + 23,170 + 27,140 = 88,850
    #   6 × 261,050 + 6 × 88,850 = 2,099,400 ÷ 12 = 174,950 → 174,900
    # support: 6 × 111,277 + 6 × (16,497 + 9,700 + 11,370 = 37,567) = 893,064 ÷ 12 = 74,422 → 74,400
    assert out["parts"] == {"medical": 174_900, "support": 74_400, "care": 0, "child": 0}


def test_involuntary_unemployment_in_the_reduction_test_when_judgement_date_is_in_the_period() -> None:
    """Left 2024-03-30 → period March 2024 – 31 March 2025: the test on 1 April counts 900,000 → 2割."""
    out = both(case(member("A", "1989-06-15", salary=3_000_000, left_on="2024-03-30")))
    assert out["reduction"] == "2割"  # 725,000 < 900,000 ≤ 975,000
    # medical 38,540 + 18,536 + 21,712 = 78,788 → 78,700; support 16,497 + 7,760 + 9,096 = 33,353 → 33,300
    assert out["parts"] == {"medical": 78_700, "support": 33_300, "care": 0, "child": 0}


@pytest.mark.parametrize(
    ("specific", "medical", "support"),
    [
        # 特定世帯: 27,140 × 1/2 = 13,570 → 5割 6,785; support 11,370 × 1/2 = 5,685 → 5割 2,842
        # medical (800,000 − 430,000) × 8.20% = 30,340 + 11,585 + 6,785 = 48,710 → 48,700
        # support 370,000 × 3.51% = 12,987 + 4,850 + 2,842 = 20,679 → 20,600
        ("specific", 48_700, 20_600),
        # 特定継続世帯: 27,140 × 3/4 = 20,355 → 5割 10,177; 11,370 × 3/4 = 8,527 → 5割 4,263
        # medical 30,340 + 11,585 + 10,177 = 52,102 → 52,100; support 12,987 + 4,850 + 4,263 = 22,100
        ("continuing", 52_100, 22_100),
        # neither: medical 30,340 + 11,585 + 13,570 = 55,495 → 55,400; support 12,987 + 4,850 + 5,685 = 23,522
        (None, 55_400, 23_500),
    ],
)
def test_specific_household_factor_on_household_levy(specific: str | None, medical: int, support: int) -> None:
    """特定世帯 / 特定継続世帯 with a 特定同一世帯所属者 (moved to 後期高齢者医療): judged income
    (800,000 − 150,000) + (600,000 − 150,000) = 1,100,000; n = 2, N = 2 (the 所属者 counts) → 5割
    (530,000 < 1,100,000 ≤ 1,120,000)."""
    a = member("A", "1952-06-15", pension=800_000)
    s = member("S", "1948-06-15", pension=600_000, insured=[], specific_same=True)
    out = both(case(a, s, specific=specific))
    assert out["reduction"] == "5割"
    assert (out["parts"]["medical"], out["parts"]["support"]) == (medical, support)


def _medical_only(directory: Path, per_capita: int, per_household: int) -> Path:
    directory.mkdir()
    parts = {"medical": {"income_rate_percent": "0", "per_capita": per_capita, "per_household": per_household,
                         "cap": 650000}}
    return write_rates(directory, 2024, parts=parts)


def test_order_of_rounding_household_levy_specific_factor_before_statutory(tmp_path: Path) -> None:
    """平等割: 特定世帯 factor first, then the statutory reduction, each rounded down (test rate file,
    所得割 0%). 2割 (900,000: 725,000 < x ≤ 975,000): 平等割 10,003 × 1/2 = 5,001 → × 8/10 = 4,000
    (the other order: 10,003 × 8/10 = 8,002 → ÷ 2 = 4,001); 均等割 10,124 × 8/10 = 8,099.
    Month sum 4,000 + 8,099 = 12,099 → 12,000 (the other order would give 12,100)."""
    rates = _medical_only(tmp_path / "r", per_capita=10_124, per_household=10_003)
    out = both(case(member("A", "1989-06-15", salary=900_000), specific="specific"), rates)
    assert out["reduction"] == "2割"
    assert out["parts"]["medical"] == 12_000


def test_order_of_rounding_per_capita_statutory_before_preschool_half(tmp_path: Path) -> None:
    """均等割: statutory reduction first, then the 未就学児 half, each rounded down. 2割 (n=1, N=2:
    1,020,000 < 1,400,000 ≤ 1,520,000): child 10,003 × 8/10 = 8,002 → ÷ 2 = 4,001 (the other order: 5,001 →
    4,000); adult 8,002; 平等割 122 × 8/10 = 97. Month sum 8,002 + 4,001 + 97 = 12,100 (other order 12,099 →
    12,000)."""
    rates = _medical_only(tmp_path / "r", per_capita=10_003, per_household=122)
    out = both(case(member("A", "1989-06-15", salary=1_400_000), member("C", "2020-06-15")), rates)
    assert out["reduction"] == "2割"
    assert out["parts"]["medical"] == 12_100


def test_caps_apply_per_part_and_month() -> None:
    """賦課限度額: each month's sum capped, then ÷ 12. 50-year-old with salary 10,000,000."""
    rich = member("A", "1974-06-15", salary=10_000_000)
    out = both(case(rich))
    # medical 9,570,000 × 8.20% = 784,740 + 50,310 > 650,000; support 335,907 + 21,070 > 240,000;
    # care 300,498 + 18,060 > 170,000
    assert out["parts"] == {"medical": 650_000, "support": 240_000, "care": 170_000, "child": 0}
    half = both(case(member("A", "1974-06-15", salary=10_000_000, insured=[("2024-10-01", None)])))
    # six months at the cap: 650,000 × 6 ÷ 12 = 325,000 etc.
    assert half["parts"] == {"medical": 325_000, "support": 120_000, "care": 85_000, "child": 0}


@pytest.mark.parametrize(
    ("insured", "medical"),
    [
        # month sum 261,050 (30-year-old, salary 3,000,000: 210,740 + 23,170 + 27,140)
        ([("2024-06-15", None)], 217_500),  # June–March: 10 × 261,050 ÷ 12 = 217,541.7 → 217,500
        ([("2020-04-01", "2024-11-01")], 152_200),  # loss 1 Nov: Apr–Oct 7 × 261,050 ÷ 12 = 152,279.2
        ([("2020-04-01", "2024-11-30")], 152_200),  # loss 30 Nov: still through October
        ([("2024-08-05", "2024-08-20")], 21_700),  # same month: August once, 261,050 ÷ 12 = 21,754.2
        ([("2020-04-01", "2024-07-15"), ("2024-07-20", None)], 261_000),  # gap inside July: 12 months
        ([("2020-04-01", "2024-04-01")], 0),  # lost on 1 April: no month
    ],
)
def test_monthly_proration_by_counted_months(insured: list[tuple[str, str | None]], medical: int) -> None:
    """Rule 1 (月割): from the month of acquisition through the month before the month of loss;
    acquisition and loss in the same month count that month once."""
    out = both(case(member("A", "1994-06-15", salary=3_000_000, insured=insured)))
    assert out["parts"]["medical"] == medical


def test_no_counted_month_means_nothing_to_pay() -> None:
    out = both(case(member("A", "1994-06-15", salary=3_000_000, insured=[("2025-04-01", None)])))
    assert out == {"fiscal_year": 2024, "reduction": None,
                   "parts": {"medical": 0, "support": 0, "care": 0, "child": 0}, "annual": 0, "installments": []}


def test_fy2025_provisional_rates_and_official_thresholds() -> None:
    """FY2025: medical 8.31% / 23,550 / 27,160; support 3.40% / 9,590 / 11,060; care 2.90% / 9,620 / 8,290;
    5割 A = 305,000 (n=1, N=1: 430,000 < 735,000 ≤ 735,000)."""
    out = both(case(member("A", "1994-06-15", salary=735_000), fy=2025))
    assert out["reduction"] == "5割"
    # medical (735,000 − 430,000) × 8.31% = 25,345.5 → 25,345 + 11,775 + 13,580 = 50,700 → 50,700
    # support 305,000 × 3.40% = 10,370 + 4,795 + 5,530 = 20,695 → 20,600
    assert out["parts"] == {"medical": 50_700, "support": 20_600, "care": 0, "child": 0}
    assert load_rate_table(2025).provisional is True


@pytest.mark.parametrize("income", [0, 3_000_000])
def test_insured_only_on_1_april_counts_no_month_and_has_no_reduction(income: int) -> None:
    """domain.md §1 rule 1: a household in which nobody counts in any month of the year has no reduction.
    Insured since March, lost on 2 April: insured on 1 April (the judgement date) but no month counts
    (acquisition month March 2024, loss month April 2024 → counted through March 2024 only)."""
    out = both(case(member("A", "1994-06-15", salary=income, insured=[("2024-03-10", "2024-04-02")])))
    assert out == {"fiscal_year": 2024, "reduction": None,
                   "parts": {"medical": 0, "support": 0, "care": 0, "child": 0}, "annual": 0, "installments": []}


def test_period_lost_on_its_acquisition_day_is_no_first_day_for_the_judgement() -> None:
    """domain.md §1 rule 1: an empty period (lost on its acquisition day) is no first day of membership.
    A: 擬制世帯主-like householder whose only period is empty on 10 May; B joins on 1 July. The judgement is
    on 1 July with B insured (N = 1): income 600,000 ≤ 430,000 + 295,000 × 1 → 5割. Judged on 10 May
    nobody would be insured (N = 0) and 600,000 > 430,000 would give no reduction."""
    out = both(case(member("A", "1980-06-15", salary=600_000, insured=[("2024-05-10", "2024-05-10")]),
                    member("B", "1982-06-15", insured=[("2024-07-01", None)])))
    assert out["reduction"] == "5割"
    # medical for B only, July–March (9 months): 11,585 + 13,570 = 25,155 × 9 ÷ 12 = 18,866.25 → 18,800
    assert out["parts"]["medical"] == 18_800
    assert out["installments"][0]["due"] == "2024-08"
