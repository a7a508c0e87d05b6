"""The port of collection: what its use cases need from storage (the ledger, 納付番号, payments, the unmatched
queue, payment files, refunds). Pure: the DynamoDB adapter is `kokuho.records.collection.DynamoCollectionStore`,
the in-memory fake of the unit tests `tests/fakes/collection_store.py`.

`actor` arguments are opaque here: the adapter writes the access record of each change in the change's own
transaction (kokuho.access.records), with the actor the use case was given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from kokuho.collection.ledger import Charge, Disbursement, PaymentEntry


class WriteConflict(Exception):
    """A conditional write failed (a concurrent writer): read again and decide again."""


LedgerKey = tuple[str, int]  # (household id, fiscal year)


def ledger_item_id(code: str, key: LedgerKey, part: object) -> str:
    """The id of a ledger's item (督促状 `TK-H0001-FY2024-1`, 延滞金 EN, 督促手数料 TF, 不納欠損 FK, 還付 RF, 充当 JT,
    催告 SK, 特別徴収 TC): "FY" keeps the year's digits apart from the household's — `TK-H12345678-2024-1` held
    twelve digits ("12345678-2024") that read as a My Number one household in eleven, and "H0000009-2024-1" was
    refused in a URL. `part` (a count, or a month after a letter) never joins the year into twelve digits."""
    return f"{code}-{key[0]}-FY{key[1]}-{part}"
LEDGER_CATEGORY = "収納情報"  # the access records' category of a ledger's reads and writes


@dataclass(frozen=True)
class StoredLedger:
    charge: Charge
    payments: tuple[PaymentEntry, ...] = ()
    disbursements: tuple[Disbursement, ...] = ()
    debit_failures: tuple[dict[str, Any], ...] = ()  # 口座振替 that failed: installment, on, code, reason
    reminders: tuple[dict[str, Any], ...] = ()  # 督促状 issued: id, installment, issued_on, pay_by, fee, late
    late_charges: tuple[dict[str, Any], ...] = ()  # 延滞金 billed: id, installment, amount, billed_on
    # 滞納整理 measures (kokuho.collection.arrears): id, kind, on, by, installments, and what the kind needs
    arrears: tuple[dict[str, Any], ...] = ()
    # 特別徴収: the pension run's state (kokuho.collection.pension_run); `charge` is then the one it makes
    pension: dict[str, Any] | None = None
    fees: tuple[dict[str, Any], ...] = ()  # 督促手数料 billed: id, installment, amount, billed_on, reminder

    @property
    def key(self) -> LedgerKey:
        return self.charge.household_id, self.charge.fiscal_year


@dataclass(frozen=True)
class Slip:
    """A 納付番号 and the installment it pays."""

    number: str
    household_id: str
    fiscal_year: int
    installment: int
    amount: int  # as printed on the slip
    payer_id: str


@dataclass(frozen=True)
class UnmatchedPayment:
    """A payment that matched no installment: kept in the queue until staff assign it (never lost)."""

    payment_id: str
    channel: str
    on: str  # YYYY-MM-DD
    amount: int
    reason: str
    file_digest: str
    line: int
    payment_number: str | None = None
    payer_id: str | None = None
    status: str = "open"  # open | resolved
    resolution: dict[str, Any] | None = None


@dataclass
class LedgerWrite:
    """What one ledger receives in one write: payments (each applied once, ever), failed debits, and
    whether it now holds an overpayment to disburse."""

    key: LedgerKey
    payer_id: str
    payments: list[PaymentEntry] = field(default_factory=list)
    debit_failures: list[dict[str, Any]] = field(default_factory=list)
    overpaid: bool = False
    reminders: list[dict[str, Any]] = field(default_factory=list)  # each put once by its id
    late_charges: list[dict[str, Any]] = field(default_factory=list)  # each put once by its id
    arrears: list[dict[str, Any]] = field(default_factory=list)  # 滞納整理 measures, each put once by its id
    fees: list[dict[str, Any]] = field(default_factory=list)  # 督促手数料 bills, each put once by its id


@dataclass(frozen=True)
class PensionWrite:
    """A ledger's 特別徴収 state (kokuho.collection.pension_run), written only if the ledger is as read: its
    version `expected_version` (None: not checked — the 依頼 file's marks), its state's revision `expected_rev`
    (None: no state yet). `create_annual`: a ledger opened for 仮徴収 before the 本算定 (version 0, that annual),
    only if there is none."""

    key: LedgerKey
    payer_id: str
    state: dict[str, Any]
    expected_version: int | None
    expected_rev: int | None
    create_annual: int | None = None


@dataclass(frozen=True)
class RefundAccount:
    """Where a refund goes: the 公金受取口座 (found by a linkage query) or an account the payer named."""

    bank_code: str
    branch_code: str
    account_type: str  # 普通 | 当座 | 貯蓄 | その他
    account_number: str
    holder_kana: str
    source: str  # 公金受取口座 | 申出口座


@dataclass(frozen=True)
class RefundOrder:
    """A refund (還付) owed to a payer: `ready` with its account, `held` until one is named, `filed` once in a
    総合振込 file (`file_id`); held again, without its account, when the bank could not make the transfer
    (`returns`: each 振込不能 with the account it failed on — kokuho.collection.transfer_returns)."""

    refund_id: str
    payer_id: str
    source: LedgerKey
    amount: int
    created_on: str  # YYYY-MM-DD
    account: RefundAccount | None
    status: str  # ready | held | filed
    file_id: str | None = None
    returns: tuple[dict[str, Any], ...] = ()

    def failed_on(self, account: RefundAccount) -> bool:
        """Whether a transfer to `account` was returned before (it is not tried again)."""
        return any(r.get("account") == account_key(account) for r in self.returns)


def account_key(a: RefundAccount) -> dict[str, str]:
    """The account as a return records it (where the money could not go), source left out."""
    return {"bank_code": a.bank_code, "branch_code": a.branch_code, "account_type": a.account_type,
            "account_number": a.account_number, "holder_kana": a.holder_kana}


class CollectionStore(Protocol):
    # the ledger
    def ledgers(self, keys: Iterable[LedgerKey]) -> dict[LedgerKey, StoredLedger]: ...
    def ledgers_of_payer(self, payer_id: str) -> list[StoredLedger]: ...
    def all_ledgers(self) -> Iterable[StoredLedger]:
        """Every ledger (the daily reminder run reads them all, page by page)."""
    def overpaid_ledgers(self) -> list[LedgerKey]:
        """Ledgers marked as holding an overpayment (by a 更正 downwards or a payment beyond the charge)."""

    # 納付番号
    def put_slips(self, slips: Sequence[Slip]) -> None:
        """Store slips (a number is issued once: the same slip again is a no-op)."""
    def slips(self, numbers: Iterable[str]) -> dict[str, Slip]: ...

    def record_reads(self, payer_ids: Sequence[str], *, actor: Any, chain: str) -> None:
        """The access records of ledgers read (payers named), in groups."""

    # payments
    def applied_payment_ids(self, payment_ids: Iterable[str]) -> set[str]:
        """Which of these payments are already applied or queued as unmatched."""
    def apply(self, writes: Sequence[LedgerWrite], unmatched: Sequence[UnmatchedPayment], *, actor: Any,
              chain: str) -> None:
        """All or nothing: each payment once (WriteConflict if one is already stored), each unmatched one
        queued once, with the access record of the payers' ledgers written."""

    # payment files
    def payment_file(self, digest: str) -> dict[str, Any] | None: ...
    def mark_file(self, digest: str, record: dict[str, Any]) -> None: ...

    # the unmatched queue
    def unmatched(self, *, status: str = "open", limit: int = 100) -> list[UnmatchedPayment]: ...
    def get_unmatched(self, payment_id: str) -> UnmatchedPayment | None: ...
    def resolve_unmatched(self, item: UnmatchedPayment, write: LedgerWrite | None, resolution: dict[str, Any], *,
                          actor: Any) -> None:
        """Close the queue entry and (unless `write` is None: returned to the payer) apply the payment, all
        or nothing, with the access record. WriteConflict when it was resolved meanwhile."""

    # overpayments and refunds
    def disburse(self, payer_id: str, into: Sequence[LedgerWrite], out: dict[LedgerKey, list[Disbursement]],
                 refunds: Sequence[RefundOrder], *, clear: Sequence[LedgerKey], actor: Any) -> None:
        """All or nothing: 充当 payments into ledgers, disbursements out of them, refund orders, the overpaid
        marks of `clear` removed, the payer's access record. WriteConflict when an id is already taken."""
    def refunds(self, status: str) -> list[RefundOrder]: ...
    def refunds_of_file(self, file_id: str) -> list[RefundOrder]: ...
    def file_refunds(self, file_id: str, refund_ids: Sequence[str]) -> None:
        """Mark ready refunds as filed in `file_id` (WriteConflict if one is no longer ready)."""
    def set_refund_account(self, refund_id: str, account: RefundAccount, *, actor: Any) -> None:
        """A held refund gets the account the payer named and becomes ready."""
    def return_refund(self, refund_id: str, file_id: str, doc: dict[str, Any], *, actor: Any) -> bool:
        """振込不能: a refund filed in `file_id` held again without its account, `doc` (with the account it failed
        on) added to its returns, the payer's access record in the same transaction. False when it was returned
        from that file already; WriteConflict when it is not filed in it."""

    # 特別徴収 (kokuho.collection.pension_run)
    def set_pension(self, writes: Sequence[PensionWrite], *, actor: Any, chain: str) -> None:
        """All or nothing: each ledger's deduction state (its charge follows it), each only if the ledger is as
        read (WriteConflict otherwise), with the access record of the payers' ledgers written."""

    # statistics (収納率: kokuho.collection.statistics)
    def put_statistics(self, fiscal_year: int, doc: dict[str, Any]) -> None:
        """Store the figures of a fiscal year (the latest replace the earlier)."""
    def statistics(self, fiscal_year: int) -> dict[str, Any] | None: ...
