"""The benefit claims' ports wired to their adapters, for the routes of kokuho.receipts (the 療養費・出産育児一時金・
葬祭費 claims: kokuho.records.other_claims). The householder read for a notice goes through
kokuho.qualification.application's port. Each call answers a new adapter (they hold no state of their own)."""

from __future__ import annotations

from kokuho.benefits.claim_ports import ClaimStore


def claim_store() -> ClaimStore:
    from kokuho.records.other_claims import DynamoClaimStore

    return DynamoClaimStore()
