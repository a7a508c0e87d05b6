"""One contract, two adapters, for the 高額療養費 payments (kokuho.benefits.payment_ports): the in-memory fake the
payment run's unit tests run on (tests/fakes/benefit_payment_store.py) and the pynamodb adapter
(kokuho.records.benefit_payments) behave alike where the run and the benefit routes rely on it — the benefit months,
an application and a 差止 put once and read back, a household's day committed all or nothing with its offsets into
the premium ledger, a repayment once and never more than owed, a payment filed in one file only."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pytest
from fakes.benefit_payment_store import InMemoryBenefitPaymentStore

from kokuho.access.actor import Actor
from kokuho.benefits.benefit_ports import WriteConflict
from kokuho.benefits.late_entry import LateEntry
from kokuho.benefits.payment import (
    Application,
    BenefitPayment,
    HouseholdPlan,
    Invitation,
    MonthBenefit,
    Offset,
    RecoveryClaim,
    Withholding,
)
from kokuho.collection.ledger import PaymentEntry, charge_from_version
from kokuho.collection.ports import LedgerWrite, RefundAccount
from kokuho.premium.installments import split_equally

CLERK = Actor("S0001", "T1", "高額療養費の支給")
ACCOUNT = RefundAccount("0001", "002", "普通", "1234567", "ｼｹﾝ ﾊｼﾞﾒ", "申出口座")
DAY = date(2025, 9, 1)
MONTHS = [f"2025-{m:02d}" for m in range(6, 13)] + [f"2026-{m:02d}" for m in range(1, 4)]
CHARGE = charge_from_version("H1", 2025, version=1, payer_id="P1", annual=100_000,
                             installments=split_equally(100_000, MONTHS))


@dataclass
class Backend:
    store: Any
    ledgers: Any

    def benefit(self, household_id: str, person_id: str, month: str, version: int, amount: int) -> None:
        """A benefit version as the monthly benefit run stores it."""
        if isinstance(self.store, InMemoryBenefitPaymentStore):
            self.store.month(household_id, MonthBenefit(month, version, amount, (person_id,)))
            return
        from kokuho.benefits.benefit_ports import NewVersion
        from kokuho.records.benefits import DynamoBenefitStore

        case = {"service_month": month,
                "household": {"members": [{"id": person_id, "age": 44, "bills": [{"copay": amount}]}]}}
        doc = {"household_id": household_id, "service_month": month, "version": version, "run_id": "t",
               "kind": "支給", "result": {"benefit": amount}, "difference": amount, "case": case}
        DynamoBenefitStore().commit([NewVersion(household_id, month, version, "h", amount, amount, doc)],
                                    persons=[person_id], actor=CLERK, chain="test")


@pytest.fixture(params=["fake", "pynamodb"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "fake":
        store = InMemoryBenefitPaymentStore()
        store.ledgers.put_charge(CHARGE)
        yield Backend(store, store.ledgers)
        return
    from kokuho_local.embedded import embedded_aws

    with embedded_aws():

        from kokuho.records.benefit_payments import DynamoBenefitPaymentStore
        from kokuho.records.collection import DynamoCollectionStore
        from kokuho_local.ledger_seed import seed_ledger

        seed_ledger(CHARGE)
        yield Backend(DynamoBenefitPaymentStore(), DynamoCollectionStore())


def _payment(pid: str, amount: int, *, offsets: tuple[Offset, ...] = (), status: str = "ready",
             created_on: str = "2025-09-01") -> BenefitPayment:
    return BenefitPayment(pid, "H1", "2024-10", amount, 1, created_on, "P1", ACCOUNT, "A1", offsets, status)


def test_months_applications_and_withholdings(backend: Backend) -> None:
    store = backend.store
    assert store.households_with_benefits() == [] and store.household("H1").months == []
    backend.benefit("H2", "P2", "2024-11", 1, 30_000)
    backend.benefit("H1", "P1", "2024-10", 1, 212_570)
    backend.benefit("H1", "P1", "2024-10", 2, 200_000)  # decided again: the latest version stands
    assert store.households_with_benefits() == ["H1", "H2"]
    assert store.household("H1").months == [MonthBenefit("2024-10", 2, 200_000, ("P1",))]

    application = Application("A1", "H1", ("2024-10",), date(2025, 8, 20), ACCOUNT, True, "S2001")
    assert store.put_application(application, actor=CLERK) is True
    assert store.put_application(replace(application, offset_consent=False), actor=CLERK) is False  # once
    assert store.application("H1", "A1") == application  # read back whole, as first stored
    assert store.application("H1", "A9") is None and store.application("H2", "A1") is None
    public = Application("A2", "H1", ("2024-10",), date(2025, 8, 21), None, False, "S2001")  # the 公金受取口座
    assert store.put_application(public, actor=CLERK) is True and store.application("H1", "A2") == public

    hold = Withholding("D1", "H1", (), date(2025, 8, 25), "国保法第63条の2", "S2002")
    assert store.put_withholding(hold, actor=CLERK) is True
    assert store.put_withholding(hold, actor=CLERK) is False
    with pytest.raises(ValueError, match="on: "):  # a lift dated before the decision would void it back to the start
        store.lift_withholding("H1", "D1", date(2025, 8, 24), actor=CLERK)
    assert store.household("H1").withholdings == [hold]  # nothing written
    store.lift_withholding("H1", "D1", date(2025, 9, 2), actor=CLERK)
    with pytest.raises(WriteConflict):
        store.lift_withholding("H1", "D1", date(2025, 9, 3), actor=CLERK)  # lifted already
    with pytest.raises(WriteConflict):
        store.lift_withholding("H1", "D9", date(2025, 9, 3), actor=CLERK)  # no such decision
    state = store.household("H1")
    assert state.applications == [application, public]
    assert state.withholdings == [replace(hold, lifted_on=date(2025, 9, 2))]


def test_an_application_held_for_approval_is_decided_once(backend: Backend) -> None:
    """A 支給申請 entered late is stored held (kokuho.benefits.late_entry); the second member's decision is stored once
    over the undecided entry, and read back whole."""
    store = backend.store
    held = LateEntry(date(2026, 11, 1), "S2001", "received_on: …")
    late = Application("A1", "H1", ("2024-10",), date(2025, 8, 20), ACCOUNT, True, "S2001", held)
    assert store.put_application(late, actor=CLERK) is True and store.application("H1", "A1") == late
    approved = replace(held, decision="approve", decided_by="S2003", decided_on=date(2026, 11, 2))
    assert store.decide_application("H1", "A1", approved, actor=CLERK) is True
    assert store.application("H1", "A1") == replace(late, late=approved)
    refused = replace(held, decision="refuse", decided_by="S2004", decided_on=date(2026, 11, 3), note="x")
    assert store.decide_application("H1", "A1", refused, actor=CLERK) is False  # decided once
    assert store.application("H1", "A1") == replace(late, late=approved)
    on_time = Application("A2", "H1", ("2024-10",), date(2025, 8, 20), ACCOUNT, True, "S2001")
    assert store.put_application(on_time, actor=CLERK) is True
    assert store.decide_application("H1", "A2", approved, actor=CLERK) is False  # nothing held
    assert store.decide_application("H1", "A9", approved, actor=CLERK) is False


def test_a_day_committed_all_or_nothing_with_its_offsets(backend: Backend) -> None:
    store = backend.store
    offset = Offset(("H1", 2025), 1, 10_000, "BPO-1")
    paid = _payment("BP-1", 212_570, offsets=(offset,))
    claim = RecoveryClaim("BR-1", "H1", "2024-09", 50_000, 1, "2025-09-01", "2025-10-01", "P1", "資格喪失後の受診")
    plan = HouseholdPlan("H1", payments=[paid], claims=[claim], invitations=[Invitation("2024-11", 1, 30_000)])
    write = LedgerWrite(("H1", 2025), "P1", [PaymentEntry("BPO-1", DAY, 10_000, "充当", 1)])
    store.commit(plan, [write], on=DAY, persons=["P1"], actor=CLERK, chain="c")

    state = store.household("H1")
    assert (state.payments, state.claims, state.invited) == ([paid], [claim], {("2024-11", 1)})
    assert store.households_of_day(DAY) == ["H1"] and store.households_of_day(date(2025, 9, 2)) == []
    assert store.invitations_of("H1", "2025-09-01") == [("2024-11", 30_000)]
    assert store.invitations_of("H1", "2025-09-02") == []
    assert store.claims() == [claim]
    assert [p.payment_id for p in backend.ledgers.ledgers([("H1", 2025)])[("H1", 2025)].payments] == ["BPO-1"]

    # The same day again (a retried step): refused whole, nothing of the second plan written.
    other = _payment("BP-2", 1_000)
    again = HouseholdPlan("H1", payments=[other], claims=[claim])
    with pytest.raises(WriteConflict):
        store.commit(again, [], on=DAY, persons=["P1"], actor=CLERK, chain="c")
    # An offset already applied to the ledger refuses the whole day too.
    with pytest.raises(WriteConflict):
        store.commit(HouseholdPlan("H1", payments=[other]), [write], on=DAY, persons=["P1"], actor=CLERK, chain="c")
    assert store.household("H1").payments == [paid]
    assert len(backend.ledgers.ledgers([("H1", 2025)])[("H1", 2025)].payments) == 1


def test_a_repayment_once_and_never_more_than_owed(backend: Backend) -> None:
    store = backend.store
    claim = RecoveryClaim("BR-1", "H1", "2024-09", 50_000, 1, "2025-09-01", "2025-10-01", "P1", "資格喪失後の受診")
    store.commit(HouseholdPlan("H1", claims=[claim]), [], on=DAY, persons=["P1"], actor=CLERK, chain="c")
    assert store.record_repayment("H1", "BR-9", "R1", DAY, 1, actor=CLERK) is None
    assert store.record_repayment("H2", "BR-1", "R1", DAY, 1, actor=CLERK) is None  # another household's id
    with pytest.raises(ValueError, match="unpaid 50000"):
        store.record_repayment("H1", "BR-1", "R1", DAY, 50_001, actor=CLERK)
    after, new = store.record_repayment("H1", "BR-1", "R1", date(2026, 1, 10), 20_000, actor=CLERK)
    assert new and after.repayments == (("2026-01-10", 20_000),)
    again, new = store.record_repayment("H1", "BR-1", "R1", date(2026, 1, 10), 20_000, actor=CLERK)
    assert not new and again == after  # delivered again: recorded once
    with pytest.raises(ValueError, match="unpaid 30000"):
        store.record_repayment("H1", "BR-1", "R2", DAY, 30_001, actor=CLERK)
    assert store.household("H1").claims == [after]


def test_a_repayment_neither_before_its_claim_nor_taken_again_with_other_content(backend: Backend) -> None:
    """Probe: a repayment dated before the claim was made (year 1, the day before) was recorded — money repaying a
    debt no one owed yet — and a repayment id delivered again with another day or amount answered as recorded while
    the clerk's second payment was dropped. Both refused, nothing written."""
    from kokuho.benefits.payment_ports import RepaymentIdTaken

    store = backend.store
    claim = RecoveryClaim("BR-1", "H1", "2024-09", 50_000, 1, "2025-09-01", "2025-10-01", "P1", "資格喪失後の受診")
    store.commit(HouseholdPlan("H1", claims=[claim]), [], on=DAY, persons=["P1"], actor=CLERK, chain="c")
    for day in (date(1, 1, 1), date(2025, 8, 31)):
        with pytest.raises(ValueError, match="^on: .*2025-09-01"):
            store.record_repayment("H1", "BR-1", "R1", day, 1_000, actor=CLERK)
    assert store.household("H1").claims == [claim]
    after, new = store.record_repayment("H1", "BR-1", "R1", date(2025, 9, 1), 20_000, actor=CLERK)  # the same day
    assert new and after.repayments == (("2025-09-01", 20_000),)
    for day, amount in ((date(2025, 9, 1), 30_000), (date(2025, 9, 2), 20_000)):
        with pytest.raises(RepaymentIdTaken):
            store.record_repayment("H1", "BR-1", "R1", day, amount, actor=CLERK)
    assert store.record_repayment("H1", "BR-1", "R1", date(2025, 9, 1), 20_000, actor=CLERK) == (after, False)
    assert store.household("H1").claims == [after]


def test_ready_payments_filed_in_one_file_only(backend: Backend) -> None:
    store = backend.store
    late, early = _payment("BP-2", 2_000, created_on="2025-09-02"), _payment("BP-1", 1_000)
    offset_only = _payment("BP-3", 3_000, status="offset")  # nothing left to transfer: never in a file
    store.commit(HouseholdPlan("H1", payments=[late, early, offset_only]), [], on=DAY, persons=["P1"], actor=CLERK,
                 chain="c")
    assert store.ready_payments() == [early, late]  # by the day made, then the id
    store.file_payments("F1", [early])
    store.file_payments("F1", [early])  # this file again (a retried step): stays filed
    assert store.payments_of_file("F1") == [replace(early, status="filed", file_id="F1")]
    assert store.ready_payments() == [late]
    with pytest.raises(WriteConflict):
        store.file_payments("F2", [early])  # never in two files
    assert store.payments_of_file("F2") == []


def test_a_payment_returned_once_from_its_own_file(backend: Backend) -> None:
    """振込不能 (probe-collection): a filed payment is returned once — it stays listed in its file, its transfer pays
    nothing, the account it failed on is kept; a second return from the file changes nothing; one not filed in the
    file named is refused."""
    store = backend.store
    p = _payment("BP-1", 1_000)
    store.commit(HouseholdPlan("H1", payments=[p]), [], on=DAY, persons=["P1"], actor=CLERK, chain="c")
    with pytest.raises(WriteConflict):
        store.return_payment("H1", "BP-1", "F1", {"file_id": "F1", "code": "2"}, actor=CLERK)  # not filed yet
    store.file_payments("F1", [p])
    assert store.return_payment("H1", "BP-1", "F1", {"file_id": "F1", "code": "2"}, actor=CLERK) is True
    assert store.return_payment("H1", "BP-1", "F1", {"file_id": "F1", "code": "2"}, actor=CLERK) is False
    (returned,) = store.payments_of_file("F1")
    assert (returned.status, returned.paid, returned.returns[0]["code"]) == ("returned", 0, "2")
    assert returned.returns[0]["account"]["account_number"] == p.account.account_number  # type: ignore[union-attr]
    assert store.household("H1").payments == [returned] and store.ready_payments() == []
