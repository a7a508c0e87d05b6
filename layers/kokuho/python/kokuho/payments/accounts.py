"""Where a refund goes: the payer's 公金受取口座, as the linkage query for it stored it (the one query
machinery: kokuho.linkage.query — permit, encryption to the city's key, the item's allow-list, expiry,
情報提供等記録), else nothing yet (the refund is held until the payer names an account)."""

from __future__ import annotations

from typing import Any

from kokuho.access.records import record_access
from kokuho.collection.ports import RefundAccount
from kokuho.linkage.query import results_of

PUBLIC_FUNDS_ITEM = "公金受取口座"
SOURCE = "公金受取口座"


def public_funds_account(payer_id: str, *, actor: Any) -> RefundAccount | None:
    """The latest unexpired 公金受取口座 answer stored for the payer (reading it is recorded)."""
    record_access(actor, [payer_id], "linkage_query", "read")
    found = [r for r in results_of(payer_id)
             if r["item"] == PUBLIC_FUNDS_ITEM and r["fields"].get("public_funds_account")]
    if not found:
        return None
    a = max(found, key=lambda r: str(r["received_at"]))["fields"]["public_funds_account"]
    return RefundAccount(str(a["bank_code"]), str(a["branch_code"]), str(a["account_type"]),
                         str(a["account_number"]), str(a["holder_kana"]), SOURCE)
