"""The port of the 療養費・出産育児一時金・葬祭費 claims (kokuho.benefits.claims): what a claim's
filing and decision read and write. The adapter is kokuho.records.other_claims (receipts table); tests use
tests/fakes/other_claim_store.py. Every method that reads or writes a person's data records it under the actor
and chain it is given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from kokuho.benefits.benefit_ports import HouseholdFacts
from kokuho.benefits.late_entry import LateEntry
from kokuho.benefits.other_benefits import Claim
from kokuho.benefits.payment import BenefitPayment
from kokuho.collection.ports import RefundAccount

CATEGORY = "給付情報 (療養費・出産育児一時金・葬祭費)"  # the access records' category of the claims


@dataclass(frozen=True)
class StoredClaim:
    """A claim as stored: the claim, the payee's account, who filed it; once decided, the decision (approved, amount,
    to_payee, to_provider, reasons, basis, decided_on, decided_by) and its payment's state (ready | filed)."""

    claim: Claim
    account: RefundAccount | None
    filed_by: str
    decision: dict[str, Any] | None = None
    payment_id: str | None = None
    payment_status: str | None = None
    file_id: str | None = None
    late: LateEntry | None = None  # entered late: held for a second member's approval (kokuho.benefits.late_entry)


class ClaimStore(Protocol):
    def household(self, household_id: str, on: date, *, actor: Any, chain: str) -> HouseholdFacts | None:
        """The household's members, insured periods and incomes as the benefit run reads them (read recorded);
        None: no such household."""
        ...

    def put_claim(self, stored: StoredClaim, *, actor: Any, chain: str) -> bool:
        """Store once (write recorded in the same transaction); False when the id is taken."""
        ...

    def get_claim(self, household_id: str, claim_id: str, *, actor: Any, chain: str) -> StoredClaim | None:
        """The claim with its decision and payment state (read recorded)."""
        ...

    def record_decision(self, stored: StoredClaim, decision: dict[str, Any], payment: BenefitPayment | None, *,
                        actor: Any, chain: str) -> None:
        """The decision and its payment (ready for the 総合振込 file of benefits-payment-run) in one transaction with
        the access record; WriteConflict (kokuho.benefits.benefit_ports) when the claim is decided already."""
        ...

    def decide_late_claim(self, stored: StoredClaim, late: LateEntry, *, actor: Any, chain: str) -> bool:
        """Store the second member's decision on a claim held for approval, once: False when it is not held
        undecided any more (decided meanwhile); the decider's access record with it."""
        ...
