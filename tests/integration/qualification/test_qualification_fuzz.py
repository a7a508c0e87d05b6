"""Fuzz of every write endpoint (hypothesis, 1,000 generated requests each in the default run): never a
5xx, and a rejected request (4xx) writes nothing — the file, the vault and the household projection keep
their item counts. One embedded AWS is shared by all examples of a module (counts compare across it)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qualification_helpers import (
    LeakWatch,
    access_records_text,
    call,
    embedded_world,
    item_counts,
    lift_volume_limits,
    register_couple,
    seed_member_with_every_grant,
    seed_staff,
    set_test_credentials,
)

from kokuho.identity.mynumber import count_my_numbers
from kokuho.qualification.reasons import Reason

ALL = "S3001"
FUZZ_STAFF = {"S3101": "register_change", "S3102": "issue_card", "S3103": "register_my_number"}
STAFF_OF = {"card_issue": "S3102", "card_recover": "S3102", "my_number": "S3103"}
DATA_TABLES = ("qualification", "mynumber", "assessment")
NUMBERS = ["123456789018", "023456789013"]


@pytest.fixture(scope="module")
def shared_aws() -> Iterator[dict[str, int]]:
    from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff
    from kokuho.identity.vault import reset_vault

    with pytest.MonkeyPatch.context() as patch:
        set_test_credentials(patch)
        with embedded_world():
            lift_volume_limits(patch)
            seed_staff()
            seed_member_with_every_grant(ALL)
            # the fuzzing member holds just the grant the endpoint needs (authorization reads one staff
            # partition per request: a small one keeps 8,000 requests inside the test budget)
            for sid, function in FUZZ_STAFF.items():
                put_staff(StaffMember(sid, "試験 職員", "国保年金課", date(2020, 4, 1), None))
                put_grant(Grant(sid, "G00", function, "試験", "試験", "国保年金課", date(2020, 4, 1),
                                date(2099, 3, 31), "S9001", "2020-04-01T00:00:00+09:00"))
            register_couple(ALL)
            assert call("POST", "/persons/P0001/qualification", staff_id=ALL,
                        body={"reason": "move_in", "cause_on": "2024-04-01", "version": 1})[0] == 200
            counts = item_counts(*DATA_TABLES)
            with LeakWatch() as watch:
                yield counts
            watch.assert_no_my_number(access_records_text())
            reset_vault()


junk = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**13), st.text(max_size=30),
                 st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))
iso_dates = st.dates(min_value=date(1890, 1, 1), max_value=date(2100, 12, 31)).map(date.isoformat)
near_dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)).map(date.isoformat)
dates = st.one_of(near_dates, near_dates, iso_dates, junk)
versions = st.one_of(st.integers(0, 12), st.integers(0, 12), junk)
texts = st.one_of(st.sampled_from(["北九州市小倉北区浅野1-1", "門司 花子", "届出", "世帯主", "妻"]),
                  st.text(max_size=130), junk)
kana = st.one_of(st.sampled_from(["モジ ハナコ", "きたきゅう", "ｷﾀｷｭｳ"]), st.text(max_size=70), junk)
postal = st.one_of(st.sampled_from(["802-0001", "8030001"]), st.text(max_size=10), junk)
ids = st.one_of(st.sampled_from(["P0001", "P0002", "H0001", "H0002", "P9999"]),
                st.text(alphabet=st.characters(exclude_characters="/?#", exclude_categories=["Cs"]),
                        min_size=1, max_size=40))
my_numbers = st.one_of(st.sampled_from(NUMBERS), st.text(alphabet="0123456789", min_size=11, max_size=13), junk)


def body_of(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """A dict with any subset of the fields (values valid or not), sometimes an unknown field,
    or not a dict at all, or not JSON."""
    dicts = st.fixed_dictionaries({}, optional=fields).flatmap(
        lambda d: st.one_of(st.just(d), st.dictionaries(st.text(max_size=8), junk, max_size=2).map(
            lambda extra: {**extra, **d})))
    return st.one_of(dicts, dicts, dicts, junk)


ENDPOINTS: dict[str, tuple[str, st.SearchStrategy[Any]]] = {
    "register_person": ("/persons", body_of({
        "person_id": ids, "resident_code": st.one_of(st.from_regex(r"\A[0-9]{6,10}\Z"), junk),
        "household_id": ids, "name_kanji": texts, "name_kana": kana, "birth_date": dates,
        "sex": st.one_of(st.sampled_from(["1", "2"]), junk), "relationship": texts, "postal_code": postal,
        "address": texts, "phone": st.one_of(st.sampled_from(["093-582-2111"]), junk),
        "resident_from": dates, "note": texts})),
    "qualification": ("/persons/{id}/qualification", body_of({
        "reason": st.one_of(st.sampled_from([r.value for r in Reason]), junk), "cause_on": dates,
        "version": versions, "note": texts})),
    "move": ("/persons/{id}/moves", body_of({
        "postal_code": postal, "address": texts, "moved_on": dates, "version": versions, "note": texts})),
    "rename": ("/persons/{id}/name", body_of({
        "name_kanji": texts, "name_kana": kana, "changed_on": dates, "version": versions})),
    "household_change": ("/persons/{id}/household", body_of({
        "household_id": ids, "relationship": texts, "changed_on": dates, "new_householder_of_old": ids,
        "version": versions})),
    "contact": ("/persons/{id}/contact", body_of({
        "phone": st.one_of(st.sampled_from(["093-582-2111", "09012345678"]), junk),
        "mailing": st.one_of(st.fixed_dictionaries({"name": texts, "postal_code": postal, "address": texts}), junk),
        "bank_account": st.one_of(st.fixed_dictionaries({
            "bank_code": st.sampled_from(["0001", "x"]), "branch_code": st.sampled_from(["001", "1"]),
            "account_type": st.sampled_from(["普通", "当座", "x"]), "account_number": st.sampled_from(["1234567", "1"]),
            "holder_kana": kana}), junk),
        "clear": st.one_of(st.lists(st.sampled_from(["phone", "mailing", "bank_account", "name"]), max_size=3), junk),
        "changed_on": dates, "version": versions})),
    "card_issue": ("/persons/{id}/cards", body_of({"issued_on": dates, "version": versions, "note": texts})),
    "card_recover": ("/persons/{id}/cards/P0001-C0003/recovery", body_of({
        "recovered_on": dates, "reason": st.one_of(st.sampled_from(["reissue", "returned"]), junk),
        "version": versions})),
    "my_number": ("/persons/{id}/my-number", body_of({"my_number": my_numbers})),
}


def _valid_numbers_in(text: str) -> int:
    return count_my_numbers(text, inside_identifiers=True)


def _check(shared: dict[str, int], path_template: str, person: str, body: Any, raw: bool,
           staff_id: str = "S3101") -> None:
    path = path_template.replace("{id}", person)
    if raw:
        status, _, resp = call("POST", path, staff_id=staff_id, raw_body=str(body))
    else:
        status, _, resp = call("POST", path, staff_id=staff_id, body=body)
    assert status < 500, (path, status, resp.get("body"))
    counts = item_counts(*DATA_TABLES)
    if status >= 400:
        assert counts == shared, (path, status)  # rejected: nothing written anywhere
    shared.update(counts)
    assert _valid_numbers_in(str(resp.get("body"))) == 0


FUZZ = settings(max_examples=int(os.environ.get("KOKUHO_FUZZ_EXAMPLES", "1000")), deadline=None,
                derandomize=True, database=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_write_endpoint_fuzz(shared_aws: dict[str, int], endpoint: str) -> None:
    template, bodies = ENDPOINTS[endpoint]

    staff_id = STAFF_OF.get(endpoint, "S3101")

    @FUZZ
    @given(person=ids, body=bodies)
    def run(person: str, body: Any) -> None:
        _check(shared_aws, template, person, body, False, staff_id)

    run()


@settings(max_examples=200, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(text=st.one_of(st.text(max_size=60), st.binary(max_size=40).map(lambda b: b.decode("latin-1"))))
def test_non_json_bodies_are_refused_without_writing(shared_aws: dict[str, int], text: str) -> None:
    try:
        json.loads(text)
        return  # valid JSON is covered above
    except ValueError:
        pass
    _check(shared_aws, "/persons/{id}/qualification", "P0001", text, raw=True)


@settings(max_examples=300, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(query=st.dictionaries(
    st.sampled_from(["kana", "birth_date", "postal_code", "address", "resident_code", "limit", "page_token", "x"]),
    st.one_of(st.text(max_size=40), st.sampled_from(["キ", "1975-06-15", "803-8501", "1000001", "50", "e30="])),
    max_size=4))
def test_search_fuzz_never_fails_inside(shared_aws: dict[str, int], query: dict[str, str]) -> None:
    status, _, resp = call("GET", "/persons", staff_id="S1001", query=query)
    assert status < 500, (status, resp.get("body"))
    assert _valid_numbers_in(str(resp.get("body"))) == 0
