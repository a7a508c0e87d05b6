"""消込 — matching incoming payments to the installments they pay. Pure and fast (a dictionary lookup a
payment): benchmarks/collection_matching.py measures it.

Rules, in order (issue 12 item 2):
1. **納付番号**: the number on the slip names the household, fiscal year and installment.
2. **payer and amount**: a payment naming its payer (a counter receipt) pays that payer's oldest unpaid
   installment whose unpaid amount equals the payment (each installment taken once per file).
3. **payer and fiscal year** (特別徴収 only): the pension insurer's result names whose deduction it is, for
   which year and month; it pays that month's installment of the ledger (April's on June's), or the oldest
   unpaid first when the ledger has none in that month.
Anything else goes to the unmatched queue with its reason — never dropped. A payment id seen twice in one
run is applied once (the second is reported as a duplicate).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from kokuho.collection.ledger import LedgerState
from kokuho.collection.pension_deduction import deduction_installment
from kokuho.collection.ports import LedgerKey, Slip

BY_NUMBER, BY_PAYER_AMOUNT, BY_PAYER_YEAR = "納付番号", "納付者・金額", "納付者・年度"


@dataclass(frozen=True, slots=True)
class IncomingPayment:
    payment_id: str
    channel: str  # 口座振替 | 収納 | 特別徴収
    on: date
    amount: int
    line: int
    payment_number: str | None = None
    payer_id: str | None = None
    fiscal_year: int | None = None


@dataclass(frozen=True, slots=True)
class Match:
    payment: IncomingPayment
    key: LedgerKey
    payer_id: str
    installment: int | None  # None: the oldest unpaid first
    rule: str


@dataclass(frozen=True, slots=True)
class NoMatch:
    payment: IncomingPayment
    reason: str


@dataclass
class MatchResult:
    matched: list[Match] = field(default_factory=list)
    unmatched: list[NoMatch] = field(default_factory=list)
    duplicates: list[IncomingPayment] = field(default_factory=list)


@dataclass
class Book:
    """What the matcher consults: the slips named by the payments, and the open installments and ledgers of
    the payers they name (built by `book_of` from ledger states)."""

    slips: Mapping[str, Slip] = field(default_factory=dict)
    # payer → [unpaid, due, ledger key, installment number], oldest due first (unpaid taken as matched)
    open_installments: dict[str, list[list[object]]] = field(default_factory=dict)
    ledgers_of_payer: dict[str, list[LedgerKey]] = field(default_factory=dict)


def book_of(slips: Mapping[str, Slip], states: Iterable[LedgerState]) -> Book:
    book = Book(slips=slips)
    for state in states:
        c = state.charge
        key = (c.household_id, c.fiscal_year)
        book.ledgers_of_payer.setdefault(c.payer_id, []).append(key)
        rows = book.open_installments.setdefault(c.payer_id, [])
        rows.extend([i.unpaid, i.due, key, i.number] for i in state.installments if i.unpaid > 0)
    for rows in book.open_installments.values():
        rows.sort(key=lambda r: (r[1], r[3]))  # type: ignore[arg-type,return-value]
    return book


def match_payments(payments: Sequence[IncomingPayment], book: Book, *,
                   already_applied: frozenset[str] | set[str] = frozenset()) -> MatchResult:
    result = MatchResult()
    seen: set[str] = set(already_applied)
    slips, open_by_payer, ledgers = book.slips, book.open_installments, book.ledgers_of_payer
    matched, unmatched = result.matched.append, result.unmatched.append
    for p in payments:
        if p.payment_id in seen:
            result.duplicates.append(p)
            continue
        seen.add(p.payment_id)
        if p.payment_number is not None:
            slip = slips.get(p.payment_number)
            if slip is not None:
                matched(Match(p, (slip.household_id, slip.fiscal_year), slip.payer_id, slip.installment, BY_NUMBER))
                continue
            if p.payer_id is None:
                unmatched(NoMatch(p, "unknown 納付番号"))
                continue
        if p.payer_id is None:
            unmatched(NoMatch(p, "neither 納付番号 nor payer given"))
            continue
        if p.channel == "特別徴収":
            keys = [k for k in ledgers.get(p.payer_id, ()) if k[1] == p.fiscal_year]
            if len(keys) == 1:  # the deduction pays its own month's installment (the insurer names the month)
                matched(Match(p, keys[0], p.payer_id, deduction_installment(keys[0][1], p.on), BY_PAYER_YEAR))
            else:
                unmatched(NoMatch(p, "no ledger of the payer for that fiscal year" if not keys
                                  else "the payer has several ledgers for that fiscal year"))
            continue
        for row in open_by_payer.get(p.payer_id, ()):
            if row[0] == p.amount:
                row[0] = 0  # taken: a second payment of the same amount pays the next one
                key = row[2]
                matched(Match(p, key, p.payer_id, row[3], BY_PAYER_AMOUNT))  # type: ignore[arg-type]
                break
        else:
            unmatched(NoMatch(p, "no unpaid installment of the payer for that amount"
                              if p.payer_id in ledgers else "unknown payer"))
    return result
