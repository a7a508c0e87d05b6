"""Volume limits (kokuho.access.limits, data in kokuho/data/api/limits.v1.json): a member of staff with a
read grant cannot page through the city. Per staff and function, counted in DynamoDB by atomic
conditional updates; past a limit 429 with Retry-After, an access record (result `limited`) and the
refusal metric."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from qualification_helpers import call

from kokuho.access import limits
from kokuho.access.records import records_by_staff
from kokuho.platform.tables import table
from kokuho.records.access_store import UsageModel
from kokuho_local.local_api import sample_person

READER, CLERK, COUNTER = "S1001", "S1002", "S1003"


def _header(raw: dict[str, Any], name: str) -> str:
    single = raw.get("headers") or {}
    return str(single.get(name) or (raw.get("multiValueHeaders") or {})[name][0])


def _register(n: int) -> None:
    for i in range(n):  # one surname for all: one search finds them all
        person = sample_person(f"P{i:04d}", f"H{i:04d}", 20, i + 1, relationship="世帯主",
                               birth_date="1970-01-01", sex="1", resident_from="2024-04-01")
        status, body, _ = call("POST", "/persons", staff_id=CLERK, body=person)
        assert status == 201, body


def _small(monkeypatch: pytest.MonkeyPatch, persons: int, pages: int = 50) -> None:
    raw = json.loads((limits.resources.files("kokuho.data") / "api" / "limits.v1.json").read_text("utf-8"))
    raw["functions"]["read_qualification"] = {"persons_per_hour": persons, "search_pages_per_query": pages}
    small = limits.parse_limits(raw)
    monkeypatch.setattr(limits, "load_limits", lambda version=1: small)


def test_paging_through_a_search_stops_at_the_pages_limit(staffed: None, capsys: pytest.CaptureFixture[str]) -> None:
    shipped = limits.load_limits().of(READER, "read_qualification")
    per_page = 5
    _register(per_page * (shipped.search_pages_per_query or 0) + 5)
    exported: set[str] = set()
    token: str | None = None
    statuses: list[int] = []
    while True:
        query = {"kana": "キタキュウ", "limit": str(per_page)} | ({"page_token": token} if token else {})
        status, body, raw = call("GET", "/persons", staff_id=READER, query=query)
        statuses.append(status)
        if status != 200:
            break
        exported |= {p["person_id"] for p in body["items"]}
        token = body["next_token"]
        assert token, "the search ended before the limit: register more persons"
    assert statuses == [200] * (shipped.search_pages_per_query or 0) + [429]
    assert len(exported) == per_page * (shipped.search_pages_per_query or 0)
    assert "pages of one search" in body["error"] and int(_header(raw, "Retry-After")) > 0
    assert [(r.operation, r.result) for r in records_by_staff(READER) if r.result != "ok"] == [("search", "limited")]
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [m["VolumeLimitRefusals"] for m in emf if "VolumeLimitRefusals" in m] == [[1.0]]
    # the same criteria, from the first page again: still the same search
    assert call("GET", "/persons", staff_id=READER, query={"kana": "キタキュウ", "limit": "5"})[0] == 429


def test_persons_read_an_hour_are_limited_per_staff_and_function(staffed: None,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _register(6)
    _small(monkeypatch, persons=4)
    reads = [call("GET", f"/persons/P{i:04d}", staff_id=READER)[0] for i in range(6)]
    assert reads == [200, 200, 200, 200, 429, 429]
    # a search reserves its page size first: with 0 left nothing is served, not even an empty page
    assert call("GET", "/persons", staff_id=READER, query={"kana": "キタキュウ", "limit": "1"})[0] == 429
    assert call("GET", "/persons/P0000", staff_id=COUNTER)[0] == 200  # another member: own counter
    assert call("GET", "/persons/P0099", staff_id=COUNTER)[0] == 404
    used = limits.usage(COUNTER)
    assert list(used.values()) == [1]  # the 404 read nobody: refunded
    recs = [(r.operation, r.result) for r in records_by_staff(READER)]
    assert recs.count(("read", "limited")) == 2 and recs.count(("search", "limited")) == 1


def test_a_malformed_page_size_is_refused_by_validation_and_charges_nothing(staffed: None) -> None:
    for size in ("9" * 5000, "-1", "x", "0"):
        status, _, _ = call("GET", "/persons", staff_id=READER, query={"kana": "キタキュウ", "limit": size})
        assert status == 422
    assert not any(limits.usage(READER).values())  # no counter moved (a search takes none before its record)


def test_a_search_is_charged_what_it_returned(staffed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    _register(3)
    _small(monkeypatch, persons=70)  # each search reserves 50 (no limit given) before it runs
    for _ in range(5):  # 5 searches of page size 50 that find 3: 15 persons, not 250
        assert call("GET", "/persons", staff_id=READER, query={"kana": "キタキュウ"})[0] == 200
    assert sum(limits.usage(READER).values()) - 5 == 15  # minus the 5 pages counted


def test_a_search_takes_its_page_and_its_persons_in_one_request_or_neither(
        staffed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.client

    _register(2)
    _small(monkeypatch, persons=3)
    usage_table = UsageModel.Meta.table_name
    writes: list[str] = []
    make = botocore.client.BaseClient._make_api_call

    access_table = table("access_log").name()

    def spy(self: Any, operation: str, params: dict[str, Any]) -> Any:
        text = json.dumps(params, default=str)
        if usage_table in text and operation != "Query":
            writes.append(operation + (" with the access record" if access_table in text else ""))
        return make(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", spy)
    assert call("GET", "/persons", staff_id=READER, query={"kana": "キタキュウ", "limit": "2"})[0] == 200
    # the page and its 2 persons taken in the transaction of the search's own access record: no request of
    # its own before the search, no settlement after it (issue 8: the kana search's p95)
    assert writes == ["TransactWriteItems with the access record"]
    writes.clear()
    # 2 more persons would pass 3: refused, and its page was never counted
    assert call("GET", "/persons", staff_id=READER, query={"kana": "キタキュウ", "limit": "2"})[0] == 429
    assert writes == ["TransactWriteItems with the access record"]
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", make)
    pages = [v for k, v in limits.usage(READER).items() if "#pages#" in k]
    assert pages == [1]


def test_the_last_unit_goes_to_one_request_only(staffed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    _small(monkeypatch, persons=10)

    def take(_: int) -> bool:
        try:
            limits.reserve_persons(READER, "read_qualification", 1)
        except limits.LimitExceeded:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        granted = list(pool.map(take, range(30)))
    assert granted.count(True) == 10


def test_the_limits_file_names_every_function_and_nothing_else() -> None:
    from kokuho.access.grants import Function

    shipped = limits.load_limits()
    assert set(shipped.functions) == {f.value for f in Function}
    raw: dict[str, Any] = {"window_seconds": 3600, "functions": dict.fromkeys(
        (f.value for f in Function), {"persons_per_hour": 1})}
    for broken in ({**raw, "functions": {"read_qualification": {"persons_per_hour": 1}}},
                   {**raw, "window_seconds": 0},
                   {**raw, "staff": {"admin": {}}},
                   {**raw, "functions": {**raw["functions"], "read_qualification": {"persons_per_hour": -1}}}):
        with pytest.raises(limits.LimitsFileError):
            limits.parse_limits(broken)
    override = limits.parse_limits({**raw, "staff": {"S0042": {"read_qualification": {"persons_per_hour": 9}}}})
    assert override.of("S0042", "read_qualification").persons_per_hour == 9
    assert override.of("S0043", "read_qualification").persons_per_hour == 1


def test_the_readme_states_the_limits_in_force() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text("utf-8")
    shipped = limits.load_limits()
    for fn, lim in shipped.functions.items():
        assert f"`{fn}` {lim.persons_per_hour}" in readme, fn
    pages = shipped.functions["read_qualification"].search_pages_per_query
    assert f"{pages} pages of one search" in readme


def test_a_person_search_counts_its_pages_under_a_keyed_digest_of_its_criteria(staffed: None) -> None:
    # The counter's key is logged with every update (domain.md §7): a plain hash of {"kana": …} is found again
    # by hashing names; the person search's is a keyed hash under the search-index secret (issue 11 item 1).
    _register(2)
    query = {"kana": "キタキュウ", "limit": "1"}
    assert call("GET", "/persons", staff_id=READER, query=query)[0] == 200
    pages = [k for k in limits.usage(READER) if "#pages#" in k]
    assert len(pages) == 1 and limits.query_digest(query) not in pages[0]
    assert call("GET", "/persons", staff_id=READER, query=query)[0] == 200  # the same search: the same counter
    assert [v for k, v in limits.usage(READER).items() if "#pages#" in k] == [2]


def test_a_search_spelt_another_way_is_the_same_search_for_its_pages_limit(staffed: None,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Probe: the pages-per-query limit counted the criteria as typed while the search (and its page token) reads
    them normalized — past the limit on "キタキュウ", the next pages came with the same token under "ｷﾀｷｭｳ",
    "きたきゅう" or a space around the name, each a fresh counter: the whole file paged through. The counter now
    names the search as its page token does (the index walked, kokuho.records.search_index)."""
    _small(monkeypatch, persons=1000, pages=2)
    _register(20)
    token = None
    for _ in range(2):
        status, body, _ = call("GET", "/persons", staff_id=READER,
                               query={"kana": "キタキュウ", "limit": "3"} | ({"page_token": token} if token else {}))
        assert status == 200
        token = body["next_token"]
    for kana in ("キタキュウ", "ｷﾀｷｭｳ", "きたきゅう", "キタキュウ ", " キタキュウ"):
        for query in ({"kana": kana, "limit": "3", "page_token": token}, {"kana": kana, "limit": "3"}):
            status, body, _ = call("GET", "/persons", staff_id=READER, query=query)
            assert status == 429 and "pages of one search" in body["error"], (kana, body)
