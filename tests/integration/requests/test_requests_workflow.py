"""Requests from the person (assessment V) end to end on the embedded AWS: a disclosure received with how
identity was verified, decided, carried out as JSON and a Japanese PDF holding the person's own data and
no one else's (staff by id only); a correction that changes the record with its history; a suspension
marked and answered by check_use; the desk's list of what is due; the inquiry log; every step recorded."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time
from pypdf import PdfReader

from kokuho.access.records import Actor, record_access, records_by_staff
from kokuho.cli.main import main as cli_main
from kokuho.qualification import application
from kokuho.qualification.model import Person
from kokuho.qualification.reasons import Reason
from kokuho.records.qualification import get_person, read_person_file
from kokuho.requests import workflow
from kokuho.requests.model import RequestError
from kokuho.requests.ports import StoreConflict
from kokuho.requests.suspension import UseSuspended, check_use, partition_use, suspended_for
from kokuho_local.embedded import EmbeddedAWS

TODAY = date(2026, 4, 10)
CLERK = Actor("S0101", "T-KOKUHO-01", "資格管理 (国保法第9条)")
DESK = Actor("S0201", "T-SOUDAN-01", workflow.PURPOSE)
OTHER_CLERK = Actor("S0102", "T-KOKUHO-02", "賦課 (国保法第76条)")


def _person(pid: str, hh: str, rel: str, name: str, kana: str) -> Person:
    return Person(person_id=pid, resident_code=f"1{pid[1:]}", household_id=hh, name_kanji=name, name_kana=kana,
                  birth_date=date(1975, 6, 15), sex="1", relationship=rel, postal_code="803-8501",
                  address="北九州市小倉北区城内1-1", resident_from=date(2024, 4, 1))


@pytest.fixture
def household(aws: EmbeddedAWS) -> None:
    _register_household()


def _register_household() -> None:
    for pid, rel, name, kana in (("P0001", "世帯主", "北九 太郎", "キタキュウ タロウ"),
                                 ("P0002", "妻", "北九 花子", "キタキュウ ハナコ")):
        application.register_person(CLERK, _person(pid, "H0001", rel, name, kana), None, TODAY)
    p1 = get_person("P0001")
    assert p1 is not None
    application.register_qualification(CLERK, "P0001", Reason.MOVE_IN, date(2024, 4, 1), p1.version, None, TODAY)
    application.read_person(OTHER_CLERK, "P0001", TODAY)   # someone looked at P0001
    application.read_person(OTHER_CLERK, "P0002", TODAY)   # and at the spouse: never in P0001's disclosure


def test_a_disclosure_made_early_in_the_tokyo_morning_holds_that_mornings_records(aws: EmbeddedAWS,
                                                                                 tmp_path: Path) -> None:
    # 07:20 in Tokyo is still the previous day in UTC (a Lambda's clock): the access records of the morning,
    # kept as UTC instants, were cut off by a period that ended on the UTC date (found by a CI run at 22:20 UTC)
    with freeze_time("2026-04-14T22:20:00Z"):
        _register_household()
        workflow.receive_request(DESK, "R-0009", "P0001", "disclosure", TODAY, "個人番号カード", {"scope": "全て"})
        workflow.decide_request(DESK, "P0001", "R-0009", "granted", TODAY + timedelta(days=3))
        _, out = workflow.carry_out_request(DESK, "P0001", "R-0009", TODAY + timedelta(days=4), tmp_path)
    assert out.json_path is not None
    rows = json.loads(out.json_path.read_text("utf-8"))["アクセス記録"]
    assert ("S0102", "read") in {(r["職員番号"], r["操作"]) for r in rows}


def _pdf_text(path: Path) -> str:
    # pypdf gives the CJK text with NULs and spaces between glyphs: compare the characters only
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)
    return text.replace(" ", "").replace("\x00", "")


def test_a_disclosure_from_receipt_to_pdf_holds_only_the_persons_own_data(household: None, tmp_path: Path) -> None:
    req = workflow.receive_request(DESK, "R-0001", "P0001", "disclosure", TODAY, "個人番号カード",
                                   {"scope": "保有する全ての個人情報"})
    assert req.decide_by == TODAY + timedelta(days=30)
    assert [r["request_id"] for r in workflow.due_requests(TODAY, DESK)] == ["R-0001"]
    workflow.decide_request(DESK, "P0001", "R-0001", "granted", TODAY + timedelta(days=3))
    assert workflow.due_requests(TODAY, DESK) == []
    done, out = workflow.carry_out_request(DESK, "P0001", "R-0001", TODAY + timedelta(days=4), tmp_path)
    assert out.json_path and out.pdf_path
    document = json.loads(out.json_path.read_text("utf-8"))
    assert document["本人"] == "P0001" and document["資格"]["氏名"] == "北九 太郎"
    assert document["資格"]["被保険者資格"][0]["取得日"] == "2024-04-01"
    accessed = {(r["職員番号"], r["操作"]) for r in document["アクセス記録"]}
    assert ("S0102", "read") in accessed and ("S0101", "register_person") in accessed
    assert all(set(r) == {"日時", "職員番号", "区分", "操作", "目的", "結果"} for r in document["アクセス記録"])
    text = out.json_path.read_text("utf-8")
    assert "P0002" not in text and "花子" not in text  # the spouse: never another person's data
    assert "T-KOKUHO" not in text  # staff by their id only: no terminal
    pdf = _pdf_text(out.pdf_path)
    for expected in ("保有個人情報の開示", "北九太郎", "アクセス記録", "S0102", "情報提供等記録"):
        assert expected in pdf, expected
    assert done.result["pdf_sha256"] == hashlib.sha256(out.pdf_path.read_bytes()).hexdigest()
    assert done.status.value == "carried_out"
    # every step was recorded as an access to the person, by the desk
    ops = [r.operation for r in records_by_staff("S0201") if "P0001" in r.subject_ids]
    assert {"receive_disclosure", "decide_disclosure", "carry_out_disclosure", "search_subject", "read"} <= set(ops)


def test_a_correction_changes_the_record_with_its_history(household: None) -> None:
    workflow.receive_request(DESK, "R-0002", "P0001", "correction", TODAY, "運転免許証",
                             {"field": "name", "name_kanji": "北九 大郎", "name_kana": "キタキュウ ダイロウ"})
    with pytest.raises(RequestError, match="only a granted request"):
        workflow.carry_out_request(DESK, "P0001", "R-0002", TODAY)
    workflow.decide_request(DESK, "P0001", "R-0002", "granted", TODAY + timedelta(days=1))
    workflow.carry_out_request(DESK, "P0001", "R-0002", TODAY + timedelta(days=2))
    person = get_person("P0001")
    assert person is not None and person.name_kanji == "北九 大郎"
    file = read_person_file("P0001")
    assert file is not None
    last = file.history[-1]
    assert last["note"] == "訂正請求 R-0002 による訂正" and last["recorded_by"] == "S0201"
    with pytest.raises(RequestError, match="already carried out"):
        workflow.carry_out_request(DESK, "P0001", "R-0002", TODAY + timedelta(days=3))


def test_a_suspension_is_marked_and_answered_for_that_category_only(household: None) -> None:
    workflow.receive_request(DESK, "R-0003", "P0001", "suspension", TODAY, "旅券",
                             {"categories": ["linkage"], "grounds": "目的外の提供があったと考えるため"})
    check_use("linkage.provision", ["P0001"])  # not yet decided: nothing is suspended
    workflow.decide_request(DESK, "P0001", "R-0003", "granted", TODAY)
    done, _ = workflow.carry_out_request(DESK, "P0001", "R-0003", TODAY)
    for use in ("linkage.provision", "linkage.query"):
        with pytest.raises(UseSuspended, match="linkage") as err:
            check_use(use, ["P0002", "P0001"])
        assert "P0001" not in str(err.value)
    check_use("qualification.read", ["P0001"])
    check_use("linkage.provision", ["P0002"])
    assert suspended_for(["P0001"], "requests") == []  # handling the person's own requests is never suspended
    # what goes on is told: the federation files (an entrustment, with its law), not provision nor query
    assert [c["use"] for c in done.result["continues"]] == ["linkage.federation_export"]


def test_uses_that_continue_under_a_suspension_name_their_law(household: None) -> None:
    workflow.receive_request(DESK, "R-0007", "P0001", "suspension", TODAY, "旅券",
                             {"categories": ["collection", "qualification"], "grounds": "利用目的外の利用のため"})
    workflow.decide_request(DESK, "P0001", "R-0007", "granted", TODAY)
    done, _ = workflow.carry_out_request(DESK, "P0001", "R-0007", TODAY)
    told = {c["use"]: c["basis"] for c in done.result["continues"]}
    assert set(told) == {"qualification.change", "collection.reminders", "collection.refunds", "collection.arrears",
                         "collection.notices", "collection.payments", "collection.statistics"}
    assert "地方自治法第231条の3" in told["collection.reminders"]
    assert check_use("collection.reminders", ["P0001"]).basis == told["collection.reminders"]
    with pytest.raises(UseSuspended):
        check_use("qualification.read", ["P0001"])
    assert partition_use("qualification.read", ["P0002", "P0001"]) == (["P0002"], ["P0001"])


def test_refusal_extension_and_conflicts(household: None) -> None:
    workflow.receive_request(DESK, "R-0004", "P0001", "disclosure", TODAY, "在留カード")
    with pytest.raises(StoreConflict):
        workflow.receive_request(DESK, "R-0004", "P0001", "disclosure", TODAY, "在留カード")
    extended = workflow.extend_request(DESK, "P0001", "R-0004", TODAY + timedelta(days=45),
                                       "記録の量が多く確認に時間を要するため", TODAY + timedelta(days=10))
    assert extended.decide_by == TODAY + timedelta(days=45)
    assert workflow.due_requests(TODAY + timedelta(days=46), DESK)[0]["overdue"] is True
    closed = workflow.decide_request(DESK, "P0001", "R-0004", "refused", TODAY + timedelta(days=20),
                                     "請求に係る保有個人情報を保有していないため")
    assert closed.status.value == "closed"
    with pytest.raises(workflow.NotFound):
        workflow.decide_request(DESK, "P0001", "R-9999", "granted", TODAY)


def test_the_inquiry_log_keeps_dates_and_answers(household: None) -> None:
    workflow.log_inquiry(DESK, "Q-0001", TODAY, "電話", "自分の情報を誰が見たか知りたい", "P0001")
    workflow.log_inquiry(DESK, "Q-0002", TODAY, "窓口", "開示請求の方法")
    answered = workflow.answer_inquiry(DESK, "Q-0001", TODAY, "開示請求の手続を案内した", TODAY + timedelta(days=1))
    assert answered.answered_on == TODAY + timedelta(days=1)
    from kokuho.requests.wiring import store

    log = [(q.inquiry_id, q.answer) for q, _ in store().inquiries(TODAY, TODAY)]
    assert log == [("Q-0001", "開示請求の手続を案内した"), ("Q-0002", None)]
    record_access(DESK, ["P0001"], "requests", "noop")  # the store's records sit beside others' normally
    assert any(r.operation == "log_inquiry" and r.subject_ids == ["P0001"] for r in records_by_staff("S0201"))


def test_the_command_line_walks_a_request(household: None, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff

    # each step with its own grant, as the API's routes need (the desk receives, the chief decides and carries out)
    for staff, functions in (("S0201", ("requests_receive",)), ("S0202", ("requests_decide", "requests_carry_out"))):
        put_staff(StaffMember(staff, "窓口 試験", "国保年金課", date(2020, 4, 1), None))
        for fn in functions:
            put_grant(Grant(staff, f"G-{fn}", fn, workflow.PURPOSE, "個人情報保護法第76条", "国保年金課",
                            date(2020, 4, 1), date(2099, 3, 31), "S9001", "2020-04-01T09:00:00+09:00"))
    base, chief = (["requests", "--as", s, "--terminal", "T-SOUDAN-01"] for s in ("S0201", "S0202"))
    assert cli_main([*base, "receive", "R-0005", "--person", "P0001", "--kind", "disclosure",
                     "--verification", "個人番号カード", "--on", "2026-04-10"]) == 0
    assert "2026-05-10" in capsys.readouterr().out
    assert cli_main([*chief, "decide", "R-0005", "--person", "P0001", "--outcome", "granted",
                     "--on", "2026-04-11"]) == 0
    assert cli_main([*chief, "carry-out", "R-0005", "--person", "P0001", "--on", "2026-04-12",
                     "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "disclosure-R-0005.pdf" in out and (tmp_path / "disclosure-R-0005.pdf").is_file()
    assert cli_main([*base, "receive", "R-0006", "--person", "P0001", "--kind", "disclosure",
                     "--verification", "名乗った", "--on", "2026-04-10"]) == 2
    assert "verification" in capsys.readouterr().err


def _assessed_household() -> None:
    """One assessment version and its ledger for household H0001 (payer P0001), FY2026."""

    from kokuho.collection.ledger import Charge, ChargedInstallment
    from kokuho.records.assessments import AssessmentVersionModel
    from kokuho_local.ledger_seed import seed_ledger

    installments = [{"number": n, "month": f"2026-{5 + n:02d}", "due": f"2026-{5 + n:02d}-28", "amount": 12300}
                    for n in (1, 2)]
    AssessmentVersionModel(AssessmentVersionModel.pk_of("H0001", 2026), AssessmentVersionModel.sk_of(1), version=1,
                           run_id="annual-2026-2026-06", content_hash="x",
                           doc={"household_id": "H0001", "fiscal_year": 2026, "result": {
                               "annual": 24600, "reduction": None, "parts": {"medical": 24600}},
                               "installments": installments, "diff": {}, "difference": 0, "refund": 0}).save()
    charge = Charge("H0001", 2026, "P0001", 1, 24600, tuple(
        ChargedInstallment(i["number"], i["month"], date.fromisoformat(i["due"]), i["amount"]) for i in installments))
    seed_ledger(charge)


def test_premiums_and_payments_are_disclosed_to_the_payer_only(household: None, tmp_path: Path) -> None:
    _assessed_household()
    for rid, pid in (("R-0010", "P0001"), ("R-0011", "P0002")):
        workflow.receive_request(DESK, rid, pid, "disclosure", TODAY, "個人番号カード")
        workflow.decide_request(DESK, pid, rid, "granted", TODAY)
        workflow.carry_out_request(DESK, pid, rid, TODAY, tmp_path)
    payer = json.loads((tmp_path / "disclosure-R-0010.json").read_text("utf-8"))
    premiums = [(a["年度"], a["年額"], [i["金額"] for i in a["期別"]]) for a in payer["賦課"]]
    assert premiums == [(2026, 24600, [12300, 12300])]
    assert [(p["年度"], p["調定額"]) for p in payer["収納"]] == [(2026, 24600)]
    member = json.loads((tmp_path / "disclosure-R-0011.json").read_text("utf-8"))
    assert member["賦課"] == [] and member["収納"] == []  # built from the others' incomes: not the member's data
    text = json.dumps(member, ensure_ascii=False)
    assert "P0001" not in text and "太郎" not in text
