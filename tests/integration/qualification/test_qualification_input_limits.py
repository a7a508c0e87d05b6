"""What the API takes as a body and a search key (issue 8 items 6 and 9): bodies bounded in size (413),
depth and number length (400, before parsing deeper: never a 500), stated in the OpenAPI document; a
JSON body only with `application/json` (415); duplicate keys refused; no lossy coercion (`"1"`, `true`,
`1.0` as integers, datetimes or timestamps as dates, strings as booleans: 422); an impossible date in a
search key is 422. Each refused request writes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from qualification_helpers import api_context, call, item_counts, rest_event

CLERK, READER, COUNTER = "S1002", "S1001", "S1003"
TABLES = ("qualification", "mynumber", "assessment")
GOOD = {"reason": "move_in", "cause_on": "2024-04-01", "version": 1}


@pytest.fixture
def person(staffed: None) -> None:
    body = {"person_id": "P0001", "resident_code": "10000001", "household_id": "H0001", "name_kanji": "北九 太郎",
            "name_kana": "キタキュウ タロウ", "birth_date": "1975-06-15", "sex": "1", "relationship": "世帯主",
            "postal_code": "803-8501", "address": "北九州市小倉北区城内1-1", "resident_from": "2024-04-01"}
    assert call("POST", "/persons", staff_id=CLERK, body=body)[0] == 201


def _post_raw(text: str, path: str = "/persons/P0001/qualification", *,
              content_type: str | None = "application/json") -> tuple[int, dict[str, Any]]:
    from qualification.api import handler

    event = rest_event("POST", path, staff_id=CLERK, raw_body=text)
    headers = {} if content_type is None else {"Content-Type": content_type}
    event["headers"] = {"Host": "abc123.execute-api.ap-northeast-1.amazonaws.com", **headers}
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    resp = handler(event, api_context())  # type: ignore[arg-type]
    return int(resp["statusCode"]), json.loads(resp["body"])


@pytest.mark.parametrize(("text", "status"), [
    ("[" * 1000 + "]" * 1000, 400),
    ('{"note": ' + "[" * 1000 + "]" * 1000 + "}", 400),
    ('{"a":' * 1000 + "1" + "}" * 1000, 400),
    ('{"reason": "move_in", "cause_on": "2024-04-01", "version": ' + "9" * 4400 + "}", 400),
    ('{"reason": "move_in", "cause_on": "2024-04-01", "version": 1e999999}', 400),
    ('{"reason": "move_in", "cause_on": "2024-04-01", "version": NaN}', 400),
    ('{"reason": "move_in", "cause_on": "2024-04-01", "version": 1, "version": 2}', 400),
    ('{"reason": "move_in", "reason": "birth", "cause_on": "2024-04-01", "version": 1}', 400),
    ('{"reason": "move_in", "cause_on": "2024-04-01", "version": 1, "note": "' + "x" * 20_000 + '"}', 413),
    ("{not json", 400),
])
def test_bodies_beyond_the_limits_are_refused_before_parsing_deeper(person: None, text: str, status: int) -> None:
    before = item_counts(*TABLES)
    got, out = _post_raw(text)
    assert got == status, out
    assert set(out) == {"error"}
    assert item_counts(*TABLES) == before


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "application/json; charset=shift_jis", "multipart/form-data"])
def test_a_json_body_needs_the_json_media_type(person: None, content_type: str | None) -> None:
    before = item_counts(*TABLES)
    status, out = _post_raw(json.dumps(GOOD), content_type=content_type)
    assert status == 415, out
    assert item_counts(*TABLES) == before


def test_the_json_media_type_in_any_case_with_utf8_is_taken(person: None) -> None:
    status, out = _post_raw(json.dumps(GOOD), content_type="Application/JSON; charset=UTF-8")
    assert status == 200, out


@pytest.mark.parametrize("change", [
    {"version": "1"}, {"version": True}, {"version": 1.0}, {"version": 1.5},
    {"cause_on": "2024-04-01T00:00:00"}, {"cause_on": "2024-04-01T09:00:00+09:00"}, {"cause_on": 1711929600},
    {"cause_on": "20240401"}, {"cause_on": "2024-02-30"}, {"cause_on": "2024-4-1"},
])
def test_no_lossy_coercion_in_a_change(person: None, change: dict[str, Any]) -> None:
    before = item_counts(*TABLES)
    status, out, _ = call("POST", "/persons/P0001/qualification", staff_id=CLERK, body=GOOD | change)
    assert status == 422, out
    assert item_counts(*TABLES) == before


@pytest.mark.parametrize("income", [
    {"total": "1000000"}, {"total": 1000000.0}, {"total": True}, {"total": 100, "declared": "true"},
    {"total": 100, "declared": 1}, {"total": 100, "salary_or_pension_earner": "yes"},
])
def test_no_lossy_coercion_in_a_simulation(person: None, income: dict[str, Any]) -> None:
    status, out, _ = call("POST", "/households/H0001/simulation", staff_id=COUNTER,
                          body={"fiscal_year": 2024, "incomes": {"P0001": income}})
    assert status == 422, out
    status, out, _ = call("POST", "/households/H0001/simulation", staff_id=COUNTER,
                          body={"fiscal_year": "2024"})
    assert status == 422, out


@pytest.mark.parametrize("birth_date", ["2024-02-30", "2024-13-01", "1975-00-15", "1975-06-15T00:00:00",
                                        "19750615", "0000-01-01"])
def test_an_impossible_date_in_a_search_key_is_422(person: None, birth_date: str) -> None:
    status, out, _ = call("GET", "/persons", staff_id=READER, query={"birth_date": birth_date})
    assert status == 422, out


def test_a_real_date_in_a_search_key_finds(person: None) -> None:
    status, out, _ = call("GET", "/persons", staff_id=READER, query={"birth_date": "1975-06-15"})
    assert status == 200 and [i["person_id"] for i in out["items"]] == ["P0001"]


def test_the_openapi_document_states_the_body_limits(staffed: None) -> None:
    from qualification.api import OPENAPI_PATH
    from qualification.schemas import MAX_BODY_BYTES

    status, doc, _ = call("GET", OPENAPI_PATH, staff_id="S1006")
    assert status == 200
    posts = [op for ops in doc["paths"].values() for m, op in ops.items() if m == "post"]
    assert posts
    for op in posts:
        assert op["requestBody"]["required"] is True
        assert set(op["requestBody"]["content"]) == {"application/json"}
        assert str(MAX_BODY_BYTES) in op["responses"]["413"]["description"]
        assert "415" in op["responses"] and "400" in op["responses"]
