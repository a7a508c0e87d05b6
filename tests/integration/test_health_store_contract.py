"""One contract, two adapters, for the health store: the in-memory fake the health programmes' unit tests run on
(tests/fakes/health_store.py) and the pynamodb adapter (kokuho.records.health) behave alike where the runs rely on
it — a wish replaced, vouchers numbered from the year's counter and put once a year, marked used only while
unused, files and rates kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fakes.health_store import InMemoryHealthStore

from kokuho.access.actor import Actor
from kokuho.health.ports import OptOut, WriteConflict
from kokuho.health.vouchers import draft, terms_of

RUN = Actor("system:checkup-voucher-run", "test", "受診券")


@pytest.fixture(params=["fake", "pynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "fake":
        yield InMemoryHealthStore()
        return
    from kokuho_local.embedded import embedded_aws

    with embedded_aws():
        from kokuho.records.health import DynamoHealthStore

        yield DynamoHealthStore()


def test_a_wish_is_replaced(store: Any) -> None:
    store.put_opt_out(OptOut("P1", True, date(2026, 5, 1), "S1"), actor=RUN, chain="t")
    store.put_opt_out(OptOut("P1", False, date(2026, 6, 1), "S2"), actor=RUN, chain="t")
    assert store.opt_outs(["P1", "P2"]) == {"P1": OptOut("P1", False, date(2026, 6, 1), "S2")}


def test_vouchers_are_numbered_from_the_years_counter_and_put_once(store: Any) -> None:
    t = terms_of(2026)
    first = store.issue(2026, [draft(p, t, valid_from=t.issued_on, source="april") for p in ("P1", "P2")],
                        actor=RUN, chain="t")
    later = store.issue(2026, [draft("P3", t, valid_from=date(2026, 7, 1), source="acquisition")], actor=RUN,
                        chain="t")
    assert [v.number for v in first + later] == ["20260000001", "20260000002", "20260000003"]
    with pytest.raises(WriteConflict):
        store.issue(2026, [draft("P4", t, valid_from=t.issued_on, source="april"),
                           draft("P1", t, valid_from=t.issued_on, source="april")], actor=RUN, chain="t")
    assert sorted(store.vouchers(2026, ["P1", "P2", "P3", "P4"])) == ["P1", "P2", "P3"]  # nothing of the refused
    assert [v.number for v in store.vouchers_of_year(2026)] == ["20260000001", "20260000002", "20260000003"]
    assert store.vouchers_of_year(2027) == []


def test_a_voucher_is_marked_used_only_while_unused(store: Any) -> None:
    t = terms_of(2026)
    [v] = store.issue(2026, [draft("P1", t, valid_from=t.issued_on, source="april")], actor=RUN, chain="t")
    store.mark_used([(v, date(2026, 6, 1))], "digest-a", actor=RUN, chain="t")
    used = store.vouchers(2026, ["P1"])["P1"]
    assert (used.used_on, used.used_file) == (date(2026, 6, 1), "digest-a")
    with pytest.raises(WriteConflict):
        store.mark_used([(v, date(2026, 7, 1))], "digest-b", actor=RUN, chain="t")
    assert store.vouchers(2026, ["P1"])["P1"].used_on == date(2026, 6, 1)


def test_files_and_rates_are_kept(store: Any) -> None:
    assert store.attendance_file("d") is None and store.rates(2026) is None
    store.mark_attendance_file("d", {"accepted": True, "marked": 1})
    store.put_rates(2026, {"fiscal_year": 2026, "total": {"issued": 1, "used": 0, "rate": "0.0"}})
    assert store.attendance_file("d") == {"accepted": True, "marked": 1}
    assert store.rates(2026) == {"fiscal_year": 2026, "total": {"issued": 1, "used": 0, "rate": "0.0"}}
