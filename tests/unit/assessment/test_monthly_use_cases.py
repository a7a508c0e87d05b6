"""The monthly assessment's use cases (Prepare, AssessBatch, RecordFailedBatch, Summarize) on the in-memory
fakes of their ports (tests/fakes/assessment_store.py): no moto. The same steps run on the embedded AWS
in tests/e2e/test_monthly_*.py."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from fakes.assessment_store import FakeCareTransfers, InMemoryAssessmentStore

from kokuho.assessment import monthly
from kokuho.assessment.ports import Ports
from kokuho.premium import compute_case

FY = 2024


def case(householder: str, income: int, *, birth: str = "1975-06-15", members: int = 1) -> dict[str, Any]:
    people = [{"id": f"{householder}-{n}" if n else householder, "birth_date": birth,
               "insured": [{"from": "2020-04-01", "until": None}],
               "income": {"total": income if n == 0 else 0, "salary": income if n == 0 else 0, "pension": 0,
                          "declared": True},
               "salary_or_pension_earner": n == 0, "involuntary_unemployment": None, "expected_birth": None,
               "specific_same_household": False} for n in range(members)]
    return {"fiscal_year": FY, "household": {"householder_id": householder, "specific_household": None,
                                             "members": people}}


CITY = {f"H{n:02d}": case(f"P{n:02d}", 1_000_000 + 350_000 * n, members=1 + n % 3) for n in range(7)}


def changed(hid: str, more: int) -> dict[str, Any]:
    c = copy.deepcopy(CITY[hid])
    c["household"]["members"][0]["income"]["total"] += more
    c["household"]["members"][0]["income"]["salary"] += more
    return c


@pytest.fixture
def ports() -> Ports:
    store = InMemoryAssessmentStore()
    for hid, c in CITY.items():
        store.put_case(hid, c)
    return Ports(store, FakeCareTransfers())


def run(ports: Ports, payload: dict[str, Any], name: str = "x") -> dict[str, Any]:
    """Prepare, every batch of the work list, Summarize — the state machine's order."""
    prepared = monthly.prepare_run(payload, execution_id=name, execution_name=name, ports=ports)
    for batch in ports.store.get_work_list(f"{prepared['run_id']}/p{prepared['pass']:03d}") or []:
        monthly.assess_batch({**prepared, "batch": batch, "execution_id": name}, ports=ports)
    return monthly.summarize_run({**prepared, "execution_id": name}, ports=ports)


ANNUAL = {"mode": "annual", "fiscal_year": FY, "as_of_month": f"{FY}-06", "batch_size": 3}
MONTH = {"mode": "monthly", "fiscal_year": FY, "as_of_month": f"{FY}-12", "batch_size": 3}


def store_of(ports: Ports) -> InMemoryAssessmentStore:
    assert isinstance(ports.store, InMemoryAssessmentStore)
    return ports.store


def test_the_annual_run_assesses_every_household_as_the_engine_does(ports: Ports) -> None:
    out = run(ports, ANNUAL)
    store = store_of(ports)
    assert out["status"] == "completed" and out["batches"] == 3
    assert out["households_assessed"] == out["versions_written"] == len(CITY)
    assert out["annual_total"] == sum(compute_case(c)["annual"] for c in CITY.values())
    for hid, c in CITY.items():
        assert store.versions[(hid, FY, 1)]["result"] == compute_case(c)
        assert store.notices[(hid, FY, 1)]["kind"] == "決定通知"
    assert store.pending_households(FY) == []
    # every household read and written is on an access record of its batch's chain
    reads = {h for a in store.access if a.operation == "read" for h in a.subject_ids}
    writes = {h for a in store.access if a.operation == "write" for h in a.subject_ids}
    assert reads == writes == set(CITY)
    assert {a.chain.split("#")[0] for a in store.access} == {out["run_id"]}
    assert list(ports.transfers.transferred.values()) == [len(CITY)]  # type: ignore[attr-defined]


def test_a_rerun_of_the_month_writes_nothing_and_reports_the_same_run(ports: Ports) -> None:
    first = run(ports, ANNUAL)
    versions = dict(store_of(ports).versions)
    records = len(store_of(ports).access)
    again = run(ports, ANNUAL, "y")
    assert store_of(ports).versions == versions
    # every household's outcome of this run is stored and none changed since: the rerun reads none again
    # (and records no read it did not make)
    assert again["last_pass"] == {"pass": 2, "households_selected": 0, "versions_written": 0}
    assert len(store_of(ports).access) == records
    volatile = ("last_pass", "timing", "batches")  # the pass's own (its work list: none)
    assert {k: v for k, v in again.items() if k not in volatile} == {
        k: v for k, v in first.items() if k not in volatile}
    assert len(ports.transfers.transferred) == 1  # type: ignore[attr-defined]  # transferred once


def test_a_rerun_of_the_annual_run_assesses_once_what_an_intake_changed_meanwhile(ports: Ports) -> None:
    first = run(ports, ANNUAL)
    store = store_of(ports)
    store.put_case("H03", changed("H03", 2_000_000))
    again = run(ports, ANNUAL, "y")
    assert again["last_pass"] == {"pass": 2, "households_selected": 1, "versions_written": 1}
    assert {h for a in store.access[-2:] for h in a.subject_ids} == {"H03"}  # its read and its write
    assert store.versions[("H03", FY, 2)]["result"] == compute_case(changed("H03", 2_000_000))
    assert again["versions_written"] == first["versions_written"] + 1 and store.pending_households(FY) == []
    third = run(ports, ANNUAL, "z")
    assert third["last_pass"] == {"pass": 3, "households_selected": 0, "versions_written": 0}
    assert ("H03", FY, 3) not in store.versions


def test_a_rerun_of_the_annual_run_on_other_rates_assesses_every_household_again(
        ports: Ports, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from kokuho.premium.rates import DEFAULT_RATES_DIR, RATES_DIR_ENV

    run(ports, ANNUAL)
    rates = json.loads((DEFAULT_RATES_DIR / f"fy{FY}.json").read_text(encoding="utf-8"))
    rates["source"] = "test: the same figures, a corrected file"
    (tmp_path / f"fy{FY}.json").write_text(json.dumps(rates, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv(RATES_DIR_ENV, str(tmp_path))
    again = run(ports, ANNUAL, "y")
    assert again["last_pass"] == {"pass": 2, "households_selected": len(CITY), "versions_written": 0}


def test_a_rerun_of_the_annual_run_takes_a_failed_household_again(ports: Ports) -> None:
    store = store_of(ports)
    store.cases[(FY, "H05")].case["household"]["members"][0]["birth_date"] = "not a date"
    first = run(ports, ANNUAL)
    assert [f["household_id"] for f in first["failures"]["households"]] == ["H05"]
    store.cases[(FY, "H05")].pending = False  # refused, not changed since: only its failed outcome says so
    again = run(ports, ANNUAL, "y")
    assert again["last_pass"] == {"pass": 2, "households_selected": 1, "versions_written": 0}
    assert [f["household_id"] for f in again["failures"]["households"]] == ["H05"]


def test_a_month_assesses_only_the_changed_households_and_bills_the_difference(ports: Ports) -> None:
    run(ports, ANNUAL)
    store = store_of(ports)
    store.put_case("H03", changed("H03", 2_000_000))
    out = run(ports, MONTH)
    assert out["households_selected"] == 1 and out["versions_written"] == out["corrections"] == 1
    v2 = store.versions[("H03", FY, 2)]
    assert v2["result"] == compute_case(changed("H03", 2_000_000))
    assert out["difference_total"] == v2["difference"] > 0
    assert store.notices[("H03", FY, 2)]["kind"] == "変更通知"
    assert ("H04", FY, 2) not in store.versions


def test_a_change_written_between_the_read_and_the_commit_is_assessed_by_the_next_run(ports: Ports) -> None:
    store = store_of(ports)
    late = changed("H01", 900_000)
    original: Callable[..., Any] = store.cases_for_assessment
    landed: list[str] = []

    def read_then_change(ids: Any, fy: int, **kw: Any) -> Any:
        got = original(ids, fy, **kw)
        if "H01" in ids and not landed:
            landed.append("H01")
            store.put_case("H01", late)  # the intake lands while the batch computes
        return got

    store.cases_for_assessment = read_then_change  # type: ignore[method-assign]
    out = run(ports, ANNUAL)
    assert landed and out["status"] == "completed"
    # the version is the commit point, written as the case was read; the change it did not see is pending
    assert store.versions[("H01", FY, 1)]["result"] == compute_case(CITY["H01"])
    assert store.pending_households(FY) == ["H01"]
    store.cases_for_assessment = original  # type: ignore[method-assign]
    month = run(ports, MONTH)
    assert month["households_selected"] == 1 and month["versions_written"] == 1
    assert store.versions[("H01", FY, 2)]["result"] == compute_case(late)
    assert store.pending_households(FY) == []


def test_a_household_the_engine_refuses_fails_alone(ports: Ports) -> None:
    store = store_of(ports)
    bad = copy.deepcopy(CITY["H02"])
    bad["household"]["members"][0]["birth_date"] = "not a date"
    store.put_case("H02", bad)
    out = run(ports, ANNUAL)
    assert out["status"] == "completed_with_failures"
    assert [f["household_id"] for f in out["failures"]["households"]] == ["H02"]
    assert out["versions_written"] == len(CITY) - 1
    assert "H02" in store.pending_households(FY)  # left for the next run


def test_a_batch_that_died_after_writing_is_taken_again_by_the_next_pass(ports: Ports) -> None:
    run(ports, ANNUAL)
    store = store_of(ports)
    for hid in ("H01", "H02", "H04", "H05"):
        store.put_case(hid, changed(hid, 1_500_000))
    prepared = monthly.prepare_run(MONTH, execution_id="x", execution_name="x", ports=ports)
    batches = store.get_work_list(f"{prepared['run_id']}/p001") or []
    assert [len(b["household_ids"]) for b in batches] == [3, 1]
    commit = store.commit

    def commit_then_die(chunk: Any) -> None:  # the batch's transaction commits, then the Lambda dies
        commit(chunk)
        raise RuntimeError("killed after the commit")

    store.commit = commit_then_die  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        monthly.assess_batch({**prepared, "batch": batches[0], "execution_id": "x"}, ports=ports)
    store.commit = commit  # type: ignore[method-assign]
    failed = monthly.record_failed_batch({**prepared, "batch": batches[0],
                                          "error": {"Error": "RuntimeError", "Cause": "killed"}}, ports=ports)
    assert failed["batch_failed"] and failed["failed"] == 3
    monthly.assess_batch({**prepared, "batch": batches[1], "execution_id": "x"}, ports=ports)
    # an ok outcome is never replaced by a failure record
    assert monthly.record_failed_batch({**prepared, "batch": batches[1], "error": {}}, ports=ports)["failed"] == 0
    out = monthly.summarize_run({**prepared, "execution_id": "x"}, ports=ports)
    assert out["status"] == "completed_with_failures"
    assert out["failures"]["household_ids_in_failed_batches"] == 3
    # its households are assessed (not pending) but unreported: the next pass takes them again and
    # reports what the dead batch wrote
    assert store.pending_households(FY) == []
    again = run(ports, MONTH, "y")
    assert again["last_pass"] == {"pass": 2, "households_selected": 3, "versions_written": 0}
    assert again["status"] == "completed" and again["versions_written"] == again["corrections"] == 4


def test_a_refused_transfer_is_reported_and_the_rerun_transfers_what_is_owed(ports: Ports) -> None:
    transfers = ports.transfers
    assert isinstance(transfers, FakeCareTransfers)
    transfers.refusal = "no approved data-use application"
    out = run(ports, ANNUAL)
    assert out["status"] == "completed_with_failures"
    assert out["transfer"]["outcome"] == "refused" and out["transfer"]["not_transferred"] == len(CITY)
    assert transfers.transferred == {}
    transfers.refusal = None
    again = run(ports, ANNUAL, "y")
    assert again["status"] == "completed" and again["transfer"]["outcome"] == "transferred"
    assert list(transfers.transferred.values()) == [len(CITY)]


@pytest.mark.parametrize("payload,field", [
    ({"mode": "weekly"}, "mode"), ({"as_of_month": "2024-13"}, "as_of_month"),
    ({"batch_size": 1001}, "batch_size"), ({"batch_size": True}, "batch_size"), ({"colour": 1}, "colour"),
    ({"fiscal_year": 2025, "as_of_month": "2024-12"}, "fiscal_year"),
])
def test_bad_input_is_refused_naming_the_field_and_changes_nothing(ports: Ports, payload: dict[str, Any],
                                                                    field: str) -> None:
    with pytest.raises(monthly.RunInputError, match=f"^{field}:"):
        monthly.prepare_run(payload, execution_id="x", execution_name="x", ports=ports)
    assert store_of(ports).runs == {} and store_of(ports).work_lists == {}


def test_the_annual_runs_first_pass_reads_no_version_and_its_condition_finds_one_that_exists(ports: Ports) -> None:
    # An earlier annual run of the year wrote its versions and never completed: the next one expects no
    # version (it reads none), and each version 1 it writes on its condition finds the one there: the
    # household is read again with its latest version and decided against it — nothing written twice.
    store = store_of(ports)
    may = {**ANNUAL, "as_of_month": f"{FY}-05"}
    prepared = monthly.prepare_run(may, execution_id="may", execution_name="may", ports=ports)
    batches = store.get_work_list(f"{prepared['run_id']}/p001") or []
    assert batches and all(b.get("fresh") is True for b in batches)
    for batch in batches:
        monthly.assess_batch({**prepared, "batch": batch, "execution_id": "may"}, ports=ports)
    store.put_case("H03", changed("H03", 2_000_000))
    reads: list[bool] = []
    original = store.cases_for_assessment

    def counting(ids: Any, fy: int, *, latest: bool = True) -> Any:
        reads.append(latest)
        return original(ids, fy, latest=latest)

    store.cases_for_assessment = counting  # type: ignore[method-assign]
    out = run(ports, ANNUAL)
    assert out["status"] == "completed" and out["versions_written"] == 1
    assert reads.count(False) == 3 and True in reads  # each batch reads none; again, with them, on the conflict
    assert sorted(k for k in store.versions if k[2] > 1) == [("H03", FY, 2)]
    assert store.versions[("H03", FY, 2)]["result"] == compute_case(changed("H03", 2_000_000))
    assert store.notices[("H03", FY, 2)]["kind"] == "変更通知"
    assert store.pending_households(FY) == []


def test_a_month_after_a_load_resolves_what_the_last_run_assessed_from_its_outcomes(
        ports: Ports, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every case written within the margin before the last run's cut is read again by the next run (the margin
    covers writes still landing). When most of the city is there — a load just before the run, the demo's city —
    the changes the last completed run recorded as assessed (its outcomes: a read a batch) resolve them, not a
    latest-version query a household (the demo's monthly run 1.0 → 6.0 s, its rerun 0.2 → 4.8 s)."""
    run(ports, ANNUAL)
    store = store_of(ports)
    store.put_case("H03", changed("H03", 2_000_000))
    asked: list[str] = []
    original = store.assessed_changes
    monkeypatch.setattr(store, "assessed_changes",
                        lambda ids, fy: (asked.extend(ids), original(ids, fy))[1])
    out = run(ports, MONTH)
    assert out["households_selected"] == 1 and out["versions_written"] == 1
    assert asked == ["H03"]  # was every household of the city
    asked.clear()
    again = run(ports, MONTH, name="rerun")
    assert again["last_pass"] == {"pass": 2, "households_selected": 0, "versions_written": 0}
    assert asked == []  # the annual run's outcomes and the month's first pass resolve every case


def test_a_new_householder_whose_premium_is_unchanged_is_a_new_version_naming_the_new_payer(ports: Ports) -> None:
    """Probe (workflows): the payer of a year's premium is the householder of the assessment (its ledger's payer,
    the 変更通知's addressee, whose account a refund goes to). A 世帯主変更 that left the premium as it was (the
    same members and incomes) was taken as unchanged — the version hash is the result's — so the ledger, the
    notices and the refunds stayed with the former householder."""
    run(ports, ANNUAL)
    store = store_of(ports)
    c = copy.deepcopy(CITY["H01"])
    c["household"]["householder_id"] = "P01-1"  # the other member becomes the householder
    assert compute_case(c) == compute_case(CITY["H01"])  # the premium does not change
    store.put_case("H01", c)
    out = run(ports, MONTH, "m")
    assert out["versions_written"] == 1 and out["last_pass"]["versions_written"] == 1
    v2 = store.versions[("H01", FY, 2)]
    assert (v2["payer_id"], v2["difference"], v2["refund"]) == ("P01-1", 0, 0)
    assert v2["installments"] == store.versions[("H01", FY, 1)]["installments"]
    assert store.notices[("H01", FY, 2)] == {"kind": "変更通知", "payer_id": "P01-1"}
    again = run(ports, MONTH, "n")  # decided: nothing more
    assert again["last_pass"]["versions_written"] == 0 and ("H01", FY, 3) not in store.versions


def test_a_month_to_come_is_refused_and_assesses_nothing(ports: Ports) -> None:
    """Probe (workflows): a run's as_of_month is the month its 更正 are decided in — installments due before it
    stay as billed and count as paid (premium rule 7), the rest take the difference. A month to come was taken as
    given: a run "as of" next March took every installment to February as billed and paid, so a 更正 that lowered
    the premium told the payer of a 還付 of money never paid and put an increase on March alone."""
    from datetime import UTC, datetime

    now = datetime(FY, 7, 10, 3, 0, tzinfo=UTC)
    for month in (f"{FY}-08", f"{FY + 1}-03"):
        with pytest.raises(monthly.RunInputError, match="^as_of_month: a month to come"):
            monthly.prepare_run({**MONTH, "as_of_month": month}, execution_id="x", execution_name="x", now=now,
                                ports=ports)
    assert store_of(ports).runs == {} and store_of(ports).work_lists == {}
    prepared = monthly.prepare_run({**MONTH, "as_of_month": f"{FY}-07"}, execution_id="x", execution_name="x",
                                   now=now, ports=ports)  # this month: taken
    assert prepared["as_of_month"] == f"{FY}-07"
