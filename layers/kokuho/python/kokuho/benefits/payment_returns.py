"""The 高額療養費 payments of a `BPF-` transfer file as a 振込不能 notice reads them (kokuho.collection.transfer_returns
.TransferBook): a returned payment stays listed in its file (its status `returned`), so a notice for it again
changes nothing. Pure: against the port kokuho.benefits.payment_ports.BenefitPaymentStore."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kokuho.benefits.benefit_ports import WriteConflict
from kokuho.benefits.payment_ports import BenefitPaymentStore
from kokuho.collection.transfer_returns import FiledTransfer, returned_from


class BenefitBook:
    def __init__(self, store: BenefitPaymentStore) -> None:
        self.store = store

    def transfers_of_file(self, file_id: str) -> list[FiledTransfer]:
        return [FiledTransfer(p.payment_id, p.transfer, p.payee_id,
                              returned_from(p.returns, file_id), p.household_id)
                for p in sorted(self.store.payments_of_file(file_id), key=lambda p: p.payment_id)]

    def record_reads(self, payee_ids: Sequence[str], *, actor: Any, chain: str) -> None:
        self.store.record_reads(payee_ids, actor=actor, chain=chain)

    def return_transfer(self, item: FiledTransfer, file_id: str, doc: dict[str, Any], *, actor: Any) -> bool:
        assert item.household_id is not None
        try:
            return self.store.return_payment(item.household_id, item.item_id, file_id, doc, actor=actor)
        except WriteConflict:
            return False
