"""Backdated 滞納整理 measures (domain.md §6 "Arrears"; docs/collection.md "Measures entered late"): a measure is
judged on its own day AND on the day it is entered. Dated after the right to collect was extinguished: refused,
naming `on`. Covering an installment written off (不納欠損) by the entry day: refused. Entered more than the
city's maximum entry lag after its day, or reaching an installment the ledger reads as extinguished on the entry
day: recorded, but in force (status, renewal of the 2-year limit, the runs) only once a second member of staff
approves it. Boundaries: the day before, the day of and the day after, for the limit and for the lag.

In the world of these tests installment 1 (due 1 July 2024) had its 督促状 on 10 July, deadline 20 July 2024: its
right runs to 20 July 2026 and is extinguished on the 21st."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fakes.collection_store import InMemoryCollectionStore

from kokuho.collection.arrears import arrears_view
from kokuho.collection.arrears_actions import ActionRefused, AlreadyRecorded, record_action, record_decision
from kokuho.collection.arrears_entry import (
    ENTRY_LAG,
    EXTINGUISHED_AT_ENTRY,
    UnknownSetting,
    max_entry_lag,
)
from kokuho.collection.arrears_runs import run_arrears
from kokuho.collection.ledger import charge_from_version
from kokuho.collection.reminders import run_reminders
from kokuho.premium.installments import split_equally

MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]
KEY = ("H1", 2024)
OFFICER, CHIEF = "S2001", "S2002"
LAST_DAY = date(2026, 7, 20)  # installment 1's right exists through this day


def city() -> InMemoryCollectionStore:
    store = InMemoryCollectionStore()
    store.put_charge(charge_from_version("H1", 2024, version=1, payer_id="P1", annual=100_000,
                                         installments=split_equally(100_000, MONTHS)))
    run_reminders(store, on=date(2024, 7, 10), actor="system")
    return store


def pledge(store: InMemoryCollectionStore, on: date, entered_on: date, **kw: object) -> dict[str, object]:
    plan = [{"on": (on + timedelta(days=30)).isoformat(), "amount": 10_000}]
    return record_action(store, KEY, kind="分納誓約", on=on, entered_on=entered_on, staff_id=OFFICER, actor="staff",
                         installments=[1], plan=plan, **kw)  # type: ignore[arg-type]


def first(store: InMemoryCollectionStore, as_of: date) -> tuple[str, date]:
    i = arrears_view(store.ledger_items[KEY], as_of).installments[0]
    assert i.limitation is not None
    return i.status, i.limitation.last_day


def kinds(store: InMemoryCollectionStore) -> list[str]:
    return [str(a["kind"]) for a in store.ledger_items[KEY].arrears]


@pytest.mark.parametrize(("on", "accepted"), [(LAST_DAY - timedelta(days=1), True), (LAST_DAY, True),
                                              (LAST_DAY + timedelta(days=1), False)])
def test_a_measure_dated_after_the_right_was_extinguished_is_refused_naming_on_and_renews_nothing(
        on: date, accepted: bool) -> None:
    store = city()
    if accepted:
        doc = pledge(store, on, entered_on=on)
        assert "needs_approval" not in doc
        assert first(store, on) == ("pledged", date(on.year + 2, on.month, on.day))
        return
    for kind, extra in (("分納誓約", {}), ("差押", {"basis": "国税徴収法第47条", "property": "預金", "amount": 10_000}),
                        ("催告", {})):
        with pytest.raises(ActionRefused) as refused:
            record_action(store, KEY, kind=kind, on=on, entered_on=on, staff_id=OFFICER, actor="staff",
                          installments=[1], **({"plan": [{"on": "2026-08-31", "amount": 10_000}]}
                                               if kind == "分納誓約" else extra))  # type: ignore[arg-type]
        assert refused.value.field == "on" and "extinguished" in str(refused.value)
    # By default (no installment named) the same: every unpaid installment is gone by then.
    with pytest.raises(ActionRefused) as refused:
        record_action(store, KEY, kind="催告", on=date(2027, 4, 1), entered_on=date(2027, 4, 1), staff_id=OFFICER,
                      actor="staff")
    assert refused.value.field == "on"
    assert store.ledger_items[KEY].arrears == () and first(store, on) == ("in_arrears", LAST_DAY)


def test_the_maximum_entry_lag_is_a_city_setting_per_fiscal_year_with_its_basis() -> None:
    lag = max_entry_lag(date(2024, 9, 2))
    assert isinstance(lag, int) and lag > 0
    assert max_entry_lag(date(2040, 1, 1)) == max_entry_lag(date(2026, 12, 1))  # stands until the city changes it
    with pytest.raises(UnknownSetting):
        max_entry_lag(date(2000, 4, 1))  # before the first year set


@pytest.mark.parametrize("late", [-1, 0, 1])
def test_a_measure_entered_more_than_the_maximum_lag_after_its_day_needs_a_second_members_approval(late: int) -> None:
    store = city()
    on = date(2024, 9, 2)
    entered = on + timedelta(days=max_entry_lag(on) + late)
    doc = pledge(store, on, entered_on=entered)
    assert doc["entered_on"] == entered.isoformat() and doc["by"] == OFFICER
    if late <= 0:  # within the lag: in force at once
        assert "needs_approval" not in doc and first(store, on) == ("pledged", date(2026, 9, 2))
        return
    assert doc["needs_approval"] == [ENTRY_LAG]
    # Recorded, but not in force: no status, no renewal, nothing for the daily run to check.
    assert first(store, on) == ("in_arrears", LAST_DAY)
    assert run_arrears(store, on=date(2024, 10, 3), mode="daily", actor="system")["pledges_missed"] == 0
    # The one who entered it cannot approve it.
    with pytest.raises(ActionRefused) as refused:
        record_decision(store, KEY, str(doc["id"]), decision="approve", entered_on=entered, staff_id=OFFICER,
                        actor="staff")
    assert refused.value.field == "approver"
    approval = record_decision(store, KEY, str(doc["id"]), decision="approve", entered_on=entered, staff_id=CHIEF,
                               actor="chief")
    assert (approval["kind"], approval["action"], approval["by"], approval["decision"]) == (
        "遡及入力承認", doc["id"], CHIEF, "approve")
    assert first(store, on) == ("pledged", date(2026, 9, 2))
    with pytest.raises(AlreadyRecorded):
        record_decision(store, KEY, str(doc["id"]), decision="refuse", reason="重複", entered_on=entered,
                        staff_id="S2003", actor="other")
    assert ("chief", ["P1"], "write") in store.access


@pytest.mark.parametrize(("entered", "needs"), [
    (LAST_DAY - timedelta(days=1), None), (LAST_DAY, None), (LAST_DAY + timedelta(days=1), [EXTINGUISHED_AT_ENTRY])])
def test_a_measure_that_would_revive_what_the_ledger_reads_as_extinguished_needs_approval_even_within_the_lag(
        entered: date, needs: list[str] | None) -> None:
    store = city()
    on = LAST_DAY - timedelta(days=5)  # signed before the limit passed: lawful, it renews the right from its day
    doc = pledge(store, on, entered_on=entered)
    assert doc.get("needs_approval") == needs
    if needs is None:
        assert first(store, entered) == ("pledged", date(2028, 7, 15))
        return
    assert arrears_view(store.ledger_items[KEY], entered).installments[0].limitation.extinguished(entered)  # type: ignore[union-attr]
    refused = record_decision(store, KEY, str(doc["id"]), decision="refuse", reason="誓約書の原本なし",
                              entered_on=entered, staff_id=CHIEF, actor="chief")
    assert refused["decision"] == "refuse" and refused["note"] == "誓約書の原本なし"
    assert first(store, entered) == ("in_arrears", LAST_DAY)  # a refused measure never takes effect
    with pytest.raises(AlreadyRecorded):
        record_decision(store, KEY, str(doc["id"]), decision="approve", entered_on=entered, staff_id=CHIEF,
                        actor="chief")


def test_a_written_off_installment_takes_no_backdated_measure_and_no_approval() -> None:
    store = city()
    pending = pledge(store, LAST_DAY - timedelta(days=30), entered_on=LAST_DAY)  # lag 30: awaits approval
    assert pending["needs_approval"] == [ENTRY_LAG]
    run_arrears(store, on=LAST_DAY + timedelta(days=1), mode="write_off", actor="system")  # 不納欠損 of installment 1
    before = list(store.ledger_items[KEY].arrears)
    with pytest.raises(ActionRefused) as refused:
        pledge(store, LAST_DAY - timedelta(days=2), entered_on=LAST_DAY + timedelta(days=2))
    assert refused.value.field == "installments" and "不納欠損" in str(refused.value)
    with pytest.raises(ActionRefused) as refused:
        record_decision(store, KEY, str(pending["id"]), decision="approve", entered_on=LAST_DAY + timedelta(days=2),
                        staff_id=CHIEF, actor="chief")
    assert refused.value.field == "installments"
    assert list(store.ledger_items[KEY].arrears) == before
    assert first(store, LAST_DAY + timedelta(days=2))[0] == "written_off"


def test_a_consultation_note_entered_late_needs_no_approval_and_a_decision_names_a_real_pending_measure() -> None:
    store = city()
    note = record_action(store, KEY, kind="納付相談", on=date(2024, 7, 5), entered_on=date(2026, 12, 1),
                         staff_id=OFFICER, actor="staff", note="電話で相談")
    assert "needs_approval" not in note
    on_time = pledge(store, date(2024, 9, 2), entered_on=date(2024, 9, 2))
    for measure_id, field in (("BN-nothing", "action"), (str(on_time["id"]), "action"), (str(note["id"]), "action")):
        with pytest.raises(ActionRefused) as refused:
            record_decision(store, KEY, measure_id, decision="approve", entered_on=date(2024, 9, 3), staff_id=CHIEF,
                            actor="chief")
        assert refused.value.field == field
    with pytest.raises(ActionRefused) as refused:  # a refusal says why
        record_decision(store, KEY, str(on_time["id"]), decision="refuse", entered_on=date(2024, 9, 3),
                        staff_id=CHIEF, actor="chief")
    assert kinds(store) == ["納付相談", "分納誓約"]


def test_a_measure_cannot_be_entered_before_the_day_it_takes_place() -> None:
    store = city()
    with pytest.raises(ActionRefused) as refused:
        pledge(store, date(2024, 9, 3), entered_on=date(2024, 9, 2))
    assert refused.value.field == "on" and store.ledger_items[KEY].arrears == ()
