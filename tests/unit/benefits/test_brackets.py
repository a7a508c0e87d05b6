"""The household's 高額療養費 income brackets and each 70–74 member's copay ratio, determined from the stored incomes
and members (issue 13 item 2; domain.md §2, docs/benefit_run.md "Brackets"): the benefit year (August–July) picks
the incomes, the month picks the members, and the basis names both."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from kokuho.benefits.brackets import MemberFacts, benefit_year, engine_age, judge


def income(total: int, **kw: Any) -> dict[str, Any]:
    return {"total": total, "salary": kw.pop("salary", total), "pension": kw.pop("pension", 0), "declared": True,
            **kw}


def member(pid: str, birth: str = "1980-05-10", insured: bool = True) -> MemberFacts:
    return MemberFacts(pid, date.fromisoformat(birth), insured)


def under70(incomes: dict[str, dict[str, Any] | None], month: tuple[int, int] = (2024, 10),
            householder: str = "P1", members: list[MemberFacts] | None = None) -> Any:
    members = members or [member(p) for p in incomes]
    return judge(month, householder, members, {p: i for p, i in incomes.items() if i is not None})


def test_the_benefit_year_runs_august_to_july_and_reads_the_incomes_stored_for_its_fiscal_year() -> None:
    # the August–July year from August Y reads the income of calendar year Y − 1: stored as fiscal year Y
    assert benefit_year((2024, 8)) == 2024 and benefit_year((2025, 7)) == 2024 and benefit_year((2025, 8)) == 2025
    b = under70({"P1": income(3_000_000)}, month=(2025, 3))
    assert (b.benefit_year, b.basis["incomes_of_fiscal_year"], b.basis["income_year"]) == (2024, 2024, 2023)


@pytest.mark.parametrize(("totals", "expected"), [
    # income after 基礎控除 (430,000) summed over the insured members: the table's boundaries, each side
    ([2_530_000], "エ"),  # 2,100,000: エ is "2,100,000 or less"
    ([2_530_001], "ウ"),
    ([6_430_000], "ウ"),  # 6,000,000
    ([6_430_001], "イ"),
    ([9_440_000], "イ"),  # 9,010,000
    ([9_440_001], "ア"),
    ([1_500_000, 1_460_001], "ウ"),  # two members: 1,070,000 + 1,030,001 = 2,100,001
    ([300_000], "エ"),  # below the deduction: never negative
])
def test_the_under_70_bracket_follows_the_household_income_after_the_basic_deduction(
        totals: list[int], expected: str) -> None:
    b = under70({f"P{i + 1}": income(t) for i, t in enumerate(totals)})
    assert b.bracket == expected and b.bracket70 is None


def test_the_basic_deduction_tier_follows_the_members_total_income() -> None:
    # 24,000,001 takes the 290,000 tier: 23,710,001 after deduction (ア either way; the sum shows the tier)
    b = under70({"P1": income(24_000_001)})
    assert b.bracket == "ア" and b.basis["income_after_deduction"] == 24_000_001 - 290_000


def test_a_household_with_an_undeclared_or_missing_income_is_a() -> None:
    assert under70({"P1": income(0), "P2": income(0, declared=False)}).bracket == "ア"
    b = under70({"P1": income(0), "P2": None})
    assert b.bracket == "ア" and "P2" in b.basis["not_declared"]


def test_a_resident_tax_exempt_household_is_o_the_deemed_householder_included() -> None:
    exempt = {"P1": income(0, resident_tax_exempt=True), "P2": income(500_000, resident_tax_exempt=True)}
    assert under70(exempt).bracket == "オ"
    # the 擬制世帯主 (householder not insured) counts in the exemption test, not in the income sum
    members = [member("P0", insured=False), member("P1"), member("P2")]
    taxed_householder = {**exempt, "P0": income(5_000_000, resident_tax_exempt=False)}
    b = judge((2024, 10), "P0", members, taxed_householder)
    assert b.bracket == "エ" and b.basis["insured"] == ["P1", "P2"] and b.basis["householder"] == "P0"
    assert judge((2024, 10), "P0", members, {**exempt, "P0": income(0, resident_tax_exempt=True)}).bracket == "オ"


def test_involuntary_unemployment_counts_salary_at_30_100_within_its_period() -> None:
    left = {"left_on": "2024-03-31"}  # period 2024-04 .. 2026-03
    rec = income(5_000_000, involuntary_unemployment=left)  # 1,500,000 counted: 1,070,000 after deduction
    assert under70({"P1": rec}, month=(2024, 10)).bracket == "エ"
    assert under70({"P1": rec}, month=(2026, 5)).bracket == "ウ"  # after the period: the whole salary


def test_ages_advance_on_the_day_before_the_birthday_and_70_74_starts_the_month_after() -> None:
    assert engine_age(date(1954, 8, 2), (2024, 8)) == 69  # reaches 70 on 1 August: 70–74 from September
    assert engine_age(date(1954, 8, 2), (2024, 9)) == 70
    assert engine_age(date(1954, 8, 1), (2024, 8)) == 70  # reaches 70 on 31 July: from August


def elderly(incomes: dict[str, dict[str, Any]], births: dict[str, str] | None = None,
            householder: str = "P1") -> Any:
    births = births or {}
    members = [member(p, births.get(p, "1952-05-10")) for p in incomes]
    return judge((2024, 10), householder, members, incomes)


@pytest.mark.parametrize(("taxable", "expected", "ratio"), [
    (1_449_999, "一般", "2割"), (1_450_000, "現役並みⅠ", "3割"), (3_800_000, "現役並みⅡ", "3割"),
    (6_900_000, "現役並みⅢ", "3割"),
])
def test_the_70_74_bracket_and_copay_ratio_follow_the_highest_taxable_income(
        taxable: int, expected: str, ratio: str) -> None:
    b = elderly({"P1": income(9_000_000, taxable_income=taxable), "P2": income(0, taxable_income=0)})
    assert b.bracket70 == expected and b.copay_ratios == {"P1": ratio, "P2": ratio}


def test_a_70_74_household_below_2_1_million_after_deduction_stays_general() -> None:
    # taxable 1,500,000 but the 70–74 members' income after 基礎控除 sums to 2,100,000 → 一般 (旧ただし書き所得 rule)
    b = elderly({"P1": income(2_530_000, taxable_income=1_500_000)})
    assert (b.bracket70, b.copay_ratios) == ("一般", {"P1": "2割"})


def test_without_a_delivered_taxable_income_the_income_after_deduction_stands_in_and_the_basis_says_so() -> None:
    b = elderly({"P1": income(4_300_000)})  # 3,870,000 after deduction
    assert b.bracket70 == "現役並みⅡ" and b.basis["taxable_income_stand_in"] == ["P1"]


def test_low_income_ii_and_i_need_every_person_exempt_and_for_i_no_income_with_pensions_at_800_000() -> None:
    ii = elderly({"P1": income(0, pension=0, resident_tax_exempt=True, pension_revenue=900_000),
                  "P2": income(0, resident_tax_exempt=True)})
    assert (ii.bracket70, ii.copay_ratios["P1"]) == ("低所得Ⅱ", "2割")
    i = elderly({"P1": income(0, pension=0, resident_tax_exempt=True, pension_revenue=800_000),
                 "P2": income(0, resident_tax_exempt=True)})
    assert i.bracket70 == "低所得Ⅰ"
    assert elderly({"P1": income(0, resident_tax_exempt=True), "P2": income(0)}).bracket70 == "一般"


def test_a_mixed_household_gets_both_brackets_and_ratios_only_for_its_70_74_members() -> None:
    incomes = {"P1": income(3_000_000, taxable_income=1_000_000), "P2": income(1_000_000)}
    b = elderly(incomes, births={"P2": "1985-01-01"})
    assert (b.bracket, b.bracket70, b.copay_ratios) == ("ウ", "一般", {"P1": "2割"})
    assert b.ages == {"P1": 72, "P2": 39}


def test_members_not_insured_in_the_month_are_left_out_and_the_basis_names_who_counted() -> None:
    members = [member("P1"), member("P2", insured=False)]
    b = judge((2024, 10), "P1", members, {"P1": income(1_000_000), "P2": income(50_000_000)})
    assert b.bracket == "エ" and b.basis["insured"] == ["P1"]
    assert set(b.basis["incomes"]) == {"P1"}


def test_equal_facts_give_equal_basis_digests_and_an_income_correction_changes_it() -> None:
    a = under70({"P1": income(3_000_000)})
    assert a.digest == under70({"P1": income(3_000_000)}).digest
    assert a.digest != under70({"P1": income(3_100_000)}).digest


def test_without_the_basis_the_judgement_is_the_same() -> None:
    incomes = {"P1": income(3_000_000, taxable_income=1_500_000), "P2": income(1_000_000)}
    members = [member("P1", "1952-05-10"), member("P2")]
    full = judge((2024, 10), "P1", members, incomes)
    bare = judge((2024, 10), "P1", members, incomes, with_basis=False)
    assert (bare.bracket, bare.bracket70, bare.copay_ratios, bare.ages) == (
        full.bracket, full.bracket70, full.copay_ratios, full.ages) and bare.basis == {} and full.basis
