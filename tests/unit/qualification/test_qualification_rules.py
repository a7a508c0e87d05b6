"""Pure qualification rules: acquisition/loss dates (domain.md), history validation, household rules,
the premium case built from the file, grant states, request identity. No AWS."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kokuho.access.grants import GrantState, decide, grant_state
from kokuho.access.identity import Unauthenticated, check_individual, identity_of, sign_identity
from kokuho.access.staff import Grant, StaffMember
from kokuho.dates.fiscal_year import fiscal_year_of
from kokuho.qualification import service
from kokuho.qualification.history import ChangeRejected, Period, acquire, lose
from kokuho.qualification.household import premium_case, specific_household_status
from kokuho.qualification.model import Household, Membership, Person
from kokuho.qualification.reasons import Reason, effective_date, late_elderly_date

TODAY = date(2025, 1, 10)
BIRTH = date(1975, 6, 15)


@pytest.mark.parametrize(("reason", "cause", "expected"), [
    (Reason.MOVE_IN, date(2024, 5, 7), date(2024, 5, 7)),  # 転入日
    (Reason.BIRTH, date(2024, 5, 7), date(2024, 5, 7)),  # 出生日
    (Reason.LEFT_EMPLOYEE_INSURANCE, date(2024, 5, 7), date(2024, 5, 7)),  # its loss date, given as cause
    (Reason.WELFARE_ENDED, date(2024, 5, 7), date(2024, 5, 7)),  # 廃止日
    (Reason.MOVE_OUT, date(2024, 5, 7), date(2024, 5, 8)),  # 転出日の翌日
    (Reason.DEATH, date(2024, 5, 31), date(2024, 6, 1)),  # 死亡日の翌日
    (Reason.JOINED_EMPLOYEE_INSURANCE, date(2024, 12, 31), date(2025, 1, 1)),  # 加入日の翌日
    (Reason.WELFARE_STARTED, date(2024, 5, 7), date(2024, 5, 7)),  # 保護開始日 itself
    (Reason.LATE_ELDERLY, date(2024, 5, 7), date(2024, 5, 7)),  # the 75th birthday itself
])
def test_effective_dates(reason: Reason, cause: date, expected: date) -> None:
    assert effective_date(reason, cause) == expected


def test_75th_birthday_including_29_february() -> None:
    assert late_elderly_date(date(1949, 6, 1)) == date(2024, 6, 1)
    assert late_elderly_date(date(1948, 2, 29)) == date(2023, 3, 1)  # common year: 1 March


def test_acquire_then_lose_appends_and_closes_a_period() -> None:
    periods, on = acquire((), Reason.MOVE_IN, date(2024, 4, 1), birth_date=BIRTH, death_date=None, today=TODAY)
    assert on == date(2024, 4, 1)
    periods, off = lose(periods, Reason.MOVE_OUT, date(2024, 9, 30), birth_date=BIRTH, death_date=None,
                        today=TODAY)
    assert periods == (Period(date(2024, 4, 1), Reason.MOVE_IN, date(2024, 10, 1), Reason.MOVE_OUT),)
    periods, _ = acquire(periods, Reason.MOVE_IN, date(2024, 12, 1), birth_date=BIRTH, death_date=None,
                         today=TODAY)
    assert len(periods) == 2 and periods[0].until == date(2024, 10, 1)  # the past period is kept


@pytest.mark.parametrize(("periods", "reason", "cause", "message"), [
    ((), Reason.MOVE_OUT, date(2024, 5, 1), "not insured"),
    ((Period(date(2024, 4, 1), Reason.MOVE_IN),), Reason.MOVE_IN, date(2024, 5, 1), "already insured"),
    ((), Reason.BIRTH, date(2024, 5, 1), "birth date"),
    ((), Reason.MOVE_IN, date(1970, 1, 1), "before the birth date"),
    ((), Reason.MOVE_IN, date(2025, 2, 1), "days ahead"),
    ((Period(date(2024, 4, 1), Reason.MOVE_IN),), Reason.LATE_ELDERLY, date(2024, 5, 1), "75th birthday"),
    ((Period(date(2024, 4, 1), Reason.MOVE_IN, date(2024, 8, 1), Reason.MOVE_OUT),), Reason.MOVE_IN,
     date(2024, 7, 1), "overlaps"),
    ((Period(date(2024, 4, 1), Reason.MOVE_IN),), Reason.MOVE_OUT, date(2024, 3, 1), "before the acquisition"),
    ((), Reason.MOVE_OUT, date(2024, 5, 1), "not insured"),
])
def test_refused_changes_name_their_reason(periods: tuple[Period, ...], reason: Reason, cause: date,
                                           message: str) -> None:
    fn = acquire if reason in (Reason.MOVE_IN, Reason.BIRTH) else lose
    with pytest.raises(ChangeRejected, match=message):
        fn(periods, reason, cause, birth_date=BIRTH, death_date=None, today=TODAY)


def test_no_acquisition_from_75() -> None:
    with pytest.raises(ChangeRejected, match="後期高齢者医療"):
        acquire((), Reason.MOVE_IN, date(2024, 7, 1), birth_date=date(1949, 6, 1), death_date=None, today=TODAY)


@given(st.lists(st.tuples(st.sampled_from(list(Reason)), st.dates(date(1976, 1, 1), date(2025, 1, 20))),
                max_size=12))
def test_any_sequence_of_accepted_changes_keeps_periods_ordered_and_disjoint(
        steps: list[tuple[Reason, date]]) -> None:
    periods: tuple[Period, ...] = ()
    for reason, cause in steps:
        fn = acquire if reason in (Reason.MOVE_IN, Reason.BIRTH, Reason.LEFT_EMPLOYEE_INSURANCE,
                                   Reason.WELFARE_ENDED) else lose
        try:
            periods, _ = fn(periods, reason, cause, birth_date=BIRTH, death_date=None, today=TODAY)
        except ChangeRejected:
            continue
    for a, b in zip(periods, periods[1:], strict=False):
        assert a.until is not None and a.until <= b.acquired_on
    assert all(p.until is None or p.acquired_on <= p.until for p in periods)
    assert sum(1 for p in periods if p.until is None) <= 1


def _person(pid: str, birth: date = BIRTH, periods: tuple[Period, ...] = (), **kw: object) -> Person:
    return Person(pid, "1000001", "H1", "名", "カナ", birth, "1", "世帯主", "803-8501", "小倉北区",
                  periods=periods, **kw)  # type: ignore[arg-type]


def test_deemed_householder_when_the_householder_loses_qualification() -> None:
    head = _person("P1", periods=(Period(date(2024, 4, 1), Reason.MOVE_IN),))
    wife = _person("P2", periods=(Period(date(2024, 4, 1), Reason.MOVE_IN),))
    hh = Household("H1", "P1", (Membership("P1", "世帯主", date(2024, 4, 1)),
                                Membership("P2", "妻", date(2024, 4, 1))))
    change = service.lose(head, hh, {"P1": head, "P2": wife}, Reason.JOINED_EMPLOYEE_INSURANCE,
                          date(2024, 10, 15), TODAY)
    assert [e.kind for _, e in change.household_entries] == ["deemed_householder"]
    assert change.persons["P1"].periods[0].until == date(2024, 10, 16)


def test_late_elderly_makes_specific_household_and_specific_same_household_member() -> None:
    old = _person("P1", birth=date(1949, 6, 1), periods=(Period(date(2024, 4, 1), Reason.MOVE_IN),))
    wife = _person("P2", periods=(Period(date(2024, 4, 1), Reason.MOVE_IN),))
    hh = Household("H1", "P1", (Membership("P1", "世帯主", date(2024, 4, 1)),
                                Membership("P2", "妻", date(2024, 4, 1))))
    change = service.lose(old, hh, {"P1": old, "P2": wife}, Reason.LATE_ELDERLY, date(2024, 6, 1), TODAY)
    assert change.persons["P1"].specific_same_household_since == date(2024, 6, 1)
    assert change.households["H1"].specific_since == date(2024, 6, 1)
    case = premium_case(change.households["H1"], {"P1": change.persons["P1"], "P2": wife}, 2025)
    members = {m["id"]: m for m in case["household"]["members"]}
    assert case["household"]["specific_household"] == "specific"
    assert members["P1"]["specific_same_household"] is True and members["P1"]["insured"] == []
    assert members["P2"]["income"] == {"total": 0, "salary": 0, "pension": 0, "declared": False}


def test_specific_household_lasts_5_then_3_years() -> None:
    since = date(2024, 6, 1)
    assert specific_household_status(since, date(2029, 5, 31)) == "specific"
    assert specific_household_status(since, date(2029, 6, 1)) == "continuing"
    assert specific_household_status(since, date(2032, 6, 1)) is None


def test_case_clips_periods_to_the_membership_and_the_year() -> None:
    p = _person("P2", periods=(Period(date(2023, 4, 1), Reason.MOVE_IN),))
    hh = Household("H1", "P1", (Membership("P1", "世帯主", date(2020, 1, 1)),
                                Membership("P2", "子", date(2020, 1, 1), left_on=date(2024, 9, 1))))
    head = _person("P1")
    case = premium_case(hh, {"P1": head, "P2": p}, 2024,
                        {"P1": {"total": 1, "salary": 1, "pension": 0, "declared": True,
                                "salary_or_pension_earner": True}})
    members = {m["id"]: m for m in case["household"]["members"]}
    assert members["P2"]["insured"] == [{"from": "2023-04-01", "until": "2024-09-01"}]
    assert members["P1"]["insured"] == [] and members["P1"]["salary_or_pension_earner"] is True
    assert fiscal_year_of(date(2025, 3, 31)) == 2024 and fiscal_year_of(date(2025, 4, 1)) == 2025


def test_a_member_who_left_and_came_back_counts_in_both_stints() -> None:
    """Probe (premium): a member who left the household (世帯分離) and came back (世帯合併) within the year has two
    memberships; the case took the first alone — the months after the return were charged nowhere (the other
    household's case ends with the stint there): premium lost. Both stints are the member's periods here."""
    from kokuho.premium import compute_case

    p = _person("P2", periods=(Period(date(2020, 4, 1), Reason.MOVE_IN),))
    hh = Household("H1", "P1", (Membership("P1", "世帯主", date(2020, 1, 1)),
                                Membership("P2", "子", date(2020, 4, 1), left_on=date(2024, 8, 10)),
                                Membership("P2", "子", date(2024, 11, 20))))
    head = _person("P1", periods=(Period(date(2020, 1, 1), Reason.MOVE_IN),))
    income = {"total": 0, "salary": 0, "pension": 0, "declared": True, "salary_or_pension_earner": False}
    case = premium_case(hh, {"P1": head, "P2": p}, 2024, {"P1": income, "P2": income})
    members = [m for m in case["household"]["members"] if m["id"] == "P2"]
    assert len(members) == 1  # one member, two periods
    assert members[0]["insured"] == [{"from": "2020-04-01", "until": "2024-08-10"},
                                     {"from": "2024-11-20", "until": None}]
    # 7割: the householder's 均等割 all year and P2's for April–July and November–March (9 months), 平等割
    capita, flat = 23_170 * 3 // 10, 27_140 * 3 // 10
    assert compute_case(case)["parts"]["medical"] == ((capita + flat) * 12 + capita * 9) // 1200 * 100


STAFF = StaffMember("S0001", "職員", "国保年金課", date(2020, 4, 1), None)
GRANT = Grant("S0001", "G1", "read_qualification", "資格管理", "国保法", "国保年金課", date(2024, 4, 1),
              date(2025, 3, 31), "S9000", "2024-04-01T00:00:00+09:00")


@pytest.mark.parametrize(("member", "on", "state"), [
    (STAFF, date(2025, 3, 31), GrantState.ACTIVE),
    (STAFF, date(2025, 4, 1), GrantState.EXPIRED),
    (STAFF, date(2024, 3, 31), GrantState.NOT_YET_VALID),
    (StaffMember("S0001", "職員", "税務課", date(2020, 4, 1), None), date(2024, 6, 1), GrantState.STAFF_INACTIVE),
    (StaffMember("S0001", "職員", "国保年金課", date(2020, 4, 1), date(2024, 5, 31)), date(2024, 6, 1),
     GrantState.STAFF_INACTIVE),
    (None, date(2024, 6, 1), GrantState.STAFF_INACTIVE),
])
def test_grant_states(member: StaffMember | None, on: date, state: GrantState) -> None:
    assert grant_state(GRANT, member, on) is state


def test_deny_by_default_and_purpose_must_match() -> None:
    assert not decide(STAFF, [], "read_qualification", date(2024, 6, 1)).allowed
    assert not decide(STAFF, [GRANT], "register_change", date(2024, 6, 1)).allowed
    assert decide(STAFF, [GRANT], "read_qualification", date(2024, 6, 1)).allowed
    assert not decide(STAFF, [GRANT], "read_qualification", date(2024, 6, 1), purpose="別の目的").allowed


@pytest.mark.parametrize("staff_id", ["", "admin", "Admin01", "guest", "kyotsu1", "shared", "S1", "s0001",
                                      "S0001;", "SYSTEM1", "ABCD00001", "123456789018"])
def test_shared_or_malformed_staff_ids_are_refused(staff_id: str) -> None:
    with pytest.raises(Unauthenticated) as exc:
        check_individual(staff_id, "T-01")
    assert staff_id == "" or staff_id not in str(exc.value)


def test_signed_local_identity_only_with_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    header = sign_identity("S0001", "T-01", "k1")
    event = {"headers": {"X-Kokuho-Identity": header}, "requestContext": {}}
    with pytest.raises(Unauthenticated):
        identity_of(event)  # no local key configured: headers are never trusted
    monkeypatch.setenv("KOKUHO_LOCAL_IDENTITY_KEY", "k1")
    assert identity_of(event).staff_id == "S0001"
    monkeypatch.setenv("KOKUHO_LOCAL_IDENTITY_KEY", "k2")
    with pytest.raises(Unauthenticated):
        identity_of(event)
    ctx = {"requestContext": {"authorizer": {"staff_id": "S0002", "terminal_id": "T-02"}}}
    assert identity_of(ctx).staff_id == "S0002"  # the authorizer context wins


def test_case_keeps_the_income_the_intake_delivered_when_no_record_is_stored() -> None:
    head = _person("P1", periods=(Period(date(2024, 4, 1), Reason.MOVE_IN),))
    hh = Household("H1", "P1", (Membership("P1", "世帯主", date(2024, 4, 1)),))
    previous = {"fiscal_year": 2024, "household": {"householder_id": "P1", "specific_household": None,
                "members": [{"id": "P1", "income": {"total": 3_000_000, "salary": 3_000_000, "pension": 0,
                                                    "declared": True},
                             "salary_or_pension_earner": True, "involuntary_unemployment": None,
                             "expected_birth": {"month": "2024-09", "multiple": False}}]}}
    (member,) = premium_case(hh, {"P1": head}, 2024, {}, previous)["household"]["members"]
    assert member["income"]["total"] == 3_000_000 and member["income"]["declared"] is True
    assert member["salary_or_pension_earner"] is True
    assert member["expected_birth"] == {"month": "2024-09", "multiple": False}
    stored = {"P1": {"total": 1, "salary": 0, "pension": 0, "declared": True}}
    (member,) = premium_case(hh, {"P1": head}, 2024, stored, previous)["household"]["members"]
    assert member["income"]["total"] == 1  # a stored income record wins


def test_iam_callers_other_than_the_city_s_staff_role_sessions_are_refused_before_any_lookup(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The positive path (the broker's session gives the terminal) is in
    # tests/integration/qualification/test_identity_iam.py: it needs the session table.
    def event(arn: str) -> dict:
        return {"headers": {"X-Kokuho-Terminal": "T-07"},
                "requestContext": {"accountId": "123456789012",
                                   "identity": {"userArn": arn, "accountId": arn.split(":")[4]}}}

    for arn in ("arn:aws:sts::123456789012:assumed-role/kokuho-admin/S0001",  # not the staff role
                "arn:aws:iam::123456789012:user/admin",  # a long-term user
                "arn:aws:sts::123456789012:assumed-role/kokuho-staff/shared",  # a shared session name
                "arn:aws:sts::999999999999:assumed-role/kokuho-staff/S0001"):  # another account
        with pytest.raises(Unauthenticated):
            identity_of(event(arn))
    monkeypatch.setenv("KOKUHO_STAFF_ROLE", "city-nhi-staff")
    with pytest.raises(Unauthenticated):
        identity_of(event("arn:aws:sts::123456789012:assumed-role/kokuho-staff/S0002"))
