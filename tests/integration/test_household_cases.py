"""賦課用世帯情報 store: the contract the qualification area writes to and the monthly run reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from kokuho.assessment.household_cases import (
    HouseholdCaseError,
    changed_household_ids,
    get_household_case,
    get_household_cases,
    put_household_case,
    put_household_cases,
)
from kokuho_local.embedded import EmbeddedAWS
from kokuho_local.synthetic import generate_city

T0 = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)


def _case(fy: int = 2024, total: int = 1_000_000) -> dict[str, Any]:
    return {"fiscal_year": fy, "household": {"householder_id": "P1", "specific_household": None, "members": [{
        "id": "P1", "birth_date": "1980-01-01", "insured": [{"from": f"{fy}-04-01", "until": None}],
        "income": {"total": total, "salary": total, "pension": 0, "declared": True},
        "salary_or_pension_earner": True, "involuntary_unemployment": None, "expected_birth": None,
        "specific_same_household": False}]}}


def test_put_then_get_returns_the_case_per_fiscal_year(aws: EmbeddedAWS) -> None:
    put_household_case("H1", _case(2024, 1_000_000), changed_at=T0)
    put_household_case("H1", _case(2025, 2_000_000), changed_at=T0)
    assert get_household_case("H1", 2024) == _case(2024, 1_000_000)
    assert get_household_case("H1", 2025) == _case(2025, 2_000_000)
    assert get_household_case("H1", 2023) is None
    assert get_household_case("H2", 2024) is None


def test_a_later_put_replaces_the_case(aws: EmbeddedAWS) -> None:
    put_household_case("H1", _case(total=1_000_000), changed_at=T0)
    put_household_case("H1", _case(total=3_000_000), changed_at=T0 + timedelta(days=1))
    assert get_household_case("H1", 2024) == _case(total=3_000_000)


def test_changed_since_is_strictly_after_and_per_fiscal_year(aws: EmbeddedAWS) -> None:
    put_household_case("H1", _case(), changed_at=T0)
    put_household_case("H2", _case(), changed_at=T0 + timedelta(microseconds=1))
    put_household_case("H3", _case(), changed_at=T0 + timedelta(days=3))
    put_household_case("H4", _case(2025), changed_at=T0 + timedelta(days=3))
    assert changed_household_ids(2024, None) == ["H1", "H2", "H3"]
    assert changed_household_ids(2024, T0) == ["H2", "H3"]
    assert changed_household_ids(2024, T0 + timedelta(days=1)) == ["H3"]
    assert changed_household_ids(2024, T0 + timedelta(days=3)) == []
    # a household changed again moves forward: it is found once, at its latest change
    put_household_case("H1", _case(total=5), changed_at=T0 + timedelta(days=5))
    assert changed_household_ids(2024, T0 + timedelta(days=4)) == ["H1"]


def test_put_joins_the_callers_transaction(aws: EmbeddedAWS) -> None:
    from kokuho.records.assessments import HouseholdCaseModel

    with pytest.raises(Exception):  # noqa: B017 - the transaction is cancelled: nothing is written
        with TransactWrite(connection=Connection(region="ap-northeast-1")) as tx:
            put_household_case("H9", _case(), changed_at=T0, transaction=tx)
            tx.condition_check(HouseholdCaseModel, "HHCASE#missing", "FY#2024",
                               condition=HouseholdCaseModel.pk.exists())
    assert get_household_case("H9", 2024) is None
    with TransactWrite(connection=Connection(region="ap-northeast-1")) as tx:
        put_household_case("H9", _case(), changed_at=T0, transaction=tx)
    assert get_household_case("H9", 2024) == _case()


@pytest.mark.parametrize("hid,case,at,field", [
    ("", _case(), T0, "household_id"),
    ("H#1", _case(), T0, "household_id"),
    ("H1", {"household": {}}, T0, "fiscal_year"),
    ("H1", {"fiscal_year": 2024}, T0, "household"),
    ("H1", _case(), datetime(2024, 6, 1), "changed_at"),
])
def test_bad_input_is_refused_naming_the_field(aws: EmbeddedAWS, hid: str, case: dict[str, Any],
                                               at: datetime, field: str) -> None:
    with pytest.raises(HouseholdCaseError, match=field):
        put_household_case(hid, case, changed_at=at)


def test_bulk_put_and_batch_get_across_shards(aws: EmbeddedAWS) -> None:
    city = generate_city(120, seed=5)
    assert put_household_cases(((h.household_id, h.case) for h in city.households), changed_at=T0) == 120
    ids = [h.household_id for h in city.households]
    assert changed_household_ids(2024, None) == sorted(ids)
    got = get_household_cases(ids + ["absent"], 2024)
    assert set(got) == set(ids)
    assert got[ids[7]] == city.households[7].case


def test_the_pending_index_is_stamped_when_the_case_is_written_whatever_changed_at_says(aws: EmbeddedAWS) -> None:
    """A run reads the cases written since its cut (kokuho.assessment.selection): the index's stamp is the
    writer's clock, so a case stored with an earlier `changed_at` (a registration's own date) is still
    found after a cut taken before it was written; each write draws a new change id."""
    from kokuho.assessment.household_cases import changed_cases

    put_household_case("H1", _case(), changed_at=T0)
    cut = datetime.now(UTC).isoformat(timespec="microseconds")
    assert changed_cases(2024, cut) == {}
    put_household_case("H2", _case(), changed_at=T0 - timedelta(days=30))  # dated a month back, written now
    first = changed_cases(2024, cut)
    assert list(first) == ["H2"]
    put_household_case("H2", _case(total=2_000_000), changed_at=T0 - timedelta(days=30))
    again = changed_cases(2024, cut)
    assert list(again) == ["H2"] and again["H2"] != first["H2"]
    assert sorted(changed_cases(2024, None)) == ["H1", "H2"]
    assert changed_household_ids(2024, None) == ["H1", "H2"]


def test_the_shards_are_queried_in_parallel_and_the_ids_come_back_whole_and_sorted(
        aws: EmbeddedAWS, monkeypatch: pytest.MonkeyPatch) -> None:
    """Prepare must not read a city's ids one shard after another (issue 14 item 2): two shard queries
    are in flight at once (each waits for the other at a barrier: one after the other, the first would
    wait alone and break it), and the answer is every id once, sorted, as before. Each query is signed as
    its caller's (the run's data-role session, kokuho.access.data_role), in whichever thread it runs."""
    import threading

    from botocore.credentials import Credentials

    from kokuho.assessment.household_cases import changed_cases
    from kokuho.platform.request_credentials import current_credentials, signing_with
    from kokuho.records.assessments import CASE_SHARDS, HouseholdCaseModel, case_shard

    ids = [f"H{n:05d}" for n in range(200)]
    put_household_cases(((h, _case()) for h in ids), changed_at=T0)
    assert len({case_shard(h) for h in ids}) == CASE_SHARDS
    barrier = threading.Barrier(2, timeout=10)
    calls: list[str] = []
    signed_as: list[Any] = []
    lock = threading.Lock()
    real_query = HouseholdCaseModel.by_change.query

    def query(gsi1pk: str, *args: Any, **kwargs: Any) -> Any:
        with lock:
            calls.append(gsi1pk)
            signed_as.append(current_credentials())
            first_two = len(calls) <= 2
        if first_two:
            barrier.wait()
        return real_query(gsi1pk, *args, **kwargs)

    monkeypatch.setattr(HouseholdCaseModel.by_change, "query", query)
    run_session = Credentials("run-session-key", "run-session-secret", "run-session-token")  # moto takes any
    with signing_with(run_session):
        assert sorted(changed_cases(2024, None)) == sorted(ids)
    assert len(calls) == CASE_SHARDS and len(set(calls)) == CASE_SHARDS
    assert all(c is run_session for c in signed_as)
    barrier.reset()
    calls.clear()
    assert changed_household_ids(2024, None) == sorted(ids)
    assert changed_household_ids(2024, T0) == []
    assert len(calls) == 2 * 2 * CASE_SHARDS


def test_prepare_reads_the_ids_of_the_shards_not_their_cases(aws: EmbeddedAWS, monkeypatch: pytest.MonkeyPatch) -> None:
    """Selecting a run's households reads each shard's household ids, projected: no case travels, is parsed or
    inflated for it (a city's every case read to learn its ids was a large part of a rerun's CPU)."""
    from kokuho.assessment.household_cases import changed_cases
    from kokuho.records.base import CompressedJSONAttribute

    ids = [f"H{n:05d}" for n in range(60)]
    put_household_cases(((h, _case()) for h in ids), changed_at=T0)
    inflated: list[str] = []
    real = CompressedJSONAttribute.deserialize
    monkeypatch.setattr(CompressedJSONAttribute, "deserialize", lambda self, value: inflated.append(value) or
                        real(self, value))
    assert sorted(changed_cases(2024, None)) == ids
    assert changed_household_ids(2024, None) == ids
    assert changed_household_ids(2024, T0 - timedelta(days=1)) == ids
    assert inflated == []
    assert get_household_case("H00001", 2024) == _case()
    assert len(inflated) == 1  # a case read for itself still is


def test_the_latest_versions_of_many_changed_cases_are_read_in_parallel(
        aws: EmbeddedAWS, monkeypatch: pytest.MonkeyPatch) -> None:
    """Prepare leaves out the changed cases whose latest version assessed them: a query a household, so a
    month's thousands of changes are read by a bounded pool, not one after another (two queries meet at a
    barrier: in turn, the first would wait alone and break it), each signed as its caller's."""
    import threading

    from botocore.credentials import Credentials

    from kokuho.platform.request_credentials import current_credentials, signing_with
    from kokuho.records import assessment_store

    ids = [f"H{n:05d}" for n in range(200)]
    barrier = threading.Barrier(2, timeout=10)
    calls: list[str] = []
    signed_as: list[Any] = []
    lock = threading.Lock()
    real = assessment_store.latest_version

    def latest(household_id: str, *args: Any, **kwargs: Any) -> Any:
        with lock:
            calls.append(household_id)
            signed_as.append(current_credentials())
            first_two = len(calls) <= 2
        if first_two:
            barrier.wait()
        return real(household_id, *args, **kwargs)

    monkeypatch.setattr(assessment_store, "latest_version", latest)
    run_session = Credentials("run-session-key", "run-session-secret", "run-session-token")
    with signing_with(run_session):
        assert assessment_store.DynamoAssessmentStore().assessed_changes(ids, 2024) == {}
    assert sorted(calls) == ids and all(c is run_session for c in signed_as)


def test_a_bulk_load_stamps_each_case_as_it_is_written_not_when_the_load_began(
        aws: EmbeddedAWS, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run reads the pending index from its previous cut less a margin (the time from a case's stamp to its
    write landing): a large load must not stamp a million cases first and write them over the next hour.
    Every case is checked first (a bad one writes nothing), then each is stamped as it is written
    (BatchWriteItem's 25 at a time)."""
    from kokuho.assessment.household_cases import changed_cases
    from kokuho.records import household_cases

    written_when_stamped: list[int] = []
    real = household_cases.written_now

    def stamp() -> str:
        written_when_stamped.append(len(changed_cases(2024, None)))
        return real()

    monkeypatch.setattr(household_cases, "written_now", stamp)
    assert put_household_cases(((f"H{n:05d}", _case()) for n in range(60)), changed_at=T0) == 60
    assert written_when_stamped[-1] >= 50  # the last cases stamped after the first ones landed
    with pytest.raises(HouseholdCaseError):
        put_household_cases([("H90000", _case()), ("H#1", _case())], changed_at=T0)
    assert "H90000" not in changed_cases(2024, None)  # nothing written
