"""振込不能: the bank's notice of the transfers of a 全銀協 総合振込 file it could not make (docs/payment_files.md,
"振込不能 results"). Each line names the file it answers (`file_id`, the name the city gave it: `RFF-…` refunds,
`BPF-…` 高額療養費), the transfer by its 顧客コード1 (kokuho.collection.transfer_files.customer_code) and amount, the
全銀協 不能事由 and the day. A transfer it names is no longer paid: the refund is held again (a new account, or the
公金受取口座 checked again), the benefit payment returned (the month is owed again).

Pure: validated whole (framing as every intake file, kokuho.intake.framing), then matched against the items the
named file carried (`TransferBook`, one a kind of file) — a file no one wrote, a transfer the file did not carry, an
amount that is not the transfer's, or lines answering two files refuse the whole file naming line and field, and
nothing changes. Each item is returned once (its record names the file): a repeat changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from kokuho.collection.payment_intake import file_chain
from kokuho.collection.ports import CollectionStore, WriteConflict
from kokuho.collection.transfer_files import customer_code
from kokuho.intake.framing import MAX_ERRORS, IntakeError, LineError, check_fields, file_digest, read_records

KIND = "transfer_returns"
# 振込不能事由: why the bank could not make a transfer (the project's codes, after the 全銀協 不能 reasons)
RETURN_REASONS = {
    "1": "該当口座なし", "2": "口座解約済", "3": "受取人名相違", "4": "預金種目相違", "5": "取引停止中",
    "9": "その他",
}
FILE_PREFIXES = {"RFF": "refund", "BPF": "benefit"}  # kokuho.collection.transfer_files.file_id_of's prefixes
_FILE_ID = re.compile(r"^(RFF|BPF)-D[0-9]{8}-H[0-9a-f]{11}$")
_CODE = re.compile(r"^[0-9A-F]{10}$")


@dataclass(frozen=True)
class ReturnLine:
    line: int
    file_id: str
    customer_code: str
    amount: int
    code: str
    returned_on: date

    @property
    def reason(self) -> str:
        return RETURN_REASONS[self.code]


@dataclass(frozen=True)
class FiledTransfer:
    """An item a transfer file carried: its id (refund id, benefit payment id), the yen transferred, the payee, and
    whether a 振込不能 of this file was recorded on it already."""

    item_id: str
    amount: int
    payee_id: str
    returned: bool
    household_id: str | None = None  # a benefit payment's household (its partition)


def returned_from(returns: Sequence[Mapping[str, Any]], file_id: str) -> bool:
    """Whether an item's returns (their docs, each naming the file it was returned from) hold one from `file_id`."""
    return any(r.get("file_id") == file_id for r in returns)


def returnable(returns: Sequence[Mapping[str, Any]], status: str, filed_in: str | None, has_account: bool,
               file_id: str, conflict: type[Exception]) -> bool:
    """The one rule of a return, for every store of items a transfer file carries: False when this file's return was
    recorded already (a repeat changes nothing); `conflict` unless the item stands filed in `file_id` with its
    account; True: return it now."""
    if returned_from(returns, file_id):
        return False
    if status != "filed" or filed_in != file_id or not has_account:
        raise conflict("not filed in that file")
    return True


class TransferBook(Protocol):
    """The items of one kind of transfer file (refunds, benefit payments) and their return."""

    def transfers_of_file(self, file_id: str) -> list[FiledTransfer]:
        """Every item the file carried (returned since or not); [] for a file never written."""
        ...

    def record_reads(self, payee_ids: Sequence[str], *, actor: Any, chain: str) -> None: ...

    def return_transfer(self, item: FiledTransfer, file_id: str, doc: dict[str, Any], *, actor: Any) -> bool:
        """The item no longer paid (its access record in the same transaction): False when it was returned from this
        file already (nothing written)."""
        ...


class RefundBook:
    """The refunds of an `RFF-` file (the collection store): the file's refunds, and those returned from it since
    (held, or ready again with another account)."""

    def __init__(self, store: CollectionStore) -> None:
        self.store = store

    def transfers_of_file(self, file_id: str) -> list[FiledTransfer]:
        out = {r.refund_id: FiledTransfer(r.refund_id, r.amount, r.payer_id, False)
               for r in self.store.refunds_of_file(file_id)}
        for status in ("held", "ready"):
            for r in self.store.refunds(status):
                if returned_from(r.returns, file_id):
                    out[r.refund_id] = FiledTransfer(r.refund_id, r.amount, r.payer_id, True)
        return sorted(out.values(), key=lambda t: t.item_id)

    def record_reads(self, payee_ids: Sequence[str], *, actor: Any, chain: str) -> None:
        self.store.record_reads(payee_ids, actor=actor, chain=chain)

    def return_transfer(self, item: FiledTransfer, file_id: str, doc: dict[str, Any], *, actor: Any) -> bool:
        try:
            return self.store.return_refund(item.item_id, file_id, doc, actor=actor)
        except WriteConflict:
            return False  # no longer filed in it (returned meanwhile by a run beside this one)


def _line(n: int, obj: Mapping[str, Any], received_on: date | None) -> ReturnLine:
    check_fields(obj, {"file_id", "customer_code", "amount", "result_code", "returned_on"})
    fid = obj["file_id"]
    if not isinstance(fid, str) or not _FILE_ID.fullmatch(fid):
        raise LineError("file_id", "must be the id of a transfer file the city wrote (RFF-D<YYYYMMDD>-H… or "
                                   "BPF-D<YYYYMMDD>-H…)")
    code = obj["customer_code"]
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise LineError("customer_code", "must be the transfer's 顧客コード1: 10 characters 0-9, A-F")
    amount = obj["amount"]
    if type(amount) is not int or amount <= 0:
        raise LineError("amount", "must be an integer number of yen > 0 (a JSON integer): the transfer's amount")
    result = obj["result_code"]
    if not isinstance(result, str) or result not in RETURN_REASONS:
        raise LineError("result_code", f"must be one of {', '.join(RETURN_REASONS)} (振込不能事由)")
    day = obj["returned_on"]
    if not isinstance(day, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", day):
        raise LineError("returned_on", "must be a date YYYY-MM-DD")
    try:
        on = date.fromisoformat(day)
    except ValueError:
        raise LineError("returned_on", "is not a date that exists") from None
    if received_on is not None and on > received_on:
        raise LineError("returned_on", "is after the day the file was received")
    return ReturnLine(n, fid, code, amount, result, on)


def validate_returns(data: bytes | str, received_on: date | None) -> tuple[list[ReturnLine] | None, list[IntakeError]]:
    """Every line checked (framing, fields; one file answered, each transfer once); any error, nothing to apply."""
    records, errors = read_records(data, noun="returned transfer")
    lines: list[ReturnLine] = []
    first: dict[str, int] = {}
    for n, obj in records:
        try:
            ln = _line(n, obj, received_on)
            if lines and ln.file_id != lines[0].file_id:
                raise LineError("file_id", f"names another transfer file than line {lines[0].line}: a notice "
                                           "answers one file")
            earlier = first.setdefault(ln.customer_code, n)
            if earlier != n:
                raise LineError("customer_code", f"the same transfer as line {earlier}: one notice a transfer")
        except LineError as exc:
            errors.append(IntakeError(n, exc.field, exc.message))
            if len(errors) >= MAX_ERRORS:
                break
            continue
        lines.append(ln)
    if not errors and not lines:
        errors.append(IntakeError(0, "trailer", "a 振込不能 notice names at least one transfer"))
    if errors:
        return None, sorted(errors, key=lambda e: e.line)[:MAX_ERRORS]
    return lines, []


def match_returns(lines: Sequence[ReturnLine], transfers: Sequence[FiledTransfer]
                  ) -> tuple[list[tuple[ReturnLine, FiledTransfer]], list[IntakeError]]:
    """Each line's item in the file it names, by 顧客コード1 and amount; an error names the line and the field."""
    if not transfers:
        return [], [IntakeError(lines[0].line, "file_id", "no transfer file of this id was written: a notice "
                                                            "for another file, or another city's")]
    by_code = {customer_code(t.item_id): t for t in transfers}
    out: list[tuple[ReturnLine, FiledTransfer]] = []
    errors: list[IntakeError] = []
    for ln in lines:
        t = by_code.get(ln.customer_code)
        if t is None:
            errors.append(IntakeError(ln.line, "customer_code", "the file named carried no transfer of this "
                                                                 "顧客コード1"))
        elif t.amount != ln.amount:
            errors.append(IntakeError(ln.line, "amount", "is not the amount of the transfer the file carried"))
        else:
            out.append((ln, t))
    return out, errors[:MAX_ERRORS]


def return_doc(ln: ReturnLine, received_on: date, key: str) -> dict[str, Any]:
    """What the item keeps of its return (why, when, from which file and notice)."""
    return {"file_id": ln.file_id, "code": ln.code, "reason": ln.reason, "returned_on": ln.returned_on.isoformat(),
            "received_on": received_on.isoformat(), "line": ln.line, "notice": key}


def take_returns(data: bytes, *, books: Mapping[str, TransferBook], actor: Any, key: str, received_on: date,
                 chain: str) -> dict[str, Any]:
    """Validate, match and apply a 振込不能 notice (the caller answers a file taken before as a duplicate)."""
    lines, errors = validate_returns(data, received_on)
    if lines is None:
        return {"accepted": False, "key": key, "kind": KIND, "errors": [e.as_dict() for e in errors]}
    file_id = lines[0].file_id
    book = books[FILE_PREFIXES[file_id[:3]]]
    transfers = book.transfers_of_file(file_id)
    book.record_reads(sorted({t.payee_id for t in transfers}), actor=actor, chain=chain)  # read to match
    matched, errors = match_returns(lines, transfers)
    if errors:
        return {"accepted": False, "key": key, "kind": KIND, "errors": [e.as_dict() for e in errors]}
    returned = already = 0
    yen = 0
    for ln, t in matched:
        if t.returned or not book.return_transfer(t, file_id, return_doc(ln, received_on, key), actor=actor):
            already += 1
            continue
        returned += 1
        yen += t.amount
    return {"accepted": True, "duplicate": False, "key": key, "kind": KIND, "file_id": file_id,
            "received_on": received_on.isoformat(), "lines": len(lines), "returned": returned, "returned_yen": yen,
            "already_returned": already}


def intake_transfer_returns(data: bytes, *, store: CollectionStore, books: Mapping[str, TransferBook], actor: Any,
                            key: str, received_on: date) -> dict[str, Any]:
    """A notice taken once by its content (marked beside the payment files in `store`): the same notice again, under
    any key or written otherwise, is answered `duplicate` and changes nothing."""
    digest = file_digest(data)
    done = store.payment_file(digest)
    if done is not None:
        return {"accepted": True, "duplicate": True, "key": key, "kind": KIND, "applied_as": done.get("key")}
    out = take_returns(data, books=books, actor=actor, key=key, received_on=received_on, chain=file_chain(digest))
    if out["accepted"]:
        store.mark_file(digest, out)
    return out
