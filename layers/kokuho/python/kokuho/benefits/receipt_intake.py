"""Taking in the monthly receipt file: validated whole, stored per person-month, applied once — written against
the port (kokuho.benefits.receipt_ports), so it runs on DynamoDB in the Lambda and on the in-memory fake in tests.

1. A file already taken (the same bytes, under any key) is answered `duplicate` and changes nothing.
2. Every line is checked (kokuho.benefits.receipt_file); then every person must be a known insured person,
   and no receipt may repeat one an earlier file brought (same person, month, provider, setting). Any error
   refuses the whole file, before anything is written.
3. A receipt whose service month is outside the person's insured periods is held for review, not applied.
4. Writes go in transactions of whole person-months (each conditional on what it held when read) with the access
   record of each person written. A run cut short and started again skips what this file already wrote — held
   or applied, whatever the person's periods say now (a receipt held, then its period registered, is not
   applied as well).
5. The file is marked taken with its outcome.
6. Two runs of one file at once: each takes the file's lease when it starts (the run before it is fenced off) and
   every transaction, the file's mark too, commits only while its run holds it; the run fenced off answers
   `superseded` and leaves the file to the other. A receipt is applied once or held once, never both.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from kokuho.benefits.receipt_file import Month, Receipt, validate_receipt_file
from kokuho.benefits.receipt_ports import HeldReceipt, MonthWrite, ReceiptStore, StoredReceipt, WriteConflict
from kokuho.intake.framing import MAX_ERRORS, IntakeError, file_digest, former_file_digest

MONTHS_PER_TRANSACTION = 45  # of TransactWriteItems' 100: each month's access record takes up to 2 more
ATTEMPTS = 5
OUTSIDE = "service month outside the person's insured periods"
EARLIER = "already received in an earlier file: the same person, service month, provider and setting"


def _stored(r: Receipt, digest: str) -> StoredReceipt:
    return StoredReceipt(r.provider_code, r.setting, r.points, r.total_cost, r.copay, digest, r.line)


def _plan(store: ReceiptStore, receipts: Sequence[Receipt], digest: str
          ) -> tuple[dict[tuple[str, Month], MonthWrite], list[HeldReceipt], int, list[IntakeError]]:
    periods = store.insured_periods({r.person_id for r in receipts})
    errors = [IntakeError(r.line, "person_id", "no such insured person") for r in receipts
              if r.person_id not in periods]
    if errors:
        return {}, [], 0, errors[:MAX_ERRORS]
    # what this file wrote already, held or applied, is done whatever the periods say now (a period registered
    # or taken back since a run cut short held or applied it)
    existing = store.person_months({(r.person_id, r.service_month) for r in receipts})
    done = store.held_ids(_review_id(digest, r) for r in receipts)
    writes: dict[tuple[str, Month], MonthWrite] = {}
    held: list[HeldReceipt] = []
    already = 0
    for r in receipts:
        key = (r.person_id, r.service_month)
        stored = existing[key].receipts if key in existing else ()
        same = [s for s in stored if (s.provider_code, s.setting) == (r.provider_code, r.setting)]
        if _review_id(digest, r) in done or (same and same[0].file_digest == digest):
            already += 1  # written by this file in a run cut short
        elif not any(p.covers(r.service_month) for p in periods[r.person_id]):
            held.append(HeldReceipt(_review_id(digest, r), r.person_id, r.service_month, _stored(r, digest), OUTSIDE))
        elif same:
            errors.append(IntakeError(r.line, "provider_code", EARLIER))
        else:
            writes.setdefault(key, MonthWrite(r.person_id, r.service_month, stored=len(stored))).receipts.append(
                _stored(r, digest))
    return writes, held, already, errors[:MAX_ERRORS]


def _review_id(digest: str, r: Receipt) -> str:
    return f"{digest}-{r.line}"


def _apply(store: ReceiptStore, months: list[MonthWrite], held: list[HeldReceipt], *, actor: Any,
           chain: str, digest: str, lease: str) -> None:
    for attempt in range(ATTEMPTS):
        try:
            store.apply(months, held, actor=actor, chain=chain, lease=lease)
            return
        except WriteConflict:
            if attempt == ATTEMPTS - 1 or not store.holds_lease(digest, lease):  # taken over: no retry
                raise
            # another writer changed a month since it was read: take its count again (a receipt of ours
            # already there would have been refused or skipped when planned; the file is applied once)
            now = store.person_months((w.person_id, w.service_month) for w in months)
            for w in months:
                k = (w.person_id, w.service_month)
                w.stored = len(now[k].receipts) if k in now else 0
            taken = store.held_ids(h.review_id for h in held)
            held = [h for h in held if h.review_id not in taken]


def intake_receipt_file(data: bytes, *, store: ReceiptStore, actor: Any, key: str,
                        months_per_transaction: int = MONTHS_PER_TRANSACTION,
                        received_on: date | None = None) -> dict[str, Any]:
    """Validate and store a receipt file; the outcome (never a value from a refused line)."""
    digest = file_digest(data)
    done = store.receipt_file(digest) or store.receipt_file(former_file_digest(data))  # or as marked before
    if done is not None:
        return {"accepted": True, "duplicate": True, "key": key, "applied_as": done.get("key")}
    parsed, errors = validate_receipt_file(data, received_on)
    if parsed is None:
        return {"accepted": False, "key": key, "errors": [e.as_dict() for e in errors]}
    chain = f"receipts#{digest[:16]}"
    lease = store.take_lease(digest)  # before reading what this file wrote: a run before this one is fenced off
    try:
        return _take(store, parsed.lines, parsed.receipts, digest, lease, actor=actor, key=key, chain=chain,
                     months_per_transaction=months_per_transaction)
    except WriteConflict:
        if store.holds_lease(digest, lease):
            raise
        return {"accepted": False, "superseded": True, "key": key}  # the run that took the file over finishes it


def _take(store: ReceiptStore, lines: int, receipts: Sequence[Receipt], digest: str, lease: str, *, actor: Any,
          key: str, chain: str, months_per_transaction: int) -> dict[str, Any]:
    writes, held, already, errors = _plan(store, receipts, digest)
    # the periods and months of these persons were read, whether the file is taken or not
    store.record_reads(sorted({r.person_id for r in receipts}), actor=actor, chain=chain)
    if errors:
        return {"accepted": False, "key": key, "errors": [e.as_dict() for e in errors]}
    months = list(writes.values())
    items: list[MonthWrite | HeldReceipt] = [*months, *held]
    for first in range(0, len(items), months_per_transaction):
        part = items[first:first + months_per_transaction]
        _apply(store, [w for w in part if isinstance(w, MonthWrite)],
               [h for h in part if isinstance(h, HeldReceipt)], actor=actor, chain=chain, digest=digest,
               lease=lease)
    applied = [r for w in months for r in w.receipts]
    outcome = {
        "accepted": True, "duplicate": False, "key": key, "lines": lines,
        "applied": len(applied), "already_applied": already, "person_months": len(months),
        "total_cost": sum(r.total_cost for r in applied), "copay": sum(r.copay for r in applied),
        "held": len(held), "held_lines": sorted(h.receipt.line for h in held)[:100],
    }
    store.mark_file(digest, outcome, lease=lease)
    return outcome
