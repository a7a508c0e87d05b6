"""特別徴収対象者情報 applied through the pension port on its fake (kokuho.intake.apply.apply_pensions): a
file is applied whole or not at all, each line once (a run cut short resumes), the 基礎年金番号 kept out of
every error and repr."""

from __future__ import annotations

import pytest
from fakes.pension_store import InMemoryPensionStore

from kokuho.intake.apply import OutOfTime, apply_pensions
from kokuho.intake.framing import build_file, file_digest

PERSONS = {"10000001": "P1", "10000002": "P2"}
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
    assert apply(store, data) == {"applied": 2, "already_applied": 0}
    got = store.pensions(["P1", "P2"], 2024, actor="t")
    assert {p: r.annual for p, r in got.items()} == {"P1": 1_200_000, "P2": 150_000}
    assert got["P1"].source.endswith("line 1") and NUMBER not in repr(got["P1"])
    assert ("system:pension-intake", ["P1", "P2"], "write") in store.access
    # the same lines again (a run resumed after they committed) are not applied twice
    assert apply(store, data, done={1, 2}) == {"applied": 0, "already_applied": 2}


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
    assert apply(store, data, done=done) == {"applied": 16, "already_applied": 45}
    assert len(store.records) == 61
