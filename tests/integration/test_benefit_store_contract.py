"""The benefit run's DynamoDB adapter keeps the port's promises (kokuho.benefits.benefit_ports): a version is written
only over the version it replaces, all or nothing with its pointer and access record; a stale or duplicate write is
a WriteConflict that changes nothing."""

from __future__ import annotations

import pytest

from kokuho.access.records import Actor, records_by_staff
from kokuho.benefits.benefit_ports import NewVersion, WriteConflict
from kokuho.records.benefits import BenefitPointerModel, DynamoBenefitStore
from kokuho_local.embedded import EmbeddedAWS

ACTOR = Actor(staff_id="system:benefit-run", terminal_id="t", purpose="test")


def version(n: int, benefit: int, previous: int = 0) -> NewVersion:
    doc = {"run_id": "benefit-2025-08", "version": n, "result": {"benefit": benefit}}
    return NewVersion("H1", "2024-10", n, f"hash{n}-{benefit}", benefit, benefit - previous, doc)


def test_versions_are_written_over_the_one_they_replace_and_never_twice(aws: EmbeddedAWS) -> None:
    store = DynamoBenefitStore()
    store.commit([version(1, 212_570)], persons=["P1"], actor=ACTOR, chain="c")
    with pytest.raises(WriteConflict):
        store.commit([version(1, 99)], persons=["P1"], actor=ACTOR, chain="c")  # a duplicate first version
    store.commit([version(2, 128_180, 212_570)], persons=["P1"], actor=ACTOR, chain="c")
    with pytest.raises(WriteConflict):
        store.commit([version(2, 1, 212_570)], persons=["P1"], actor=ACTOR, chain="c")  # stale
    assert [d["result"]["benefit"] for d in store.version_docs("H1", "2024-10")] == [212_570, 128_180]
    assert store.benefit_months("H1") == ["2024-10"]
    facts = store.household_facts(["H1"], (2024, 1), (2025, 7))
    assert facts == {}  # no such household in the qualification file: nothing to decide
    writes = [r for r in records_by_staff("system:benefit-run") if r.operation == "write"]
    assert [r.subject_ids for r in writes] == [["P1"], ["P1"]]  # one per committed transaction, none for the refused


def test_only_months_the_household_ceiling_paid_are_benefit_months(aws: EmbeddedAWS) -> None:
    """The months read for the 多数回 count and the outgoing 高額該当 file are those whose latest version the household
    ceiling paid (施行令 第29条の3): a month of the 70–74 outpatient limit alone (外来特例) pays a benefit and is not
    one. A pointer stored before the flag existed is judged on its version's case by the engine. Failed on main:
    every month with a benefit was listed."""
    store = DynamoBenefitStore()
    outpatient_only = {"service_month": "2024-11", "household": {"bracket70": "一般", "members": [
        {"id": "P1", "age": 72, "bills": [{"provider": "C1", "setting": "outpatient", "dental": False,
                                           "total_cost": 150_000, "copay": 30_000}]}]}}
    household = {"service_month": "2024-12", "household": {"bracket70": "一般", "members": [
        {"id": "P1", "age": 72, "bills": [{"provider": "H1", "setting": "inpatient", "dental": False,
                                           "total_cost": 800_000, "copay": 80_000}]}]}}
    for month, benefit, counts, case in (("2024-10", 12_000, False, None), ("2024-11", 12_000, None, outpatient_only),
                                         ("2024-12", 22_400, None, household), ("2025-01", 5_000, True, None)):
        doc = {"run_id": "r", "version": 1, "result": {"benefit": benefit}, "case": case}
        store.commit([NewVersion("H1", month, 1, "h", benefit, benefit, doc, counts)], persons=["P1"], actor=ACTOR,
                     chain="c")
    # 2024-11 and 2024-12 as written before the flag: no counts on the pointer
    for month in ("2024-11", "2024-12"):
        BenefitPointerModel(*BenefitPointerModel.key("H1", month)).update(
            actions=[BenefitPointerModel.counts.remove()])
    assert store.benefit_months("H1") == ["2024-12", "2025-01"]


def test_a_run_keeps_its_passes_batches_and_outcomes(aws: EmbeddedAWS) -> None:
    store = DynamoBenefitStore()
    assert store.start_pass("benefit-2025-08", run_month="2025-08", execution_name="a") == 1
    assert store.start_pass("benefit-2025-08", run_month="2025-08", execution_name="b") == 2
    store.put_batches("benefit-2025-08", [("p002-b00000", ["H1", "H2"])])
    assert store.batch_households("benefit-2025-08", "p002-b00000") == ["H1", "H2"]
    store.save_outcome("benefit-2025-08", "p002-b00000", {"households": 2, "entries": {}, "failures": {}})
    assert store.outcomes("benefit-2025-08") == {"p002-b00000": {"households": 2, "entries": {}, "failures": {}}}
    run = store.get_run("benefit-2025-08")
    assert (run.passes, run.batches, run.run_month) == (2, ["p002-b00000"], "2025-08")
