"""Applying a 国保連合会 file (kokuho.linkage.federation_apply) on the in-memory fake of its store port:
validated whole, idempotent on file id + content hash, the access records exactly once even when a
run dies before the APPLIED marker. The same on the embedded AWS: tests/integration/linkage/."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fakes.federation_store import InMemoryFederationStore

from kokuho.linkage.federation_apply import INTAKE, apply_file
from kokuho.linkage.federation_codec import CarryOverRow, ContinuityRow, build_file

AT = datetime(2026, 5, 2, 6, 0, tzinfo=UTC)
ROWS = [ContinuityRow("P100", "H10", "401000", date(2020, 4, 1), "move_in"),
        ContinuityRow("P200", "H10", "401000", date(2019, 4, 1), "birth", date(2026, 5, 1), "move_out", "FK0002")]


def qualcont(file_id: str = "QC-FED-20260501", rows: list[ContinuityRow] = ROWS) -> bytes:
    return build_file("QUALCONT", file_id, rows, "400009", "401005", AT)


def test_a_good_file_is_applied_with_its_access_record() -> None:
    store = InMemoryFederationStore()
    out = apply_file(store, qualcont(), "incoming/a.txt")
    assert (out.status, out.file_id, out.records) == ("applied", "QC-FED-20260501", 2)
    assert store.continuity[("P200", "2019-04-01")]["lost_on"] == "2026-05-01"
    assert store.access == [(INTAKE, ["P100", "P200"], "federation_qualcont", "FILE#QC-FED-20260501")]


def test_the_same_file_again_changes_nothing_and_another_content_under_its_id_is_rejected() -> None:
    store = InMemoryFederationStore()
    apply_file(store, qualcont(), "incoming/a.txt")
    before = (dict(store.continuity), list(store.access))
    again = apply_file(store, qualcont(), "incoming/a-again.txt")
    assert (again.status, again.records) == ("duplicate", 2)
    other = apply_file(store, qualcont(rows=ROWS[:1]), "incoming/b.txt")
    assert other.status == "rejected" and [(e.line, e.field) for e in other.errors] == [(1, "file_id")]
    assert (store.continuity, store.access) == before


def test_a_bad_file_changes_nothing() -> None:
    store = InMemoryFederationStore()
    bad = qualcont().replace(b"2020-04-01", b"2020-13-01")
    out = apply_file(store, bad, "incoming/bad.txt")
    assert out.status == "rejected" and out.file_id is None
    assert (2, "acquired_on") in [(e.line, e.field) for e in out.errors]
    assert store == InMemoryFederationStore()


def test_a_run_that_dies_before_the_applied_marker_is_applied_by_the_next_with_one_access_record() -> None:
    store = InMemoryFederationStore()
    mark = store.mark_applied

    def die(*args: object) -> None:
        raise RuntimeError("the Lambda timed out before the marker")

    store.mark_applied = die  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="marker"):
        apply_file(store, qualcont(), "incoming/a.txt")
    store.mark_applied = mark  # type: ignore[method-assign]
    assert apply_file(store, qualcont(), "incoming/a.txt").status == "applied"
    assert apply_file(store, qualcont(), "incoming/a.txt").status == "duplicate"
    assert [subjects for _, subjects, _, _ in store.access] == [["P100", "P200"]]


def test_carry_over_months_are_kept_per_household_and_month() -> None:
    store = InMemoryFederationStore()
    rows = [CarryOverRow("H77", "P77", "401307", "401005", date(2026, 2, 1), ("2025-06", "2025-09", "2026-01"))]
    out = apply_file(store, build_file("KOGAKU", "KG-FED-202602", rows, "400009", "401005", AT), "incoming/k.txt")
    assert out.status == "applied"
    assert store.carried_over_months("P77") == ["2025-06", "2025-09", "2026-01"]
    assert store.carried_over_months("H77") == []  # the other municipality's household id names nobody here
    assert store.access[0][1:3] == (["P77"], "federation_kogaku")


def test_carry_over_from_outside_the_prefecture_is_refused_naming_line_and_field() -> None:
    """Probe (benefits): the 多数回 count carries over a move within the prefecture only (domain.md §2) — a KOGAKU
    row from a municipality of another prefecture (131016, 千代田区) was applied and its months counted here."""
    store = InMemoryFederationStore()
    rows = [CarryOverRow("H77", "P77", "401307", "401005", date(2026, 2, 1), ("2025-06",)),
            CarryOverRow("H78", "P78", "131016", "401005", date(2026, 2, 1), ("2025-07",))]
    out = apply_file(store, build_file("KOGAKU", "KG-FED-202602", rows, "400009", "401005", AT), "incoming/k.txt")
    assert (out.status, [(e.line, e.field) for e in out.errors]) == ("rejected", [(3, "from_municipality")])
    assert store == InMemoryFederationStore()


def test_a_file_for_another_municipality_is_refused_naming_line_and_field_and_changes_nothing() -> None:
    """The federation's files go to every municipality of the prefecture: one addressed to another (header
    receiver), or a carry-over into another (KOGAKU to_municipality), holds no data of this city's — applied, its
    householders' 多数回 months would count here (a lower ceiling paid on someone else's history)."""
    store = InMemoryFederationStore()
    elsewhere = build_file("QUALCONT", "QC-FED-20260502", ROWS, "400009", "401307", AT)
    out = apply_file(store, elsewhere, "incoming/a.txt")
    assert (out.status, [(e.line, e.field) for e in out.errors]) == ("rejected", [(1, "receiver")])
    rows = [CarryOverRow("H77", "P77", "401005", "401307", date(2026, 2, 1), ("2025-06",)),
            CarryOverRow("H78", "P78", "401307", "401005", date(2026, 2, 1), ("2025-07",))]
    out = apply_file(store, build_file("KOGAKU", "KG-FED-202602", rows, "400009", "401005", AT), "incoming/k.txt")
    assert (out.status, [(e.line, e.field) for e in out.errors]) == ("rejected", [(2, "to_municipality")])
    assert store == InMemoryFederationStore()
