"""住民基本台帳の異動 intake: each change of the resident register becomes the registration it implies,
through the application code the API uses, with history, projection and access records; the file is
checked whole (fields, the same person twice, every change simulated) before anything is written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from intake_helpers import CLERK, atena, errors_of, file_bytes, register, run, view
from qualification_helpers import call

from kokuho.assessment.household_cases import get_household_case
from kokuho.records import intake_files
from kokuho.records import qualification as repo

NUM = "123456789018"


def arrival(no: str, hh: str = "S0100", rel: str = "世帯主", *, event: str = "転入", on: str = "2024-10-01",
            other_insurance: bool = False, **kw: Any) -> dict[str, Any]:
    line = {"atena_no": no, "event": event, "event_date": on, "household_no": hh, "relationship": rel,
            "name_kanji": "門司 花子", "name_kana": "モジ ハナコ", "sex": "2", "postal_code": "801-0852",
            "address": "北九州市門司区港町1-1", "other_insurance": other_insurance, **kw}
    if event == "転入":
        line.setdefault("birth_date", "1990-05-05")
    return line


def change(pid: str, event: str, on: str, **kw: Any) -> dict[str, Any]:
    return {"atena_no": atena(pid), "event": event, "event_date": on, **kw}


@pytest.fixture
def household(staffed: None) -> None:
    register("P0001")
    register("P0002", rel="妻", birth="1978-02-01")


def test_a_move_in_registers_the_person_and_a_pending_acquisition_staff_confirm_through_the_api(
        staffed: None) -> None:
    out = run("residents", file_bytes([arrival("20000001"), arrival("20000002", rel="子", other_insurance=True)]))
    assert (out["status"], out["applied"], out["pending_acquisitions"]) == ("applied", 2, 1), out
    person = view("A20000001")
    assert (person["resident_code"], person["household_id"], person["insured"]) == ("20000001", "S0100", False)
    assert [h["kind"] for h in person["history"]] == ["registered"]
    assert "residents file" in str(person["history"][0]["note"])
    assert [p["person_id"] for p in intake_files.pending_acquisitions()] == ["A20000001"]
    assert intake_files.pending_acquisition("A20000002") is None  # other insurance: nothing implied
    # the 届出: staff register the acquisition through the API; the pending one is consumed
    status, body, _ = call("POST", "/persons/A20000001/qualification", staff_id=CLERK,
                           body={"reason": "move_in", "cause_on": "2024-10-01", "version": person["version"]})
    assert status == 200, body
    assert body["qualification"][0]["acquired_on"] == "2024-10-01"
    assert intake_files.pending_acquisitions() == []


def test_a_move_out_of_an_insured_person_is_a_loss_the_day_after_with_history_and_projection(
        household: None) -> None:
    out = run("residents", file_bytes([change("P0002", "転出", "2024-10-15")]))
    assert out["status"] == "applied", out
    body = view("P0002")
    assert body["qualification"][0]["until"] == "2024-10-16"
    assert body["qualification"][0]["lose_reason"] == "move_out"
    assert body["history"][-1]["recorded_by"] == "system:residents-intake"
    case = get_household_case("H0001", 2024)
    assert case is not None
    spouse = next(m for m in case["household"]["members"] if m["id"] == "P0002")
    assert spouse["insured"] == [{"from": "2024-04-01", "until": "2024-10-16"}]


def test_death_move_rename_householder_change_and_household_split(household: None) -> None:
    register("P0003", rel="子", birth="2000-01-01")
    lines = [change("P0001", "死亡", "2024-09-01"),
             change("P0002", "世帯主変更", "2024-09-02"),
             change("P0003", "世帯分離", "2024-09-10", household_no="H0002", relationship="世帯主")]
    out = run("residents", file_bytes(lines))
    assert out["status"] == "applied", out
    assert view("P0001")["death_date"] == "2024-09-01"
    assert view("P0001")["qualification"][0]["until"] == "2024-09-02"
    assert repo.get_household("H0001").householder_id == "P0002"  # type: ignore[union-attr]
    assert view("P0003")["household_id"] == "H0002"
    out = run("residents", file_bytes([
        change("P0002", "転居", "2024-10-01", postal_code="802-0001", address="北九州市小倉北区浅野1-1"),
        change("P0003", "氏名変更", "2024-10-02", name_kanji="小倉 次郎", name_kana="コクラ ジロウ")]))
    assert out["status"] == "applied", out
    assert view("P0002")["postal_code"] == "802-0001"
    assert view("P0003")["name_kana"] == "コクラ ジロウ"


def test_a_move_out_of_a_person_not_insured_ends_residence_and_membership(household: None) -> None:
    register("P0004", rel="子", birth="2001-01-01", insured_from=None)
    out = run("residents", file_bytes([change("P0004", "転出", "2024-10-31")]))
    assert out["status"] == "applied", out
    assert view("P0004")["resident_until"] == "2024-10-31"
    members = {m.person_id: m for m in repo.get_household("H0001").members}  # type: ignore[union-attr]
    assert members["P0004"].left_on is not None


@pytest.mark.parametrize(("bad", "field"), [
    ({"atena_no": "99999999", "event": "転出", "event_date": "2024-10-01"}, "atena_no"),  # unknown
    ({"atena_no": atena("P0002"), "event": "転出", "event_date": "2024-03-01"}, "event_date"),  # before 転入
    ({"atena_no": atena("P0002"), "event": "死亡", "event_date": "2024-12-01"}, "event_date"),  # future
    ({"atena_no": atena("P0002"), "event": "死亡", "event_date": "2024-02-30"}, "event_date"),
    ({"atena_no": atena("P0002"), "event": "転居", "event_date": "2024-10-01"}, "postal_code"),
    ({"atena_no": atena("P0002"), "event": "転出", "event_date": "2024-10-01", "household_no": "X"}, "household_no"),
    ({"atena_no": atena("P0002"), "event": "引越", "event_date": "2024-10-01"}, "event"),
    ({"atena_no": NUM, "event": "転出", "event_date": "2024-10-01"}, "atena_no"),
    ({**arrival("20000009"), "name_kanji": f"番号 {NUM}"}, "name_kanji"),
    ({**arrival("20000009"), "household_no": NUM}, "household_no"),
])
def test_bad_changes_refuse_the_whole_file_naming_line_and_field(household: None, bad: dict[str, Any],
                                                                  field: str) -> None:
    good = change("P0001", "転居", "2024-10-01", postal_code="802-0001", address="北九州市小倉北区浅野1-1")
    out = run("residents", file_bytes([good, bad]))
    assert errors_of(out)[:1] == [(2, field)], out
    assert NUM not in json.dumps(out, ensure_ascii=False)
    assert view("P0001")["postal_code"] == "803-8501"  # nothing half-applied: line 1 is not applied either


@pytest.mark.parametrize(("bad", "field"), [
    (arrival("20000009", on="2025-03-01"), "event_date"),  # a 転入 months ahead: the register records what happened
    (arrival("20000009", on="2024-10-01", birth_date="2024-10-05"), "birth_date"),  # arrived before being born
    (arrival("20000009", birth_date="1800-01-01"), "birth_date"),  # the API refuses it: not plausible
])
def test_an_arrival_the_api_would_refuse_is_refused_by_the_file_too(household: None, bad: dict[str, Any],
                                                                     field: str) -> None:
    """The rules of a person's dates are the registration's, whichever way it comes: a 転入 more than 14 days ahead,
    a birth after the arrival or before 1890 were refused at the counter (POST /persons) and taken from a file."""
    out = run("residents", file_bytes([bad]))
    assert errors_of(out) == [(1, field)], out
    status, _, _ = call("GET", "/persons/A20000009", staff_id=CLERK)
    assert status == 404  # nothing registered


def test_the_same_person_twice_is_refused_naming_both_lines(household: None) -> None:
    out = run("residents", file_bytes([change("P0001", "転出", "2024-10-01"), arrival("20000001"),
                                       change("P0001", "死亡", "2024-10-02")]))
    assert errors_of(out) == [(3, "atena_no")]
    assert "line 1" in out["errors"][0]["message"]
    assert view("P0001")["qualification"][0]["until"] is None


def test_a_move_out_before_the_move_in_of_a_later_file_is_refused(staffed: None) -> None:
    out = run("residents", file_bytes([change("P0009", "転出", "2024-10-01")]))
    assert errors_of(out) == [(1, "atena_no")]
    assert "unknown" in out["errors"][0]["message"]


def test_a_redelivered_file_is_applied_once_and_an_interrupted_one_resumes(household: None,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from kokuho.intake import apply
    from kokuho.qualification import application

    data = file_bytes([change("P0001", "転居", "2024-10-01", postal_code="802-0001", address="北九州市小倉北区浅野1-1"),
                       change("P0002", "転出", "2024-10-15")])
    real = application.commit_registrations
    commits: list[int] = []

    def crash_on_the_second(*args: Any, **kw: Any) -> Any:
        commits.append(len(args[0]))
        if len(commits) == 2:
            raise RuntimeError("the Lambda timed out")
        return real(*args, **kw)

    monkeypatch.setattr(apply, "TRANSACTION_ITEMS", 1)  # one line a transaction
    monkeypatch.setattr(application, "commit_registrations", crash_on_the_second)
    with pytest.raises(RuntimeError):
        run("residents", data)
    assert view("P0001")["postal_code"] == "802-0001"  # line 1 committed with its marker
    assert view("P0002")["qualification"][0]["until"] is None  # line 2 not at all
    monkeypatch.setattr(application, "commit_registrations", real)
    out = run("residents", data)
    assert (out["status"], out["applied"], out["already_applied"]) == ("applied", 1, 1), out
    assert [h["kind"] for h in view("P0001")["history"]].count("move") == 1
    again = run("residents", data, key="incoming/redelivered.jsonl")
    assert again["status"] == "duplicate"
    assert [h["kind"] for h in view("P0002")["history"]].count("lose") == 1


def test_lines_committed_together_keep_each_lines_history_note_and_a_record_naming_every_subject(
        staffed: None) -> None:
    """Many lines a transaction: a household of three arriving (two with their 届出) is one commit, and
    each person still has their own history (with their line), their acquisition and the household case."""
    from kokuho.access.records import records_by_staff

    lines = [arrival("20000001", nhi_notified=True),
             arrival("20000002", rel="妻", nhi_notified=True, birth_date="1991-01-01"),
             arrival("20000003", rel="子", other_insurance=True, birth_date="2015-03-03")]
    out = run("residents", file_bytes(lines))
    assert (out["status"], out["applied"], out["pending_acquisitions"]) == ("applied", 3, 0), out
    for n, pid in enumerate(("A20000001", "A20000002", "A20000003"), start=1):
        person = view(pid)
        assert all(f"line {n}" in str(h["note"]) for h in person["history"]), person["history"]
    assert [h["kind"] for h in view("A20000001")["history"]] == ["registered", "acquire"]
    assert view("A20000001")["qualification"][0]["acquired_on"] == "2024-10-01"
    assert view("A20000003")["qualification"] == []
    assert intake_files.pending_acquisitions() == []
    case = get_household_case("S0100", 2024)
    assert case is not None
    insured = {m["id"]: m["insured"] for m in case["household"]["members"]}
    assert insured == {"A20000001": [{"from": "2024-10-01", "until": None}],
                       "A20000002": [{"from": "2024-10-01", "until": None}], "A20000003": []}
    writes = [r for r in records_by_staff("system:residents-intake") if r.operation != "validate"]
    assert {"A20000001", "A20000002", "A20000003", "HH:S0100"} <= {s for r in writes for s in r.subject_ids}
    again = run("residents", file_bytes([arrival("20000004", rel="子", nhi_notified=True, birth_date="2016-03-03",
                                                 other_insurance=True)]))
    assert errors_of(again) == [(1, "nhi_notified")]  # a 届出 to NHI by someone covered elsewhere


def test_validating_a_file_reads_persons_and_leaves_an_access_record(household: None) -> None:
    from kokuho.access.records import records_by_staff

    run("residents", file_bytes([change("P0002", "死亡", "2024-12-01")]))  # refused, but read
    recs = [r for r in records_by_staff("system:residents-intake") if r.operation == "validate"]
    assert recs and "P0002" in recs[0].subject_ids



def test_a_register_file_not_in_utf8_is_refused_at_its_byte_offset(household: None) -> None:
    line = change("P0001", "転居", "2024-10-01", postal_code="802-0001", address="北九州市小倉北区浅野1-1")
    good = file_bytes([line])
    sjis = good.replace("北九州市小倉北区浅野".encode(), "北九州市小倉北区浅野".encode("shift_jis"))
    out = run("residents", sjis)
    assert errors_of(out) == [(1, "")]
    assert out["errors"][0]["offset"] == good.index("北九州市小倉北区浅野".encode())
    assert view("P0001")["postal_code"] == "803-8501"


def test_a_birth_joins_the_household_and_waits_for_its_acquisition_by_birth(household: None) -> None:
    born = arrival("20000005", hh="H0001", rel="子", event="出生", on="2024-11-02")
    out = run("residents", file_bytes([born]))
    assert (out["status"], out["pending_acquisitions"]) == ("applied", 1), out
    child = view("A20000005")
    assert (child["birth_date"], child["household_id"], child["insured"]) == ("2024-11-02", "H0001", False)
    (pending,) = intake_files.pending_acquisitions()
    assert (pending["reason"], pending["cause_on"]) == ("birth", "2024-11-02")
    status, body, _ = call("POST", "/persons/A20000005/qualification", staff_id=CLERK,
                           body={"reason": "birth", "cause_on": "2024-11-02", "version": child["version"]})
    assert status == 200, body
    assert intake_files.pending_acquisitions() == []


def test_a_householder_joining_another_household_names_the_new_householder_of_the_old(household: None) -> None:
    register("P0005", hh="H0005")
    out = run("residents", file_bytes([change("P0001", "世帯合併", "2024-10-01", household_no="H0005",
                                              relationship="夫", new_householder_atena=atena("P0002"))]))
    assert out["status"] == "applied", out
    assert view("P0001")["household_id"] == "H0005"
    assert repo.get_household("H0001").householder_id == "P0002"  # type: ignore[union-attr]
    # a householder leaving members behind without naming their new householder: refused, nothing applied
    out = run("residents", file_bytes([change("P0005", "世帯分離", "2024-10-02", household_no="H0009",
                                              relationship="世帯主")]))
    assert errors_of(out) == [(1, "event")]
    assert view("P0005")["household_id"] == "H0005"


def test_joiners_of_a_file_get_their_vouchers_issued_once_for_the_file_not_once_a_transaction(
        staffed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 転入 with its 届出 is an acquisition: a joiner of 40–74 gets a 特定健診受診券 (the commit path's
    observers, kokuho.qualification.registrations.AFTER_COMMIT). A file commits many transactions; the
    observers run once for them (one issue of vouchers, not a counter read and a transaction of its own for
    every few lines), each joiner with their own voucher and its access record."""
    from kokuho.access.records import records_by_staff
    from kokuho.intake import apply
    from kokuho.records.health import DynamoHealthStore

    issued: list[int] = []
    real_issue = DynamoHealthStore.issue

    def counted(self: Any, fiscal_year: int, drafts: Any, **kw: Any) -> Any:
        issued.append(len(drafts))
        return real_issue(self, fiscal_year, drafts, **kw)

    monkeypatch.setattr(DynamoHealthStore, "issue", counted)
    monkeypatch.setattr(apply, "TRANSACTION_ITEMS", 40)  # a few lines a transaction
    lines = [arrival(f"2000{k:04d}", hh=f"S{k:04d}", nhi_notified=True, birth_date="1970-05-05") for k in range(12)]
    out = run("residents", file_bytes(lines))
    assert (out["status"], out["applied"]) == ("applied", 12), out
    joiners = [f"A2000{k:04d}" for k in range(12)]
    held = DynamoHealthStore().vouchers(2024, joiners)
    assert sorted(held) == joiners and {v.source for v in held.values()} == {"acquisition"}
    assert len({v.number for v in held.values()}) == 12
    assert issued == [12]
    records = [r for r in records_by_staff("system:residents-intake") if r.category == "保健事業"]
    assert {s for r in records for s in r.subject_ids} == set(joiners)



def test_a_files_write_records_join_chains_of_its_run_read_once_not_a_head_query_a_transaction(
        staffed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14 item 3: each transaction's access record went to its first subject's chain, whose head was
    read (a descending query) before every transaction. The records of a file's writes join chains of the
    run (one an operation: two records of one chain cannot share a transaction), whose heads the run holds:
    a head read a chain, not a transaction. Every line's subjects are still named, and every chain verifies."""
    from kokuho.access.records import records_by_staff, records_of_chain, records_of_subject, verify_all
    from kokuho.intake import apply
    from kokuho.records.access_log import PynamoAccessRecords

    heads: list[str] = []
    real_head = PynamoAccessRecords.head

    def counted(self: Any, chain: str) -> Any:
        heads.append(chain)
        return real_head(self, chain)

    monkeypatch.setattr(PynamoAccessRecords, "head", counted)
    monkeypatch.setattr(apply, "TRANSACTION_ITEMS", 40)  # a few lines a transaction
    lines = [arrival(f"2100{k:04d}", hh=f"S{k:04d}", nhi_notified=k % 2 == 0) for k in range(12)]
    out = run("residents", file_bytes(lines))
    assert (out["status"], out["applied"]) == ("applied", 12), out
    writes = [r for r in records_by_staff("system:residents-intake") if r.operation != "validate"]
    transactions = {r.at for r in writes}
    assert len(transactions) >= 5, writes  # many transactions
    chains = {r.chain for r in writes}
    assert len(chains) <= 2 and len([c for c in heads if c in chains]) <= len(chains)
    assert sum(len(list(records_of_chain(c))) for c in chains) == len(writes)
    assert verify_all()[2] == []  # every chain links, every index entry is its record's
    for k in range(12):
        named = records_of_subject(f"A2100{k:04d}")
        assert any(r.chain in chains and r.category == "qualification" for r in named), named


def test_a_household_arriving_in_a_file_is_committed_whole_once_not_split_across_transactions(
        staffed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14 item 3: lines were committed as many a transaction as fit, so a household arriving member by
    member was often split across two transactions — its profile, its case for each projected year and its
    access record written twice. A household's lines go into one transaction when they fit in one; its
    members, history and case are as before."""
    from kokuho.intake import apply

    monkeypatch.setattr(apply, "TRANSACTION_ITEMS", 70)  # a household of three and a bit of the next
    lines = []
    for h in range(6):
        lines.append(arrival(f"2200{h}001", hh=f"S22{h:02d}", nhi_notified=True))
        lines += [arrival(f"2200{h}00{k}", hh=f"S22{h:02d}", rel="子", nhi_notified=True, birth_date="2010-01-01")
                  for k in (2, 3)]
    out = run("residents", file_bytes(lines))
    assert (out["status"], out["applied"]) == ("applied", 18), out
    for h in range(6):
        household = repo.get_household(f"S22{h:02d}")
        assert household is not None and household.version == 1, (h, household)  # one commit each
        assert len(household.members) == 3
        case = get_household_case(f"S22{h:02d}", 2024)
        assert case is not None and len(case["household"]["members"]) == 3


def test_a_files_search_directories_are_read_once_for_the_file_not_once_a_transaction(
        staffed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14 item 3: each transaction read its persons' search-directory entries (a BatchGetItem) to write
    only those not there yet. A file reads its persons' entries at once (100 keys a request) and knows those
    its transactions wrote: every arrival is still found by a kana prefix and by its address."""
    from kokuho.intake import apply
    from kokuho.records.search_index import DirectoryModel

    reads: list[int] = []
    real = DirectoryModel.batch_get

    def counted(keys: Any, *args: Any, **kw: Any) -> Any:
        keys = list(keys)
        reads.append(len(keys))
        return real(keys, *args, **kw)

    monkeypatch.setattr(DirectoryModel, "batch_get", counted)
    monkeypatch.setattr(apply, "TRANSACTION_ITEMS", 40)  # a few lines a transaction
    kana = ["モジ ハナコ", "モジ タロウ", "コクラ ハナコ", "ヤハタ ジロウ"]
    lines = [arrival(f"2300{k:04d}", hh=f"S23{k:02d}", name_kana=kana[k % 4], address=f"北九州市門司区港町{k % 3}-1")
             for k in range(12)]
    out = run("residents", file_bytes(lines))
    assert (out["status"], out["applied"]) == ("applied", 12), out
    assert len(reads) == 1, reads  # one read for the file
    status, found, _ = call("GET", "/persons", staff_id="S1001", query={"kana": "もじ"})
    assert status == 200 and {i["person_id"] for i in found["items"]} == {
        f"A2300{k:04d}" for k in range(12) if kana[k % 4].startswith("モジ")}
    status, found, _ = call("GET", "/persons", staff_id="S1001", query={"kana": "やはた じろう"})
    assert status == 200 and {i["person_id"] for i in found["items"]} == {f"A2300{k:04d}" for k in (3, 7, 11)}
    status, found, _ = call("GET", "/persons", staff_id="S1001",
                            query={"postal_code": "801-0852", "address": "北九州市門司区港町2"})
    assert status == 200 and {i["person_id"] for i in found["items"]} == {f"A2300{k:04d}" for k in (2, 5, 8, 11)}


def test_the_lines_a_transaction_applies_share_one_marker_and_each_is_found_applied(
        staffed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14 item 3: every line wrote a marker item of its own (1 of the ≈ 15 items a 転入 line writes, 1 of the
    4 a tax line writes); the lines a transaction applies share one marker naming them, keyed by the first, so a
    resumed or redelivered file still finds each line applied, and a marker is still written only once."""
    from kokuho.intake import apply
    from kokuho.qualification import application

    monkeypatch.setattr(apply, "TRANSACTION_ITEMS", 70)  # a few households a transaction
    commits: list[int] = []
    real = application.commit_registrations

    def counted(*args: Any, **kw: Any) -> Any:
        commits.append(len(args[0]))
        return real(*args, **kw)

    monkeypatch.setattr(application, "commit_registrations", counted)
    lines = []
    for h in range(6):
        lines.append(arrival(f"2300{h}001", hh=f"S23{h:02d}", nhi_notified=True))
        lines += [arrival(f"2300{h}00{k}", hh=f"S23{h:02d}", rel="子", nhi_notified=True, birth_date="2010-01-01")
                  for k in (2, 3)]
    data = file_bytes(lines)
    out = run("residents", data)
    assert (out["status"], out["applied"]) == ("applied", 18), out
    markers = [m for m in intake_files.AppliedLineModel.scan(intake_files.AppliedLineModel.sk.startswith("LINE#"))
               if m.pk.startswith("INTAKE#residents#")]
    assert 1 < len(commits) == len(markers) < 18, (commits, len(markers))
    digest = markers[0].pk.rsplit("#", 1)[1]
    assert intake_files.applied_lines("residents", digest) == set(range(1, 19))
    assert run("residents", data, key="incoming/again.jsonl")["status"] == "duplicate"
