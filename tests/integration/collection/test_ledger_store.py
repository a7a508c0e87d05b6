"""The ledger on the embedded AWS (issue 12 item 1): the charge is written in the transaction that stores an
assessment version, a 更正 replaces it (payments kept), a replayed version write changes nothing, and
payments are applied once whatever brings them again."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

import pytest

from kokuho.access.records import Actor, records_of_chain
from kokuho.assessment.ports import AccessEntry, ChunkWrite
from kokuho.assessment.versions import Latest, NewVersion, decide
from kokuho.collection.ledger import PaymentEntry, ledger_state
from kokuho.collection.ports import LedgerWrite, WriteConflict
from kokuho.premium import compute_case
from kokuho.records.assessment_store import DynamoAssessmentStore
from kokuho.records.collection import DynamoCollectionStore
from kokuho_local.ledger_seed import seed_links

CASE: dict[str, Any] = {
    "fiscal_year": 2024,
    "household": {"householder_id": "H1-P1", "specific_household": None, "members": [
        {"id": "H1-P1", "birth_date": "1975-06-15", "insured": [{"from": "2020-04-01", "until": None}],
         "income": {"total": 4_000_000, "salary": 4_000_000, "pension": 0, "declared": True},
         "salary_or_pension_earner": True, "involuntary_unemployment": None, "expected_birth": None,
         "specific_same_household": False}]},
}
ACTOR = Actor(staff_id="system:test", terminal_id="t1", purpose="収納 (test)")


def store_version(new: NewVersion) -> list[str]:
    """The version written as a batch writes it: through the assessment store's adapter (the version its
    commit point, the ledger's charge following it), with the change of the household's case as read."""
    from kokuho.assessment.household_cases import put_household_case

    store = DynamoAssessmentStore()
    if not store.cases_for_assessment([new.household_id], new.fiscal_year):
        put_household_case(new.household_id, CASE, changed_at=datetime.now(UTC))
    (_, mark), = store.cases_for_assessment([new.household_id], new.fiscal_year).values()
    return store.commit(ChunkWrite(
        run_id=f"run-{new.version}", batch_id="b1", fiscal_year=new.fiscal_year, as_of_month="2024-06",
        at=datetime.now(UTC).isoformat(), versions=[new], changes={new.household_id: mark.change_id},
        access=AccessEntry(ACTOR, [], "保険料賦課情報", "write", f"run-{new.version}#b1", indexed_by_chain=True)))


def stored(new: NewVersion) -> Latest:
    return Latest(new.version, new.content_hash, f"run-{new.version}", dict(new.result), list(new.installments))


def with_income(total: int) -> dict[str, Any]:
    case = copy.deepcopy(CASE)
    case["household"]["members"][0]["income"].update(total=total, salary=total)
    return case


@pytest.mark.usefixtures("aws")
def test_the_version_write_sets_the_ledger_and_a_correction_adjusts_it() -> None:
    store = DynamoCollectionStore()
    first = decide("H1", CASE, compute_case(CASE), None, as_of_month="2024-06", run_id="run-1").new
    assert first is not None
    store_version(first)
    ledger = store.ledgers([("H1", 2024)])[("H1", 2024)]
    assert ledger.charge.version == 1 and ledger.charge.payer_id == "H1-P1"
    assert ledger.charge.total == first.result["annual"] == sum(i["amount"] for i in first.installments)
    assert [i.due for i in ledger.charge.installments][:2] == [date(2024, 7, 1), date(2024, 7, 31)]
    seed_links(ledger.charge)  # the payer is a member of the household (as its registration leaves them)
    assert [s.key for s in store.ledgers_of_payer("H1-P1")] == [("H1", 2024)]

    # Four installments paid (June–September), then a 更正 in October lowers the premium below that.
    paid = [PaymentEntry(f"N{i.number}", i.due, i.amount, "収納", i.number) for i in ledger.charge.installments[:4]]
    store.apply([LedgerWrite(("H1", 2024), "H1-P1", paid)], [], actor=ACTOR, chain="test#payments")
    lower = with_income(300_000)
    second = decide("H1", lower, compute_case(lower), stored(first), as_of_month="2024-10", run_id="run-2").new
    assert second is not None and second.result["annual"] < sum(p.amount for p in paid)
    store_version(second)
    ledger = store.ledgers([("H1", 2024)])[("H1", 2024)]
    assert ledger.charge.version == 2 and ledger.charge.total == second.result["annual"]
    assert [p.payment_id for p in ledger.payments] == ["N1", "N2", "N3", "N4"]  # payments kept
    state = ledger_state(ledger.charge, ledger.payments)
    assert state.overpayment == sum(p.amount for p in paid) - second.result["annual"] > 0
    assert store.overpaid_ledgers() == [("H1", 2024)]  # marked for 充当・還付

    # The first version's write again (a replayed batch): refused (the version exists), the ledger stays on 2.
    assert store_version(first) == ["H1"]
    assert store.ledgers([("H1", 2024)])[("H1", 2024)].charge.version == 2


@pytest.mark.usefixtures("aws")
def test_a_correction_upwards_spreads_over_the_remaining_installments() -> None:
    store = DynamoCollectionStore()
    first = decide("H1", CASE, compute_case(CASE), None, as_of_month="2024-06", run_id="run-1").new
    assert first is not None
    store_version(first)
    higher = with_income(6_000_000)
    second = decide("H1", higher, compute_case(higher), stored(first), as_of_month="2024-10", run_id="run-2").new
    assert second is not None
    store_version(second)
    charge = store.ledgers([("H1", 2024)])[("H1", 2024)].charge
    before = [i["amount"] for i in first.installments]
    after = [i.amount for i in charge.installments]
    assert after[:4] == before[:4]  # June–September were due: they stay
    assert all(a >= b for a, b in zip(after[4:], before[4:], strict=True)) and sum(after) == second.result["annual"]
    assert store.overpaid_ledgers() == []


@pytest.mark.usefixtures("aws")
def test_a_payment_is_applied_once_and_its_write_is_recorded() -> None:
    store = DynamoCollectionStore()
    first = decide("H1", CASE, compute_case(CASE), None, as_of_month="2024-06", run_id="run-1").new
    assert first is not None
    store_version(first)
    payment = PaymentEntry("N1", date(2024, 6, 20), 1_000, "収納", 1)
    store.apply([LedgerWrite(("H1", 2024), "H1-P1", [payment])], [], actor=ACTOR, chain="test#payments")
    assert store.applied_payment_ids(["N1", "N2"]) == {"N1"}
    with pytest.raises(WriteConflict):
        store.apply([LedgerWrite(("H1", 2024), "H1-P1", [payment])], [], actor=ACTOR, chain="test#payments")
    assert len(store.ledgers([("H1", 2024)])[("H1", 2024)].payments) == 1
    records = list(records_of_chain("test#payments"))
    assert [(r.subject_ids, r.operation) for r in records] == [(["H1-P1"], "write")]


@pytest.mark.usefixtures("aws")
def test_a_correction_downwards_marks_the_ledger_without_losing_a_payment_either_way_round() -> None:
    # Issue 14: the ledger item holds only what collection writes; a 更正 downwards writes to it only its
    # overpayment mark (an upsert of the index keys). A payment applied before or after the mark is kept, and so
    # is the mark; the charge is the newer version's at once.
    from kokuho.records.collection import mark_overpaid

    store = DynamoCollectionStore()
    first = decide("H1", CASE, compute_case(CASE), None, as_of_month="2024-06", run_id="run-1").new
    assert first is not None
    store_version(first)
    store.apply([LedgerWrite(("H1", 2024), "H1-P1", [PaymentEntry("N1", date(2024, 6, 20), 1_000, "収納", 1)])], [],
                actor=ACTOR, chain="test#payments")
    lower = with_income(300_000)
    second = decide("H1", lower, compute_case(lower), stored(first), as_of_month="2024-10", run_id="run-2").new
    assert second is not None and second.difference < 0
    store_version(second)  # the mark after the payment
    store.apply([LedgerWrite(("H1", 2024), "H1-P1", [PaymentEntry("N2", date(2024, 7, 20), 2_000, "収納", 2)])], [],
                actor=ACTOR, chain="test#payments")  # a payment after the mark
    mark_overpaid("H1", 2024)  # the mark again (a retry completing what follows the version): nothing changes
    ledger = store.ledgers([("H1", 2024)])[("H1", 2024)]
    assert [p.payment_id for p in ledger.payments] == ["N1", "N2"] and ledger.charge.version == 2
    assert store.overpaid_ledgers() == [("H1", 2024)]


@pytest.mark.usefixtures("aws")
def test_every_ledger_is_read_without_a_scan_of_the_collection_table_a_pension_opened_one_included() -> None:
    # Every ledger (the daily 督促 run): the charged ones from the versions, joined with their items; a ledger the
    # pension run's 仮徴収 opened before the year's first version from its own index entry — the collection
    # table (its slips, payments, refunds) is not scanned.
    from kokuho.collection.ports import PensionWrite
    from kokuho_local.capacity_meter import metered

    store = DynamoCollectionStore()
    first = decide("H1", CASE, compute_case(CASE), None, as_of_month="2024-06", run_id="run-1").new
    assert first is not None
    store_version(first)
    store.set_pension([PensionWrite(("H1", 2025), "H1-P1", {"kari": [5000, 5000]}, None, None,
                                    create_annual=30_000)], actor=ACTOR, chain="pension-test")
    with metered() as meter:
        every = {lg.key: (lg.charge.version, lg.charge.annual) for lg in store.all_ledgers()}
        ops = meter.snapshot()["by_op"]
    assert every == {("H1", 2024): (1, first.result["annual"]), ("H1", 2025): (0, 30_000)}
    assert not [op for op in ops if op.startswith("Scan kokuho-collection")]
    assert [lg.key for lg in store.ledgers([("H1", 2025)]).values()] == [("H1", 2025)]


@pytest.mark.usefixtures("aws")
def test_many_ledgers_read_in_batches_give_what_a_query_a_key_gives() -> None:
    # Many keys: versions 1 and 2 by BatchGetItem, a query only for the keys with a second — the same charges as
    # a query a key, whatever the versions: one, a 更正, a 仮 one after a notice or alone, none.
    from kokuho.records.assessments import AssessmentVersionModel
    from kokuho.records.ledger_charges import PARALLEL_FROM, charged_version, charged_versions
    from kokuho_local.ledger_seed import seed_version

    def charge(h: str, version: int, annual: int) -> Any:
        from kokuho.collection.ledger import charge_from_version
        return charge_from_version(h, 2024, version=version, payer_id=f"{h}-P1", annual=annual,
                                   installments=[{"due": "2024-07", "amount": annual}])

    def kari(h: str, version: int) -> None:  # a 仮 version: stored, no notice
        AssessmentVersionModel(AssessmentVersionModel.pk_of(h, 2024), AssessmentVersionModel.sk_of(version),
                               version=version, run_id="kari", content_hash="k",
                               doc={"result": {"annual": 1}, "installments": [], "notice": None}).save()

    keys = [(f"H{n:03d}", 2024) for n in range(PARALLEL_FROM + 6)]
    for n, (h, _) in enumerate(keys):
        kind = n % 5
        if kind in (0, 1, 2):
            seed_version(charge(h, 1, 10_000 + n))
        if kind == 1:
            seed_version(charge(h, 2, 9_000 + n))  # a 更正
        if kind == 2:
            seed_version(charge(h, 2, 8_000 + n))
            kari(h, 3)  # a 仮 version after the notice
        if kind == 3:
            kari(h, 1)  # 仮 alone: no charge
    batched = charged_versions(keys)
    assert batched == {k: charged_version(k) for k in keys}
    assert {(c.latest, c.version) for c in batched.values()} == {(1, 1), (2, 2), (3, 2), (1, None), (0, None)}
    store = DynamoCollectionStore()
    assert len(store.ledgers(keys)) == len([n for n in range(len(keys)) if n % 5 in (0, 1, 2)])


@pytest.mark.usefixtures("aws")
def test_a_filed_refund_returned_by_the_bank_is_held_again_once_with_its_access_record() -> None:
    """振込不能 (probe-collection): the DynamoDB adapter holds a refund filed in the file named again, without its
    account (the one it failed on kept in its returns), once; a refund not filed in that file is refused."""
    from kokuho.collection.ports import RefundAccount, RefundOrder

    store = DynamoCollectionStore()
    account = RefundAccount("0001", "123", "普通", "7654321", "ﾔﾏﾀﾞ ﾀﾛｳ", "公金受取口座")
    order = RefundOrder("RF-H1-FY2024-1", "P1", ("H1", 2024), 2_300, "2025-02-03", account, "ready")
    actor = Actor(staff_id="system:test", terminal_id="t", purpose="test")
    store.disburse("P1", [], {}, [order], clear=[], actor=actor)
    with pytest.raises(WriteConflict):
        store.return_refund(order.refund_id, "RFF-1", {"file_id": "RFF-1", "code": "2"}, actor=actor)
    store.file_refunds("RFF-1", [order.refund_id])
    assert store.return_refund(order.refund_id, "RFF-1", {"file_id": "RFF-1", "code": "2"}, actor=actor) is True
    assert store.return_refund(order.refund_id, "RFF-1", {"file_id": "RFF-1", "code": "2"}, actor=actor) is False
    (held,) = store.refunds("held")
    assert (held.account, held.file_id, held.returns[0]["account"]["account_number"]) == (None, None, "7654321")
    assert store.refunds_of_file("RFF-1") == [] and held.failed_on(account)
    store.set_refund_account(order.refund_id, RefundAccount("0005", "321", "普通", "1111111", "ﾔﾏﾀﾞ ﾀﾛｳ", "申出口座"),
                             actor=actor)
    assert store.refunds("ready")[0].returns == held.returns  # naming an account keeps what failed
