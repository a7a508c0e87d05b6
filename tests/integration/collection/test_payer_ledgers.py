"""A payer's ledgers on the embedded AWS (issue 14): the annual run writes no payer-index entry per household,
and `ledgers_of_payer` still finds every ledger the person pays — the households they head or headed, found
in the qualification table (registered, then 世帯分離 to a household of their own), each ledger kept only while
its version's payer (the case's householder, a 擬制世帯主 included) is the person."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from kokuho.access.actor import Actor
from kokuho.assessment.ports import AccessEntry, ChunkWrite
from kokuho.assessment.versions import decide
from kokuho.premium import compute_case
from kokuho_local.embedded import EmbeddedAWS

RUN = Actor("system:monthly-assessment", "payer-ledgers", "賦課 (国保法第76条)")
CLERK = Actor("S0001", "T-KOKUHO-03", "資格管理 (国保法第9条)")


def _case(fy: int, householder: str, insured: str) -> dict[str, Any]:
    """A case whose householder pays (`householder`); `insured` the member insured — the householder need not
    be (擬制世帯主)."""
    def member(pid: str) -> dict[str, Any]:
        return {"id": pid, "birth_date": "1975-06-15",
                "insured": [{"from": f"{fy}-04-01", "until": None}] if pid == insured else [],
                "income": {"total": 2_000_000, "salary": 2_000_000, "pension": 0, "declared": True},
                "salary_or_pension_earner": True, "involuntary_unemployment": None, "expected_birth": None,
                "specific_same_household": False}

    return {"fiscal_year": fy, "household": {"householder_id": householder, "specific_household": None,
                                             "members": [member(p) for p in dict.fromkeys([householder, insured])]}}


def _assess(household: str, fy: int, householder: str, insured: str) -> None:
    """The household's case of the year and its first version, written as the annual run writes it."""
    from kokuho.assessment.household_cases import put_household_case
    from kokuho.records.assessment_store import DynamoAssessmentStore

    c = _case(fy, householder, insured)
    put_household_case(household, c, changed_at=datetime.now(UTC))
    store = DynamoAssessmentStore()
    (_, mark), = store.cases_for_assessment([household], fy).values()
    new = decide(household, c, compute_case(c), None, as_of_month=f"{fy}-06", run_id=f"annual-{fy}").new
    assert new is not None and new.payer_id == householder
    run = f"annual-{fy}"
    assert store.commit(ChunkWrite(run_id=run, batch_id=f"b-{household}", fiscal_year=fy, as_of_month=f"{fy}-06",
                                   at=f"{fy}-06-01T00:00:00Z", versions=[new], changes={household: mark.change_id},
                                   access=AccessEntry(RUN, [], "保険料賦課情報", "write", f"{run}#b-{household}",
                                                      indexed_by_chain=True))) == []


def _register(person_id: str, household_id: str, relationship: str) -> None:
    from kokuho.qualification import service
    from kokuho.qualification.model import Person
    from kokuho.records.qualification import get_household
    from kokuho.records.qualification_store import PynamoQualificationStore

    person = Person(person_id=person_id, resident_code=f"R{person_id}", household_id=household_id,
                    name_kanji="北九 太郎", name_kana="キタキュウ タロウ", birth_date=date(1975, 6, 15), sex="1",
                    relationship=relationship, postal_code="8020001", address="福岡県北九州市小倉北区浅野1-1",
                    resident_from=date(2023, 4, 1))
    change = service.register_person(person, get_household(household_id), date(2023, 4, 1))
    notes = [None] * (len(change.person_entries) + len(change.household_entries))
    PynamoQualificationStore().commit_changes(change, notes, [], CLERK, [], now=datetime.now(UTC))


def _separate(person_id: str, new_household: str, new_head_of_old: str) -> None:
    """世帯分離: the householder leaves for a household of their own, a member heads the one left."""
    from kokuho.qualification import service
    from kokuho.records.qualification import get_household, get_person, get_persons
    from kokuho.records.qualification_store import PynamoQualificationStore

    person = get_person(person_id)
    assert person is not None
    old = get_household(person.household_id)
    assert old is not None
    change = service.change_household(person, old, None, "世帯主", date(2024, 10, 1), date(2024, 10, 1),
                                      new_head_of_old, get_persons(m.person_id for m in old.members), new_household)
    notes = [None] * (len(change.person_entries) + len(change.household_entries))
    PynamoQualificationStore().commit_changes(change, notes, [], CLERK, [], now=datetime.now(UTC))


def test_every_ledger_of_a_payer_is_found_and_the_run_writes_no_payer_index_entry(aws: EmbeddedAWS) -> None:
    from kokuho.records.collection import DynamoCollectionStore

    _register("P1", "H1", "世帯主")
    _register("P2", "H1", "子")
    _assess("H1", 2024, "P1", "P2")  # P1 heads H1 without being insured (擬制世帯主): P1 pays
    _separate("P1", "H2", "P2")  # P1 leaves H1 for H2; P2 heads H1 from then
    _assess("H1", 2025, "P2", "P2")
    _assess("H2", 2025, "P1", "P1")

    ddb = aws.client("dynamodb")
    indexed = ddb.scan(TableName=aws.table_name("collection"), IndexName="gsi1")["Items"]
    assert [i for i in indexed if i["gsi1pk"]["S"].startswith("PAYER#")] == []  # no index entry a household

    store = DynamoCollectionStore()
    assert [lg.key for lg in store.ledgers_of_payer("P1")] == [("H1", 2024), ("H2", 2025)]
    assert [lg.key for lg in store.ledgers_of_payer("P2")] == [("H1", 2025)]
    assert store.ledgers_of_payer("P9") == []


def test_a_ledger_the_pension_run_opened_before_its_years_case_is_the_payers_too(aws: EmbeddedAWS) -> None:
    # 仮徴収 of the next year opens its ledger at version 0 before that year's case exists: the payer's ledgers
    # are looked for in each case year and the year after.
    from kokuho.collection.ports import PensionWrite
    from kokuho.records.collection import DynamoCollectionStore

    _register("P1", "H1", "世帯主")
    _assess("H1", 2024, "P1", "P1")
    store = DynamoCollectionStore()
    store.set_pension([PensionWrite(("H1", 2025), "P1", {"kari": [5000, 5000]}, None, None, create_annual=30_000)],
                      actor=RUN, chain="pension-test")
    assert [(lg.key, lg.charge.version) for lg in store.ledgers_of_payer("P1")] == [(("H1", 2024), 1),
                                                                                   (("H1", 2025), 0)]
