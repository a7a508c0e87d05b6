"""The monthly benefit run on the in-memory port (issue 13 items 2–3; docs/benefit_run.md): every household-month with
a receipt decided through the engine with brackets from the stored incomes, 多数回 from the household's own months
and the carried-over ones, the 一般 yearly outpatient cap from the member's history, versions with the difference
when an income 更正 changes a bracket, and nothing written or counted twice on a rerun or a retried batch."""

from __future__ import annotations

from typing import Any

import pytest
from fakes.benefit_store import InMemoryBenefitStore, month

from kokuho.benefits.benefit_run import RunInputError, prepare, run_batch, summarize


def run(store: InMemoryBenefitStore, run_month: str = "2025-08", **inp: Any) -> dict[str, Any]:
    prepared = prepare(store, {"run_month": run_month, **inp}, execution_name="x", actor="system:test")
    for b in prepared["batches"]:
        run_batch(store, {"run_id": prepared["run_id"], "run_month": run_month, "batch_id": b["batch_id"]})
    return summarize(store, {"run_id": prepared["run_id"]})


def city() -> InMemoryBenefitStore:
    """H1: one member under 70 with bracket ウ (3,000,000 → 2,570,000 after 基礎控除), a 1,000,000-yen stay."""
    store = InMemoryBenefitStore()
    store.household("H1", "P1", ("P1", "1980-05-10"))
    store.income(2024, "P1", 3_000_000)
    store.receipt("P1", month("2024-10"), 300_000, setting="inpatient", total=1_000_000)
    return store


def latest(store: InMemoryBenefitStore, household: str, m: str) -> dict[str, Any]:
    return store.version_docs(household, m)[-1]


def test_a_household_month_is_decided_with_brackets_from_the_stored_income_and_recorded_with_its_basis() -> None:
    store = city()
    out = run(store)
    doc = latest(store, "H1", "2024-10")
    # ウ: 80,100 + (1,000,000 − 267,000) × 1% = 87,430; benefit 300,000 − 87,430
    assert doc["result"] == {"ceiling": 87_430, "multiple": False, "benefit": 212_570, "counts_for_multiple": True}
    assert (doc["version"], doc["kind"], doc["difference"]) == (1, "支給", 212_570)
    assert doc["brackets"]["bracket"] == "ウ" and doc["brackets"]["benefit_year"] == 2024
    assert doc["brackets"]["basis"]["incomes"]["P1"]["total"] == 3_000_000
    assert (out["status"], out["versions_written"], out["benefit_paid"]) == ("completed", 1, 212_570)
    assert {(op, tuple(persons)) for _, persons, op in store.access} == {("read", ("P1",)), ("write", ("P1",))}


def test_selecting_the_households_records_the_read_of_the_persons_whose_receipts_were_listed() -> None:
    store = city()
    store.household("H2", "P2", ("P2", "1981-01-10"))
    store.receipt("P2", month("2023-01"), 1_000)  # outside the window: not listed, not read
    prepare(store, {"run_month": "2025-08"}, execution_name="x", actor="system:test")
    assert store.access == [("system:test", ["P1"], "read")]


def test_a_rerun_writes_and_counts_nothing_again() -> None:
    store = city()
    first = run(store)
    again = run(store)  # the same run month: a second pass of the same run
    assert again["passes"] == 2 and again["versions_written"] == 1 and again["benefit_paid"] == first["benefit_paid"]
    later = run(store, "2025-09")  # next month's run: the month is unchanged
    assert later["versions_written"] == 0 and len(store.version_docs("H1", "2024-10")) == 1


def test_a_retried_batch_never_double_counts() -> None:
    store = city()
    store.household("H2", "P2", ("P2", "1981-01-10"))
    store.income(2024, "P2", 3_000_000)
    store.receipt("P2", month("2024-11"), 300_000, setting="inpatient", total=1_000_000)
    prepared = prepare(store, {"run_month": "2025-08"}, execution_name="x", actor="system:test")
    event = {"run_id": prepared["run_id"], "run_month": "2025-08", "batch_id": prepared["batches"][0]["batch_id"]}
    store.fail_after_commits = 1
    with pytest.raises(RuntimeError):
        run_batch(store, event, versions_per_transaction=1)  # H1 written, then the attempt dies
    store.fail_after_commits = None
    run_batch(store, event)  # the step's retry
    run_batch(store, event)  # and a duplicate delivery
    out = summarize(store, {"run_id": prepared["run_id"]})
    assert (out["versions_written"], out["benefit_paid"]) == (2, 2 * 212_570)
    assert all(len(store.version_docs(h, m)) == 1 for h, m in (("H1", "2024-10"), ("H2", "2024-11")))
    # the retry wrote H2 alone, in one transaction recorded as a write of P2's data
    assert [persons for _, persons, op in store.access if op == "write"] == [["P1"], ["P2"]]


def test_households_are_written_together_each_transaction_recording_every_person_it_wrote() -> None:
    store = city()
    for h, p in (("H2", "P2"), ("H3", "P3")):
        store.household(h, p, (p, "1981-01-10"))
        store.income(2024, p, 3_000_000)
        store.receipt(p, month("2024-11"), 300_000, setting="inpatient", total=1_000_000)
    run(store)
    assert [persons for _, persons, op in store.access if op == "write"] == [["P1", "P2", "P3"]]
    assert store.commits == 1


def test_an_income_correction_changes_the_bracket_and_recalculates_the_month_paid_with_the_difference() -> None:
    store = city()
    run(store)
    store.income(2024, "P1", 7_000_000)  # 更正: 6,570,000 after 基礎控除 → イ
    out = run(store, "2025-09")
    docs = store.version_docs("H1", "2024-10")
    # イ: 167,400 + (1,000,000 − 558,000) × 1% = 171,820; benefit 128,180, 84,390 less than paid
    assert [d["result"]["benefit"] for d in docs] == [212_570, 128_180]
    assert (docs[1]["version"], docs[1]["kind"], docs[1]["difference"]) == (2, "返還", -84_390)
    assert docs[1]["brackets"]["bracket"] == "イ" and docs[1]["previous_benefit"] == 212_570
    assert (out["versions_written"], out["recovered"], out["benefit_paid"]) == (1, 84_390, 0)
    store.income(2024, "P1", 3_000_000)  # 更正 back: paid again
    back = run(store, "2025-10")
    assert (back["additional_paid"], latest(store, "H1", "2024-10")["kind"]) == (84_390, "追加支給")


def test_the_fourth_benefit_month_in_twelve_uses_the_multiple_ceiling() -> None:
    store = city()
    for m in ("2024-11", "2024-12", "2025-01"):
        store.receipt("P1", month(m), 300_000, setting="inpatient", total=1_000_000)
    run(store)
    assert [latest(store, "H1", m)["result"]["multiple"] for m in ("2024-10", "2024-11", "2024-12", "2025-01")] == [
        False, False, False, True]
    assert latest(store, "H1", "2025-01")["result"] == {"ceiling": 44_400, "multiple": True, "benefit": 255_600,
                                                        "counts_for_multiple": True}
    assert latest(store, "H1", "2025-01")["case"]["household"]["prior_benefit_months"] == [
        "2024-10", "2024-11", "2024-12"]


def elderly_city() -> InMemoryBenefitStore:
    """H7: one member aged 72, 一般 (1,000,000 of income)."""
    store = InMemoryBenefitStore()
    store.household("H7", "P7", ("P7", "1952-05-10"))
    for fy in (2023, 2024):
        store.income(fy, "P7", 1_000_000)
    return store


def test_months_of_the_70_74_outpatient_limit_alone_never_make_the_fourth_month_multiple() -> None:
    """Only a month the household ceiling paid counts towards 多数回 (施行令 第29条の3; MHLW): 30,000 of outpatient
    copays four months running is 12,000 paid back each month by the 外来特例 (18,000 borne) and nothing by the
    household ceiling (57,600). Failed on main: the 4th month took the 多数回 household ceiling (44,400) on three
    months of the outpatient limit, and the months went into the outgoing 高額該当 file."""
    store = elderly_city()
    months = ["2024-10", "2024-11", "2024-12", "2025-01"]
    for m in months:
        store.receipt("P7", month(m), 30_000, total=150_000)
    run(store)
    docs = [latest(store, "H7", m) for m in months]
    assert [d["result"]["benefit"] for d in docs] == [12_000] * 4
    assert [d["result"]["multiple"] for d in docs] == [False] * 4
    assert docs[-1]["result"]["ceiling"] == 57_600
    assert [d["case"]["household"]["prior_benefit_months"] for d in docs] == [[]] * 4
    assert [d["result"]["counts_for_multiple"] for d in docs] == [False] * 4
    assert store.benefit_months("H7") == []  # nothing to carry over on a move


def test_a_month_counts_when_the_household_ceiling_paid_even_beside_the_outpatient_limit() -> None:
    """The mixed case: 2024-10 household ceiling (inpatient 80,000 → 57,600); 2024-11 and 2024-12 the outpatient
    limit alone; 2025-01 both (outpatient 30,000 → 18,000, + inpatient 50,000 = 68,000 → 57,600: 12,000 + 10,400),
    not 多数回 with one counted month before it (on main: three, so 44,400 and 35,600 paid); 2025-02 household
    ceiling; 2025-03 the 4th counted month in 12 (2024-10, 2025-01, 2025-02) → 多数回 44,400."""
    store = elderly_city()
    store.receipt("P7", month("2024-10"), 80_000, setting="inpatient", total=800_000)
    for m in ("2024-11", "2024-12", "2025-01"):
        store.receipt("P7", month(m), 30_000, total=150_000)
    for m in ("2025-01", "2025-02", "2025-03"):
        store.receipt("P7", month(m), 80_000 if m != "2025-01" else 50_000, setting="inpatient", provider="4010000002",
                      total=800_000 if m != "2025-01" else 500_000)
    run(store)
    jan = latest(store, "H7", "2025-01")
    assert jan["result"] == {"ceiling": 57_600, "multiple": False, "benefit": 22_400, "counts_for_multiple": True}
    assert jan["case"]["household"]["prior_benefit_months"] == ["2024-10"]
    mar = latest(store, "H7", "2025-03")
    assert mar["case"]["household"]["prior_benefit_months"] == ["2024-10", "2025-01", "2025-02"]
    assert mar["result"] == {"ceiling": 44_400, "multiple": True, "benefit": 35_600, "counts_for_multiple": True}
    assert store.benefit_months("H7") == ["2024-10", "2025-01", "2025-02", "2025-03"]


def test_stored_months_before_the_window_count_only_where_the_household_ceiling_paid() -> None:
    """Months before the run's window are read from their stored latest versions: a stored month of the outpatient
    limit alone does not count there either (2024-08..2024-10 decided by the 2026-08 run, read back by the 2026-11
    run, whose window opens at 2024-11)."""
    store = elderly_city()
    for m in ("2024-08", "2024-09", "2024-10"):
        store.receipt("P7", month(m), 30_000, total=150_000)
    store.receipt("P7", month("2024-11"), 80_000, setting="inpatient", total=800_000)
    assert run(store, "2026-08")["versions_written"] == 4
    assert run(store, "2026-11")["households_with_failures"] == 0
    docs = store.version_docs("H7", "2024-11")
    assert len(docs) == 1 and docs[0]["result"]["multiple"] is False and docs[0]["result"]["benefit"] == 22_400


def test_months_carried_over_from_another_municipality_count_and_the_move_month_is_halved() -> None:
    store = city()
    store.carried["H1"] = {"2024-07", "2024-08", "2024-09"}
    run(store)
    doc = latest(store, "H1", "2024-10")
    assert doc["result"]["ceiling"] == 44_400 and doc["carried_over_used"] == ["2024-07", "2024-08", "2024-09"]
    halved = city()
    halved.moved["H1"] = {"2024-10"}
    run(halved)
    # half of ウ: 40,050 + (1,000,000 − 133,500) × 1% = 48,715
    assert latest(halved, "H1", "2024-10")["result"]["ceiling"] == 48_715


def test_the_general_70_74_yearly_outpatient_cap_follows_the_members_history_august_to_july() -> None:
    store = InMemoryBenefitStore()
    store.household("H7", "P7", ("P7", "1952-05-10"))
    store.income(2024, "P7", 1_000_000)  # 一般 (2割)
    months = ["2024-08", "2024-09", "2024-10", "2024-11", "2024-12", "2025-01", "2025-02", "2025-03", "2025-04",
              "2025-05", "2025-08"]
    store.income(2025, "P7", 1_000_000)
    for m in months:
        store.receipt("P7", month(m), 20_000, total=100_000)
    run(store, "2025-09")
    benefits = [latest(store, "H7", m)["result"]["benefit"] for m in months]
    # 18,000 borne a month until 144,000 is reached (8 months), then nothing more borne until July; a new year in August
    assert benefits == [2_000] * 8 + [20_000, 20_000, 2_000]
    doc = latest(store, "H7", "2025-04")
    assert doc["case"]["household"]["members"][0]["outpatient_paid_this_year"] == 144_000
    assert doc["brackets"]["copay_ratios"] == {"P7": "2割"} and doc["brackets"]["bracket70"] == "一般"


def test_only_the_24_months_before_the_run_month_are_decided() -> None:
    store = city()
    store.receipt("P1", month("2023-07"), 300_000, setting="inpatient", total=1_000_000)
    store.income(2023, "P1", 3_000_000)
    run(store, "2025-08")  # window 2023-08 .. 2025-07
    assert store.version_docs("H1", "2023-07") == [] and len(store.version_docs("H1", "2024-10")) == 1


def test_a_bad_run_input_is_refused_naming_the_field() -> None:
    with pytest.raises(RunInputError, match="run_month"):
        prepare(InMemoryBenefitStore(), {"run_month": "2025-13"}, execution_name="x")
    with pytest.raises(RunInputError, match="colour: unknown field"):
        prepare(InMemoryBenefitStore(), {"colour": 1}, execution_name="x")


def test_a_run_month_to_come_is_refused() -> None:
    """Probe (workflows): a run is named by its month and decides the 24 months before it: a month to come made a
    run of that name now (its window leaving out months today's run decides), which the month's own run then
    continued as a later pass."""
    from datetime import UTC, datetime

    store = InMemoryBenefitStore()
    now = datetime(2025, 8, 10, 3, 0, tzinfo=UTC)
    with pytest.raises(RunInputError, match="^run_month: a month to come"):
        prepare(store, {"run_month": "2025-09"}, execution_name="x", now=now)
    assert prepare(store, {"run_month": "2025-08"}, execution_name="x", now=now)["run_id"] == "benefit-2025-08"


def test_a_month_the_ceilings_do_not_cover_is_reported_not_paid() -> None:
    store = city()
    store.receipt("P1", month("2026-09"), 300_000, setting="inpatient", total=1_000_000)
    store.income(2026, "P1", 3_000_000)
    out = run(store, "2026-10")
    assert store.version_docs("H1", "2026-09") == []
    assert out["households_with_failures"] == 1 and out["status"] == "completed_with_failures"


def test_a_member_who_left_and_came_back_in_the_month_is_counted_once() -> None:
    """Probe (benefits): a member who left the household and came back within a month has two memberships, both
    in the month: the month's case listed the member twice with the same bills — the copays counted twice."""
    from datetime import date

    from kokuho.benefits.benefit_ports import MemberSpan

    store = city()
    householder, spans = store.households["H1"]
    first = spans[0]
    store.households["H1"] = (householder, [
        MemberSpan(first.person_id, first.birth_date, first.joined_on, date(2024, 10, 10), first.periods),
        MemberSpan(first.person_id, first.birth_date, date(2024, 10, 20), None, first.periods)])
    run(store)
    doc = latest(store, "H1", "2024-10")
    assert [m["id"] for m in doc["case"]["household"]["members"]] == ["P1"]
    assert doc["result"] == {"ceiling": 87_430, "multiple": False, "benefit": 212_570, "counts_for_multiple": True}
