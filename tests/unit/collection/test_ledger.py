"""The ledger (調定・収納, issue 12 item 1): the charge from an assessment version, a 更正's increase spread over
the remaining installments and its decrease turned into an overpayment, payments folded by domain.md §6."""

from __future__ import annotations

from datetime import date

import pytest

from kokuho.collection.ledger import (
    OPEN,
    OVERDUE,
    PAID,
    PARTIAL,
    Disbursement,
    LedgerError,
    PaymentEntry,
    charge_from_version,
    ledger_state,
)
from kokuho.premium import revise
from kokuho.premium.installments import split_equally

MONTHS_2024 = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]


def first_version(annual: int) -> list[dict[str, object]]:
    return split_equally(annual, MONTHS_2024)


def charge(installments: list[dict[str, object]], annual: int, version: int = 1):  # type: ignore[no-untyped-def]
    return charge_from_version("H1", 2024, version=version, payer_id="H1-P1", annual=annual,
                               installments=installments)


def paid(number: int, amount: int, on: date, pid: str | None = None) -> PaymentEntry:
    return PaymentEntry(pid or f"P{number}-{on}", on, amount, "収納", number)


def test_charge_numbers_installments_by_month_with_their_due_dates() -> None:
    c = charge(first_version(100_000), 100_000)
    assert [i.number for i in c.installments] == list(range(1, 11))
    assert c.installments[0].due == date(2024, 7, 1)  # 30 June 2024 is a Sunday
    assert c.installments[9].due == date(2025, 3, 31)
    assert c.total == 100_000
    # A month after March (a 更正 billed after the year) continues the count.
    late = charge([{"due": "2025-04", "amount": 5_000}], 5_000)
    assert late.installments[0].number == 11 and late.installments[0].due == date(2025, 4, 30)


def test_a_correction_upwards_spreads_over_the_remaining_installments() -> None:
    v1 = first_version(100_000)
    revised = revise(v1, 130_000, "2024-10", 40_000)
    c = charge(revised["installments"], 130_000, version=2)
    assert [i.amount for i in c.installments] == [10_000] * 4 + [15_000] * 6
    payments = [paid(n, 10_000, date(2024, 5 + n, 20)) for n in range(1, 5)]
    state = ledger_state(c, payments, as_of=date(2024, 10, 15))
    assert [i.status for i in state.installments[:5]] == [PAID] * 4 + [OPEN]
    assert state.unpaid_total == 90_000 and state.overpayment == 0


def test_a_correction_below_what_was_paid_is_an_overpayment() -> None:
    v1 = first_version(100_000)
    revised = revise(v1, 30_000, "2024-10", 40_000)
    c = charge(revised["installments"], 30_000, version=2)
    # The charge never exceeds the annual premium: the latest due installment comes down.
    assert [i.amount for i in c.installments] == [10_000] * 3 + [0] * 7 and c.total == 30_000
    payments = [paid(n, 10_000, date(2024, 5 + n, 20)) for n in range(1, 5)]
    state = ledger_state(c, payments)
    assert state.overpayment == 10_000 and state.unpaid_total == 0


def test_a_correction_below_what_was_due_but_unpaid_cancels_the_unpaid_part() -> None:
    revised = revise(first_version(100_000), 30_000, "2024-10", 40_000)
    c = charge(revised["installments"], 30_000, version=2)
    payments = [paid(n, 10_000, date(2024, 5 + n, 20)) for n in range(1, 4)]  # the 4th never paid
    state = ledger_state(c, payments, as_of=date(2024, 11, 1))
    assert state.overpayment == 0 and state.unpaid_total == 0
    assert {i.status for i in state.installments} == {PAID}


def test_statuses_partial_and_overdue() -> None:
    c = charge(first_version(100_000), 100_000)
    state = ledger_state(c, [paid(1, 4_000, date(2024, 6, 30))], as_of=date(2024, 8, 15))
    assert state.installments[0].status == PARTIAL and state.installments[0].unpaid == 6_000
    assert state.installments[1].status == OVERDUE  # due 31 July 2024
    assert state.installments[2].status == OPEN  # due 2 September 2024


def test_an_unnamed_payment_pays_the_oldest_first_and_beyond_everything_is_overpaid() -> None:
    c = charge(first_version(20_000), 20_000)
    state = ledger_state(c, [PaymentEntry("L1", date(2024, 6, 10), 25_000, "収納")])
    assert state.paid_total == 25_000 and state.unpaid_total == 0 and state.overpayment == 5_000


def test_disbursed_overpayment_is_no_longer_owed_to_the_payer() -> None:
    c = charge(first_version(20_000), 20_000)
    payments = [PaymentEntry("L1", date(2024, 6, 10), 25_000, "収納")]
    state = ledger_state(c, payments, [Disbursement("R1", date(2024, 7, 1), 5_000, "還付", "REF1")])
    assert state.overpayment == 0 and state.disbursed == 5_000
    # A later 更正 upwards: the refunded money no longer pays anything, so installments are unpaid again.
    raised = charge(revise(first_version(20_000), 30_000, "2024-08", 4_000)["installments"],
                    30_000, version=2)
    state = ledger_state(raised, payments, [Disbursement("R1", date(2024, 7, 1), 5_000, "還付", "REF1")])
    assert state.overpayment == 0 and state.unpaid_total == 30_000 - 20_000


@pytest.mark.parametrize("bad", [-1, 1.5, "100", True])
def test_amounts_are_integer_yen_never_negative(bad: object) -> None:
    with pytest.raises(LedgerError, match="amount"):
        PaymentEntry("P", date(2024, 6, 1), bad, "収納")  # type: ignore[arg-type]
    with pytest.raises(LedgerError, match=r"installments\[0\].amount"):
        charge([{"due": "2024-06", "amount": bad}], 0)


def test_an_unknown_channel_is_refused() -> None:
    with pytest.raises(LedgerError, match="channel"):
        PaymentEntry("P", date(2024, 6, 1), 100, "現金書留")
