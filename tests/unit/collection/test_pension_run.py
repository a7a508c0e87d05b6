"""The pension run (特別徴収 wired to the ledger, issue 12 item 6; domain.md §6) on the fakes: who is deducted
for the year, the schedule written into the ledger as 特別徴収 installments (the 普通徴収 remainder adjusted),
仮徴収 from the previous February, the 依頼 file, and the changes that stop it (更正 lowering, 徴収不能, loss of
qualification) — the rest collected normally and reminded as any 普通徴収 installment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from fakes.collection_store import InMemoryCollectionStore
from fakes.pension_store import InMemoryPensionStore

from kokuho.collection.ledger import ORDINARY, PENSION_KIND, charge_from_version, ledger_state
from kokuho.collection.payment_files import PENSION
from kokuho.collection.payment_intake import intake_payment_file
from kokuho.collection.pension_deduction import Member
from kokuho.collection.pension_ports import PensionMark, PensionRecord
from kokuho.collection.pension_run import HouseholdFacts, file_requests, run_pension
from kokuho.collection.ports import LedgerKey
from kokuho.collection.reminders import run_reminders
from kokuho.intake.framing import build_file, read_records
from kokuho.premium.installments import split_equally

FY = 2024
MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]
MONTHS_2025 = [f"2025-{m:02d}" for m in range(6, 13)] + [f"2026-{m:02d}" for m in range(1, 4)]
ACTOR = "system:pension-run"


class Facts:
    def __init__(self) -> None:
        self.household: dict[str, HouseholdFacts] = {
            "H1": HouseholdFacts("H1-P1", (Member("H1-P1", date(1955, 5, 1), True),
                                           Member("H1-P2", date(1957, 2, 1), True)), None)}
        self.care = {"H1-P1": 60_000}
        self.reads: list[list[str]] = []

    def households(self, keys: Sequence[LedgerKey]) -> dict[LedgerKey, HouseholdFacts]:
        self.reads.append([h for h, _ in keys])
        return {k: self.household[k[0]] for k in keys if k[0] in self.household}

    def care_premiums(self, person_ids: Sequence[str], fiscal_year: int) -> dict[str, int]:
        return {p: self.care[p] for p in person_ids if p in self.care}


def city(annual: int = 100_000, pension: int = 1_200_000) -> tuple[InMemoryCollectionStore, Facts,
                                                                    InMemoryPensionStore]:
    store, pensions = InMemoryCollectionStore(), InMemoryPensionStore()
    store.put_charge(charge_from_version("H1", FY, version=1, payer_id="H1-P1", annual=annual,
                                         installments=split_equally(annual, MONTHS)))
    for fy in (FY, FY + 1):
        pensions.put_pensions([PensionRecord("H1-P1", fy, "001", "1150", "1234567890", pension, "test")],
                              [PensionMark("pension", f"f{fy}", 1)], actor="setup")
    return store, Facts(), pensions


def installments(store: InMemoryCollectionStore, fy: int = FY) -> list[tuple[str, int, str]]:
    return [(i.month, i.amount, i.kind) for i in store.ledger_items[("H1", fy)].charge.installments]


def run(store: InMemoryCollectionStore, facts: Facts, pensions: InMemoryPensionStore, on: date) -> dict[str, Any]:
    return run_pension(store, facts, pensions, on=on, actor=ACTOR)


def requested(store: InMemoryCollectionStore, pensions: InMemoryPensionStore, on: date) -> list[dict[str, Any]]:
    files: dict[str, bytes] = {}
    out = file_requests(store, pensions, on=on, actor=ACTOR, put=files.__setitem__)
    assert len(files) == (1 if out["file_id"] else 0)
    if not files:
        return []
    records, errors = read_records(files[out["file_id"]])
    assert errors == []
    return [r for _, r in records]


def test_a_household_that_qualifies_is_deducted_from_october_its_june_to_september_kept_as_billed() -> None:
    store, facts, pensions = city()
    out = run(store, facts, pensions, date(2024, 7, 20))
    assert (out["started"], out["changed"]) == (1, 1)
    # 40,000 billed June … September stays 普通徴収; the other 60,000 in three 本徴収 deductions
    assert installments(store) == [
        ("2024-06", 10_000, ORDINARY), ("2024-07", 10_000, ORDINARY), ("2024-08", 10_000, ORDINARY),
        ("2024-09", 10_000, ORDINARY), ("2024-10", 20_000, PENSION_KIND), ("2024-12", 20_000, PENSION_KIND),
        ("2025-02", 20_000, PENSION_KIND)]
    assert run(store, facts, pensions, date(2024, 7, 20))["changed"] == 0  # nothing twice
    rows = requested(store, pensions, date(2024, 7, 20))
    assert [(r["month"], r["kind"], r["amount"], r["basic_pension_number"]) for r in rows] == [
        ("2024-10", "本徴収", 20_000, "1234567890"), ("2024-12", "本徴収", 20_000, "1234567890"),
        ("2025-02", "本徴収", 20_000, "1234567890")]
    assert requested(store, pensions, date(2024, 7, 21)) == []  # each row filed once
    assert ("system:pension-run", ["H1-P1"], "read") in pensions.access


def test_who_does_not_qualify_is_not_deducted() -> None:
    for change in ("pension", "age", "late", "half"):
        store, facts, pensions = city(pension=150_000 if change == "pension" else 1_200_000)
        if change == "age":
            facts.household["H1"] = HouseholdFacts("H1-P1", (Member("H1-P1", date(1955, 5, 1), True),
                                                             Member("H1-P2", date(1965, 2, 1), True)), None)
        if change == "half":
            facts.care["H1-P1"] = 500_001  # 100,000 + 500,001 > 1,200,000 / 2
        on = date(2024, 9, 1) if change == "late" else date(2024, 7, 20)  # after 31 August: not this year
        assert run(store, facts, pensions, on)["changed"] == 0, change
        assert {i.kind for i in store.ledger_items[("H1", FY)].charge.installments} == {ORDINARY}


def test_a_correction_lowering_the_premium_stops_the_deduction_the_rest_collected_normally() -> None:
    store, facts, pensions = city()
    run(store, facts, pensions, date(2024, 7, 20))
    requested(store, pensions, date(2024, 7, 20))
    store.put_charge(charge_from_version("H1", FY, version=2, payer_id="H1-P1", annual=80_000,
                                         installments=split_equally(80_000, MONTHS)), decreased=True)
    out = run(store, facts, pensions, date(2024, 11, 10))
    assert out["stopped"] == 1
    # October's deduction stays; 80,000 − 40,000 − 20,000 on December … March, 普通徴収
    assert installments(store) == [
        ("2024-06", 10_000, ORDINARY), ("2024-07", 10_000, ORDINARY), ("2024-08", 10_000, ORDINARY),
        ("2024-09", 10_000, ORDINARY), ("2024-10", 20_000, PENSION_KIND), ("2024-12", 5_000, ORDINARY),
        ("2025-01", 5_000, ORDINARY), ("2025-02", 5_000, ORDINARY), ("2025-03", 5_000, ORDINARY)]
    rows = requested(store, pensions, date(2024, 11, 10))
    assert [(r["kind"], r["month"], r.get("reason")) for r in rows] == [("中止", "2024-12", "更正")]
    assert run(store, facts, pensions, date(2024, 11, 11))["changed"] == 0  # stopped once


def test_a_month_the_insurer_could_not_deduct_stops_it_and_is_reminded_only_once_ordinary() -> None:
    store, facts, pensions = city()
    run(store, facts, pensions, date(2024, 7, 20))
    assert len(requested(store, pensions, date(2024, 7, 20))) == 3
    data = build_file([{"payer_id": "H1-P1", "fiscal_year": FY, "month": "2024-10", "amount": 20_000,
                        "result": "徴収不能", "reason": "年金の支払差止"}])
    intake_payment_file(PENSION, data, store=store, actor="system:payments", key="k", received_on=date(2024, 10, 20))
    assert run(store, facts, pensions, date(2024, 10, 25))["stopped"] == 1
    assert installments(store)[4:] == [(m, 12_000, ORDINARY) for m in ("2024-11", "2024-12", "2025-01", "2025-02",
                                                                       "2025-03")]
    assert [(r["kind"], r["month"], r["reason"]) for r in requested(store, pensions, date(2024, 10, 25))] == [
        ("中止", "2024-10", "徴収不能")]
    # the 督促 run: June … September are unpaid here too (reminded); October is no installment of the payer's
    first = run_reminders(store, on=date(2024, 11, 5), actor="system:reminders")
    assert [r["installment"] for r in store.ledger_items[("H1", FY)].reminders] == [1, 2, 3, 4]
    assert first["reminders"] == 4
    run_reminders(store, on=date(2024, 12, 5), actor="system:reminders")
    assert [r["installment"] for r in store.ledger_items[("H1", FY)].reminders][-1] == 6  # November


def test_loss_of_qualification_stops_it_from_the_next_deduction_month() -> None:
    store, facts, pensions = city()
    run(store, facts, pensions, date(2024, 7, 20))
    requested(store, pensions, date(2024, 7, 20))
    facts.household["H1"] = HouseholdFacts("H1-P1", facts.household["H1"].members, date(2024, 11, 3))  # 転出
    assert run(store, facts, pensions, date(2024, 11, 5))["stopped"] == 1
    assert store.ledger_items[("H1", FY)].pension["stop"]["reason"] == "資格喪失"  # type: ignore[index]
    assert [(r["kind"], r["month"], r["reason"]) for r in requested(store, pensions, date(2024, 11, 5))] == [
        ("中止", "2024-12", "資格喪失")]


def _insurer_stops(pensions: InMemoryPensionStore, stop_from: str, reason: str = "死亡") -> None:
    """The insurer's 中止通知 taken in as the pension file's line (kokuho.intake.apply.apply_pensions)."""
    from kokuho.intake.apply import apply_pensions
    from kokuho.intake.framing import file_digest

    data = build_file([{"atena_no": "10000001", "fiscal_year": FY, "insurer_code": "001", "pension_code": "1150",
                        "notice": "中止", "stop_from": stop_from, "reason": reason}])
    out = apply_pensions(data, ACTOR, file_digest(data), set(), lambda: False, pensions,  # type: ignore[arg-type]
                         lambda atena: dict.fromkeys(atena, "H1-P1"))
    assert out["stops"] == 1, out


def test_the_insurers_stop_notice_stops_it_from_the_named_month_the_rest_collected_normally() -> None:
    store, facts, pensions = city()
    run(store, facts, pensions, date(2024, 7, 20))
    requested(store, pensions, date(2024, 7, 20))
    _insurer_stops(pensions, "2024-12")  # told in November: no deduction from December (死亡)
    out = run(store, facts, pensions, date(2024, 11, 8))
    assert out["stopped"] == 1
    stop = store.ledger_items[("H1", FY)].pension["stop"]  # type: ignore[index]
    assert (stop["from_month"], stop["reason"]) == ("2024-12", "中止通知 (死亡)")
    # October's deduction stays; the 40,000 not deducted on December … March, 普通徴収 (domain.md §6)
    assert installments(store) == [
        ("2024-06", 10_000, ORDINARY), ("2024-07", 10_000, ORDINARY), ("2024-08", 10_000, ORDINARY),
        ("2024-09", 10_000, ORDINARY), ("2024-10", 20_000, PENSION_KIND), ("2024-12", 10_000, ORDINARY),
        ("2025-01", 10_000, ORDINARY), ("2025-02", 10_000, ORDINARY), ("2025-03", 10_000, ORDINARY)]
    # the insurer stopped it itself: no 中止 row goes back to it; stopped once
    assert requested(store, pensions, date(2024, 11, 8)) == []
    assert run(store, facts, pensions, date(2024, 11, 9))["changed"] == 0


def test_a_stopped_pension_starts_no_deduction() -> None:
    store, facts, pensions = city()
    _insurer_stops(pensions, "2024-10", "年金受給権喪失")
    assert run(store, facts, pensions, date(2024, 7, 20))["changed"] == 0
    assert {i.kind for i in store.ledger_items[("H1", FY)].charge.installments} == {ORDINARY}


def test_rows_not_sent_yet_are_dropped_by_a_stop_not_stopped_at_the_insurer() -> None:
    store, facts, pensions = city()
    run(store, facts, pensions, date(2024, 7, 20))
    facts.household["H1"] = HouseholdFacts("H1-P1", facts.household["H1"].members, date(2024, 9, 3))
    assert run(store, facts, pensions, date(2024, 9, 5))["stopped"] == 1
    assert requested(store, pensions, date(2024, 9, 5)) == []  # never asked: nothing to stop


def test_a_raise_keeps_the_deduction_the_increase_on_ordinary_months_without_one() -> None:
    store, facts, pensions = city()
    run(store, facts, pensions, date(2024, 7, 20))
    store.put_charge(charge_from_version("H1", FY, version=2, payer_id="H1-P1", annual=106_000,
                                         installments=split_equally(106_000, MONTHS)))
    assert run(store, facts, pensions, date(2024, 10, 20))["stopped"] == 0
    got = installments(store)
    assert [(m, a) for m, a, k in got if k == PENSION_KIND] == [("2024-10", 20_000), ("2024-12", 20_000),
                                                                ("2025-02", 20_000)]
    assert [(m, a) for m, a, k in got if k == ORDINARY][4:] == [("2024-11", 2_000), ("2025-01", 2_000),
                                                                ("2025-03", 2_000)]
    assert sum(a for _, a, _ in got) == 106_000


def test_provisional_deductions_of_the_next_year_follow_february_then_the_final_ones_the_annual() -> None:
    store, facts, pensions = city()
    run(store, facts, pensions, date(2024, 7, 20))
    requested(store, pensions, date(2024, 7, 20))
    out = run(store, facts, pensions, date(2025, 2, 20))
    assert out["provisional_opened"] == 1
    # FY2025 opened before its 本算定: April (carried on June) + June, and August, each February's 20,000
    assert installments(store, FY + 1) == [("2025-06", 40_000, PENSION_KIND), ("2025-08", 20_000, PENSION_KIND)]
    assert run(store, facts, pensions, date(2025, 2, 21))["provisional_opened"] == 0
    rows = requested(store, pensions, date(2025, 2, 21))
    assert [(r["fiscal_year"], r["month"], r["kind"], r["amount"]) for r in rows] == [
        (2025, "2025-04", "仮徴収", 20_000), (2025, "2025-06", "仮徴収", 20_000), (2025, "2025-08", "仮徴収", 20_000)]
    # the 本算定 of FY2025 (130,000): 70,000 left after the provisional deductions → 23,400 / 23,300 / 23,300
    store.put_charge(charge_from_version("H1", FY + 1, version=1, payer_id="H1-P1", annual=130_000,
                                         installments=split_equally(130_000, MONTHS_2025)))
    assert installments(store, FY + 1)[:2] == [("2025-06", 40_000, PENSION_KIND), ("2025-08", 20_000, PENSION_KIND)]
    assert run(store, facts, pensions, date(2025, 7, 20))["changed"] == 1
    assert installments(store, FY + 1) == [
        ("2025-06", 40_000, PENSION_KIND), ("2025-08", 20_000, PENSION_KIND), ("2025-10", 23_400, PENSION_KIND),
        ("2025-12", 23_300, PENSION_KIND), ("2026-02", 23_300, PENSION_KIND)]
    state = ledger_state(store.ledger_items[("H1", FY + 1)].charge, [])
    assert state.unpaid_total == 130_000


def test_the_synthetic_insurer_answers_the_request_file_and_its_answer_pays_the_ledger() -> None:
    """What the demo uses to show pension payments: the 依頼 file answered as the insurer would, the answer
    taken in as the payment file `pension` — October's deduction paid on the 15th."""
    from kokuho_local.synthetic.pension_insurer import answer

    store, facts, pensions = city()
    run(store, facts, pensions, date(2024, 7, 20))
    files: dict[str, bytes] = {}
    file_requests(store, pensions, on=date(2024, 7, 20), actor=ACTOR, put=files.__setitem__)
    result = answer(files.values(), "2024-10")
    out = intake_payment_file(PENSION, result, store=store, actor="system:payments", key="k",
                              received_on=date(2024, 10, 20))
    assert (out["applied"], out["applied_yen"]) == (1, 20_000)
    lg = store.ledger_items[("H1", FY)]
    october = next(i for i in ledger_state(lg.charge, lg.payments).installments if i.month == "2024-10")
    assert october.paid == 20_000
    refused = answer(files.values(), "2024-12", not_deducted={"H1-P1": "年金の支払差止"})
    assert b"\\u5f81\\u53ce\\u4e0d\\u80fd" in refused or "徴収不能".encode() in refused


def test_a_households_facts_come_from_its_projected_case() -> None:
    from kokuho.collection.pension_run import facts_of_case

    case = {"fiscal_year": FY, "household": {"householder_id": "P1", "members": [
        {"id": "P1", "birth_date": "1955-05-01", "insured": [{"from": "2020-05-01", "until": "2024-11-03"}]},
        {"id": "P2", "birth_date": "1990-02-01", "insured": [{"from": "2010-01-01", "until": "2024-04-01"}]},
        {"id": "P3", "birth_date": "1958-02-01", "insured": [{"from": "2025-04-01", "until": None}]}]}}
    facts = facts_of_case(case, FY)
    assert facts.householder_id == "P1" and facts.householder_lost_on == date(2024, 11, 3)  # 転出
    # P2 left NHI on 1 April (not insured in the year: not counted for the ages); P3 joins only the next year
    assert [(m.person_id, m.insured) for m in facts.members] == [("P1", True), ("P2", False), ("P3", False)]


def test_no_payment_slip_is_printed_for_a_deduction() -> None:
    """The 納入通知書 and 変更通知書 print a slip per installment still owed (kokuho.collection.slips.slips_of): a
    特別徴収 installment is the insurer's to deduct — a slip for it would have the payer pay it twice."""
    from kokuho.collection.slips import slips_of

    store, facts, pensions = city()
    run(store, facts, pensions, date(2024, 7, 20))
    lg = store.ledger_items[("H1", FY)]
    assert [s.installment for s in slips_of(lg.charge)] == [1, 2, 3, 4]  # June … September, 普通徴収
    assert [s.installment for s in slips_of(lg.charge, ledger_state(lg.charge, lg.payments))] == [1, 2, 3, 4]


def test_only_what_a_decision_needs_is_read() -> None:
    """A payer the insurer notified no pension for: no household, no 介護保険料 read (nor recorded); after 31
    August a ledger without a deduction is not looked at at all."""
    store, facts, pensions = city()
    store.put_charge(charge_from_version("H2", FY, version=1, payer_id="H2-P1", annual=50_000,
                                         installments=split_equally(50_000, MONTHS)))
    out = run(store, facts, pensions, date(2024, 7, 20))
    assert (out["ledgers"], out["considered"], out["started"]) == (2, 2, 1)
    assert facts.reads == [["H1"]]  # H2's payer has no notified pension: its household is not read
    later = run(store, facts, pensions, date(2024, 9, 20))
    assert (later["ledgers"], later["considered"]) == (2, 1)  # H1 (deducting) only


def test_the_synthetic_insurers_notice_is_a_valid_pension_file_of_the_citys_older_householders() -> None:
    from kokuho.intake.pension import validate_file
    from kokuho_local.synthetic.city import generate_city
    from kokuho_local.synthetic.city_files import atena_of
    from kokuho_local.synthetic.pension_insurer import targets

    city = generate_city(300, registers=True)
    rows = targets(city)
    lines, errors = validate_file(build_file(rows))
    assert errors == [] and len(lines) == len(rows) > 0
    heads = {atena_of(h.case["household"]["members"][0]["id"]) for h in city.households}
    assert {r["atena_no"] for r in rows} <= heads and all(r["pension_annual"] >= 180_000 for r in rows)
