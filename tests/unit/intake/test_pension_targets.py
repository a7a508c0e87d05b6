"""特別徴収対象者情報 applied through the pension port on its fake (kokuho.intake.apply.apply_pensions): a
file is applied whole or not at all, each line once (a run cut short resumes), the 基礎年金番号 kept out of
every error and repr."""

from __future__ import annotations

import pytest
from fakes.pension_store import InMemoryPensionStore

from kokuho.intake.apply import OutOfTime, apply_pensions
from kokuho.intake.framing import build_file, file_digest

PERSONS = {"10000001": "P1", "10000002": "P2", "10000003": "P3"}
NUMBER = "1234567890"


def find(atena_nos: object) -> dict[str, str | None]:
    return {a: PERSONS.get(a) for a in atena_nos}  # type: ignore[attr-defined]


def line(atena: str = "10000001", **patch: object) -> dict[str, object]:
    return {"atena_no": atena, "fiscal_year": 2024, "insurer_code": "001", "pension_code": "1150",
            "basic_pension_number": NUMBER, "pension_annual": 1_200_000, **patch}


def apply(store: InMemoryPensionStore, data: bytes, done: set[int] | None = None,
          out_of_time: object = lambda: False) -> dict[str, object]:
    return apply_pensions(data, "system:pension-intake", file_digest(data), done or set(),  # type: ignore[arg-type]
                          out_of_time, store, find)  # type: ignore[arg-type]


def test_each_person_and_year_is_stored_with_the_lines_marked_and_the_write_recorded() -> None:
    store = InMemoryPensionStore()
    data = build_file([line(), line("10000002", pension_annual=150_000, basic_pension_number="2234567890")])
    assert apply(store, data) == {"applied": 2, "stops": 0, "already_applied": 0}
    got = store.pensions(["P1", "P2"], 2024, actor="t")
    assert {p: r.annual for p, r in got.items()} == {"P1": 1_200_000, "P2": 150_000}
    assert got["P1"].source.endswith("line 1") and NUMBER not in repr(got["P1"])
    assert ("system:pension-intake", ["P1", "P2"], "write") in store.access
    # the same lines again (a run resumed after they committed) are not applied twice
    assert apply(store, data, done={1, 2}) == {"applied": 0, "stops": 0, "already_applied": 2}


@pytest.mark.parametrize(("patch", "field"), [
    ({"basic_pension_number": "123456789012"}, "basic_pension_number"),  # 12 digits: never taken
    ({"pension_annual": -5}, "pension_annual"), ({"fiscal_year": "2024"}, "fiscal_year"),
    ({"atena_no": "99999999"}, "atena_no"),
])
def test_a_bad_line_refuses_the_file_nothing_stored(patch: dict[str, object], field: str) -> None:
    store = InMemoryPensionStore()
    out = apply(store, build_file([line(), line("10000002", **patch)]))
    assert [(e.line, e.field) for e in out["errors"]] == [(2, field)]  # type: ignore[attr-defined]
    assert NUMBER not in str(out) and store.records == {} and store.marks == set()


def test_a_run_out_of_time_keeps_what_it_committed_and_the_next_resumes() -> None:
    store = InMemoryPensionStore()
    data = build_file([line(f"1{n:07d}") for n in range(1, 3)] + [line(f"2{n:07d}") for n in range(1, 60)])
    PERSONS.update({f"2{n:07d}": f"Q{n}" for n in range(1, 60)})
    calls = iter([False, True])
    with pytest.raises(OutOfTime):
        apply(store, data, out_of_time=lambda: next(calls))
    assert len(store.marks) == 45  # one transaction's lines
    done = {m[2] for m in store.marks}
    assert apply(store, data, done=done) == {"applied": 16, "stops": 0, "already_applied": 45}
    assert len(store.records) == 61


# -- the insurer's 中止通知 (issue 12 item 6) ---------------------------------------------------------------

def stop(atena: str = "10000001", **patch: object) -> dict[str, object]:
    return {"atena_no": atena, "fiscal_year": 2024, "insurer_code": "001", "pension_code": "1150",
            "notice": "中止", "stop_from": "2024-12", "reason": "死亡", **patch}


def test_a_stop_notice_stops_the_notified_pension_from_its_month_applied_once() -> None:
    store = InMemoryPensionStore()
    apply(store, build_file([line(), line("10000002", basic_pension_number="2234567890")]))
    data = build_file([stop(), stop("10000002", stop_from="2025-02", reason="転出")])
    assert apply(store, data) == {"applied": 2, "stops": 2, "already_applied": 0}
    got = store.pensions(["P1", "P2"], 2024, actor="t")
    assert [(got[p].stop_from, got[p].stop_reason) for p in ("P1", "P2")] == [("2024-12", "死亡"), ("2025-02", "転出")]
    # the pension itself as notified (the 基礎年金番号 kept, never shown), the stop's file and line its source
    assert got["P1"].annual == 1_200_000 and got["P1"].basic_pension_number == NUMBER
    assert got["P1"].source.endswith("line 1") and NUMBER not in repr(got["P1"])
    # the same file re-delivered: its lines are marked, nothing is applied again
    assert apply(store, data, done={1, 2}) == {"applied": 0, "stops": 0, "already_applied": 2}


@pytest.mark.parametrize(("patch", "field", "says"), [
    ({"reason": "不明"}, "reason", "input should be"), ({"stop_from": "2025-04"}, "stop_from", "fiscal year"),
    ({"stop_from": "2024-13"}, "stop_from", "pattern"), ({"notice": "停止"}, "notice", "input should be"),
    ({"basic_pension_number": NUMBER}, "basic_pension_number", "unknown field"),
    ({"pension_code": "9999"}, "pension_code", "not the pension notified"),
    ({"atena_no": "10000002"}, "atena_no", "nothing to stop"),  # a person without a notified pension
])
def test_a_bad_stop_line_refuses_the_file_naming_line_and_field_nothing_applied(patch: dict[str, object],
                                                                               field: str, says: str) -> None:
    store = InMemoryPensionStore()
    apply(store, build_file([line()]))
    before = dict(store.records)
    marks = set(store.marks)
    out = apply(store, build_file([line("10000003", basic_pension_number="3234567890"), stop(**patch)]))
    assert [(e.line, e.field) for e in out["errors"]] == [(2, field)]  # type: ignore[attr-defined]
    assert says in str(out["errors"][0])  # type: ignore[index]
    assert store.records == before and store.marks == marks  # the good line 1 is not applied either
    assert NUMBER not in str(out)
