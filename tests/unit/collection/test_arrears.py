"""滞納整理 (issue 12 item 5; domain.md §6 "Arrears"): the status of each installment, the measures staff record
(催告, 納付相談, 分納誓約, 差押) and the runs (催告, the daily check of pledges, the year-end 不納欠損), on the
in-memory fake of the collection port. The 2-year limit is tested at its boundary: the day before, the day
itself (the right still exists) and the day after (extinguished)."""

from __future__ import annotations

from datetime import date

import pytest
from fakes.collection_store import InMemoryCollectionStore

from kokuho.collection.arrears import arrears_view, limitation_of
from kokuho.collection.arrears_actions import ActionRefused, record_action
from kokuho.collection.arrears_runs import run_arrears
from kokuho.collection.ledger import PaymentEntry, charge_from_version
from kokuho.collection.ports import LedgerWrite
from kokuho.collection.reminders import run_reminders
from kokuho.premium.installments import split_equally

MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]
KEY = ("H1", 2024)
STAFF = "S2001"


def city(*payments: PaymentEntry) -> InMemoryCollectionStore:
    """One payer, FY2024, ten installments of 10,000 yen (the first due 1 July 2024: 30 June was a Sunday)."""
    store = InMemoryCollectionStore()
    store.put_charge(charge_from_version("H1", 2024, version=1, payer_id="P1", annual=100_000,
                                         installments=split_equally(100_000, MONTHS)))
    if payments:
        store.apply([LedgerWrite(KEY, "P1", list(payments))], [], actor="setup", chain="setup")
    return store


def statuses(store: InMemoryCollectionStore, on: date, upto: int = 3) -> list[str]:
    return [i.status for i in arrears_view(store.ledger_items[KEY], on).installments[:upto]]


def act(store: InMemoryCollectionStore, kind: str, on: date, **kw: object) -> dict[str, object]:
    return record_action(store, KEY, kind=kind, on=on, entered_on=on, staff_id=STAFF, actor="staff",
                         **kw)  # type: ignore[arg-type]


def test_an_installment_goes_overdue_reminded_then_in_arrears_after_the_reminder_deadline() -> None:
    store = city(PaymentEntry("p", date(2024, 7, 5), 10_000, "収納", 2))
    assert statuses(store, date(2024, 7, 1)) == ["current", "current", "current"]  # the due date itself
    assert statuses(store, date(2024, 7, 2)) == ["overdue", "current", "current"]
    run_reminders(store, on=date(2024, 7, 10), actor="system")  # 督促状, deadline 20 July
    assert statuses(store, date(2024, 7, 20)) == ["reminded", "paid", "current"]
    assert statuses(store, date(2024, 7, 21)) == ["in_arrears", "paid", "current"]


def test_the_two_year_limit_runs_from_the_reminder_deadline_day_before_day_and_day_after() -> None:
    store = city()
    run_reminders(store, on=date(2024, 7, 10), actor="system")  # 督促 of installment 1: deadline 20 July 2024
    first = arrears_view(store.ledger_items[KEY], date(2026, 7, 20)).installments[0]
    assert first.limitation is not None and first.limitation.last_day == date(2026, 7, 20)
    assert [(r.cause, r.restarts_on) for r in first.limitation.renewals] == [("督促", date(2024, 7, 20))]
    for on, gone in ((date(2026, 7, 19), False), (date(2026, 7, 20), False), (date(2026, 7, 21), True)):
        assert first.limitation.extinguished(on) is gone
    # The year-end run writes off what is extinguished by its day, and only that (installment 2, never
    # reminded, runs to 31 July 2026).
    assert run_arrears(store, on=date(2026, 7, 20), mode="write_off", actor="system")["written_off"] == 0
    out = run_arrears(store, on=date(2026, 7, 21), mode="write_off", actor="system")
    assert (out["written_off"], out["written_off_yen"]) == (1, 10_000)
    (w,) = [a for a in store.ledger_items[KEY].arrears if a["kind"] == "不納欠損"]
    assert (w["installments"], w["amount"], w["fiscal_year"]) == ([1], 10_000, 2026)
    assert statuses(store, date(2026, 7, 21), 1) == ["written_off"]
    assert run_arrears(store, on=date(2026, 7, 22), mode="write_off", actor="system")["written_off"] == 0


def test_without_a_reminder_the_limit_ends_two_years_after_the_due_date() -> None:
    limit = limitation_of(date(2024, 7, 1), reminder=None, payments=(), pledges=())
    assert limit.last_day == date(2026, 7, 1) and limit.renewals == ()
    assert (limit.extinguished(date(2026, 6, 30)), limit.extinguished(date(2026, 7, 1)),
            limit.extinguished(date(2026, 7, 2))) == (False, False, True)


def test_a_payment_or_a_pledge_renews_the_limit_from_its_day_but_nothing_revives_an_extinguished_right() -> None:
    limit = limitation_of(date(2024, 7, 1), reminder=(date(2024, 7, 10), date(2024, 7, 20)),
                          payments=(date(2025, 3, 10),), pledges=(date(2026, 5, 1),))
    assert [(r.cause, r.restarts_on) for r in limit.renewals] == [
        ("督促", date(2024, 7, 20)), ("納付", date(2025, 3, 10)), ("分納誓約", date(2026, 5, 1))]
    assert limit.last_day == date(2028, 5, 1)
    late = limitation_of(date(2024, 7, 1), reminder=None, payments=(date(2026, 7, 2),), pledges=())
    assert late.last_day == date(2026, 7, 1) and late.renewals == ()
    # 29 February has no same date two years later: the period ends on the last day of February (民法 第143条).
    assert limitation_of(date(2024, 2, 29), reminder=None, payments=(), pledges=()).last_day == date(2026, 2, 28)


def test_a_partial_payment_renews_the_limit_of_the_installment_it_paid() -> None:
    store = city(PaymentEntry("p", date(2025, 3, 10), 4_000, "収納", 1))
    first = arrears_view(store.ledger_items[KEY], date(2027, 3, 10)).installments[0]
    assert first.unpaid == 6_000 and first.limitation is not None
    assert first.limitation.last_day == date(2027, 3, 10)


def test_a_pledge_is_a_plan_of_amounts_and_dates_and_a_missed_payment_is_flagged_by_the_daily_run() -> None:
    store = city()
    run_reminders(store, on=date(2024, 7, 10), actor="system")
    run_reminders(store, on=date(2024, 8, 10), actor="system")
    out = act(store, "分納誓約", date(2024, 9, 2), installments=[1, 2],
              plan=[{"on": "2024-09-30", "amount": 10_000}, {"on": "2024-10-31", "amount": 10_000}])
    assert out["kind"] == "分納誓約" and statuses(store, date(2024, 9, 2)) == ["pledged", "pledged", "current"]
    assert run_arrears(store, on=date(2024, 9, 30), mode="daily", actor="system")["pledges_missed"] == 0
    store.apply([LedgerWrite(KEY, "P1", [PaymentEntry("q", date(2024, 9, 30), 10_000, "収納")])], [],
                actor="setup", chain="setup")
    assert run_arrears(store, on=date(2024, 10, 1), mode="daily", actor="system")["pledges_missed"] == 0
    assert run_arrears(store, on=date(2024, 10, 31), mode="daily", actor="system")["pledges_missed"] == 0
    out = run_arrears(store, on=date(2024, 11, 1), mode="daily", actor="system")
    assert out["pledges_missed"] == 1
    (missed,) = [a for a in store.ledger_items[KEY].arrears if a["kind"] == "誓約不履行"]
    assert (missed["plan_on"], missed["shortfall"], missed["pledge"]) == ("2024-10-31", 10_000, out["missed"][0])
    assert statuses(store, date(2024, 11, 1), 2) == ["paid", "in_arrears"]
    assert run_arrears(store, on=date(2024, 11, 2), mode="daily", actor="system")["pledges_missed"] == 0


def test_a_pledge_renews_the_limit_of_the_installments_it_covers() -> None:
    store = city()
    run_reminders(store, on=date(2024, 7, 10), actor="system")
    act(store, "分納誓約", date(2026, 5, 1), installments=[1], plan=[{"on": "2026-06-30", "amount": 10_000}])
    first = arrears_view(store.ledger_items[KEY], date(2026, 7, 21)).installments[0]
    assert first.limitation is not None and first.limitation.last_day == date(2028, 5, 1)
    run_arrears(store, on=date(2027, 3, 31), mode="write_off", actor="system")
    written = [n for a in store.ledger_items[KEY].arrears if a["kind"] == "不納欠損" for n in a["installments"]]
    assert written == list(range(2, 10))  # never reminded, extinguished by then (the 10th runs to 31 March 2027)


@pytest.mark.parametrize(("kw", "field"), [
    ({"installments": [1], "plan": [{"on": "2024-09-30", "amount": 9_000}]}, "plan"),  # not what is unpaid
    ({"installments": [1], "plan": [{"on": "2024-10-30", "amount": 5_000}, {"on": "2024-09-30", "amount": 5_000}]},
     "plan"),  # dates out of order
    ({"installments": [1], "plan": [{"on": "2024-08-30", "amount": 10_000}]}, "plan"),  # before the pledge
    ({"installments": [1], "plan": [{"on": "2024-09-30", "amount": -1}, {"on": "2024-10-30", "amount": 10_001}]},
     "plan"),
    ({"installments": [1], "plan": []}, "plan"),
    ({"installments": [9], "plan": [{"on": "2024-09-30", "amount": 10_000}]}, "installments"),  # not yet due
    ({"installments": [11], "plan": [{"on": "2024-09-30", "amount": 10_000}]}, "installments"),
])
def test_a_pledge_that_cannot_be_kept_is_refused_naming_the_field_and_nothing_is_recorded(
        kw: dict[str, object], field: str) -> None:
    store = city()
    run_reminders(store, on=date(2024, 7, 10), actor="system")
    with pytest.raises(ActionRefused) as refused:
        act(store, "分納誓約", date(2024, 9, 2), **kw)
    assert refused.value.field == field
    assert store.ledger_items[KEY].arrears == ()


def test_a_seizure_is_a_decision_with_its_basis_on_installments_in_arrears_only() -> None:
    store = city()
    run_reminders(store, on=date(2024, 7, 10), actor="system")
    decision = {"installments": [1], "basis": "国民健康保険法第79条の2、地方自治法第231条の3第3項、国税徴収法第47条",
                "property": "預金 (○○銀行 本店 普通)", "amount": 10_000}
    with pytest.raises(ActionRefused) as refused:  # the 督促's deadline (20 July) has not passed
        act(store, "差押", date(2024, 7, 20), **decision)
    assert refused.value.field == "installments" and "arrears" in str(refused.value)
    with pytest.raises(ActionRefused) as refused:
        act(store, "差押", date(2024, 8, 1), **{**decision, "basis": None})
    assert refused.value.field == "basis"
    out = act(store, "差押", date(2024, 8, 1), **decision)
    assert out["kind"] == "差押" and out["basis"].startswith("国民健康保険法") and out["amount"] == 10_000
    assert statuses(store, date(2024, 8, 1), 1) == ["seized"]


def test_the_demand_run_sends_one_saikoku_a_month_for_what_is_in_arrears_and_not_pledged_or_seized() -> None:
    store = city()
    run_reminders(store, on=date(2024, 7, 10), actor="system")
    run_reminders(store, on=date(2024, 8, 10), actor="system")
    out = run_arrears(store, on=date(2024, 8, 25), mode="demand", actor="system")
    assert (out["demands"], out["demand_yen"]) == (1, 20_000)
    (d,) = [a for a in store.ledger_items[KEY].arrears if a["kind"] == "催告"]
    assert d["installments"] == [1, 2] and d["by"] == "system"
    assert run_arrears(store, on=date(2024, 8, 26), mode="demand", actor="system")["demands"] == 0  # same month
    act(store, "分納誓約", date(2024, 9, 2), installments=[1], plan=[{"on": "2024-09-30", "amount": 10_000}])
    out = run_arrears(store, on=date(2024, 9, 3), mode="demand", actor="system")
    (later,) = [a for a in store.ledger_items[KEY].arrears if a["kind"] == "催告" and a["on"] == "2024-09-03"]
    assert later["installments"] == [2]


def test_a_consultation_note_is_recorded_with_its_staff_and_refuses_a_my_number() -> None:
    store = city()
    out = act(store, "納付相談", date(2024, 7, 5), note="失業のため分納を希望。来月再相談")
    assert (out["kind"], out["by"], out["on"]) == ("納付相談", STAFF, "2024-07-05")
    with pytest.raises(ActionRefused) as refused:
        act(store, "納付相談", date(2024, 7, 5), note="番号 " + "1234567890" + "18")
    assert refused.value.field == "note" and "1234567890" not in str(refused.value)
    with pytest.raises(ActionRefused):
        act(store, "納付相談", date(2024, 7, 5))
    with pytest.raises(ActionRefused) as refused:
        act(store, "督促", date(2024, 7, 5))
    assert refused.value.field == "kind"
    assert [a["kind"] for a in store.ledger_items[KEY].arrears] == ["納付相談"]
    assert ("staff", ["P1"], "write") in store.access


def test_the_reminder_fee_is_owed_with_the_installments_it_reminds() -> None:
    store = city()
    run_reminders(store, on=date(2024, 7, 10), actor="system", fee=100)  # 督促手数料 by ordinance: data
    view = arrears_view(store.ledger_items[KEY], date(2024, 7, 21))
    assert view.fees_owed == 100 and view.unpaid_in_arrears == 10_000
