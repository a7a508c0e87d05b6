"""A receipt applied once or held once, never both: held because its month was outside the person's insured
periods while the period was registered and another run of the same file applied it (two runs at once), or
applied by a run cut short and held by the next after the period was taken back (a step retried)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fakes.receipt_store import InMemoryReceiptStore
from test_receipt_intake import ACTOR, city, line

from kokuho.benefits.receipt_intake import intake_receipt_file
from kokuho.benefits.receipt_ports import InsuredPeriod
from kokuho.intake.framing import build_file


def take(store: InMemoryReceiptStore, data: bytes, key: str = "a") -> dict[str, Any]:
    try:
        return intake_receipt_file(data, store=store, actor=ACTOR, key=key, months_per_transaction=1)
    except Exception as exc:  # noqa: BLE001 - main raised here: the outcome is what the test reads
        return {"error": type(exc).__name__}


def test_a_receipt_held_by_one_run_and_applied_by_another_is_applied_once_and_not_held() -> None:
    """Run A holds P0003's April receipt (insured from May 20); just before its hold commits, P0003's period is
    registered from April 1 and run B takes the same file whole. A's hold must not land."""
    store = city()
    data = build_file([line(), line(person="P0003", month="2026-04")])
    real = store.apply
    second: dict[str, Any] = {}

    def register_and_run_again_then_hold(months: Any, held: Any, **kw: Any) -> None:
        if held and not second:
            store.periods["P0003"] = (InsuredPeriod(date(2026, 4, 1)),)  # the 届出 registered meanwhile
            second.update(take(store, data, key="b"))
        real(months, held, **kw)

    store.apply = register_and_run_again_then_hold  # type: ignore[method-assign]
    first = take(store, data)
    assert (second["applied"], second["already_applied"], second["held"]) == (1, 1, 0), second
    assert store.held_receipts() == []  # applied: not also waiting for staff
    assert [len(pm.receipts) for pm in store.months.values()] == [1, 1]
    assert first == {"accepted": False, "superseded": True, "key": "a"}
    assert store.files[next(iter(store.files))]["key"] == "b"


def test_a_receipt_held_by_a_run_cut_short_stays_held_after_the_period_is_registered() -> None:
    store = city()
    data = build_file([line(person="P0003", month="2026-04"), line()])
    real = store.mark_file

    def cut_short(*args: Any, **kw: Any) -> None:
        raise RuntimeError("the invocation ended")

    store.mark_file = cut_short  # type: ignore[method-assign]
    assert take(store, data) == {"error": "RuntimeError"}
    assert [h.receipt.line for h in store.held_receipts()] == [1]
    store.mark_file = real  # type: ignore[method-assign]
    store.periods["P0003"] = (InsuredPeriod(date(2026, 4, 1)),)
    out = take(store, data)
    assert (out["applied"], out["already_applied"], out["held"]) == (0, 2, 0), out
    assert ("P0003", (2026, 4)) not in store.months  # held: staff's to apply, never applied as well


def test_a_receipt_applied_by_a_run_cut_short_is_not_held_after_the_period_is_taken_back() -> None:
    store = city()
    data = build_file([line(person="P0002", month="2026-04"), line(person="P0001", month="2026-06")])
    store.fail_after_applies = 1
    assert take(store, data) == {"error": "RuntimeError"}
    assert len(store.months[("P0002", (2026, 4))].receipts) == 1
    store.fail_after_applies = None
    store.periods["P0002"] = (InsuredPeriod(date(2025, 1, 1), date(2026, 3, 11)),)  # the loss dated earlier
    out = take(store, data)
    assert (out["applied"], out["already_applied"], out["held"]) == (1, 1, 0), out
    assert store.held_receipts() == []


def test_a_month_written_by_another_run_meanwhile_is_not_written_again() -> None:
    """Run B takes the file whole just before run A's first month commits: A's write meets B's month (its count
    moved) and must not append the same receipts again on its retry (the copay counted twice)."""
    store = city()
    data = build_file([line(), line(person="P0003", setting="inpatient")])
    real = store.apply
    second: dict[str, Any] = {}

    def run_again_then_write(months: Any, held: Any, **kw: Any) -> None:
        if not second:
            second["started"] = True  # B's own writes go straight through
            second.update(take(store, data, key="b"))
        real(months, held, **kw)

    store.apply = run_again_then_write  # type: ignore[method-assign]
    first = take(store, data)
    assert second["applied"] == 2, second
    assert [len(pm.receipts) for pm in store.months.values()] == [1, 1]
    assert first == {"accepted": False, "superseded": True, "key": "a"}
