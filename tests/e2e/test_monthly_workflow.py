"""The monthly-assessment state machine end to end on the embedded AWS (moto's Step Functions interpreter).

One city of 40 households in batches of 10. What a clerk relies on: every household gets exactly one
assessment version even when a batch dies mid-way and is retried; a rerun writes nothing; a month of
changes writes 更正 versions only for the households whose premium changed, keeping the installments
already due; a batch that keeps failing is reported with its household ids and is picked up again.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from monthly_helpers import CARE, approve_care_application, die_after_first_commit

from kokuho.access.records import records_of_chain, records_of_subject
from kokuho.assessment.household_cases import put_household_case, put_household_cases
from kokuho.linkage.transfers import transfers_to
from kokuho.premium import compute_case
from kokuho.records.assessments import notices_of, versions_of
from kokuho_local.embedded import EmbeddedAWS, embedded_aws
from kokuho_local.synthetic import generate_city, month_changes

FY = 2024
CITY = generate_city(40, seed=11, fiscal_year=FY)
IDS = [h.household_id for h in CITY.households]
RUN = f"annual-{FY}-{FY}-06"
FIRED: list[str] = []


@pytest.fixture(scope="module")
def assessed() -> Iterator[tuple[EmbeddedAWS, dict[str, Any]]]:
    """The city loaded and its annual run done, with batch p001-b00001 killed once after its first commit."""
    mp = pytest.MonkeyPatch()
    fired = die_after_first_commit(mp, "p001-b00001")
    with embedded_aws() as aws:
        approve_care_application()
        put_household_cases(((h.household_id, h.case) for h in CITY.households),
                            changed_at=datetime.now(UTC))
        summary = aws.run_state_machine("monthly-assessment", {
            "mode": "annual", "fiscal_year": FY, "as_of_month": f"{FY}-06", "batch_size": 10,
        }, name="annual-2024-06")
        FIRED[:] = fired
        mp.undo()
        yield aws, summary


def test_annual_run_writes_exactly_one_version_per_household(assessed: tuple[EmbeddedAWS, dict[str, Any]]) -> None:
    _, summary = assessed
    assert summary["run_id"] == RUN
    assert FIRED == [f"{RUN}#p001-b00001"]  # the batch really died once after a commit
    assert summary["status"] == "completed"
    assert (summary["households_selected"], summary["households_assessed"], summary["versions_written"]) == (40, 40, 40)
    assert summary["failures"] == {"households": [], "households_count": 0, "batches": [], "batches_count": 0,
                                   "household_ids_in_failed_batches": 0, "batches_unaccounted": 0}
    for h in CITY.households:
        versions = versions_of(h.household_id, FY)
        assert [v.version for v in versions] == [1]
        assert versions[0].result == compute_case(h.case)  # the engine's own figures, stored as is


def test_retried_batch_wrote_once_and_recorded_each_read(assessed: tuple[EmbeddedAWS, dict[str, Any]]) -> None:
    ops = [(r.operation, r.staff_id) for r in records_of_chain(f"{RUN}#p001-b00001")]
    # read, write (committed), killed; retried: read again, then nothing left to write
    assert [o for o, _ in ops] == ["read", "write", "read"]
    assert {s for _, s in ops} == {"system:monthly-assessment"}


def test_every_household_is_found_by_who_accessed_through_its_batchs_read(
        assessed: tuple[EmbeddedAWS, dict[str, Any]]) -> None:
    # One index entry a household and batch (its read); the batch's writes are found through it, in its chain
    from kokuho.access.records import verify_all
    from kokuho.access.subject_index import INDEX_CHAIN

    for h in IDS:
        reads = [r for r in records_of_subject(h) if r.chain.startswith(RUN)]  # the retried batch read twice
        assert {(r.operation, r.category) for r in reads} == {("read", "賦課用世帯情報")}
        writes = [r for r in records_of_chain(reads[0].chain) if r.operation == "write" and h in r.subject_ids]
        assert len(writes) == 1 and writes[0].seq > reads[0].seq and writes[0].subject_index == INDEX_CHAIN
    assert verify_all()[2] == []


def test_summary_totals_match_the_engine_and_notices_exist(assessed: tuple[EmbeddedAWS, dict[str, Any]]) -> None:
    _, summary = assessed
    results = [compute_case(h.case) for h in CITY.households]
    for part in ("medical", "support", "care", "child"):
        assert summary["totals"][part] == sum(r["parts"][part] for r in results)
    assert summary["annual_total"] == sum(r["annual"] for r in results)
    expected_reductions: dict[str, int] = {}
    for r in results:
        key = r["reduction"] or "なし"
        expected_reductions[key] = expected_reductions.get(key, 0) + 1
    assert summary["reductions"] == expected_reductions
    [notice] = notices_of(IDS[0], FY)
    assert (notice.kind, notice.version) == ("決定通知", 1)
    assert notice.payer_id == CITY.households[0].case["household"]["householder_id"]
    assert notice.body["installments"] == results[0]["installments"]


def test_transfer_to_care_insurance_is_recorded_once_per_run(assessed: tuple[EmbeddedAWS, dict[str, Any]]) -> None:
    _, summary = assessed
    # through the transfer service: judged against the approved application, visible to transfers_to()
    records = [r for r in transfers_to(CARE) if r["reference"] == f"monthly-assessment:{RUN}"]
    assert [(r["outcome"], r["subject_count"], r["application_id"]) for r in records] == [
        ("transferred", 40, "APP-CARE-LEVY")]
    assert records[0]["information_kind"] == "保険料賦課情報"
    assert summary["transfer"]["count"] == 40 and summary["transfer"]["outcome"] == "transferred"
    assert "番号法第9条第2項" in summary["transfer"]["legal_basis"]


def test_rerun_of_the_same_month_writes_nothing_and_reports_the_run(
        assessed: tuple[EmbeddedAWS, dict[str, Any]]) -> None:
    aws, first = assessed
    again = aws.run_state_machine("monthly-assessment", {
        "mode": "annual", "fiscal_year": FY, "as_of_month": f"{FY}-06", "batch_size": 10}, name="annual-2024-06-rerun")
    # every household's outcome of the run is stored, no case changed: the rerun reads none again
    assert again["last_pass"] == {"pass": 2, "households_selected": 0, "versions_written": 0}
    assert not [r for h in IDS for r in records_of_subject(h) if r.chain.startswith(f"{RUN}#p002")]
    # the run's figures are what is stored for it: the rerun reports the first pass's exactly
    volatile = ("last_pass", "timing", "batches")
    assert {k: v for k, v in again.items() if k not in volatile} == {
        k: v for k, v in first.items() if k not in volatile}
    assert len([r for r in transfers_to(CARE) if r["reference"] == f"monthly-assessment:{RUN}"]) == 1
    monthly_rerun = aws.run_state_machine("monthly-assessment", {
        "mode": "monthly", "fiscal_year": FY, "as_of_month": f"{FY}-06", "batch_size": 10}, name="monthly-2024-06")
    assert (monthly_rerun["households_selected"], monthly_rerun["versions_written"]) == (0, 0)
    assert all(len(versions_of(h, FY)) == 1 for h in IDS)
    # a case an intake wrote since: the annual run's next pass reads that one, assesses it once, and the
    # pass after reads nothing
    put_household_case("HLATE", _rich_case(), changed_at=datetime.now(UTC))
    third = aws.run_state_machine("monthly-assessment", {
        "mode": "annual", "fiscal_year": FY, "as_of_month": f"{FY}-06", "batch_size": 10}, name="annual-2024-06-late")
    assert third["last_pass"] == {"pass": 3, "households_selected": 1, "versions_written": 1}
    assert third["versions_written"] == 41 and [v.version for v in versions_of("HLATE", FY)] == [1]
    assert {h for r in records_of_chain(f"{RUN}#p003-b00000") for h in r.subject_ids} == {"HLATE"}
    fourth = aws.run_state_machine("monthly-assessment", {
        "mode": "annual", "fiscal_year": FY, "as_of_month": f"{FY}-06", "batch_size": 10}, name="annual-2024-06-4")
    assert fourth["last_pass"] == {"pass": 4, "households_selected": 0, "versions_written": 0}
    assert [v.version for v in versions_of("HLATE", FY)] == [1]


def test_a_month_of_changes_writes_corrections_only_where_the_premium_changed(
        assessed: tuple[EmbeddedAWS, dict[str, Any]]) -> None:
    aws, _ = assessed
    changes = month_changes(CITY, f"{FY}-07", share=0.3)
    assert changes
    before = {h.household_id: compute_case(h.case) for h in CITY.households}
    for hid, case in changes.items():
        put_household_case(hid, case, changed_at=datetime.now(UTC))
    out = aws.run_state_machine("monthly-assessment", {
        "mode": "monthly", "fiscal_year": FY, "as_of_month": f"{FY}-07", "batch_size": 10}, name="monthly-2024-07")
    changed = {hid for hid, case in changes.items() if compute_case(case) != before[hid]}
    assert out["households_selected"] == len(changes)
    assert out["last_pass"]["households_selected"] == len(changes)
    assert (out["versions_written"], out["corrections"]) == (len(changed), len(changed))
    assert out["unchanged"] == len(changes) - len(changed)
    for hid in changes:
        versions = versions_of(hid, FY)
        assert len(versions) == (2 if hid in changed else 1)
        if hid in changed:
            v1, v2 = versions
            june = [i for i in v1.installments if i["due"] < f"{FY}-07"]
            assert [i for i in v2.installments if i["due"] < f"{FY}-07"] == june  # already due: kept
            assert sum(i["amount"] for i in v2.installments) == v2.result["annual"] or v2.refund > 0
            assert v2.difference == v2.result["annual"] - v1.result["annual"]
            assert [(n.kind, n.version) for n in notices_of(hid, FY)] == [("決定通知", 1), ("変更通知", 2)]


def _rich_case() -> dict[str, Any]:
    case = copy.deepcopy(CITY.households[0].case)
    head = case["household"]["members"][0]
    case["household"]["members"] = [head]
    head["insured"] = [{"from": f"{FY}-04-01", "until": None}]
    head["income"] = {"total": 8_000_000, "salary": 8_000_000, "pension": 0, "declared": True}
    return case


def test_a_late_decrease_below_what_was_paid_is_refunded(assessed: tuple[EmbeddedAWS, dict[str, Any]]) -> None:
    aws, _ = assessed
    put_household_case("HREFUND", _rich_case(), changed_at=datetime.now(UTC))
    aws.run_state_machine("monthly-assessment", {"mode": "monthly", "fiscal_year": FY, "as_of_month": f"{FY}-06",
                                                 "batch_size": 10}, name="refund-setup")
    poorer = _rich_case()
    poorer["household"]["members"][0]["income"] = {"total": 0, "salary": 0, "pension": 0, "declared": True}
    put_household_case("HREFUND", poorer, changed_at=datetime.now(UTC))
    out = aws.run_state_machine("monthly-assessment", {"mode": "monthly", "fiscal_year": FY,
                                                       "as_of_month": f"{FY + 1}-02", "batch_size": 10},
                                name="refund-2025-02")
    v1, v2 = versions_of("HREFUND", FY)
    paid = sum(i["amount"] for i in v1.installments if i["due"] < f"{FY + 1}-02")
    assert v2.result["annual"] < paid
    assert v2.refund == paid - v2.result["annual"]
    assert out["refunds"] == {"count": 1, "total": v2.refund}
