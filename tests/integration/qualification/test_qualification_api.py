"""The qualification API end to end on the embedded AWS: registrations, history, household projection,
cards, search, counter simulation, locking, and what a clerk sees (never a My Number)."""

from __future__ import annotations

from typing import Any

import pytest
from qualification_helpers import REVEAL_PURPOSE, all_table_text, call, item_counts

from kokuho.access.records import records_of_subject

CLERK, READER, COUNTER, OFFICER = "S1002", "S1001", "S1003", "S1004"
NUM = "123456789018"


def person(pid: str, rel: str = "世帯主", birth: str = "1975-06-15", hh: str = "H0001", **kw: Any) -> dict:
    return {"person_id": pid, "resident_code": f"10{pid[1:]:0>6}", "household_id": hh,
            "name_kanji": f"北九 {pid}", "name_kana": "キタキュウ タロウ", "birth_date": birth, "sex": "1",
            "relationship": rel, "postal_code": "803-8501", "address": "北九州市小倉北区城内1-1",
            "resident_from": "2024-04-01", **kw}


def register(pid: str, **kw: Any) -> dict:
    status, body, _ = call("POST", "/persons", staff_id=CLERK, body=person(pid, **kw))
    assert status == 201, body
    return body


def qualify(pid: str, reason: str, cause_on: str, version: int) -> tuple[int, dict]:
    status, body, _ = call("POST", f"/persons/{pid}/qualification", staff_id=CLERK,
                           body={"reason": reason, "cause_on": cause_on, "version": version, "note": "届出書"})
    return status, body


@pytest.fixture
def household(staffed: None) -> None:
    register("P0001")
    register("P0002", rel="妻", birth="1978-02-01")
    assert qualify("P0001", "move_in", "2024-04-01", 1)[0] == 200
    assert qualify("P0002", "move_in", "2024-04-01", 1)[0] == 200


def test_loss_dates_follow_the_cause_and_history_keeps_who_when_why(household: None) -> None:
    status, body = qualify("P0001", "joined_employee_insurance", "2024-10-15", 2)
    assert status == 200, body
    periods = body["qualification"]
    assert periods == [{"acquired_on": "2024-04-01", "acquire_reason": "move_in", "until": "2024-10-16",
                        "lose_reason": "joined_employee_insurance", "acquire_label": "転入",
                        "lose_label": "社保加入"}]
    status, view, _ = call("GET", "/persons/P0001", staff_id=READER)
    assert status == 200
    kinds = [(h["kind"], h["effective_on"], h["recorded_by"], h["note"]) for h in view["history"]]
    assert kinds == [("registered", "2024-04-01", CLERK, None),
                     ("acquire", "2024-04-01", CLERK, "届出書"), ("lose", "2024-10-16", CLERK, "届出書")]
    assert view["history"][2]["cause_on"] == "2024-10-15" and view["history"][2]["terminal_id"] == "T-KOKUHO-01"


def test_deemed_householder_and_household_projection_in_the_same_transaction(household: None) -> None:
    from kokuho.assessment.household_cases import get_household_case

    assert qualify("P0001", "joined_employee_insurance", "2024-10-15", 2)[0] == 200
    status, hh, _ = call("GET", "/households/H0001", staff_id=READER)
    assert status == 200
    assert hh["householder_id"] == "P0001"
    assert [e["kind"] for e in hh["history"]][-1] == "deemed_householder"
    case = get_household_case("H0001", 2024)
    assert case is not None
    members = {m["id"]: m for m in case["household"]["members"]}
    assert members["P0001"]["insured"] == [{"from": "2024-04-01", "until": "2024-10-16"}]
    assert members["P0002"]["insured"] == [{"from": "2024-04-01", "until": None}]
    assert members["P0001"]["income"]["declared"] is False  # no income record stored


def test_stale_version_gets_409_and_writes_nothing(household: None) -> None:
    before = item_counts("qualification", "assessment")
    status, body = qualify("P0001", "move_out", "2024-07-01", 1)  # version 1 is stale (now 2)
    assert status == 409, body
    assert item_counts("qualification", "assessment") == before
    last = list(records_of_subject("P0001"))[-1]
    assert (last.operation, last.result, last.staff_id) == ("qualification", "conflict", CLERK)


def test_bad_input_is_422_with_a_reason_and_writes_nothing(household: None) -> None:
    before = item_counts("qualification", "assessment", "mynumber")
    cases = [
        {"reason": "move_out", "cause_on": "2024-07-01"},  # version missing
        {"reason": "birth", "cause_on": "2024-07-01", "version": 2},  # already insured / not birth date
        {"reason": "late_elderly", "cause_on": "2024-07-01", "version": 2},  # not the 75th birthday
        {"reason": "move_out", "cause_on": "1900-01-01", "version": 2},  # before birth
        {"reason": "flying", "cause_on": "2024-07-01", "version": 2},
        {"reason": "move_out", "cause_on": "2024-07-01", "version": 2, "note": f"番号 {NUM}"},
        {"reason": "move_out", "cause_on": "2024-07-01", "version": 2, "extra": 1},
    ]
    for body in cases:
        status, out, resp = call("POST", "/persons/P0001/qualification", staff_id=CLERK, body=body)
        assert status == 422, (body, out)
        assert out.get("error")
        assert NUM not in resp["body"]
    assert item_counts("qualification", "assessment", "mynumber") == before


def test_late_elderly_makes_specific_same_household_and_specific_household(staffed: None) -> None:
    register("P0011", birth="1949-06-01", hh="H0011")
    register("P0012", rel="妻", birth="1955-01-01", hh="H0011")
    assert qualify("P0011", "move_in", "2024-04-01", 1)[0] == 200
    assert qualify("P0012", "move_in", "2024-04-01", 1)[0] == 200
    status, body = qualify("P0011", "late_elderly", "2024-06-01", 2)
    assert status == 200, body
    assert body["qualification"][0]["until"] == "2024-06-01"  # the 75th birthday itself
    assert body["specific_same_household_since"] == "2024-06-01"
    status, hh, _ = call("GET", "/households/H0011", staff_id=READER)
    assert hh["specific_since"] == "2024-06-01" and hh["specific_household"] == "specific"
    assert hh["deemed_householder"] is True


def test_move_rename_household_change_keep_the_old_values(household: None) -> None:
    status, body, _ = call("POST", "/persons/P0002/moves", staff_id=CLERK, body={
        "postal_code": "802-0001", "address": "北九州市小倉北区浅野1-1", "moved_on": "2024-08-01", "version": 2})
    assert status == 200 and body["address"] == "北九州市小倉北区浅野1-1"
    status, body, _ = call("POST", "/persons/P0002/name", staff_id=CLERK, body={
        "name_kanji": "門司 花子", "name_kana": "モジ ハナコ", "changed_on": "2024-08-02", "version": 3})
    assert status == 200 and body["name_kana"] == "モジ ハナコ"
    status, body, _ = call("POST", "/persons/P0002/household", staff_id=CLERK, body={
        "household_id": "H0002", "relationship": "世帯主", "changed_on": "2024-08-03", "version": 4})
    assert status == 200 and body["household_id"] == "H0002"
    _, view, _ = call("GET", "/persons/P0002", staff_id=READER)
    moves = {h["kind"]: h["detail"] for h in view["history"]}
    assert moves["move"]["before"]["address"] == "北九州市小倉北区城内1-1"
    assert moves["rename"]["before"]["name_kana"] == "キタキュウ タロウ"
    assert moves["household_change"]["before"]["household_id"] == "H0001"
    _, old, _ = call("GET", "/households/H0001", staff_id=READER)
    left = [m for m in old["members"] if m["person_id"] == "P0002"]
    assert left and left[0]["left_on"] == "2024-08-03"  # past members are kept


def test_cards_issue_and_recover(household: None) -> None:
    status, card, _ = call("POST", "/persons/P0001/cards", staff_id=CLERK,
                           body={"issued_on": "2024-04-05", "version": 2})
    assert status == 201, card
    status, again, _ = call("POST", "/persons/P0001/cards", staff_id=CLERK,
                            body={"issued_on": "2024-04-06", "version": 3})
    assert status == 422  # one valid card at a time
    status, rec, _ = call("POST", f"/persons/P0001/cards/{card['card_id']}/recovery", staff_id=CLERK,
                          body={"recovered_on": "2024-04-06", "reason": "reissue", "version": 3})
    assert status == 200 and rec["recovered_on"] == "2024-04-06"
    _, view, _ = call("GET", "/persons/P0001", staff_id=READER)
    assert [c["recovered_on"] for c in view["cards"]] == ["2024-04-06"]


def test_search_shows_a_mask_and_lookup_only_by_post_body(household: None) -> None:
    status, out, _ = call("POST", "/persons/P0001/my-number", staff_id=OFFICER, body={"my_number": NUM})
    assert status == 202 and out["result"] == "accepted"
    status, res, resp = call("GET", "/persons", staff_id=READER, query={"kana": "きたきゅう"})
    assert status == 200
    assert {i["person_id"]: i["my_number"] for i in res["items"]} == {"P0001": "************", "P0002": ""}
    assert NUM not in resp["body"]
    status, _, _ = call("GET", "/persons", staff_id=READER, query={"kana": NUM})
    assert status == 400  # twelve digits in a URL are refused outright
    status, found, resp = call("POST", "/my-number/lookup", staff_id=OFFICER, body={"my_number": NUM})
    assert status == 200 and found == {"person_id": "P0001", "my_number": "************"}
    status, shown, resp = call("POST", "/persons/P0001/my-number/reveal", staff_id=OFFICER,
                               body={"purpose": REVEAL_PURPOSE})
    assert status == 200 and resp["multiValueHeaders"]["Cache-Control"] == ["no-store"]
    assert shown["my_number"] == NUM
    ops = [(r.operation, r.result) for r in records_of_subject("P0001")]
    assert ("reveal", "ok") in ops and ("store", "ok") in ops and ("lookup", "ok") in ops
    # the leak watch that scans this test on the way out really sees the responses and log lines
    from qualification_helpers import LeakWatch

    watch = LeakWatch.current
    assert watch is not None and len(watch.responses) >= 4 and any("request" in line for line in watch.lines)


def test_counter_simulation_uses_the_file(household: None) -> None:
    status, out, _ = call("POST", "/households/H0001/simulation", staff_id=COUNTER, body={
        "fiscal_year": 2024, "incomes": {"P0001": {"total": 2_000_000, "salary": 2_000_000},
                                         "P0002": {"total": 0}}})
    assert status == 200, out
    assert out["result"]["fiscal_year"] == 2024 and out["result"]["annual"] > 0
    assert {m["id"] for m in out["case"]["household"]["members"]} == {"P0001", "P0002"}


def test_nothing_in_tables_or_responses_holds_the_number(household: None) -> None:
    call("POST", "/persons/P0001/my-number", staff_id=OFFICER, body={"my_number": NUM})
    call("POST", "/my-number/lookup", staff_id=OFFICER, body={"my_number": NUM})
    assert NUM not in all_table_text()


def test_every_change_and_read_leaves_its_access_record_in_an_intact_chain(household: None) -> None:
    from kokuho.access.records import verify_all

    call("GET", "/persons/P0001", staff_id=READER)
    recs = list(records_of_subject("P0001"))
    assert [(r.operation, r.result) for r in recs] == [  # the acquisition gave the joiner (51) a 受診券: its write
        ("register_person", "ok"), ("acquire", "ok"), ("write", "ok"), ("read", "ok")]
    assert {(r.staff_id, r.terminal_id) for r in recs} == {(CLERK, "T-KOKUHO-01"), (READER, "T-KOKUHO-01")}
    assert all(r.purpose and r.purpose != "denied" for r in recs)
    assert "HH:H0001" in recs[1].subject_ids  # the household the change touched is named too
    # each in the own chain of the container that served the request (no head read: records.own_chain)
    assert all(r.chain.startswith("API#") for r in recs)
    _, _, breaks = verify_all()
    assert breaks == []


def test_concurrent_updates_of_one_person_one_wins_the_other_gets_409(household: None) -> None:
    """Two containers registering on the same version at once (threads stand for containers: one
    Lambda container never runs two requests at a time, so they share no resolver state here)."""
    from concurrent.futures import ThreadPoolExecutor
    from datetime import date
    from threading import Barrier

    from kokuho.access.records import Actor
    from kokuho.qualification import application

    barrier = Barrier(2)

    def move(address: str) -> str:
        barrier.wait()
        try:
            application.register_move(Actor(CLERK, "T-KOKUHO-01", "資格管理"), "P0002", "802-0001", address,
                                      date(2024, 8, 1), 2, None, date(2024, 9, 1))
            return "ok"
        except application.Conflict:
            return "409"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(move, ["北九州市小倉北区浅野1-1", "北九州市小倉北区浅野2-2"]))
    assert outcomes == ["409", "ok"]
    _, view, _ = call("GET", "/persons/P0002", staff_id=READER)
    assert [h["kind"] for h in view["history"]].count("move") == 1 and view["version"] == 3


def test_a_commit_on_stale_records_is_a_conflict_and_writes_nothing(household: None) -> None:
    from datetime import date

    from kokuho.access.records import Actor
    from kokuho.qualification import application, service
    from kokuho.records import qualification as repo

    stale = repo.get_person("P0002")
    assert stale is not None
    call("POST", "/persons/P0002/name", staff_id=CLERK, body={
        "name_kanji": "門司 花子", "name_kana": "モジ ハナコ", "changed_on": "2024-08-02", "version": 2})
    before = item_counts("qualification", "assessment")
    change = service.move(stale, "802-0001", "北九州市小倉北区浅野1-1", date(2024, 8, 1), date(2024, 9, 1))
    with pytest.raises(application.Conflict):
        application.commit(change, Actor(CLERK, "T-KOKUHO-01", "資格管理"), "move", today=date(2024, 9, 1))
    assert item_counts("qualification", "assessment") == before


def test_a_new_household_starts_with_its_householder(staffed: None) -> None:
    status, out, _ = call("POST", "/persons", staff_id=CLERK, body=person("P0031", rel="子", hh="H0031"))
    assert status == 422 and "世帯主" in out["error"]


def test_search_pages_with_a_fixed_maximum_and_refuses_forged_tokens(staffed: None) -> None:
    for i in range(7):
        register(f"P01{i:02d}", hh=f"H01{i:02d}")
    seen: list[str] = []
    token = None
    for _ in range(10):
        query = {"birth_date": "1975-06-15", "limit": "3"} | ({"page_token": token} if token else {})
        status, page, _ = call("GET", "/persons", staff_id=READER, query=query)
        assert status == 200, page
        assert len(page["items"]) <= 3
        seen += [i["person_id"] for i in page["items"]]
        token = page["next_token"]
        if not token:
            break
    assert sorted(seen) == [f"P01{i:02d}" for i in range(7)]
    assert call("GET", "/persons", staff_id=READER, query={"kana": "キ", "limit": "51"})[0] == 422
    import base64
    import json as _json

    forged = base64.urlsafe_b64encode(_json.dumps({"pk": 1, "sk": 2, "gsi1pk": 3, "gsi1sk": 4}).encode()).decode()
    for bad in (forged, "!!!", "e30="):
        status, out, _ = call("GET", "/persons", staff_id=READER, query={"kana": "キ", "page_token": bad})
        assert status == 422, out


def test_contact_change_keeps_the_old_values_in_history(household: None) -> None:
    status, body, _ = call("POST", "/persons/P0001/contact", staff_id=CLERK, body={
        "phone": "093-582-2111", "mailing": {"name": "北九 花子", "postal_code": "802-0001",
                                             "address": "北九州市小倉北区浅野1-1"},
        "bank_account": {"bank_code": "0001", "branch_code": "001", "account_type": "普通",
                         "account_number": "1234567", "holder_kana": "キタキュウ タロウ"},
        "changed_on": "2024-08-01", "version": 2})
    assert status == 200, body
    assert body["mailing"]["postal_code"] == "802-0001" and body["bank_account"]["account_number"] == "1234567"
    status, body, _ = call("POST", "/persons/P0001/contact", staff_id=CLERK, body={
        "clear": ["mailing"], "changed_on": "2024-08-02", "version": 3})
    assert status == 200 and body["mailing"] is None and body["phone"] == "093-582-2111"
    _, view, _ = call("GET", "/persons/P0001", staff_id=READER)
    last = view["history"][-1]
    assert last["kind"] == "contact_change" and last["detail"]["before"]["mailing"]["name"] == "北九 花子"
    status, _, _ = call("POST", "/persons/P0001/contact", staff_id=CLERK, body={
        "changed_on": "2024-08-03", "version": 4})
    assert status == 422  # nothing changes


def test_each_registration_answers_the_person_as_stored(household: None) -> None:
    # The answer is built from what the transaction wrote, not re-read: it must be what a read returns.
    def same_as_read(status: int, body: dict) -> int:
        assert status == 200, body
        _, view, _ = call("GET", f"/persons/{body['person_id']}", staff_id=READER)
        assert body == {k: v for k, v in view.items() if k not in ("history", "cards")}
        return int(body["version"])

    v = same_as_read(*qualify("P0001", "joined_employee_insurance", "2024-10-15", 2))
    for path, change in (
            ("moves", {"postal_code": "802-0002", "address": "北九州市小倉北区京町1-1", "moved_on": "2024-11-01"}),
            ("name", {"name_kanji": "門司 太郎", "name_kana": "モジ タロウ", "changed_on": "2024-11-02"}),
            ("contact", {"phone": "093-582-2111", "changed_on": "2024-11-03",
                         "mailing": {"name": "門司 花子", "postal_code": "800-0001", "address": "北九州市門司区1-1"}}),
            ("household", {"household_id": "H0009", "relationship": "世帯主", "changed_on": "2024-11-04",
                           "new_householder_of_old": "P0002"})):
        status, body, _ = call("POST", f"/persons/P0001/{path}", staff_id=CLERK, body=change | {"version": v})
        v = same_as_read(status, body)


def _file_reads(monkeypatch: pytest.MonkeyPatch, *logicals: str) -> list[str]:
    """The read requests to these tables (default: the information file and the household cases) from
    here on (operation names)."""
    import botocore.client

    from kokuho.platform.tables import table

    tables = {table(lg).name() for lg in logicals or ("qualification", "assessment")}
    reads: list[str] = []
    make = botocore.client.BaseClient._make_api_call

    def spy(self: Any, operation: str, params: dict[str, Any]) -> Any:
        named = {params.get("TableName"), *(params.get("RequestItems") or {})}
        if operation in ("GetItem", "BatchGetItem", "Query") and named & tables:
            reads.append(operation)
        return make(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", spy)
    return reads


@pytest.mark.parametrize(("path", "body", "expected"), [
    # the person; both households; the old one's members; then what the projection of FY2024..now
    # needs — members, incomes, care, cases of every year — in one batch; last, which of the persons'
    # search-directory entries are new (kokuho.records.search_index), in one batch
    ("/persons/P0002/household", {"household_id": "H0002", "relationship": "世帯主", "changed_on": "2024-08-03",
                                   "version": 2}, ["GetItem", "BatchGetItem", "BatchGetItem", "BatchGetItem",
                                                   "BatchGetItem"]),
    # the person, their household and its members; the projection's batch; the directory entries
    ("/persons/P0002/qualification", {"reason": "move_out", "cause_on": "2024-10-01", "version": 2},
     ["GetItem", "GetItem", "BatchGetItem", "BatchGetItem", "BatchGetItem"]),
    # whether the id is taken and the household, in one batch; the projection's batch; the directory entries
    ("/persons", person("P0003", rel="子", birth="2010-05-05"), ["BatchGetItem", "BatchGetItem", "BatchGetItem"]),
])
def test_a_registration_reads_the_file_in_a_fixed_number_of_requests(
        household: None, monkeypatch: pytest.MonkeyPatch, path: str, body: dict[str, Any],
        expected: list[str]) -> None:
    # Not one request per fiscal year and per kind of fact: the API's p95 (benchmarks/qualification_api.py)
    reads = _file_reads(monkeypatch)
    status, out, _ = call("POST", path, staff_id=CLERK, body=body)
    assert status in (200, 201), out
    assert reads == expected


def test_a_reveal_reads_the_grants_once_and_is_recorded_in_the_requests_chain(
        household: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # The route's grant and the reveal's purpose are decided on one read of the member's grants; the
    # record keeps the request's chain (and terminal source) with the purpose named.
    assert call("POST", "/persons/P0001/my-number", staff_id=OFFICER, body={"my_number": NUM})[0] == 202
    reads = _file_reads(monkeypatch, "staff")
    status, shown, _ = call("POST", "/persons/P0001/my-number/reveal", staff_id=OFFICER,
                            body={"purpose": REVEAL_PURPOSE})
    assert status == 200 and shown["my_number"] == NUM
    assert reads == ["Query"]
    last = records_of_subject("P0001")[-1]
    assert (last.operation, last.result, last.purpose, last.terminal_source) == (
        "reveal", "ok", REVEAL_PURPOSE, "login_session")
    assert last.chain.startswith("API#")


def test_the_permission_review_reads_a_page_in_a_fixed_number_of_requests(
        staffed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # the auditor's grants, the page of grants, then the profiles of every member on the page at once
    reads = _file_reads(monkeypatch, "staff")
    status, out, _ = call("GET", "/permissions/review", staff_id="S1005", query={"limit": "50"})
    assert status == 200 and len({i["staff_id"] for i in out["items"]}) > 3
    assert reads == ["Query", "Query", "BatchGetItem"]


def test_a_grant_check_reads_the_profile_and_the_routes_grants_only(
        staffed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # The officer holds three functions; a lookup is decided on the profile and the lookup grants (the
    # member's other grants never leave the table), with the same answer as on every grant.
    import botocore.client

    from kokuho.platform.tables import table

    returned: list[int] = []
    make = botocore.client.BaseClient._make_api_call

    def spy(self: Any, operation: str, params: dict[str, Any]) -> Any:
        out = make(self, operation, params)
        if operation == "Query" and params.get("TableName") == table("staff").name():
            returned.append(len(out.get("Items", [])))
        return out

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", spy)
    status, _, _ = call("POST", "/my-number/lookup", staff_id=OFFICER, body={"my_number": NUM})
    assert status == 404  # granted: no one holds that number
    assert call("GET", "/persons/P0001", staff_id=OFFICER)[0] == 403  # and no read grant among the three
    assert returned == [2, 1]  # profile + the lookup grant; the profile alone


def test_no_answer_of_the_api_is_kept_on_the_terminal(household: None) -> None:
    # 端末に業務用データが残らない (assessment III-3 リスク4): a person's name, address and birth date answered to a
    # browser-based terminal, or through a caching proxy, stayed in its cache — only the reveal said no-store. Every
    # answer says it, refusals included (they name the route's subject).
    for method, path, staff, query in (("GET", "/persons/P0001", READER, None),
                                       ("GET", "/persons", READER, {"kana": "きたきゅう"}),
                                       ("GET", "/households/H0001", READER, None),
                                       ("GET", "/persons/P0001", "S1006", None),
                                       ("GET", "/persons/P9999", READER, None),
                                       ("POST", "/persons/P0001/name", CLERK, None)):
        status, _, resp = call(method, path, staff_id=staff, query=query, body={} if method == "POST" else None)
        assert resp["multiValueHeaders"].get("Cache-Control") == ["no-store"], (method, path, status)
