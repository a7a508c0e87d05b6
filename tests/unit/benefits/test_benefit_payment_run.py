"""The 高額療養費 payment run (kokuho.receipts.benefit_payment) on the fakes of its ports, no moto: a household's day
planned and committed once with its offsets into the premium ledger, planned again after a conflict (counted once),
a household the information file does not know counted and left; the ready payments in one 総合振込 file, never
twice; the day's notices printed for what the day stored; every read of the persons recorded."""

from __future__ import annotations

from datetime import date
from typing import Any

from fakes.benefit_payment_store import InMemoryBenefitPaymentStore
from fakes.qualification_store import InMemoryQualificationStore

from kokuho.benefits.payment import Application, MonthBenefit, Withholding
from kokuho.collection.ledger import charge_from_version, ledger_state
from kokuho.collection.ports import RefundAccount
from kokuho.premium.installments import split_equally
from kokuho.qualification.history import Period
from kokuho.qualification.model import Household, Membership, Person
from kokuho.qualification.reasons import Reason
from kokuho.receipts import benefit_payment
from kokuho.receipts.benefit_payment import Ports

ON = date(2025, 9, 1)
GIVEN = RefundAccount("0001", "002", "普通", "1234567", "ｼｹﾝ ﾊｼﾞﾒ", "申出口座")
MONTHS = [f"2025-{m:02d}" for m in range(6, 13)] + [f"2026-{m:02d}" for m in range(1, 4)]


def _person(pid: str, household: str) -> Person:
    return Person(pid, f"R{pid}", household, f"試験 {pid}", "シケン ハジメ", date(1980, 5, 10), "1", "世帯主",
                  "8020001", "北九州市小倉北区", periods=(Period(date(2020, 4, 1), Reason("move_in")),))


class World:
    def __init__(self) -> None:
        self.payments = InMemoryBenefitPaymentStore()
        self.persons = InMemoryQualificationStore()
        self.files: dict[str, bytes] = {}
        self.parts: dict[str, bytes] = {}
        self.recorded: list[tuple[str, list[str]]] = []

    def household(self, hid: str, pid: str, benefit: int) -> None:
        self.persons.persons_[pid] = _person(pid, hid)
        self.persons.households[hid] = Household(hid, pid, (Membership(pid, "世帯主", date(2020, 4, 1)),))
        self.payments.month(hid, MonthBenefit("2024-10", 1, benefit, (pid,)))

    def ports(self) -> Ports:
        def writer(actor: Any) -> Any:
            def put(key: str, data: bytes, content_type: str) -> None:
                self.parts[key] = data

            return put, lambda key, subjects: self.recorded.append((key, subjects))

        return Ports(self.payments, self.payments.ledgers, self.persons, lambda payer, *, actor: None, writer,
                     self.files.__setitem__)


def _applied(w: World, hid: str, *, consent: bool = False) -> None:
    w.payments.put_application(Application(f"A-{hid}", hid, ("2024-10",), date(2025, 8, 20), GIVEN, consent, "S2001"),
                               actor=None)


def test_a_day_paid_once_with_its_offset_into_the_unpaid_premiums() -> None:
    w = World()
    w.household("H1", "P1", 212_570)
    w.household("H2", "P2", 30_000)  # not applied: invited
    _applied(w, "H1", consent=True)
    w.payments.ledgers.put_charge(charge_from_version("H1", 2025, version=1, payer_id="P1", annual=100_000,
                                                      installments=split_equally(100_000, MONTHS)))
    out = benefit_payment.pay(on=ON, run_id="run-1", ports=w.ports())
    assert (out["payments"], out["paid_yen"], out["offset_yen"], out["invitations"]) == (1, 212_570, 20_000, 1)
    [paid] = w.payments.household("H1").payments
    assert (paid.amount, paid.transfer, paid.status) == (212_570, 192_570, "ready")
    ledger = w.payments.ledgers.ledgers([("H1", 2025)])[("H1", 2025)]
    state = ledger_state(ledger.charge, ledger.payments, as_of=ON)
    assert [i.unpaid for i in state.installments[:3]] == [0, 0, 10_000]  # June and July past due: offset
    # Every person read is recorded under 資格情報, with the run as the actor.
    reads = [(a.staff_id, a.subject_ids, a.category) for a in w.persons.access]
    assert ("system:benefit-payment-run", ("P1",), "資格情報") in reads
    assert ("system:benefit-payment-run", ("P2",), "資格情報") in reads

    again = benefit_payment.pay(on=ON, run_id="run-2", ports=w.ports())  # the same day again
    assert (again["payments"], again["invitations"], again["offset_yen"]) == (0, 0, 0)
    assert len(w.payments.household("H1").payments) == 1


def test_a_conflict_plans_the_household_again_and_counts_it_once() -> None:
    w = World()
    w.household("H1", "P1", 212_570)
    _applied(w, "H1")
    w.household("H3", "P3", 8_000)
    # a 差止: the month is withheld, counted whether or not anything is written
    w.payments.put_withholding(Withholding("D3", "H3", (), date(2025, 8, 25), "国保法第63条の2", "S2002"), actor=None)
    _applied(w, "H3")
    w.payments.fail_next_commits = 1  # another writer took H1's day first: read, plan and commit again
    out = benefit_payment.pay(on=ON, run_id="run-1", ports=w.ports())
    assert (out["payments"], out["withheld"]) == (1, 1)
    assert [p.payment_id for p in w.payments.household("H1").payments] == ["BP-H1-M2024-10-N1"]


def test_a_household_the_information_file_does_not_know_is_counted_and_left() -> None:
    w = World()
    w.payments.month("H9", MonthBenefit("2024-10", 1, 10_000, ("P9",)))
    out = benefit_payment.pay(on=ON, run_id="run-1", ports=w.ports())
    assert (out["unknown_households"], out["payments"]) == (1, 0)
    assert w.payments.households_of_day(ON) == []


def test_the_ready_payments_filed_once_and_the_days_notices_printed() -> None:
    w = World()
    w.household("H1", "P1", 212_570)
    _applied(w, "H1")
    w.household("H2", "P2", 30_000)
    benefit_payment.pay(on=ON, run_id="run-1", ports=w.ports())

    filed = benefit_payment.write_file(on=ON, run_id="run-1", ports=w.ports())
    assert (filed["count"], filed["key"]) == (1, f"outgoing/benefits/{filed['file_id']}.txt")
    assert list(w.files) == [filed["file_id"]] and b"0000212570" in w.files[filed["file_id"]]
    assert [p.status for p in w.payments.household("H1").payments] == ["filed"]
    again = benefit_payment.write_file(on=date(2025, 9, 2), run_id="run-2", ports=w.ports())
    assert again["file_id"] is None  # nothing twice

    printed = benefit_payment.notices(on=ON, run_id="run-1", ports=w.ports())
    assert (printed["print_id"], printed["notices"], printed["unaddressed"]) == ("BEN-20250901", 2, 0)
    assert sorted(s for _, subjects in w.recorded for s in subjects) == ["H1", "H2", "P1", "P2"]  # the parts recorded
    assert benefit_payment.notices(on=date(2025, 9, 2), run_id="run-2", ports=w.ports())["notices"] == 0
