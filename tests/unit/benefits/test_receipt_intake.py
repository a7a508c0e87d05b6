"""A receipt file taken in through the port, on the in-memory fake (issue 13 item 1): stored per person-month,
applied once whatever brings it again, an unknown person or an earlier file's receipt refuses the whole file,
a month outside the insured periods held for review, every person's data read or written recorded."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fakes.receipt_store import InMemoryReceiptStore

from kokuho.benefits.receipt_intake import intake_receipt_file
from kokuho.benefits.receipt_ports import InsuredPeriod
from kokuho.intake.framing import build_file

ACTOR = "system:test"


def line(person: str = "P0001", month: str = "2026-05", provider: str = "1310000001", setting: str = "outpatient",
         points: int = 1_000, copay: int = 3_000) -> dict[str, Any]:
    return {"person_id": person, "service_month": month, "provider_code": provider, "setting": setting,
            "points": points, "total_cost": points * 10, "copay": copay}


def city() -> InMemoryReceiptStore:
    store = InMemoryReceiptStore()
    store.periods = {"P0001": (InsuredPeriod(date(2020, 4, 1)),),
                     "P0002": (InsuredPeriod(date(2025, 1, 1), date(2026, 4, 11)),),
                     "P0003": (InsuredPeriod(date(2026, 5, 20)),)}
    return store


def take(store: InMemoryReceiptStore, rows: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    return intake_receipt_file(build_file(rows), store=store, actor=ACTOR, key="incoming/receipts/x.jsonl", **kw)


def test_receipts_are_stored_per_person_month() -> None:
    store = city()
    out = take(store, [line(), line(provider="1310000002", copay=1_000), line(setting="dental", points=300, copay=900),
                       line(person="P0003", setting="inpatient", points=50_000, copay=150_000)])
    assert out["accepted"] and out["applied"] == 4 and out["person_months"] == 2 and out["held"] == 0
    may = store.months[("P0001", (2026, 5))]
    assert [(r.provider_code, r.setting, r.copay) for r in may.receipts] == [
        ("1310000001", "outpatient", 3_000), ("1310000002", "outpatient", 1_000), ("1310000001", "dental", 900)]
    assert may.total_cost == 23_000 and may.copay == 4_900
    assert store.months[("P0003", (2026, 5))].total_cost == 500_000


def test_the_same_file_again_changes_nothing() -> None:
    store = city()
    data = build_file([line(), line(person="P0002", month="2026-04")])
    first = intake_receipt_file(data, store=store, actor=ACTOR, key="a")
    before = dict(store.months)
    again = intake_receipt_file(data, store=store, actor=ACTOR, key="b")
    assert again == {"accepted": True, "duplicate": True, "key": "b", "applied_as": "a"}
    assert store.months == before and first["applied"] == 2


def test_a_run_cut_short_applies_what_is_left_once() -> None:
    store = city()
    rows = [line(person="P0001", month=f"2025-{m:02d}") for m in range(1, 13)]
    store.fail_after_applies = 1
    with pytest.raises(RuntimeError):
        take(store, rows, months_per_transaction=5)
    assert len(store.months) == 5
    store.fail_after_applies = None
    out = take(store, rows, months_per_transaction=5)
    assert out["applied"] == 7 and out["already_applied"] == 5
    assert all(len(pm.receipts) == 1 for pm in store.months.values()) and len(store.months) == 12


def test_an_unknown_person_refuses_the_whole_file() -> None:
    store = city()
    out = take(store, [line(), line(person="P9999")])
    assert out["accepted"] is False
    assert out["errors"] == [{"line": 2, "field": "person_id", "message": "no such insured person"}]
    assert store.months == {} and store.files == {}


def test_a_receipt_an_earlier_file_brought_refuses_the_file() -> None:
    store = city()
    take(store, [line()])
    out = take(store, [line(person="P0003"), line(copay=2_000)])
    assert out["accepted"] is False and out["errors"] == [
        {"line": 2, "field": "provider_code",
         "message": "already received in an earlier file: the same person, service month, provider and setting"}]
    assert ("P0003", (2026, 5)) not in store.months and store.months[("P0001", (2026, 5))].copay == 3_000


def test_a_month_outside_the_insured_periods_is_held_for_review_not_applied() -> None:
    store = city()
    out = take(store, [line(person="P0002", month="2026-04"), line(person="P0002", month="2026-05"),
                       line(person="P0003", month="2026-04")])
    assert out["accepted"] and out["applied"] == 1 and out["held"] == 2 and out["held_lines"] == [2, 3]
    assert list(store.months) == [("P0002", (2026, 4))]
    held = store.held_receipts()
    assert [(h.person_id, h.service_month, h.receipt.line) for h in held] == [
        ("P0002", (2026, 5), 2), ("P0003", (2026, 4), 3)]
    assert all(h.reason == "service month outside the person's insured periods" for h in held)
    again = take(store, [line(person="P0002", month="2026-04"), line(person="P0002", month="2026-05"),
                         line(person="P0003", month="2026-04")])
    assert again["duplicate"] and len(store.held) == 2


def test_every_person_read_and_written_is_recorded() -> None:
    store = city()
    take(store, [line(), line(person="P0002", month="2026-05")])
    assert (ACTOR, ["P0001", "P0002"], "read") in store.access
    assert (ACTOR, ["P0001", "P0002"], "write") in store.access


def test_a_bad_line_refuses_the_file_before_any_read() -> None:
    store = city()
    out = take(store, [line(), line(copay=10_001)])
    assert out["accepted"] is False and out["errors"][0]["field"] == "copay"
    assert store.access == [] and store.months == {}
