"""The request desk through the private API (issue 11 item 7; assessment V 開示・訂正・利用停止, 問い合わせ):
a disclosure received, listed with its legal deadline, decided, carried out and downloaded as JSON and PDF
exactly as handed over; a correction and a suspension carried out; the inquiry log. And as an attacker would:
no grant, the wrong step's grant, an expired grant, a method in another spelling, another person's id, bad
input and a My Number in a body or a URL — each refused with a reason, recorded, nothing changed."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from datetime import timedelta

import pytest
from pypdf import PdfReader
from qualification_helpers import call, item_counts

from kokuho.access.records import records_by_staff
from kokuho.dates.tokyo import today_jst
from kokuho.records.qualification import get_person, read_person_file
from kokuho.requests.suspension import UseSuspended, check_use

CLERK, DESK, CHIEF, READER, NO_GRANTS, EXPIRED = "S1002", "S1015", "S1016", "S1001", "S1006", "S1007"
NUMBER = "123456789018"  # a valid My Number (check digit): never echoed back
TODAY = today_jst()


def _person(pid: str, hh: str, rel: str, name: str, kana: str) -> dict[str, str]:
    return {"person_id": pid, "resident_code": f"1{pid[1:]}000", "household_id": hh, "name_kanji": name,
            "name_kana": kana, "birth_date": "1975-06-15", "sex": "1", "relationship": rel,
            "postal_code": "803-8501", "address": "北九州市小倉北区城内1-1", "resident_from": "2024-04-01"}


@pytest.fixture
def household(staffed: None) -> None:
    assert call("POST", "/persons", staff_id=CLERK, body=_person("P0001", "H0001", "世帯主", "北九 太郎",
                                                                 "キタキュウ タロウ"))[0] == 201
    assert call("POST", "/persons", staff_id=CLERK, body=_person("P0002", "H0001", "妻", "北九 花子",
                                                                 "キタキュウ ハナコ"))[0] == 201


def _receive(rid: str, pid: str, kind: str, details: dict[str, object] | None = None,
             received_on: str | None = None) -> tuple[int, dict[str, object]]:
    body: dict[str, object] = {"request_id": rid, "kind": kind, "verification": "個人番号カード",
                               "received_on": received_on or TODAY.isoformat()}
    if details is not None:
        body["details"] = details
    status, out, _ = call("POST", f"/requests/persons/{pid}", staff_id=DESK, body=body)
    return status, out


def _grant_and_carry_out(pid: str, rid: str) -> dict[str, object]:
    status, out, _ = call("POST", f"/requests/persons/{pid}/{rid}/decision", staff_id=CHIEF,
                          body={"outcome": "granted"})
    assert status == 200 and out["status"] == "decided", out
    status, out, _ = call("POST", f"/requests/persons/{pid}/{rid}/carrying-out", staff_id=CHIEF, body={})
    assert status == 200 and out["status"] == "carried_out", out
    return out


def _pdf_text(data: bytes) -> str:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return text.replace(" ", "").replace("\x00", "")


def test_a_disclosure_from_the_counter_to_the_download(household: None) -> None:
    received_on = TODAY - timedelta(days=2)
    status, out = _receive("R-0001", "P0001", "disclosure", {"scope": "保有する全ての個人情報"},
                           received_on.isoformat())
    assert status == 201 and out["status"] == "received" and out["received_by"] == DESK
    assert out["decide_by"] == (received_on + timedelta(days=30)).isoformat()  # the legal period
    status, due, _ = call("GET", "/requests/due", staff_id=DESK)
    assert status == 200 and [(r["request_id"], r["person_id"], r["decide_by"], r["overdue"])
                              for r in due["items"]] == [("R-0001", "P0001", out["decide_by"], False)]
    done = _grant_and_carry_out("P0001", "R-0001")
    assert call("GET", "/requests/due", staff_id=DESK)[1]["items"] == []
    result = done["result"]
    assert isinstance(result, dict)
    status, got, _ = call("GET", "/requests/persons/P0001/R-0001/disclosure", staff_id=CHIEF)
    body = base64.b64decode(got["content_base64"])
    assert status == 200 and got["media_type"] == "application/json"
    assert hashlib.sha256(body).hexdigest() == got["sha256"] == result["json_sha256"]  # as handed over
    document = json.loads(body)
    assert document["本人"] == "P0001" and document["資格"]["氏名"] == "北九 太郎"
    text = body.decode("utf-8")
    assert "P0002" not in text and "花子" not in text and "T-KOKUHO" not in text
    status, got, _ = call("GET", "/requests/persons/P0001/R-0001/disclosure", staff_id=CHIEF, query={"format": "pdf"})
    pdf = base64.b64decode(got["content_base64"])
    assert status == 200 and got["media_type"] == "application/pdf" and pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == result["pdf_sha256"]
    assert "北九太郎" in _pdf_text(pdf)
    # each step recorded as an access to the person, by the member who took it
    ops = {(r.operation, r.result) for r in records_by_staff(CHIEF) if r.subject_ids == ["P0001"]}
    assert {("decide_disclosure", "ok"), ("carry_out_disclosure", "ok"), ("read_disclosure", "ok")} <= ops
    assert any(r.operation == "receive_disclosure" for r in records_by_staff(DESK))
    assert any(r.operation == "list_due" and r.subject_ids == ["P0001"] for r in records_by_staff(DESK))


def test_a_correction_and_a_suspension_carried_out_through_the_desk(household: None) -> None:
    assert _receive("R-0002", "P0001", "correction", {"field": "name", "name_kanji": "北九 大郎",
                                                      "name_kana": "キタキュウ ダイロウ"})[0] == 201
    out = _grant_and_carry_out("P0001", "R-0002")
    assert out["result"] == {"corrected": "name"}
    person, file = get_person("P0001"), read_person_file("P0001")
    assert person is not None and person.name_kanji == "北九 大郎"
    assert file is not None and file.history[-1]["note"] == "訂正請求 R-0002 による訂正"
    # a correction carries no disclosure to download
    status, out, _ = call("GET", "/requests/persons/P0001/R-0002/disclosure", staff_id=CHIEF)
    assert status == 422 and "request_id" in out["error"]

    assert _receive("R-0003", "P0001", "suspension", {"categories": ["linkage"],
                                                      "grounds": "目的外の提供があったと考えるため"})[0] == 201
    check_use("linkage.provision", ["P0001"])
    out = _grant_and_carry_out("P0001", "R-0003")
    assert out["result"]["suspended"] == ["linkage"]
    assert [c["use"] for c in out["result"]["continues"]] == ["linkage.federation_export"]
    with pytest.raises(UseSuspended):
        check_use("linkage.provision", ["P0001"])


def test_an_extension_and_a_refusal_carry_their_reasons(household: None) -> None:
    assert _receive("R-0004", "P0001", "disclosure")[0] == 201
    path = "/requests/persons/P0001/R-0004"
    decide_by = TODAY + timedelta(days=30)
    status, out, _ = call("POST", f"{path}/extension", staff_id=CHIEF,
                          body={"until": (decide_by + timedelta(days=31)).isoformat(), "reason": "記録が多いため"})
    assert status == 422 and out["error"].startswith("until:")  # at most 30 more days
    status, out, _ = call("POST", f"{path}/extension", staff_id=CHIEF,
                          body={"until": (decide_by + timedelta(days=30)).isoformat(), "reason": "記録が多いため"})
    assert status == 200 and out["status"] == "extended" and out["extension"]["reason"] == "記録が多いため"
    status, out, _ = call("POST", f"{path}/extension", staff_id=CHIEF,
                          body={"until": (decide_by + timedelta(days=30)).isoformat(), "reason": "再延長"})
    assert status == 422 and "once" in out["error"]
    status, out, _ = call("POST", f"{path}/decision", staff_id=CHIEF, body={"outcome": "refused"})
    assert status == 422 and out["error"].startswith("reason:")  # a refusal without its reason
    status, out, _ = call("POST", f"{path}/decision", staff_id=CHIEF,
                          body={"outcome": "refused", "reason": "請求に係る保有個人情報を保有していないため"})
    assert status == 200 and out["status"] == "closed" and out["decision"]["late"] is False
    status, out, _ = call("POST", f"{path}/carrying-out", staff_id=CHIEF, body={})
    assert status == 422 and "only a granted request" in out["error"]
    status, out, _ = call("GET", path, staff_id=DESK)
    assert status == 200 and out["decision"]["outcome"] == "refused"


def test_the_inquiry_log_through_the_desk(household: None) -> None:
    day = TODAY.isoformat()
    status, out, _ = call("POST", "/requests/inquiries", staff_id=DESK, body={
        "inquiry_id": "Q-0001", "received_on": day, "channel": "電話", "question": "自分の情報を誰が見たか知りたい",
        "person_id": "P0001"})
    assert status == 201 and out["answer"] is None
    assert call("POST", "/requests/inquiries", staff_id=DESK, body={
        "inquiry_id": "Q-0002", "received_on": day, "channel": "窓口", "question": "開示請求の方法"})[0] == 201
    status, out, _ = call("POST", "/requests/inquiries/Q-0001/answer", staff_id=DESK,
                          body={"received_on": day, "answer": "開示請求の手続を案内した"})
    assert status == 200 and out["answered_on"] == day and out["answered_by"] == DESK
    status, out, _ = call("POST", "/requests/inquiries/Q-0001/answer", staff_id=DESK,
                          body={"received_on": day, "answer": "再回答"})
    assert status == 422 and "already answered" in out["error"]
    assert call("POST", "/requests/inquiries/Q-0009/answer", staff_id=DESK,
                body={"received_on": day, "answer": "x"})[0] == 404
    status, out, _ = call("GET", "/requests/inquiries", staff_id=DESK, query={"from": day, "to": day})
    assert status == 200 and [(i["inquiry_id"], i["answer"]) for i in out["items"]] == [
        ("Q-0001", "開示請求の手続を案内した"), ("Q-0002", None)]
    status, out, _ = call("GET", "/requests/inquiries", staff_id=DESK, query={"from": day, "to": "2020-01-01"})
    assert status == 422 and out["error"].startswith("from:")
    assert any(r.operation == "list_inquiries" and r.subject_ids == ["P0001"] for r in records_by_staff(DESK))


# --- as an attacker would ------------------------------------------------------------------------------

STEPS = [  # (method, path, body) of every step on P0001's request R-0001
    ("POST", "/requests/persons/P0001", {"request_id": "R-0009", "kind": "disclosure", "verification": "旅券",
                                         "received_on": TODAY.isoformat()}),
    ("GET", "/requests/due", None),
    ("GET", "/requests/persons/P0001/R-0001", None),
    ("POST", "/requests/persons/P0001/R-0001/extension",
     {"until": (TODAY + timedelta(days=40)).isoformat(), "reason": "理由"}),
    ("POST", "/requests/persons/P0001/R-0001/decision", {"outcome": "granted"}),
    ("POST", "/requests/persons/P0001/R-0001/carrying-out", {}),
    ("GET", "/requests/persons/P0001/R-0001/disclosure", None),
    ("GET", "/requests/inquiries", None),
    ("POST", "/requests/inquiries", {"inquiry_id": "Q-0001", "received_on": TODAY.isoformat(), "channel": "電話",
                                     "question": "質問"}),
    ("POST", "/requests/inquiries/Q-0001/answer", {"received_on": TODAY.isoformat(), "answer": "回答"}),
]


def _spellings(method: str) -> list[str]:
    return [method, method.lower(), method.capitalize(), method[0].lower() + method[1:]]


def test_no_grant_the_wrong_steps_grant_or_an_expired_one_is_refused_in_any_spelling(household: None) -> None:
    assert _receive("R-0001", "P0001", "disclosure")[0] == 201
    before = item_counts("requests", "qualification")
    desk_only = {"/requests/persons/P0001", "/requests/inquiries", "/requests/inquiries/Q-0001/answer"}
    wrong: list[str] = []
    denied: dict[str, int] = {}
    for method, path, body in STEPS:
        chief_step = path not in desk_only and path not in ("/requests/due", "/requests/persons/P0001/R-0001")
        refused = [READER, NO_GRANTS, EXPIRED] + ([DESK] if chief_step else [])
        refused += [CHIEF] if path in desk_only else []
        for staff_id in refused:
            for spelling in _spellings(method):
                status, out, _ = call(spelling, path, staff_id=staff_id, body=body)
                if status != 403:
                    wrong.append(f"{spelling} {path} by {staff_id}: {status} {out}")
                denied[staff_id] = denied.get(staff_id, 0) + 1
    assert wrong == []
    assert item_counts("requests", "qualification") == before  # nothing written by any of them
    for staff_id, n in denied.items():  # every refusal left a denied record naming who tried
        assert len([r for r in records_by_staff(staff_id) if r.result == "denied"]) == n, staff_id


def test_a_request_is_found_under_its_own_person_only(household: None) -> None:
    assert _receive("R-0001", "P0001", "disclosure")[0] == 201
    _grant_and_carry_out("P0001", "R-0001")
    before = item_counts("requests")
    for method, path, body in [
        ("GET", "/requests/persons/P0002/R-0001", None),
        ("GET", "/requests/persons/P0002/R-0001/disclosure", None),
        ("POST", "/requests/persons/P0002/R-0001/decision", {"outcome": "granted"}),
        ("POST", "/requests/persons/P0002/R-0001/carrying-out", {}),
    ]:
        status, out, _ = call(method, path, staff_id=CHIEF, body=body)
        assert status == 404 and "P0001" not in json.dumps(out), (path, status, out)
    assert item_counts("requests") == before


def test_a_read_of_a_request_records_whether_it_was_found(household: None) -> None:
    """The person's record says what the read found: a request asked for under another person, or that does not
    exist, is `not_found` (as every other route's read of nothing), never `ok` — an auditor reading the record
    would take it for a request of that person that was read."""
    assert _receive("R-0001", "P0001", "disclosure")[0] == 201
    assert call("GET", "/requests/persons/P0001/R-0001", staff_id=CHIEF)[0] == 200
    assert call("GET", "/requests/persons/P0002/R-0001", staff_id=CHIEF)[0] == 404
    assert call("GET", "/requests/persons/P0001/R-0009/disclosure", staff_id=CHIEF)[0] == 404
    reads = [(r.subject_ids, r.result) for r in records_by_staff(CHIEF) if r.operation == "read_request"]
    assert reads == [(["P0001"], "ok"), (["P0002"], "not_found"), (["P0001"], "not_found")]


@pytest.mark.parametrize(("body", "field"), [
    ({"request_id": "R-1", "kind": "disclosure", "verification": "名乗った", "received_on": "2026-01-05"},
     "verification"),
    ({"request_id": "R-1", "kind": "erasure", "verification": "旅券", "received_on": "2026-01-05"}, "kind"),
    ({"request_id": "R-1", "kind": "disclosure", "verification": "旅券", "received_on": "2999-01-01"},
     "received_on"),
    ({"request_id": "R-1", "kind": "disclosure", "verification": "旅券", "received_on": "2026-02-30"},
     "received_on"),
    ({"request_id": "R-1", "kind": "correction", "verification": "旅券", "received_on": "2026-01-05",
      "details": {"field": "birth_date"}}, "field"),
    ({"request_id": "R-1", "kind": "suspension", "verification": "旅券", "received_on": "2026-01-05",
      "details": {"categories": ["requests"], "grounds": "x"}}, "categories"),
    ({"request_id": "R-1", "kind": "suspension", "verification": "旅券", "received_on": "2026-01-05",
      "details": {"categories": ["linkage"]}}, "grounds"),
    ({"request_id": "R-1", "kind": "disclosure", "verification": "旅券", "received_on": "2026-01-05",
      "extra": 1}, "extra"),
    ({"request_id": "R-1", "kind": "suspension", "verification": "旅券", "received_on": "2026-01-05",
      "details": {"categories": ["linkage"], "grounds": f"番号 {NUMBER} の誤用"}}, "My Number"),
])
def test_bad_input_is_refused_with_its_reason_and_changes_nothing(household: None, body: dict[str, object],
                                                                   field: str) -> None:
    before = item_counts("requests", "access_log")
    status, out, _ = call("POST", "/requests/persons/P0001", staff_id=DESK, body=body)
    assert status == 422 and field in json.dumps(out, ensure_ascii=False), out
    assert NUMBER not in json.dumps(out)
    assert item_counts("requests") == {"requests": before["requests"]}


def test_a_my_number_in_the_url_is_refused_before_anything(household: None) -> None:
    before = item_counts("requests", "access_log")
    for path in (f"/requests/persons/{NUMBER}", f"/requests/persons/P0001/{NUMBER}"):
        status, out, _ = call("GET" if path.count("/") > 3 else "POST", path, staff_id=DESK, body={})
        assert status == 400 and NUMBER not in json.dumps(out)
    status, out, _ = call("GET", "/requests/inquiries", staff_id=DESK,
                          query={"from": NUMBER, "to": TODAY.isoformat()})
    assert status == 400 and NUMBER not in json.dumps(out)
    assert item_counts("requests", "access_log") == before


# --- 利用停止 honoured by the counter's reads (uses qualification.read and assessment.simulation: stop) -----

def test_a_suspension_stops_the_counters_reads_of_that_person_only(household: None) -> None:
    version = call("GET", "/persons/P0001", staff_id=READER)[1]["version"]
    assert _receive("R-0005", "P0001", "suspension", {"categories": ["qualification", "assessment"],
                                                      "grounds": "利用目的外の利用のため"})[0] == 201
    done = _grant_and_carry_out("P0001", "R-0005")
    told = {c["use"] for c in done["result"]["continues"]}  # type: ignore[index]
    assert {"qualification.change", "assessment.run"} <= told  # what goes on, and why, is told to the person
    status, out, _ = call("GET", "/persons/P0001", staff_id=READER)
    assert status == 403 and "利用停止" in out["error"] and "P0001" not in out["error"]
    assert [(r.operation, r.result) for r in records_by_staff(READER) if r.subject_ids == ["P0001"]][-1] == (
        "read", "suspended")
    assert call("GET", "/persons/P0002", staff_id=READER)[0] == 200  # the spouse: read as ever
    status, out, _ = call("GET", "/persons", staff_id=READER, query={"kana": "キタキュウ"})
    assert status == 200 and [i["person_id"] for i in out["items"]] == ["P0002"]
    status, out, _ = call("GET", "/households/H0001", staff_id=READER)
    names = {m["person_id"]: m["name_kanji"] for m in out["members"]}
    assert status == 200 and names == {"P0001": None, "P0002": "北九 花子"}
    status, out, _ = call("POST", "/households/H0001/simulation", staff_id="S1003", body={"fiscal_year": 2025})
    assert status == 403 and "利用停止" in out["error"]
    # the law keeps the file following the facts: a registration goes on
    status, out, _ = call("POST", "/persons/P0001/moves", staff_id=CLERK, body={
        "postal_code": "802-0001", "address": "北九州市小倉北区浅野1-1", "moved_on": TODAY.isoformat(),
        "version": version})
    assert status == 200, out
    # and the person's own requests are never suspended
    assert _receive("R-0006", "P0001", "disclosure")[0] == 201
    _grant_and_carry_out("P0001", "R-0006")


def test_the_due_list_records_the_persons_it_shows_and_no_others(household: None) -> None:
    # GET /requests/due?limit=1 showed one request but recorded a look at every person with an open request: the
    # person not shown found the desk in their access history (a disclosure of who accessed them says so) for data
    # never seen.
    scope = {"scope": "保有する全ての個人情報"}
    assert _receive("R-0001", "P0001", "disclosure", scope, received_on=(TODAY - timedelta(days=3)).isoformat())[0] \
        == 201
    assert _receive("R-0002", "P0002", "disclosure", scope)[0] == 201
    before = len(list(records_by_staff(DESK)))
    status, due, _ = call("GET", "/requests/due", staff_id=DESK, query={"limit": "1"})
    assert status == 200 and [i["person_id"] for i in due["items"]] == ["P0001"] and due["more"] is True
    [looked] = [r for r in list(records_by_staff(DESK))[before:] if r.operation == "list_due"]
    assert list(looked.subject_ids) == ["P0001"]
