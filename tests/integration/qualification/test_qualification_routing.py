"""Authorization cannot be bypassed by how a request is spelled (issue 8 item 1): every route of the one
table (qualification.api.ROUTES), its method in every case spelling, its path with and without a trailing
slash, percent-encoded, with doubled slashes — a member of staff without the route's grant gets 403
(denied access record), 404 or 405, and never reaches a handler; unknown methods and paths are 404/405
before any handler runs."""

from __future__ import annotations

import pytest
from qualification_helpers import call, item_counts

from kokuho.access.records import records_by_staff

SAMPLE = {"person_id": "P0001", "household_id": "H0001", "card_id": "P0001-C0003", "request_id": "R0001",
          "inquiry_id": "Q0001"}
NO_GRANTS = "S1006"
COUNTER = "S1003"  # read + simulate only
BODY = {"my_number": "123456789018"}
DATA_TABLES = ("qualification", "mynumber", "staff")


def _path(template: str) -> str:
    for k, v in SAMPLE.items():
        template = template.replace("{" + k + "}", v)
    return template


def _percent_encoded(path: str) -> str:
    """The last character of every segment percent-encoded (what a client may send, or a gateway pass)."""
    return "/".join(f"{s[:-1]}%{ord(s[-1]):02X}" if s else s for s in path.split("/"))


def _spellings(path: str) -> list[str]:
    doubled_inner = path.replace("/", "//", 2).replace("//", "/", 1)  # one inner doubled slash
    return [path, path + "/", _percent_encoded(path), "/" + path, doubled_inner, path + "//"]


def _methods(method: str) -> list[str]:
    return [method, method.lower(), method.capitalize(), method[0].lower() + method[1:]]


def _seed() -> None:
    body = {"person_id": "P0001", "resident_code": "10000001", "household_id": "H0001", "name_kanji": "北九 太郎",
            "name_kana": "キタキュウ タロウ", "birth_date": "1975-06-15", "sex": "1", "relationship": "世帯主",
            "postal_code": "803-8501", "address": "北九州市小倉北区城内1-1", "resident_from": "2024-04-01"}
    assert call("POST", "/persons", staff_id="S1002", body=body)[0] == 201


def test_no_spelling_of_a_route_skips_the_grant_check(staffed: None) -> None:
    from qualification.api import ROUTES

    from kokuho.access.grants import Function

    _seed()
    before = item_counts(*DATA_TABLES)
    wrong: list[str] = []
    denied = 0
    for route in ROUTES:
        if route.function is None:
            continue
        for staff_id in (NO_GRANTS, COUNTER):
            if staff_id == COUNTER and route.function in (Function.READ_QUALIFICATION, Function.SIMULATE_PREMIUM):
                continue
            for method in _methods(route.method):
                for path in _spellings(_path(route.path)):
                    status, out, _ = call(method, path, staff_id=staff_id,
                                          body=BODY if route.method == "POST" else None)
                    if status not in (403, 404, 405):
                        wrong.append(f"{method} {path} by {staff_id}: {status} {out}")
                    denied += status == 403
    assert wrong == []
    assert item_counts(*DATA_TABLES) == before  # nothing written by any of them
    # every 403 left a denied access record naming the member of staff
    records = [r for sid in (NO_GRANTS, COUNTER) for r in records_by_staff(sid) if r.result == "denied"]
    assert len(records) == denied > 0


def test_a_holder_gets_the_same_route_whatever_the_case_of_the_method(staffed: None) -> None:
    _seed()
    for method in _methods("GET"):
        status, out, _ = call(method, "/persons/P0001", staff_id="S1001")
        assert status == 200 and out["person_id"] == "P0001", method


@pytest.mark.parametrize(("method", "path", "status"), [
    ("DELETE", "/persons/P0001", 405), ("PUT", "/persons", 405), ("PATCH", "/my-number/lookup", 405),
    ("GET", "/my-number/lookup", 405), ("HEAD", "/persons", 405), ("OPTIONS", "/persons", 405),
    ("POST", "/persons/P0001", 405), ("GET", "/export", 404), ("GET", "/persons/P0001/everything", 404),
    ("BREW", "/persons", 405), ("GET", "/", 404), ("POST", "/admin/grants", 404),
])
def test_unknown_methods_and_paths_are_refused_before_any_handler(staffed: None, method: str, path: str,
                                                                   status: int) -> None:
    got, out, resp = call(method, path, staff_id="S3001" if False else "S1002", body=BODY)
    assert got == status, out
    assert set(out) == {"error"}
    if status == 405:
        allow = resp["multiValueHeaders"]["Allow"][0]
        assert method not in allow.split(", ") and allow
