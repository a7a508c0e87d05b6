"""The benefit run's DynamoDB adapter keeps the port's promises (kokuho.benefits.benefit_ports): a version is written
only over the version it replaces, all or nothing with its pointer and access record; a stale or duplicate write is
a WriteConflict that changes nothing."""

from __future__ import annotations

import pytest

from kokuho.access.records import Actor, records_by_staff
from kokuho.benefits.benefit_ports import NewVersion, WriteConflict
from kokuho.records.benefits import DynamoBenefitStore
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
