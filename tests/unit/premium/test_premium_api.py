"""The public API other areas code against: batch options, error fields, no My Number echoed."""

from __future__ import annotations

import copy

import pytest
from premium_builders import case, member

from kokuho.premium import CaseError, RateFileError, compute_case, compute_each, compute_many


def test_batch_accepts_cases_without_optional_keys() -> None:
    full = case(member("A", "1979-06-15", salary=2_500_000), member("B", "1981-02-01"))
    sparse = copy.deepcopy(full)
    for m in sparse["household"]["members"]:
        for key in ("involuntary_unemployment", "expected_birth", "specific_same_household"):
            del m[key]
        del m["income"]["declared"]
    del sparse["household"]["specific_household"]
    assert compute_many([sparse]) == compute_many([full]) == [compute_case(full)]


def test_batch_validation_on_request_names_the_field() -> None:
    bad = case(member("A", "1979-06-15", salary=-1))
    with pytest.raises(CaseError) as err:
        compute_many([case(member()), bad], validate=True)
    assert err.value.field == "cases[1].household.members[0].income.total"


def test_member_id_must_not_be_a_my_number_and_errors_never_echo_it() -> None:
    bad = case(member("123456789018"))
    with pytest.raises(CaseError) as err:
        compute_case(bad)
    assert err.value.field == "household.members[0].id"
    assert "123456789018" not in str(err.value)
    worse = case(member("A", birth="2024-02-30"))
    worse["household"]["members"][0]["nickname"] = "123456789018"
    with pytest.raises(CaseError) as err2:
        compute_case(worse)
    assert "123456789018" not in str(err2.value)


def test_each_stored_case_is_answered_alone() -> None:
    """The monthly run's path: one answer per case; a case the batch path cannot read is validated, which
    names its field, and a year without rates refuses only its cases."""
    good = case(member("A", "1979-06-15", salary=2_500_000))
    unreadable = copy.deepcopy(good)
    del unreadable["household"]["members"][0]["birth_date"]
    no_rates = case(member(), fy=2026)
    out = compute_each([good, unreadable, no_rates, good])
    assert out[0] == out[3] == compute_case(good)
    assert isinstance(out[1], CaseError)
    assert out[1].field == "household.members[0].birth_date"
    assert isinstance(out[2], RateFileError)
    assert out[2].fiscal_year == 2026
