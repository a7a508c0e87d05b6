"""The table classes of the retention run (kokuho.retention.tables) and the access records' purge
(kokuho.retention.access_records), on the in-memory ports: each class's day, and at each boundary (frozen time:
the day before kept, the day and the day after deleted), a legal hold, what is still open, and the report — by
class and count, naming no one."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from fakes.retention_tables import InMemoryAccessPurge, InMemoryRetentionTables

from kokuho.access.chain import GENESIS, record_hash
from kokuho.benefits.payment import RecoveryClaim
from kokuho.collection.ledger import Charge, ChargedInstallment, PaymentEntry
from kokuho.collection.ports import StoredLedger
from kokuho.retention.access_records import purge_access_records
from kokuho.retention.run import run_retention
from kokuho.retention.table_ports import Candidate, PersonFacts
from kokuho.retention.tables import purge_class


def _noon(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 3, tzinfo=UTC)  # 12:00 in Japan


def _around(due: date) -> list[tuple[date, bool]]:
    return [(due - timedelta(days=1), False), (due, True), (due + timedelta(days=1), True)]


def _ledger(paid_on: date | None, due: date = date(2023, 7, 31)) -> StoredLedger:
    charge = Charge("H1", 2023, "P1", 1, 10_000, (ChargedInstallment(1, "2023-07", due, 10_000),))
    payments = () if paid_on is None else (PaymentEntry("PAY1", paid_on, 10_000, "収納", 1),)
    return StoredLedger(charge, payments)


# (class, facts, the first day it may go): 2 years from the right of the last month reading it (a benefit month), 5
# from a 返還金's settlement or write-off,
# 2 from the end of a ledger's rights, 5 from a past insured person's (or past 擬制世帯主's) last loss
CASES = [
    # the right of the last month reading it as history (11 months on: 多数回, the yearly outpatient cap) + 2 years
    ("benefit-rights", "2024-03", date(2027, 3, 1)),  # February 2025's right arises 1 March 2025
    ("benefit-rights", "2024-12", date(2027, 12, 1)),
    ("unjust-enrichment-claims",
     RecoveryClaim("C1", "H1", "2020-05", 30_000, 1, "2020-09-01", "2020-10-31", "P1", "lost", (),
                   (("2021-05-10", 30_000),)), date(2026, 5, 10)),  # repaid in full on 10 May 2021
    ("unjust-enrichment-claims",
     RecoveryClaim("C2", "H1", "2019-05", 30_000, 1, "2019-09-01", "2019-10-31", "P1", "lost"),
     date(2029, 11, 1)),  # never repaid: the right ends 31 Oct 2024, written off 1 Nov 2024
    ("premium-collection", _ledger(date(2023, 7, 10)), date(2025, 7, 11)),  # paid 10 July 2023
    ("premium-collection", _ledger(None), date(2027, 8, 1)),  # 時効 31 July 2025 (no 督促), gone 1 August
    ("past-insured-persons", PersonFacts(((date(2010, 4, 1), date(2020, 4, 1)),), (), False), date(2025, 4, 1)),
    # a 擬制世帯主: no period of their own, the household's last member lost qualification on 1 April 2020
    ("past-insured-persons", PersonFacts((), ((date(2012, 1, 1), date(2020, 4, 1)),), False), date(2025, 4, 1)),
]
SOURCE = {"benefit-rights": "months", "unjust-enrichment-claims": "claims", "premium-collection": "ledger_items",
          "past-insured-persons": "person_items"}


def _tables(class_id: str, facts: object, persons: tuple[str, ...] = ("P1",)) -> InMemoryRetentionTables:
    tables = InMemoryRetentionTables(in_file={"P1"})
    getattr(tables, SOURCE[class_id]).append(Candidate((("t", "PERSON#P1", class_id),), persons, facts))
    return tables


@pytest.mark.parametrize(("class_id", "facts", "due"), CASES)
def test_each_table_class_is_kept_the_day_before_and_deleted_on_the_day_and_after(
        class_id: str, facts: object, due: date) -> None:
    for today, goes in _around(due):
        tables = _tables(class_id, facts)
        report = purge_class(class_id, today, tables=tables, dry_run=True)
        assert report["due"] == int(goes) and tables.deleted == []  # a report deletes nothing
        out = purge_class(class_id, today, tables=tables, dry_run=False)
        assert (out["due"], bool(tables.deleted)) == (int(goes), goes), today


@pytest.mark.parametrize(("class_id", "facts", "due"), CASES)
def test_a_legal_hold_on_a_named_person_keeps_a_due_record(class_id: str, facts: object, due: date) -> None:
    tables = _tables(class_id, facts, ("H1", "P1", "P2"))
    out = purge_class(class_id, due, tables=tables, dry_run=False, holds={"P2"})
    assert (out["due"], out["held"], tables.deleted) == (0, 1, [])


@pytest.mark.parametrize(("class_id", "facts"), [
    # a 返還金 repaid in part, its right renewed by the repayment: still open in 2031
    ("unjust-enrichment-claims", RecoveryClaim("C3", "H1", "2020-05", 30_000, 1, "2020-09-01", "2020-10-31", "P1",
                                               "lost", (), (("2024-01-10", 1_000),))),
    ("past-insured-persons", PersonFacts(((date(2010, 4, 1), None),), (), False)),  # still insured
    ("past-insured-persons", PersonFacts(((date(2010, 4, 1), date(2020, 4, 1)),), (), True)),  # a claim names them
    # a past member, but the household they head still has an insured member: a 擬制世帯主 now
    ("past-insured-persons", PersonFacts(((date(2010, 4, 1), date(2020, 4, 1)),), ((date(2015, 1, 1), None),), False)),
    ("past-insured-persons", PersonFacts((), (), False)),  # never insured, heads no insured household
])
def test_what_is_still_open_is_kept_whatever_the_years(class_id: str, facts: object) -> None:
    tables = _tables(class_id, facts)
    assert purge_class(class_id, date(2031, 1, 1), tables=tables, dry_run=False)["due"] == 0
    assert tables.deleted == []


def test_a_household_goes_with_its_last_member() -> None:
    tables = _tables("past-insured-persons", CASES[6][1])
    tables.households.append(Candidate((("qualification", "HOUSEHOLD#H1", "PROFILE"),), ("P1",), None))
    out = purge_class("past-insured-persons", date(2025, 4, 1), tables=tables, dry_run=False)
    assert out == {"due": 1, "held": 0, "numbers": 0, "households": 1}  # no vault handed in here
    assert ("qualification", "HOUSEHOLD#H1", "PROFILE") in tables.deleted


# -- access records -----------------------------------------------------------------------------------------------

def _chain(name: str, subjects: list[list[str]], at: str = "2018-06-01T03:00:00+00:00") -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    prev = GENESIS
    for seq, subj in enumerate(subjects, start=1):
        rec: dict[str, object] = {"chain": name, "seq": seq, "at": at, "subject_ids": subj, "prev_hash": prev}
        rec["hash"] = prev = record_hash(rec)
        out.append(rec)
    return out


def test_access_records_are_cut_first_and_deleted_only_below_a_signed_floor() -> None:
    log = InMemoryAccessPurge(_chain("SUBJECT#P1", [["P1"], ["P1"], ["P2"], ["P1"]]))
    present = {"P2"}.intersection  # P2 is still in the file: its record and every one after it stay
    due = date(2025, 6, 1)  # 7 years after 1 June 2018
    before = purge_access_records(_noon(due - timedelta(days=1)), store=log, floors={}, present=present,
                                  dry_run=False, run_id="r0")
    assert before == {"due": 0, "held": 0, "cut": 0} and log.cuts == {}
    first = purge_access_records(_noon(due), store=log, floors={}, present=present, dry_run=False, run_id="r1")
    assert first == {"due": 0, "held": 0, "cut": 2} and log.deleted == []  # marked, nothing deleted
    cut = log.cuts[("SUBJECT#P1", 3)]
    assert cut["prev_hash"] == log.items[1]["hash"] and "P1" not in json.dumps({k: v for k, v in cut.items()
                                                                                  if k not in ("pk", "chain")})
    # a cut no digest anchored deletes nothing; once anchored, the records below it go
    assert purge_access_records(_noon(due), store=log, floors={}, present=present, dry_run=False,
                                run_id="r2")["due"] == 0
    report = purge_access_records(_noon(due + timedelta(days=1)), store=log, floors={"SUBJECT#P1": 3},
                                  present=present, dry_run=True, run_id="r3")
    assert report["due"] == 2 and log.deleted == []
    out = purge_access_records(_noon(due + timedelta(days=1)), store=log, floors={"SUBJECT#P1": 3},
                               present=present, dry_run=False, run_id="r4")
    assert out["due"] == 2 and log.deleted == [("SUBJECT#P1", 1), ("SUBJECT#P1", 2)]


def test_access_records_under_a_hold_or_unreadable_floors_are_kept() -> None:
    log = InMemoryAccessPurge(_chain("API#x", [["P1"], ["P2"]]))
    out = purge_access_records(_noon(date(2026, 1, 1)), store=log, floors={"API#x": 3}, present=set().intersection,
                               holds={"P2"}, dry_run=False, run_id="r")
    assert (out["due"], out["held"], log.deleted) == (1, 1, [("API#x", 1)])
    log = InMemoryAccessPurge(_chain("API#y", [["P1"]]))
    out = purge_access_records(_noon(date(2026, 1, 1)), store=log, floors=None, present=set().intersection,
                               dry_run=False, run_id="r")
    assert out["due"] == 0 and log.deleted == []  # the digests could not be read: nothing is purged


def test_the_run_reports_every_class_by_count_only() -> None:
    tables = _tables("benefit-rights", "2023-03")  # read as history up to February 2024, whose right ended 28 Feb 2026
    tables.person_items.append(Candidate((("t", "PERSON#P9", "PROFILE"),), ("P9",), CASES[6][1]))

    class NoS3:
        def get_paginator(self, _: str) -> object:
            class P:
                def paginate(self, **_: object) -> list[dict[str, object]]:
                    return [{}]
            return P()

    from fakes.exchange_store import InMemoryExchangeStore
    out = run_retention(_noon(date(2026, 4, 1)), s3=NoS3(), bucket_name=str, dry_run=True, record_tables=tables,
                        access_log=InMemoryAccessPurge(), access_floors={}, exchange_store=InMemoryExchangeStore())
    assert out["classes"]["benefit-rights"] == {"due": 1, "held": 0}
    assert out["classes"]["past-insured-persons"] == {"due": 1, "held": 0}
    assert list(out["classes"])[-1] == "access-records"  # last: after the records it covers
    assert "P1" not in json.dumps(out) and "P9" not in json.dumps(out) and tables.deleted == []


def test_a_past_persons_my_number_goes_first_through_the_vault() -> None:
    tables = _tables("past-insured-persons", CASES[6][1])
    handed: list[list[str]] = []

    def forget(persons: list[str]) -> int:
        assert tables.deleted == []  # the number first: never a number left without its person
        handed.append(persons)
        return len(persons)

    out = purge_class("past-insured-persons", date(2025, 4, 1), tables=tables, dry_run=False, forget=forget)
    assert handed == [["P1"]] and out["numbers"] == 1 and tables.deleted


def test_a_vault_that_refuses_keeps_the_person_for_the_next_run() -> None:
    tables = _tables("past-insured-persons", CASES[6][1])

    def refuse(persons: list[str]) -> int:
        raise RuntimeError("the vault refused")

    with pytest.raises(RuntimeError):
        purge_class("past-insured-persons", date(2025, 4, 1), tables=tables, dry_run=False, forget=refuse)
    assert tables.deleted == []
