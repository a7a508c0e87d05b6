"""The benefit claims' and receipts' ports wired to their adapters, for kokuho.receipts (the 療養費・出産育児一時金・
葬祭費 claims: kokuho.records.other_claims; the receipt files taken in: kokuho.records.receipts) and the
医療費通知 run of kokuho.programmes; the 高額療養費 payments (kokuho.records.benefit_payments) for the payment run and
the benefit routes. The householder read for a notice goes through
kokuho.qualification.application's port. Each call answers a new adapter (they hold no state of their own)."""

from __future__ import annotations

from kokuho.benefits.claim_ports import ClaimStore
from kokuho.benefits.payment_ports import BenefitPaymentStore
from kokuho.benefits.receipt_ports import ReceiptStore


def claim_store() -> ClaimStore:
    from kokuho.records.other_claims import DynamoClaimStore

    return DynamoClaimStore()


def receipt_store() -> ReceiptStore:
    from kokuho.records.receipts import DynamoReceiptStore

    return DynamoReceiptStore()


def benefit_payment_store() -> BenefitPaymentStore:
    from kokuho.records.benefit_payments import DynamoBenefitPaymentStore

    return DynamoBenefitPaymentStore()
