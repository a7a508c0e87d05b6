"""One contract, two adapters: the in-memory fake the use cases' unit tests run on
(tests/fakes/assessment_store.py) and the DynamoDB adapter (kokuho.records.assessment_store) keep the
same conditions — so a unit test on the fake says something about the deployed store."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from fakes.assessment_store import InMemoryAssessmentStore

from kokuho.access.actor import Actor
from kokuho.assessment.ports import AccessEntry, AssessmentStore, ChunkWrite
from kokuho.assessment.versions import Latest, decide
from kokuho.premium import compute_case

FY = 2024
ACTOR = Actor("system:monthly-assessment", "contract", "賦課 (国保法第76条)")


def case(income: int) -> dict[str, Any]:
    return {"fiscal_year": FY, "household": {"householder_id": "P1", "specific_household": None, "members": [
        {"id": "P1", "birth_date": "1975-06-15", "insured": [{"from": "2020-04-01", "until": None}],
         "income": {"total": income, "salary": income, "pension": 0, "declared": True},
         "salary_or_pension_earner": True, "involuntary_unemployment": None, "expected_birth": None,
         "specific_same_household": False}]}}


@pytest.fixture(params=["fake", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[tuple[AssessmentStore, Callable[[str, dict[str, Any]], None]]]:
    if request.param == "fake":
        fake = InMemoryAssessmentStore()
        yield fake, fake.put_case
        return
    from kokuho.assessment.household_cases import put_household_case
    from kokuho.records.assessment_store import DynamoAssessmentStore
    from kokuho_local.embedded import embedded_aws

    with embedded_aws():
        yield DynamoAssessmentStore(), lambda h, c: put_household_case(h, c, changed_at=datetime.now(UTC))


def chunk(store: AssessmentStore, income: int, *, version_of: int | None = None, run: str = "run-1") -> ChunkWrite:
    c = case(income)
    (_, read_mark), = store.cases_for_assessment(["H1"], FY).values()
    pointer = store.latest_pointers(["H1"], FY).get("H1")
    assert pointer == read_mark.pointer  # the case's read names the latest version as it is
    latest = None
    if pointer is not None:
        doc = store.version_docs([("H1", pointer.version)], FY)["H1"]
        latest = Latest(pointer.version, pointer.content_hash, pointer.run_id, doc["result"], doc["installments"])
    new = decide("H1", c, compute_case(c), latest, as_of_month=f"{FY}-06", run_id=run).new
    assert new is not None
    if version_of is not None:  # a stale writer: decided against an older version
        new = replace(new, version=version_of)
    return ChunkWrite(run_id=run, batch_id="b1", fiscal_year=FY, as_of_month=f"{FY}-06", at="2024-06-01T00:00:00Z",
                      versions=[new], changes={"H1": read_mark.change_id},
                      access=AccessEntry(ACTOR, [], "保険料賦課情報", "write", f"{run}#b1", indexed_by_chain=True))


def pending(s: AssessmentStore) -> list[str]:
    """What a run would take with no cut: the cases whose change their latest version has not assessed."""
    changed = s.changed_cases(FY, None)
    assessed = s.assessed_changes(sorted(changed), FY)
    return sorted(h for h, c in changed.items() if assessed.get(h) != c)


def test_a_version_is_written_once_and_the_latest_is_the_highest(store: Any) -> None:
    s, put_case = store
    put_case("H1", case(3_000_000))
    assert pending(s) == ["H1"]
    first = chunk(s, 3_000_000)
    assert s.commit(first) == []
    assert pending(s) == [] and s.every_household(FY) == ["H1"]
    assert s.latest_pointers(["H1"], FY)["H1"].version == 1
    assert s.commit(first) == ["H1"]  # the same version again (a duplicate batch): another writer's
    put_case("H1", case(4_000_000))
    assert pending(s) == ["H1"]
    second = chunk(s, 4_000_000)
    assert second.versions[0].version == 2
    assert s.commit(second) == []
    assert s.commit(chunk(s, 5_000_000, version_of=2)) == ["H1"]  # a stale writer, decided against version 1
    pointer = s.latest_pointers(["H1"], FY)["H1"]
    assert (pointer.version, pointer.content_hash) == (2, second.versions[0].content_hash)
    assert s.version_docs([("H1", 2)], FY)["H1"]["result"] == compute_case(case(4_000_000))


def test_a_case_changed_since_it_was_read_stays_pending_after_the_write(store: Any) -> None:
    s, put_case = store
    put_case("H1", case(3_000_000))
    stale = chunk(s, 3_000_000)
    put_case("H1", case(3_500_000))  # the intake lands between the read and the commit
    assert s.commit(stale) == []  # the version stands for the case as it was read...
    assert s.latest_pointers(["H1"], FY)["H1"].version == 1
    assert pending(s) == ["H1"]  # ...and the change it did not see is the next run's


def test_a_case_changed_with_the_same_premium_is_noted_on_the_latest_version(store: Any) -> None:
    s, put_case = store
    put_case("H1", case(3_000_000))
    s.commit(chunk(s, 3_000_000))
    put_case("H1", case(3_000_000))  # written again (another field, say): the same premium
    assert pending(s) == ["H1"]
    (_, mark), = s.cases_for_assessment(["H1"], FY).values()
    s.note_assessed({"H1": mark}, FY)
    assert pending(s) == [] and s.latest_pointers(["H1"], FY)["H1"].version == 1


def test_runs_passes_and_outcomes(store: Any) -> None:
    s, _ = store
    kw: dict[str, Any] = dict(fiscal_year=FY, mode="monthly", as_of_month=f"{FY}-12",
                              snapshot_at="2024-12-01T00:00:00+00:00", execution_name="x", provisional_rates=False)
    assert [s.start_pass("R", **kw), s.start_pass("R", **kw)] == [1, 2]
    s.set_pass_work("R", batches=2, households=3, work_list_key="k", closed_years_pending={"2022": 1})
    run = s.get_run("R")
    assert (run.passes, run.batches, run.households, run.closed_years_pending) == (2, 2, 3, {"2022": 1})
    s.save_outcome("R", "b1", {"batch_id": "b1", "entries": {}})
    assert s.save_failure("R", "b1", {"batch_id": "b1"}) is False  # an ok outcome stays
    assert s.save_failure("R", "b2", {"batch_id": "b2"}) is True
    assert s.save_failure("R", "b2", {"batch_id": "b2", "again": True}) is True
    assert sorted((o.status, o.outcome["batch_id"]) for o in s.batch_outcomes("R")) == [("failed", "b2"), ("ok", "b1")]
    assert s.last_completed_run(FY) is None
    s.finish_run(run, status="completed", summary={"n": 1}, completed=True)
    done = s.last_completed_run(FY)
    assert done is not None and done.run_id == "R" and s.get_run("R").summary == {"n": 1}
    # completed since a day: by the cut of the run's latest pass
    assert [r.run_id for r in s.completed_runs_since(FY, "2024-11-30T23:40:00.000000+00:00")] == ["R"]
    assert s.completed_runs_since(FY, "2024-12-01T00:00:00.000001+00:00") == []
    assert s.completed_runs_since(FY + 1, "2000-01-01T00:00:00+00:00") == []
    s.set_transferred("R", 5)
    assert s.get_run("R").transferred == 5
    bucket, key = s.put_work_list("R/p001", [{"batch_id": "b1"}])
    assert key.endswith("R/p001/work-list.json") and s.get_work_list("R/p001") == [{"batch_id": "b1"}]
    assert s.get_work_list("R/p009") is None


def test_what_follows_a_version_its_batch_died_before_writing_is_completed_from_the_version_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # DynamoDB only: the version is the commit point, and the ledger's charge (collection reads it from the
    # version: charged the moment it is stored); the write record follows it. A batch that dies in between
    # leaves a version without it; whoever reads it again (the retry, the pass that takes the batch again)
    # writes it from the version, in its batch's chain.
    from kokuho.access.records import records_of_chain
    from kokuho.assessment.household_cases import put_household_case
    from kokuho.records import assessment_store
    from kokuho.records.assessments import notices_of
    from kokuho.records.collection import DynamoCollectionStore
    from kokuho_local.embedded import embedded_aws

    def dies(*args: Any) -> None:
        raise RuntimeError("the batch dies between its version items and what follows them")

    with embedded_aws():
        s = assessment_store.DynamoAssessmentStore()
        put_household_case("H1", case(3_000_000), changed_at=datetime.now(UTC))
        with monkeypatch.context() as mp:
            mp.setattr(assessment_store.DynamoAssessmentStore, "_follow", dies)
            with pytest.raises(RuntimeError):
                s.commit(chunk(s, 3_000_000))
        ledgers = DynamoCollectionStore()
        assert s.latest_pointers(["H1"], FY)["H1"].version == 1
        assert [lg.charge.version for lg in ledgers.ledgers([("H1", FY)]).values()] == [1]
        assert [r for r in records_of_chain("run-1#b1") if r.operation == "write"] == []
        put_household_case("H1", case(9_000_000), changed_at=datetime.now(UTC))  # the case moves on meanwhile
        marks = {h: m for h, (_, m) in s.cases_for_assessment(["H1"], FY).items()}
        follow = AccessEntry(ACTOR, [], "保険料賦課情報", "write", "run-1#b9", indexed_by_chain=True)
        assert s.complete_followers(marks, FY, follow) == 1
        [ledger] = ledgers.ledgers([("H1", FY)]).values()
        assert ledger.charge.version == 1 and ledger.charge.annual == compute_case(case(3_000_000))["annual"]
        writes = [r for r in records_of_chain("run-1#b1") if r.operation == "write"]
        assert [r.subject_ids for r in writes] == [["H1"]]  # in the chain of the batch that wrote it
        assert [(n.kind, n.version) for n in notices_of("H1", FY)] == [("決定通知", 1)]
        assert s.complete_followers(marks, FY, follow) == 0  # written once
        assert len([r for r in records_of_chain("run-1#b1") if r.operation == "write"]) == 1


def test_the_batchs_read_record_says_whether_it_is_the_first_of_its_chain(store: Any) -> None:
    # A retry or duplicate of a batch writes its read record after an earlier one of the same chain: it then
    # checks that what follows the versions its run wrote was written (complete_followers); a first need not.
    s, _ = store
    read = AccessEntry(ACTOR, ["H1", "H2"], "賦課用世帯情報", "read", "run-1#b7")
    assert [s.record_access(read), s.record_access(read)] == [True, False]
    assert s.record_access(replace(read, chain="run-1#b8")) is True


def test_the_annual_charge_joins_a_ledger_the_pension_run_opened_for_kari_choshu() -> None:
    # DynamoDB only: 特別徴収's 仮徴収 opens a household's ledger at version 0 before the 本算定
    # (kokuho.collection.pension_run, PensionWrite.create_annual). The 本算定's first charge then joins it —
    # its pension state kept — instead of failing the batch on "no ledger may exist before it".
    from kokuho.assessment.household_cases import put_household_case
    from kokuho.collection.ports import PensionWrite
    from kokuho.records.assessment_store import DynamoAssessmentStore
    from kokuho.records.collection import DynamoCollectionStore
    from kokuho_local.embedded import embedded_aws

    with embedded_aws():
        s = DynamoAssessmentStore()
        put_household_case("H1", case(3_000_000), changed_at=datetime.now(UTC))
        ledgers = DynamoCollectionStore()
        ledgers.set_pension([PensionWrite(("H1", FY), "P1", {"kari": [5000, 5000]}, None, None,
                                          create_annual=30_000)], actor=ACTOR, chain="pension-test")
        assert s.commit(chunk(s, 3_000_000)) == []  # the charge learns the ledger is open and joins it
        [ledger] = ledgers.ledgers([("H1", FY)]).values()
        assert ledger.charge.version == 1 and s.latest_pointers(["H1"], FY)["H1"].version == 1


def test_a_ledgers_charge_is_its_latest_noticed_version_and_the_run_writes_no_ledger_item() -> None:
    # DynamoDB only (issue 14): the run writes no ledger item a household (one write unit each); collection reads
    # the charge from the latest version that carries a notice — a 更正 is the charge the moment it is stored, a
    # 仮 version (provisional rates) charges nothing until confirmed, and a 更正 downwards puts the ledger in
    # the overpayment run's queue, once, whatever retries write it again.
    from kokuho.assessment.household_cases import put_household_case
    from kokuho.records.assessment_store import DynamoAssessmentStore
    from kokuho.records.collection import DynamoCollectionStore, LedgerModel
    from kokuho_local.embedded import embedded_aws

    def put(household: str, c: dict[str, Any]) -> None:
        put_household_case(household, c, changed_at=datetime.now(UTC))

    with embedded_aws() as aws:
        s, ledgers = DynamoAssessmentStore(), DynamoCollectionStore()
        put("H1", case(3_000_000))
        first = chunk(s, 3_000_000)
        assert s.commit(first) == []
        items = aws.client("dynamodb").scan(TableName=aws.table_name("collection"))["Items"]
        assert [i for i in items if i["sk"]["S"] == "LEDGER"] == []  # nothing written to the ledger
        [ledger] = ledgers.ledgers([("H1", FY)]).values()
        annual = first.versions[0].result["annual"]
        assert (ledger.charge.version, ledger.charge.annual, ledger.charge.payer_id) == (1, annual, "P1")
        assert ledger.charge.total == sum(i["amount"] for i in first.versions[0].installments)
        assert [lg.key for lg in ledgers.all_ledgers()] == [("H1", FY)]

        put("H1", case(500_000))  # a 更正 downwards
        lower = chunk(s, 500_000, run="run-2")
        assert s.commit(lower) == [] and s.commit(lower) == ["H1"]  # a replay writes nothing again
        [ledger] = ledgers.ledgers([("H1", FY)]).values()
        assert (ledger.charge.version, ledger.charge.annual) == (2, lower.versions[0].result["annual"])
        assert ledgers.overpaid_ledgers() == [("H1", FY)]
        (_, mark), = s.cases_for_assessment(["H1"], FY).values()
        assert s.complete_followers({"H1": mark}, FY, lower.access) == 0  # followed: its write record names it
        [item] = LedgerModel.scan()
        assert item.payments is None and item.gsi2pk == "OVERPAID"  # the mark alone

        put("H1", case(4_000_000))  # on provisional rates: a 仮 version, no notice
        (_, mark), = s.cases_for_assessment(["H1"], FY).values()
        assert mark.pointer is not None
        doc = s.version_docs([("H1", mark.pointer.version)], FY)["H1"]
        latest = Latest(mark.pointer.version, mark.pointer.content_hash, mark.pointer.run_id, doc["result"],
                        doc["installments"])
        kari = decide("H1", case(4_000_000), compute_case(case(4_000_000)), latest, as_of_month=f"{FY}-07",
                      run_id="run-3", provisional_rates=True).new
        assert kari is not None and kari.notice_kind is None
        assert s.commit(replace(lower, run_id="run-3", versions=[kari], changes={"H1": mark.change_id})) == []
        [ledger] = ledgers.ledgers([("H1", FY)]).values()
        assert ledger.charge.version == 2  # the 仮 version charges nothing until confirmed
        assert [lg.charge.version for lg in ledgers.all_ledgers()] == [2]


def test_a_runs_batch_outcomes_are_spread_over_partitions_and_read_back_whole() -> None:
    # DynamoDB only: every batch of a run stores its outcome (≈ 4 KB); a city's 10,000 batches within a Map
    # phase of under a minute wrote ≈ 1,500 units a second to the run's one partition key, over the 1,000 a
    # partition takes (the scale model). They are spread over OUTCOME_SHARDS keys; one stored before under
    # the run's own key is still read.
    from kokuho.records.assessment_store import DynamoAssessmentStore
    from kokuho.records.assessments import OUTCOME_SHARDS, BatchOutcomeModel
    from kokuho_local.embedded import embedded_aws

    with embedded_aws():
        s = DynamoAssessmentStore()
        ids = [f"p001-b{n:05d}" for n in range(64)]
        for b in ids:
            s.save_outcome("R", b, {"batch_id": b, "entries": {}})
        BatchOutcomeModel("RUN#R", "BATCH#p000-old", run_id="R", batch_id="p000-old", status="ok",
                          outcome={"batch_id": "p000-old", "entries": {}}).save()  # the former layout
        per_key = Counter(BatchOutcomeModel.key("R", b)[0] for b in ids)
        assert OUTCOME_SHARDS >= 8 and len(per_key) >= OUTCOME_SHARDS // 2 and max(per_key.values()) <= len(ids) // 4
        assert sorted(o.outcome["batch_id"] for o in s.batch_outcomes("R")) == sorted([*ids, "p000-old"])
        assert s.save_failure("R", ids[3], {"batch_id": ids[3]}) is False  # an ok outcome stays, where it is
