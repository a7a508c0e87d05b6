"""The port of the 療養費・出産育児一時金・葬祭費 claims (kokuho.benefits.claims): what a claim's
filing and decision read and write. The adapter is kokuho.records.other_claims (receipts table); tests use
tests/fakes/other_claim_store.py. Every method that reads or writes a person's data records it under the actor
and chain it is given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from kokuho.benefits.benefit_ports import HouseholdFacts
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
