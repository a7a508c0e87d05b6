"""督促 (issue 12 item 4): the daily run issues one 督促状 for every installment unpaid after its due date,
its deadline the 10th day after issue, flagged late past the 20 days; never twice."""

from __future__ import annotations

from datetime import date

from fakes.collection_store import InMemoryCollectionStore

from kokuho.collection.ledger import PaymentEntry, charge_from_version
from kokuho.collection.ports import LedgerWrite
from kokuho.collection.reminders import reminder_fee, reminders_due, run_reminders
from kokuho.premium.installments import split_equally

MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]


def city() -> InMemoryCollectionStore:
    store = InMemoryCollectionStore()
    for h in ("H1", "H2"):
        store.put_charge(charge_from_version(h, 2024, version=1, payer_id=f"{h}-P1", annual=100_000,
                                             installments=split_equally(100_000, MONTHS)))
    # H1 paid June on time and July late (after its due date 31 July, before the run); H2 paid nothing.
    store.apply([LedgerWrite(("H1", 2024), "H1-P1", [
        PaymentEntry("a", date(2024, 6, 28), 10_000, "収納", 1),
        PaymentEntry("b", date(2024, 8, 5), 10_000, "収納", 2)])],
        [], actor="setup", chain="setup")
    return store


def test_the_run_issues_a_reminder_for_each_installment_unpaid_after_its_due_date() -> None:
    store = city()
    out = run_reminders(store, on=date(2024, 8, 6), actor="system:reminders")
    # H2's June (due 1 July: past its 20 days, so late) and July (due 31 July: within them)
    assert (out["reminders"], out["unpaid_yen"], out["late"]) == (2, 20_000, 1)
    (june, july) = store.ledger_items[("H2", 2024)].reminders
    assert (june["installment"], june["due"], june["issued_on"], june["pay_by"], june["late"]) == (
        1, "2024-07-01", "2024-08-06", "2024-08-16", True)
    assert (july["installment"], july["due"], july["late"]) == (2, "2024-07-31", False)
    assert store.ledger_items[("H1", 2024)].reminders == ()
    assert out["fee_yen"] == 0 == reminder_fee()  # 督促手数料: data, 0 by default


def test_a_missed_day_still_issues_flagged_late_and_nothing_is_issued_twice() -> None:
    store = city()
    first = run_reminders(store, on=date(2024, 7, 10), actor="system:reminders")
    assert first["reminders"] == 1 and first["late"] == 0  # H2's June, within 20 days of 1 July
    again = run_reminders(store, on=date(2024, 7, 10), actor="system:reminders")
    assert again["reminders"] == 0
    later = run_reminders(store, on=date(2024, 8, 30), actor="system:reminders")  # the runs of August missed
    assert later["reminders"] == 1 and later["late"] == 1  # H2's July: due 31 July, 20 days ended 20 August
    assert [r["installment"] for r in store.ledger_items[("H2", 2024)].reminders] == [1, 2]


def test_the_twenty_days_are_counted_from_the_due_date() -> None:
    store = city()
    lg = store.ledger_items[("H2", 2024)]
    assert [r.late for r in reminders_due(lg, date(2024, 7, 21), 0)] == [False]  # 1 July + 20 days
    assert [r.late for r in reminders_due(lg, date(2024, 7, 22), 0)] == [True]


def test_late_charges_are_billed_once_the_principal_is_paid() -> None:
    from kokuho.collection.late_charge import Installment, Payment, assess_late_charges, load_rates
    from kokuho.collection.reminders import late_charges_due

    store = InMemoryCollectionStore()
    store.put_charge(charge_from_version("H3", 2024, version=1, payer_id="H3-P1", annual=500_000,
                                         installments=split_equally(500_000, MONTHS)))
    # June (50,000, due 1 July 2024) paid in part late, then in full on 30 November; July never paid.
    store.apply([LedgerWrite(("H3", 2024), "H3-P1", [
        PaymentEntry("p1", date(2024, 9, 15), 20_000, "収納", 1),
        PaymentEntry("p2", date(2024, 11, 30), 30_000, "収納", 1)])], [], actor="setup", chain="setup")
    lg = store.ledger_items[("H3", 2024)]
    assert late_charges_due(lg, date(2024, 11, 29)) == []  # principal not yet paid: nothing billed
    (bill,) = late_charges_due(lg, date(2024, 12, 2))
    expected = assess_late_charges(
        [Installment(1, 50_000, date(2024, 7, 1))],
        [Payment(date(2024, 9, 15), 20_000, 1), Payment(date(2024, 11, 30), 30_000, 1)], date(2024, 12, 2),
        load_rates()).installments[0].late_charge
    assert (bill["installment"], bill["amount"], bill["billed_on"]) == (1, expected, "2024-12-02") and expected > 0
    out = run_reminders(store, on=date(2024, 12, 2), actor="system:reminders")
    assert (out["late_charges"], out["late_charge_yen"]) == (1, expected)
    assert run_reminders(store, on=date(2024, 12, 3), actor="system:reminders")["late_charges"] == 0
    assert [b["installment"] for b in store.ledger_items[("H3", 2024)].late_charges] == [1]


def test_a_pension_installment_the_insurer_could_not_deduct_is_not_reminded_its_amount_is_once_ordinary() -> None:
    """domain.md §6: a 特別徴収 installment is the insurer's deduction, not the payer's payment by a 納期限 —
    no 督促状 for it, deducted or not. A 徴収不能 stops the deduction and the rest (that month's amount with
    it) is collected normally (普通徴収): those installments are reminded after their own due dates."""
    from kokuho.collection.payment_files import PENSION
    from kokuho.collection.payment_intake import intake_payment_file
    from kokuho.collection.pension_deduction import (
        ORDINARY,
        PENSION_KIND,
        deduction_schedule,
        pension_ledger_charge,
        schedule_doc,
    )
    from kokuho.intake.framing import build_file

    store = InMemoryCollectionStore()
    schedule = deduction_schedule(2024, annual=60_000, previous_february=0)  # October, December, February
    overlay = {"status": "deducting", "schedule": schedule_doc(schedule), "ordinary": [], "stop": None}
    store.put_charge(pension_ledger_charge("H3", 2024, version=1, payer_id="H3-P1", annual=60_000, overlay=overlay))
    assert {i.kind for i in store.ledger_items[("H3", 2024)].charge.installments} == {PENSION_KIND}
    data = build_file([{"payer_id": "H3-P1", "fiscal_year": 2024, "month": "2024-10", "amount": 20_000,
                        "result": "徴収不能", "reason": "年金の支払差止"}])
    intake_payment_file(PENSION, data, store=store, actor="system:payments", key="k", received_on=date(2024, 10, 20))
    assert run_reminders(store, on=date(2024, 11, 5), actor="system:reminders")["reminders"] == 0
    # once stopped (the pension run: the 徴収不能 month and the rest go on ordinary installments after it)
    stopped = {**overlay, "status": "stopped",
               "stop": {"on": "2024-10-20", "from_month": "2024-10", "reason": "徴収不能"}}
    store.put_charge(pension_ledger_charge("H3", 2024, version=1, payer_id="H3-P1", annual=60_000, overlay=stopped))
    charge = store.ledger_items[("H3", 2024)].charge
    assert [(i.month, i.amount, i.kind) for i in charge.installments] == [
        ("2024-11", 12_000, ORDINARY), ("2024-12", 12_000, ORDINARY), ("2025-01", 12_000, ORDINARY),
        ("2025-02", 12_000, ORDINARY), ("2025-03", 12_000, ORDINARY)]
    assert run_reminders(store, on=date(2024, 12, 5), actor="system:reminders")["reminders"] == 1  # November's


def test_the_reminder_fee_is_billed_to_the_ledger_once_the_principal_is_paid() -> None:
    # 督促手数料 (ordinance: data): owed from the 督促状's issue; payments pay principal first (domain.md §6), so
    # the fee is billed, once, on its own slip with the 延滞金 once the reminded installment's principal is paid
    from kokuho.collection.arrears import arrears_view, view_doc

    store = city()
    run_reminders(store, on=date(2024, 7, 10), actor="system:reminders", fee=150)  # H2's June reminded
    assert store.ledger_items[("H2", 2024)].fees == ()  # principal unpaid: owed, not billed yet
    store.apply([LedgerWrite(("H2", 2024), "H2-P1", [PaymentEntry("c", date(2024, 7, 15), 10_000, "収納", 1)])],
                [], actor="setup", chain="setup")
    out = run_reminders(store, on=date(2024, 7, 16), actor="system:reminders", fee=150)
    assert (out["fee_bills"], out["fee_billed_yen"]) == (1, 150)
    (bill,) = store.ledger_items[("H2", 2024)].fees
    assert (bill["installment"], bill["amount"], bill["billed_on"], bill["reminder"]) == (
        1, 150, "2024-07-16", "TK-H2-FY2024-1")
    assert run_reminders(store, on=date(2024, 7, 17), actor="system:reminders", fee=150)["fee_bills"] == 0
    # an installment paid on time was never reminded: no fee; H1 owes none
    assert store.ledger_items[("H1", 2024)].fees == ()
    doc = view_doc(arrears_view(store.ledger_items[("H2", 2024)], date(2024, 7, 20)))
    assert doc["fees_billed"] == 150 and doc["fees"] == [
        {"id": "TF-H2-FY2024-1", "installment": 1, "amount": 150, "billed_on": "2024-07-16",
         "reminder": "TK-H2-FY2024-1"}]
    assert doc["late_charges_billed"] == 0 and doc["late_charges"] == []


def test_a_payment_naming_an_installment_the_charge_no_longer_has_pays_as_unnamed() -> None:
    # A slip keeps paying after a 更正 (domain.md §6), but the new charge may not have its installment (the
    # counted months moved): the payment then pays the oldest unpaid first, as the ledger's state says. The 督促
    # run and the arrears view raised KeyError on such a ledger, and the run failed for the whole city.
    from kokuho.collection.arrears import arrears_view

    store = InMemoryCollectionStore()
    store.put_charge(charge_from_version("H4", 2024, version=2, payer_id="H4-P1", annual=80_000,
                                         installments=split_equally(80_000, MONTHS[2:])))  # August … March
    store.apply([LedgerWrite(("H4", 2024), "H4-P1", [PaymentEntry("old-slip", date(2024, 7, 1), 10_000, "収納", 1)])],
                [], actor="setup", chain="setup")
    out = run_reminders(store, on=date(2024, 10, 10), actor="system:reminders", fee=100)
    assert out["reminders"] == 1  # August's 10,000 paid by the old slip; September's (due 30 September) reminded
    assert store.ledger_items[("H4", 2024)].reminders[0]["installment"] == 4
    view = arrears_view(store.ledger_items[("H4", 2024)], date(2024, 10, 10))
    assert [(i.number, i.paid) for i in view.installments][:2] == [(3, 10_000), (4, 0)]
