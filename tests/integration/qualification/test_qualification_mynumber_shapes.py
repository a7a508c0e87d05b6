"""Attacker tests of issue 8 item 5: a My Number in any shape (full-width, 4-4-4 with hyphens or spaces,
other Unicode separators, mixtures) in every free-text field of every write route is refused with a 4xx
naming the field and stores nothing; in a URL, a query parameter's name, a header or the identity it is
refused before anything runs; the dedicated my_number fields accept any shape and store one form.
Responses, logs and access records are scanned by the `embedded` fixture's leak watch."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from qualification_helpers import all_table_text, call, item_counts

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "identity"))
from mynumber_shapes import NUMBER, SHAPES  # noqa: E402

from kokuho.identity.mynumber import check_digit, count_my_numbers  # noqa: E402

CLERK, COUNTER, OFFICER, APPROVER = "S1002", "S1003", "S1004", "S1011"
ATTACK_SHAPES = ["full-width", "hyphens", "spaces", "ideographic-space", "mixed", "minus-sign", "long-mark",
                 "zero-width-space", "every-digit-spaced", "3-4-5", "kanji-numerals", "negative-circled-digits",
                 "kanji-numerals-white-circle-zero"]
OTHER = "98765432109"
OTHER_NUMBER = OTHER + str(check_digit(OTHER))


def person(pid: str, **kw: Any) -> dict[str, Any]:
    return {"person_id": pid, "resident_code": "10000001", "household_id": "H0001", "name_kanji": "北九 太郎",
            "name_kana": "キタキュウ タロウ", "birth_date": "1975-06-15", "sex": "1", "relationship": "世帯主",
            "postal_code": "803-8501", "address": "北九州市小倉北区城内1-1", "resident_from": "2024-04-01", **kw}


MAILING = {"name": "北九 花子", "postal_code": "803-8501", "address": "北九州市小倉北区城内1-1"}
BANK = {"bank_code": "0001", "branch_code": "001", "account_type": "普通", "account_number": "1234567",
        "holder_kana": "キタキュウ タロウ"}

# (staff, path, valid body, free-text fields: dotted path into the body)
WRITES: list[tuple[str, str, dict[str, Any], list[str]]] = [
    (CLERK, "/persons", person("P0002", mailing=MAILING, bank_account=BANK, note="届出"),
     ["person_id", "household_id", "name_kanji", "name_kana", "relationship", "address", "note", "phone",
      "mailing.name", "mailing.address", "bank_account.holder_kana"]),
    (CLERK, "/persons/P0001/qualification", {"reason": "move_in", "cause_on": "2024-04-01", "version": 1,
                                             "note": "届出"}, ["note"]),
    (CLERK, "/persons/P0001/moves", {"postal_code": "803-8501", "address": "北九州市小倉北区大手町1-1",
                                     "moved_on": "2024-05-01", "version": 1, "note": "届出"}, ["address", "note"]),
    (CLERK, "/persons/P0001/name", {"name_kanji": "北九 次郎", "name_kana": "キタキュウ ジロウ",
                                    "changed_on": "2024-05-01", "version": 1, "note": "届出"},
     ["name_kanji", "name_kana", "note"]),
    (CLERK, "/persons/P0001/household", {"household_id": "H0002", "relationship": "世帯主",
                                         "changed_on": "2024-05-01", "version": 1, "note": "届出"},
     ["household_id", "relationship", "note"]),
    (CLERK, "/persons/P0001/contact", {"phone": "093-582-2111", "mailing": MAILING, "changed_on": "2024-05-01",
                                       "version": 1, "note": "届出"},
     ["phone", "mailing.name", "mailing.address", "note"]),
    (CLERK, "/persons/P0001/cards", {"issued_on": "2024-05-01", "version": 1, "note": "届出"}, ["note"]),
    (CLERK, "/persons/P0001/cards/P0001-C0001/recovery", {"recovered_on": "2024-05-01", "reason": "returned",
                                                          "version": 1, "note": "届出"}, ["note"]),
    (OFFICER, "/persons/P0001/my-number/reveal", {"purpose": "本人確認"}, ["purpose"]),
    (APPROVER, "/linkage/approvals/REQ1", {"decision": "refuse", "reason": "本人の申出"}, ["reason"]),
]
CASES = [(staff, path, body, field) for staff, path, body, fields in WRITES for field in fields]


def _with(body: dict[str, Any], dotted: str, value: str) -> dict[str, Any]:
    out = json.loads(json.dumps(body))
    *parents, leaf = dotted.split(".")
    target = out
    for p in parents:
        target = target[p]
    target[leaf] = value
    return out


@pytest.fixture
def one_person(staffed: None) -> None:
    status, body, _ = call("POST", "/persons", staff_id=CLERK, body=person("P0001"))
    assert status == 201, body


def _stored() -> dict[str, int]:
    return item_counts("qualification", "assessment", "mynumber", "linkage")


def test_every_free_text_field_of_every_write_route_refuses_every_shape(one_person: None) -> None:
    before = _stored()
    for staff, path, body, field in CASES:
        leaf = field.rsplit(".", 1)[-1]
        for shape in ATTACK_SHAPES:
            for value in (SHAPES[shape](NUMBER), f"メモ {SHAPES[shape](NUMBER)} 確認"):
                status, out, resp = call("POST", path, staff_id=staff, body=_with(body, field, value))
                assert 400 <= status < 500, (path, field, shape, status)
                assert leaf in resp["body"], (path, field, shape, out)  # the reason names the field
                assert count_my_numbers(resp["body"], inside_identifiers=True) == 0
    assert _stored() == before  # nothing stored, nothing changed
    assert count_my_numbers(all_table_text(), inside_identifiers=True) == 0


@pytest.mark.parametrize("escape", ["html-decimal", "html-hex", "percent"])
def test_a_free_text_field_refuses_a_number_written_as_a_web_escape(one_person: None, escape: str) -> None:
    # "&#49;&#50;…" or "%31%32…" in a note: any page, print or URL that shows the note shows the number.
    write = {"html-decimal": lambda c: f"&#{ord(c)};", "html-hex": lambda c: f"&#x{ord(c):x};",
             "percent": lambda c: "".join(f"%{b:02X}" for b in c.encode())}[escape]
    before = _stored()
    for shape in ("plain", "full-width", "hyphens"):
        value = "".join(write(c) for c in SHAPES[shape](NUMBER))
        for staff, path, body, field in CASES:
            if field != "note":
                continue
            status, out, resp = call("POST", path, staff_id=staff, body=_with(body, field, f"メモ {value}"))
            assert status == 422 and "note" in resp["body"], (path, shape, status, out)
    assert _stored() == before


def test_simulation_income_keys_refuse_every_shape(one_person: None) -> None:
    income = {"total": 3_000_000}
    for shape in ATTACK_SHAPES:
        status, out, _ = call("POST", "/households/H0001/simulation", staff_id=COUNTER,
                              body={"fiscal_year": 2024, "incomes": {SHAPES[shape](NUMBER): income}})
        assert status == 422 and "incomes" in json.dumps(out, ensure_ascii=False), (shape, out)


@pytest.mark.parametrize("where", ["path", "query-value", "query-name", "percent-encoded", "header-value",
                                   "header-name", "authorizer-terminal"])
def test_a_number_in_any_shape_in_the_url_headers_or_identity_is_refused(one_person: None, where: str) -> None:
    from urllib.parse import quote

    from qualification.api import handler

    from kokuho_local.local_api import api_context, rest_event

    for shape in ATTACK_SHAPES:
        written = SHAPES[shape](NUMBER)
        path, query = "/persons", {"kana": "キタキュウ"}
        event_terminal = "T-KOKUHO-01"
        if where == "path":
            path = f"/persons/{written}"
        elif where == "query-value":
            query = {"kana": written}
        elif where == "query-name":
            query = {written: "1"}
        elif where == "percent-encoded":
            path = f"/persons/{quote(written)}"
        elif where == "authorizer-terminal":
            event_terminal = f"T-{written}"
        event = rest_event("GET", path, staff_id=CLERK, query=query, terminal_id=event_terminal)
        if where == "header-value":
            event["headers"]["X-Note"] = f"note {written}"
        elif where == "header-name":
            event["headers"][f"X-{written}"] = "1"
        before = item_counts("access_log")
        resp = handler(event, api_context())  # type: ignore[arg-type]
        assert resp["statusCode"] in (400, 401), (where, shape, resp["statusCode"])
        assert count_my_numbers(resp["body"], inside_identifiers=True) == 0
        assert item_counts("access_log") == before  # refused before anything is read or recorded


def test_the_my_number_routes_take_any_shape_and_store_one_form(one_person: None) -> None:
    full_width = SHAPES["full-width-with-hyphens"](NUMBER)
    status, out, _ = call("POST", "/persons/P0001/my-number", staff_id=OFFICER, body={"my_number": full_width})
    assert status == 202, out
    held = item_counts("mynumber")
    # The same number in another shape is the same number: nothing new held (a different keyed hash would
    # put it on the review list), found by lookup.
    for shape in ATTACK_SHAPES:
        status, out, _ = call("POST", "/persons/P0001/my-number", staff_id=OFFICER,
                              body={"my_number": SHAPES[shape](NUMBER)})
        assert status == 202 and item_counts("mynumber") == held, shape
        status, out, _ = call("POST", "/my-number/lookup", staff_id=OFFICER, body={"my_number": SHAPES[shape](NUMBER)})
        assert (status, out.get("person_id")) == (200, "P0001"), shape
    status, out, _ = call("POST", "/my-number/lookup", staff_id=OFFICER, body={"my_number": OTHER_NUMBER})
    assert status == 404
    status, out, _ = call("POST", "/persons/P0001/my-number", staff_id=OFFICER, body={"my_number": "1234-5678"})
    assert status == 422 and "my_number" in json.dumps(out)


def test_an_unexpected_error_logs_its_traceback_redacted(one_person: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # Item 7: the "unexpected error" line kept only the exception's type; it keeps the traceback now.
    import io
    import logging

    from qualification import api

    def broken(*args: Any) -> Any:
        raise RuntimeError(f"store said: person {SHAPES['mixed'](NUMBER)} unavailable")

    monkeypatch.setattr(api.appsvc, "read_person", broken)
    shipped = io.StringIO()  # what the function's log stream carries: powertools' JSON formatter
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    (formatter,) = [h.formatter for h in api.logger._logger.handlers
                    if isinstance(h.formatter, LambdaPowertoolsFormatter)]
    sink = logging.StreamHandler(shipped)
    sink.setFormatter(formatter)
    api.logger._logger.addHandler(sink)
    try:
        status, out, resp = call("GET", "/persons/P0001", staff_id=CLERK)
    finally:
        api.logger._logger.removeHandler(sink)
    assert status == 500 and count_my_numbers(resp["body"], inside_identifiers=True) == 0
    lines = [json.loads(x) for x in shipped.getvalue().splitlines()]
    (line,) = [x for x in lines if x.get("message") == "unexpected error"]
    assert line["exception_name"] == "RuntimeError"
    assert "Traceback (most recent call last)" in line["exception"] and "in broken" in line["exception"]
    assert "store said: person [REDACTED-12-DIGITS] unavailable" in line["exception"]
    assert count_my_numbers(shipped.getvalue(), inside_identifiers=True) == 0
