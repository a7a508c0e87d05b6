"""Storing a My Number is no existence oracle (issue 8 item 4): a member of staff with the register grant
alone gets the same answer whether the number was stored, was already this person's, differs from the
one held, or is held by someone else; only the holders of the review grant see the review list."""

from __future__ import annotations

from datetime import date

from qualification_helpers import call

from kokuho.access.records import records_of_subject

REGISTRAR = "S1013"  # register_my_number alone
NUM_A, NUM_B = "123456789018", "023456789013"


def _setup() -> None:
    from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff

    put_staff(StaffMember(REGISTRAR, "番号 登録", "国保年金課", date(2020, 4, 1), None))
    put_grant(Grant(REGISTRAR, "G00", "register_my_number", "個人番号の登録", "番号法第9条", "国保年金課",
                    date(2020, 4, 1), date(2099, 3, 31), "S9001", "2020-04-01T09:00:00+09:00"))
    for pid in ("P0001", "P0002"):
        body = {"person_id": pid, "resident_code": f"1000000{pid[-1]}", "household_id": "H0001",
                "name_kanji": "北九 太郎", "name_kana": "キタキュウ タロウ", "birth_date": "1975-06-15", "sex": "1",
                "relationship": "世帯主" if pid == "P0001" else "妻", "postal_code": "803-8501",
                "address": "北九州市小倉北区城内1-1", "resident_from": "2024-04-01"}
        assert call("POST", "/persons", staff_id="S1002", body=body)[0] == 201


def _store(pid: str, number: str) -> tuple[int, dict, dict]:
    status, out, resp = call("POST", f"/persons/{pid}/my-number", staff_id=REGISTRAR, body={"my_number": number})
    return status, {k: v for k, v in out.items() if k != "person_id"}, resp["multiValueHeaders"]


def test_every_outcome_of_a_store_looks_the_same_to_the_caller(staffed: None) -> None:
    _setup()
    answers = [
        _store("P0001", NUM_A),  # stored
        _store("P0001", NUM_A),  # the same number again
        _store("P0002", NUM_A),  # held by another person: goes to the review list
        _store("P0001", NUM_B),  # differs from the one held: goes to the review list
    ]
    assert all(a == answers[0] for a in answers), [a[:2] for a in answers]
    assert answers[0][0] == 202 and answers[0][1]["result"] == "accepted"
    # the audit trail still tells the outcomes apart (for the auditors, not the caller)
    results = [r.result for r in records_of_subject("P0001") if r.operation == "store"]
    assert results == ["ok", "unchanged", "review"]


def test_the_review_list_is_for_the_review_grant_holders(staffed: None) -> None:
    _setup()
    _store("P0002", NUM_A)
    _store("P0001", NUM_A)  # P0002 holds it: held for review
    status, _, _ = call("GET", "/my-number/review", staff_id=REGISTRAR)
    assert status == 403
    status, out, _ = call("GET", "/my-number/review", staff_id="S1012")  # the reviewer role
    assert status == 200 and [i["person_id"] for i in out["items"]] == ["P0001"]
