"""Taking in a payment file: validated whole, matched (消込), applied to the ledgers — written against the
port (kokuho.collection.ports), so it runs on DynamoDB in the Lambda and on the in-memory fake in tests.

1. A file already applied (the same bytes, under any key) is answered `duplicate` and changes nothing.
2. Every line is checked first (kokuho.collection.payment_files); any error refuses the whole file.
3. The payments are matched against the slips and ledgers they name; a payment already applied (by an
   earlier file, or a run cut short) is a duplicate and applied no second time.
4. Writes go in transactions of whole ledgers (a ledger's new payments, its failed debits, its overpayment
   mark; each payment id put once) and unmatched payments (queued once), each with the access record of
   the payers written. A conflict (a concurrent writer applied one of them) re-reads and retries without it,
   so a run cut short and run again applies exactly what is left.
5. The file is marked applied with its outcome.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kokuho.collection.ledger import PaymentEntry, ledger_state
from kokuho.collection.matching import IncomingPayment, Match, NoMatch, book_of, match_payments
from kokuho.collection.payment_files import CHANNEL_OF_KIND, CollectionFailure, former_payment_id, validate_file
from kokuho.collection.ports import (
    CollectionStore,
    LedgerKey,
    LedgerWrite,
    StoredLedger,
    UnmatchedPayment,
    WriteConflict,
)
from kokuho.collection.slips import is_payment_number
from kokuho.identity.mynumber import ID_DIGEST_CHARS
from kokuho.intake.framing import file_digest

ITEMS_PER_TRANSACTION = 90  # of TransactWriteItems' 100: the access record takes 2, its index may follow
ATTEMPTS = 5


@dataclass
class _Plan:
    writes: dict[LedgerKey, LedgerWrite] = field(default_factory=dict)
    unmatched: list[UnmatchedPayment] = field(default_factory=list)
    unknown_failures: list[int] = field(default_factory=list)  # lines of failures naming nothing known
    read: list[str] = field(default_factory=list)  # payers whose ledgers were read to match


def _unmatched(p: IncomingPayment, reason: str, digest: str) -> UnmatchedPayment:
    return UnmatchedPayment(p.payment_id, p.channel, p.on.isoformat(), p.amount, reason, digest, p.line,
                            p.payment_number, p.payer_id)


def _failure_doc(f: CollectionFailure, installment: int | None) -> dict[str, Any]:
    return {"channel": f.channel, "on": f.on.isoformat(), "code": f.code, "reason": f.reason,
            "installment": installment, "line": f.line}


def _plan(store: CollectionStore, payments: Sequence[IncomingPayment], failures: Sequence[CollectionFailure],
          digest: str) -> tuple[_Plan, list[IncomingPayment], Counter[str]]:
    # A wrong check digit is a misread: to the queue without a lookup.
    readable = [p for p in payments if p.payment_number is None or is_payment_number(p.payment_number)]
    misread = [p for p in payments if p.payment_number is not None and not is_payment_number(p.payment_number)]
    numbers = [p.payment_number for p in readable if p.payment_number] + [
        f.payment_number for f in failures if f.payment_number]
    slips = store.slips(n for n in numbers if is_payment_number(n))
    payers = {p.payer_id for p in readable if p.payer_id and (not p.payment_number or p.payment_number not in slips)}
    payers |= {f.payer_id for f in failures if f.payer_id}
    ledgers: dict[LedgerKey, StoredLedger] = store.ledgers({(s.household_id, s.fiscal_year) for s in slips.values()})
    for payer in sorted(payers):
        ledgers.update((lg.key, lg) for lg in store.ledgers_of_payer(payer))
    states = {k: ledger_state(lg.charge, lg.payments, lg.disbursements) for k, lg in ledgers.items()}
    already = _applied(store, [p.payment_id for p in payments])
    result = match_payments(readable, book_of(slips, states.values()), already_applied=already)

    plan = _Plan(read=sorted({lg.charge.payer_id for lg in ledgers.values()}))
    rules: Counter[str] = Counter()
    for p in misread:
        if p.payment_id in already:
            result.duplicates.append(p)
        else:
            plan.unmatched.append(_unmatched(p, "納付番号 fails its check digit (misread?)", digest))
    for m in result.matched:
        if m.key not in ledgers:  # a slip whose ledger is gone: kept for staff, never lost
            result.unmatched.append(NoMatch(m.payment, "no ledger for the 納付番号"))
            continue
        w = plan.writes.setdefault(m.key, LedgerWrite(m.key, ledgers[m.key].charge.payer_id))
        w.payments.append(_entry(m))
        rules[m.rule] += 1
    for n in result.unmatched:
        plan.unmatched.append(_unmatched(n.payment, n.reason, digest))
    for f in failures:
        key, installment = _failure_target(f, slips, ledgers)
        if key is None:
            plan.unknown_failures.append(f.line)
            continue
        w = plan.writes.setdefault(key, LedgerWrite(key, ledgers[key].charge.payer_id))
        w.debit_failures.append(_failure_doc(f, installment))
    for key, w in plan.writes.items():
        lg = ledgers[key]
        w.overpaid = ledger_state(lg.charge, [*lg.payments, *w.payments], lg.disbursements).overpayment > 0
    return plan, result.duplicates, rules


def _entry(m: Match) -> PaymentEntry:
    return PaymentEntry(m.payment.payment_id, m.payment.on, m.payment.amount, m.payment.channel, m.installment)


def _failure_target(f: CollectionFailure, slips: Any, ledgers: dict[LedgerKey, StoredLedger]
                    ) -> tuple[LedgerKey | None, int | None]:
    if f.payment_number is not None:
        slip = slips.get(f.payment_number)
        key = (slip.household_id, slip.fiscal_year) if slip is not None else None
        return (key, slip.installment) if key in ledgers else (None, None)
    keys = [k for k, lg in ledgers.items() if lg.charge.payer_id == f.payer_id and k[1] == f.fiscal_year]
    return (keys[0], None) if len(keys) == 1 else (None, None)


def _chunks(plan: _Plan) -> list[tuple[list[LedgerWrite], list[UnmatchedPayment]]]:
    out: list[tuple[list[LedgerWrite], list[UnmatchedPayment]]] = []
    writes: list[LedgerWrite] = []
    queued: list[UnmatchedPayment] = []
    size = 0
    for w in plan.writes.values():
        items = 1 + len(w.payments)
        if items > ITEMS_PER_TRANSACTION:  # a ledger with very many payments in one file: split its list
            for first in range(0, len(w.payments), ITEMS_PER_TRANSACTION - 1):
                part = w.payments[first:first + ITEMS_PER_TRANSACTION - 1]
                out.append(([LedgerWrite(w.key, w.payer_id, part, w.debit_failures if first == 0 else [],
                                         w.overpaid)], []))
            continue
        if size + items > ITEMS_PER_TRANSACTION:
            out.append((writes, queued))
            writes, queued, size = [], [], 0
        writes.append(w)
        size += items
    for u in plan.unmatched:
        if size + 2 > ITEMS_PER_TRANSACTION:
            out.append((writes, queued))
            writes, queued, size = [], [], 0
        queued.append(u)
        size += 2
    if writes or queued:
        out.append((writes, queued))
    return out


def _apply_chunk(store: CollectionStore, writes: list[LedgerWrite], queued: list[UnmatchedPayment], *,
                 actor: Any, chain: str) -> int:
    """Apply one chunk; on a conflict drop what another writer applied meanwhile and retry. Returns the
    number of payments found already applied."""
    dropped = 0
    for attempt in range(ATTEMPTS):
        try:
            store.apply(writes, queued, actor=actor, chain=chain)
            return dropped
        except WriteConflict:
            if attempt == ATTEMPTS - 1:
                raise
            ids = [p.payment_id for w in writes for p in w.payments] + [u.payment_id for u in queued]
            done = _applied(store, ids)
            before = len(ids)
            for w in writes:
                w.payments = [p for p in w.payments if p.payment_id not in done]
            queued = [u for u in queued if u.payment_id not in done]
            dropped += before - len([p for w in writes for p in w.payments]) - len(queued)
            writes = [w for w in writes if w.payments or w.debit_failures or w.overpaid]
    return dropped


def _applied(store: CollectionStore, payment_ids: list[str]) -> set[str]:
    """The payments applied already, under their id or the one they had before it took its letters."""
    former = {i: f for i in payment_ids if (f := former_payment_id(i)) is not None}
    done = store.applied_payment_ids([*payment_ids, *former.values()])
    return {i for i in payment_ids if i in done or former.get(i) in done}


def file_chain(digest: str) -> str:
    """The access-record chain of a payment file: its identity's first eleven characters (ID_DIGEST_CHARS, never a
    run of twelve digits — sixteen hex characters held one a file in two hundred and fifty)."""
    return f"payments#{digest[:ID_DIGEST_CHARS]}"


def intake_payment_file(kind: str, data: bytes, *, store: CollectionStore, actor: Any, key: str,
                        received_on: date) -> dict[str, Any]:
    """Validate, match and apply a payment file; the outcome (never a value from a refused line)."""
    digest = file_digest(data)  # its content: the same file re-sent written otherwise is applied once
    done = store.payment_file(digest) or store.payment_file(hashlib.sha256(data).hexdigest())  # as marked before
    if done is not None:
        return {"accepted": True, "duplicate": True, "key": key, "kind": kind, "applied_as": done.get("key")}
    parsed, errors = validate_file(kind, data, received_on)
    if parsed is None:
        return {"accepted": False, "key": key, "kind": kind, "errors": [e.as_dict() for e in errors]}
    plan, duplicates, rules = _plan(store, parsed.payments, parsed.failures, digest)
    chain = file_chain(digest)
    store.record_reads(plan.read, actor=actor, chain=chain)  # the ledgers read to match, written or not
    late_duplicates = 0
    for writes, queued in _chunks(plan):
        late_duplicates += _apply_chunk(store, writes, queued, actor=actor, chain=chain)
    applied = [p for w in plan.writes.values() for p in w.payments]
    outcome = {
        "accepted": True, "duplicate": False, "key": key, "kind": kind, "channel": CHANNEL_OF_KIND[kind],
        "received_on": received_on.isoformat(), "lines": parsed.lines,
        "payments": len(parsed.payments), "applied": len(applied) - late_duplicates,
        "applied_yen": sum(p.amount for p in applied), "by_rule": dict(sorted(rules.items())),
        "unmatched": len(plan.unmatched), "unmatched_yen": sum(u.amount for u in plan.unmatched),
        "duplicates": len(duplicates) + late_duplicates, "duplicate_lines": sorted(p.line for p in duplicates)[:100],
        "collection_failures": len(parsed.failures) - len(plan.unknown_failures),
        "failures_not_matched_lines": plan.unknown_failures[:100],
        "overpaid_ledgers": sum(1 for w in plan.writes.values() if w.overpaid),
    }
    store.mark_file(digest, outcome)
    return outcome
