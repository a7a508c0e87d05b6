"""The port of the 高額療養費 payments (kokuho.benefits.payment; docs/benefit_payment.md): what the payment run
(kokuho.receipts.benefit_payment) and the benefit routes (kokuho.receipts.benefit_routes) read and write, and
nothing of how. The adapter is kokuho.records.benefit_payments (receipts table; wired in kokuho.receipts.wiring);
tests use tests/fakes/benefit_payment_store.py, held to the adapter by
tests/integration/test_benefit_payment_store_contract.py.

Every item is put once: an id taken twice is refused (False, or WriteConflict inside a household's day), so a
payment, a claim, a 勧奨 or a notice is never made twice. Every write leaves its access record in its own
transaction; `record_reads` records what the caller read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from kokuho.benefits.late_entry import LateEntry
from kokuho.benefits.payment import Application, BenefitPayment, HouseholdPlan, MonthBenefit, RecoveryClaim, Withholding
from kokuho.collection.ports import LedgerWrite

CATEGORY = "給付情報 (高額療養費)"  # the access records' category of the payments, claims, applications and 差止


class RepaymentIdTaken(Exception):
    """A repayment id recorded already with another day or amount: a second payment given the first one's id would
    otherwise be dropped as 'delivered again' (nothing written). `debtor`: whose claim was read to refuse it."""

    def __init__(self, repayment_id: str, debtor: str | None = None) -> None:
        super().__init__(repayment_id)
        self.debtor = debtor


class RepaymentRefused(ValueError):
    """A repayment the claim's own rules refuse (the message names the field): `debtor`, whose claim was read and
    answers it (its unpaid amount, its day) — the refused attempt's record names them."""

    def __init__(self, message: str, debtor: str) -> None:
        super().__init__(message)
        self.debtor = debtor


@dataclass
class HouseholdPayments:
    """What the payment run and the read route read of one household: its benefit months (the latest version of
    each), payments, 返還金 claims, 支給申請, 差止 and the (month, version) whose 勧奨 was made."""

    months: list[MonthBenefit] = field(default_factory=list)
    payments: list[BenefitPayment] = field(default_factory=list)
    claims: list[RecoveryClaim] = field(default_factory=list)
    applications: list[Application] = field(default_factory=list)
    withholdings: list[Withholding] = field(default_factory=list)
    invited: set[tuple[str, int]] = field(default_factory=set)


class BenefitPaymentStore(Protocol):
    # -- the day's run
    def households_with_benefits(self) -> list[str]:
        """Every household with a stored benefit version, sorted (no personal data read)."""
        ...

    def household(self, household_id: str) -> HouseholdPayments:
        """The household's months, payments (高額療養費 only), claims, applications, 差止 and 勧奨 (consistent)."""
        ...

    def commit(self, plan: HouseholdPlan, ledger_writes: Sequence[LedgerWrite], *, on: date,
               persons: Sequence[str], actor: Any, chain: str) -> None:
        """All or nothing: the plan's payments, claims and 勧奨 (each once), the offsets into the premium ledgers
        (each ledger payment once), the household marked as the day's and the write of `persons` recorded;
        WriteConflict (kokuho.benefits.benefit_ports) when any of it is taken."""
        ...

    def households_of_day(self, on: date) -> list[str]:
        """The households the run of `on` committed something for, sorted."""
        ...

    def invitations_of(self, household_id: str, day: str) -> list[tuple[str, int]]:
        """(month, yen) of the 勧奨 made on `day` (YYYY-MM-DD)."""
        ...

    def record_reads(self, subject_ids: Sequence[str], *, actor: Any, chain: str) -> None: ...

    # -- applications, 差止 and repayments (the private API)
    def put_application(self, a: Application, *, actor: Any) -> bool:
        """Store once; False when the id is taken (a re-delivered application)."""
        ...

    def application(self, household_id: str, application_id: str) -> Application | None: ...

    def decide_application(self, household_id: str, application_id: str, late: LateEntry, *, actor: Any) -> bool:
        """Store the second member's decision on an application held for approval, once: False when there is no
        undecided one (decided meanwhile); the decider's access record with it."""
        ...

    def put_withholding(self, w: Withholding, *, actor: Any) -> bool:
        """Store once; False when the id is taken."""
        ...

    def lift_withholding(self, household_id: str, decision_id: str, lifted_on: date, *, actor: Any) -> None:
        """WriteConflict when no such 差止 is in force."""
        ...

    def record_repayment(self, household_id: str, claim_id: str, repayment_id: str, on: date, amount: int, *,
                         actor: Any) -> tuple[RecoveryClaim, bool] | None:
        """A repayment of a claim, once by its id: the claim after it and whether it was new; None for no such
        claim; RepaymentRefused (a ValueError naming the debtor) when RecoveryClaim.repaid refuses it (before the claim
        was made, more than its unpaid amount: nothing written); RepaymentIdTaken (naming the debtor) when the id is
        recorded with another day or amount; WriteConflict when the claim changed meanwhile."""
        ...

    def claims(self) -> list[RecoveryClaim]:
        """Every 返還金 claim, oldest first."""
        ...

    # -- the 総合振込 file
    def ready_payments(self) -> list[BenefitPayment]: ...

    def payments_of_file(self, file_id: str) -> list[BenefitPayment]: ...

    def return_payment(self, household_id: str, payment_id: str, file_id: str, doc: dict[str, Any], *,
                       actor: Any) -> bool:
        """振込不能: a payment filed in `file_id` returned (status `returned`: its transfer paid nothing, the month is
        owed again), `doc` (with the account it failed on) added to its returns, the household's and payee's access
        record in the same transaction; it stays listed in the file. False when returned from that file already;
        WriteConflict when it is not filed in it."""
        ...

    def file_payments(self, file_id: str, payments: Sequence[BenefitPayment]) -> None:
        """Mark ready payments as filed in `file_id` (one filed in this file already stays so); WriteConflict when
        one is filed in another file."""
        ...
