"""Probe (retention, the federation table): the 国保連合会's 資格継続 (PERSON#<p>/CONT#<acquired>) and the 高額該当
months a move carried over (PERSON#<householder>/KOGAKU#<month>) were kept for ever — no retention class named the
table, and the run never read it. Each now has its class (kokuho/data/retention/classes.v1.json): the carried-over
months go as the city's own benefit months do (2 years from the right of the last month reading them as history,
domain.md §5, 国保法 第110条), a continuity period as a past insured person does (5 years from its loss, kept while
the person is in the information file). And every table of kokuho.platform.tables has an enforced class or a
written reason why not."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fakes.retention_tables import InMemoryRetentionTables

from kokuho.platform.tables import TABLES, TableSpec
from kokuho.retention.classes import load_classes, load_table_reasons, tables_without_retention
from kokuho.retention.run import run_retention
from kokuho.retention.table_ports import Candidate, ContinuityFacts
from kokuho.retention.tables import purge_class

CARRIED, CONTINUITY = "carried-over-benefit-months", "federation-continuity"
SOURCE = {CARRIED: "carried", CONTINUITY: "continuity"}


def _tables(class_id: str, facts: object, persons: tuple[str, ...] = ("P1",)) -> InMemoryRetentionTables:
    tables = InMemoryRetentionTables()
    getattr(tables, SOURCE[class_id]).append(Candidate((("federation", "PERSON#P1", class_id),), persons, facts))
    return tables


CASES = [
    # March 2024, carried over: read as history by the 多数回 count up to February 2025, whose right arises 1 March
    # 2025 — the city's own benefit month of March 2024 goes the same day (benefit-rights)
    (CARRIED, "2024-03", date(2027, 3, 1)),
    # a period the federation reports lost on 1 April 2020, its person no longer in the file: 5 years
    (CONTINUITY, ContinuityFacts(date(2020, 4, 1), date(2020, 4, 30), False), date(2025, 4, 1)),
    # still open at the federation (insured at another municipality), the person gone here: from the day it came
    (CONTINUITY, ContinuityFacts(None, date(2020, 4, 30), False), date(2025, 4, 30)),
]


@pytest.mark.parametrize(("class_id", "facts", "due"), CASES)
def test_federation_items_are_kept_the_day_before_and_deleted_on_the_day_and_after(
        class_id: str, facts: object, due: date) -> None:
    for today, goes in [(due - timedelta(days=1), False), (due, True), (due + timedelta(days=1), True)]:
        tables = _tables(class_id, facts)
        assert purge_class(class_id, today, tables=tables, dry_run=True)["due"] == int(goes)
        assert tables.deleted == []  # a report deletes nothing
        out = purge_class(class_id, today, tables=tables, dry_run=False)
        assert (out["due"], bool(tables.deleted)) == (int(goes), goes), today


@pytest.mark.parametrize(("class_id", "facts", "due"), CASES)
def test_a_legal_hold_keeps_a_due_federation_item(class_id: str, facts: object, due: date) -> None:
    tables = _tables(class_id, facts, ("P1", "P2"))
    out = purge_class(class_id, due, tables=tables, dry_run=False, holds={"P2"})
    assert (out["due"], out["held"], tables.deleted) == (0, 1, [])


def test_a_continuity_period_of_a_person_still_in_the_file_is_kept() -> None:
    tables = _tables(CONTINUITY, ContinuityFacts(date(2010, 4, 1), date(2010, 4, 30), True))
    assert purge_class(CONTINUITY, date(2031, 1, 1), tables=tables, dry_run=False)["due"] == 0
    assert tables.deleted == []


def test_the_run_purges_the_federation_table_and_records_each_class() -> None:
    tables = _tables(CARRIED, "2023-03")
    tables.continuity.append(Candidate((("federation", "PERSON#P2", "CONT#2010-04-01"),), ("P2",),
                                       ContinuityFacts(date(2020, 4, 1), date(2020, 4, 30), False)))
    recorded: list[tuple[str, str, int]] = []

    class NoS3:
        def get_paginator(self, _: str) -> object:
            class P:
                def paginate(self, **_: object) -> list[dict[str, object]]:
                    return [{}]
            return P()

    from fakes.exchange_store import InMemoryExchangeStore
    from fakes.retention_tables import InMemoryAccessPurge
    out = run_retention(datetime(2026, 4, 1, 3, tzinfo=UTC), s3=NoS3(), bucket_name=str, dry_run=False,
                        record_tables=tables, access_log=InMemoryAccessPurge(), access_floors={},
                        exchange_store=InMemoryExchangeStore(), record=lambda c, cat, n: recorded.append((c, cat, n)))
    assert out["classes"][CARRIED]["deleted"] == 1 and out["classes"][CONTINUITY]["deleted"] == 1
    assert {c for c, _, n in recorded if n} >= {CARRIED, CONTINUITY}
    assert ("federation", "PERSON#P1", CARRIED) in tables.deleted
    assert ("federation", "PERSON#P2", "CONT#2010-04-01") in tables.deleted


def test_every_table_has_an_enforced_class_or_a_written_reason() -> None:
    assert tables_without_retention(TABLES) == []
    stores = {c.store for c in load_classes().values() if c.enforced}
    assert "table:federation" in stores
    reasons = load_table_reasons()
    assert set(reasons) <= {t.logical for t in TABLES}  # no reason for a table that is not there
    assert all(len(r.strip()) >= 20 for r in reasons.values())


def test_a_table_with_neither_is_named() -> None:
    extra = TableSpec("new_personal_table", TABLES[0].data_class, "a table someone added")
    assert tables_without_retention((*TABLES, extra)) == ["new_personal_table"]
