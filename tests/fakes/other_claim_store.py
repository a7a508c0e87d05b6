"""In-memory fake of the claims port (kokuho.benefits.claim_ports.ClaimStore) for the unit tests of
the 療養費・出産育児一時金・葬祭費 claims: the same put-once and decide-once conditions as the adapter
(kokuho.records.other_claims), no moto; every read and write appended to `access`."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from kokuho.benefits.benefit_ports import HouseholdFacts, WriteConflict
from kokuho.benefits.claim_ports import StoredClaim
from kokuho.benefits.late_entry import LateEntry
from kokuho.benefits.payment import BenefitPayment


class InMemoryClaimStore:
    def __init__(self, households: dict[str, HouseholdFacts]) -> None:
        self.households = households
        self.claims: dict[tuple[str, str], StoredClaim] = {}
        self.payments: dict[str, BenefitPayment] = {}
        self.access: list[tuple[str, tuple[str, ...]]] = []

    def household(self, household_id: str, on: date, *, actor: Any, chain: str) -> HouseholdFacts | None:
        h = self.households.get(household_id)
        self.access.append(("read", tuple(h.person_ids) if h else (f"HH:{household_id}",)))
        return h

    def put_claim(self, stored: StoredClaim, *, actor: Any, chain: str) -> bool:
        key = (stored.claim.household_id, stored.claim.claim_id)
        if key in self.claims:
            return False
        self.claims[key] = stored
        self.access.append(("write", (stored.claim.person_id,)))
        return True

    def get_claim(self, household_id: str, claim_id: str, *, actor: Any, chain: str) -> StoredClaim | None:
        found = self.claims.get((household_id, claim_id))
        self.access.append(("read", (found.claim.person_id,) if found else (f"HH:{household_id}",)))
        if found is None or found.payment_id is None:
            return found
        p = self.payments[found.payment_id]
        return replace(found, payment_status=p.status, file_id=p.file_id)

    def decide_late_claim(self, stored: StoredClaim, late: LateEntry, *, actor: Any, chain: str) -> bool:
        key = (stored.claim.household_id, stored.claim.claim_id)
        held = self.claims.get(key)
        if held is None or held.late is None or held.late.decision is not None or held.decision is not None:
            return False
        self.claims[key] = replace(held, late=late)
        self.access.append(("write", (stored.claim.person_id,)))
        return True

    def record_decision(self, stored: StoredClaim, decision: dict[str, Any], payment: BenefitPayment | None, *,
                        actor: Any, chain: str) -> None:
        key = (stored.claim.household_id, stored.claim.claim_id)
        if self.claims[key].decision is not None or (payment and payment.payment_id in self.payments):
            raise WriteConflict("decided already")
        if payment is not None:
            self.payments[payment.payment_id] = payment
        self.claims[key] = replace(self.claims[key], decision=decision,
                                   payment_id=payment.payment_id if payment else None,
                                   payment_status=payment.status if payment else None)
        self.access.append(("write", (stored.claim.person_id,)))
