"""The demo city's payers through a fiscal year: who pays how, and the payment files their banks, stores and
the pension insurer deliver (docs/payment_files.md), planned from the ledgers as they stand.

Deterministic (seed and household id). Each household's payer behaves one way all year:

| behaviour | what the payer does |
|---|---|
| 全期前納 | the year at once on the first slip before its due date; after a 更正 upwards, the rest when due |
| 口座振替 | debited on each due date; one debit in twelve fails (資金不足), paid at a store 12 days later |
| 二重納付 | as 口座振替, and the last installment paid at a store too (refunded after the year: 過誤納) |
| 特別徴収 | deducted from the householder's pension (all insured members 65–74) in the months of domain.md §6 |
| 半期 | the first five installments at once on the first due date, the rest at once on the sixth |
| 遅延 | nothing until March, then everything at once (late: 督促状, then 延滞金) |
| 一部 | the first four installments on time, never the rest (arrears) |
| 未納 | nothing (arrears) |

Payments name the slips the June print run printed (`printed_version`): a slip keeps paying its installment
after a 更正 (domain.md §6); its amount is what the payer owes on the day.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from kokuho.collection.ledger import ledger_state
from kokuho.collection.ports import StoredLedger
from kokuho.collection.slips import payment_number

BEHAVIOURS = ("全期前納", "口座振替", "二重納付", "特別徴収", "半期", "遅延", "一部", "未納")
SHARES = {"全期前納": 0.49, "口座振替": 0.06, "二重納付": 0.01, "特別徴収": 0.04, "半期": 0.10, "遅延": 0.12,
          "一部": 0.10, "未納": 0.08}
PENSION_MONTHS = (6, 8, 10, 12, 2)  # deduction months of a fiscal year (domain.md §6), April's not in it
KINDS = ("account_transfer", "receipts", "pension")


@dataclass(frozen=True)
class PlannedPayment:
    on: date
    kind: str  # a payment file kind
    row: dict[str, Any]  # the file line
    household_id: str


def _draw(seed: int, household_id: str, what: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}|{what}|{household_id}".encode()).digest()[:8], "big")


def behaviours(household_ids: Sequence[str], seed: int, pension_eligible: Iterable[str] = ()) -> dict[str, str]:
    """Each household's behaviour: the shares of SHARES, every behaviour at least once when there are as many
    households (a small city shows every path); 特別徴収 only for an eligible household (else 全期前納)."""
    order = sorted(household_ids, key=lambda h: _draw(seed, h, "behaviour"))
    n = len(order)
    counts = {b: max(1, round(SHARES[b] * n)) if n >= len(BEHAVIOURS) else 0 for b in BEHAVIOURS}
    counts["全期前納"] = max(0, n - sum(c for b, c in counts.items() if b != "全期前納"))
    out: dict[str, str] = {}
    it = iter(order)
    for b in BEHAVIOURS[1:]:
        for _ in range(counts[b]):
            h = next(it, None)
            if h is not None:
                out[h] = b
    for h in it:
        out[h] = "全期前納"
    eligible = set(pension_eligible)
    return {h: ("全期前納" if b == "特別徴収" and h not in eligible else b) for h, b in out.items()}


def _receipt(hh: str, number: str, amount: int, on: date, channel: str, n: int) -> PlannedPayment:
    code = {"コンビニ": "CVS", "金融機関": "BANK", "スマートフォン": "SP", "窓口": "MADO"}[channel]
    return PlannedPayment(on, "receipts", {"receipt_id": f"{code}-{on:%Y%m%d}-{hh}-{n}", "channel": channel,
                                           "amount": amount, "paid_on": on.isoformat(), "payment_number": number},
                          hh)


def plan_payments(ledgers: Iterable[StoredLedger], kinds: Mapping[str, str], printed_version: Mapping[str, int],
                  *, after: date, through: date, seed: int) -> list[PlannedPayment]:
    """The payments each payer makes on days in (after, through], from the ledger as it stands (paid and
    unpaid so far; the current charge), by its behaviour."""
    out: list[PlannedPayment] = []
    for lg in ledgers:
        hh, fy = lg.key
        behaviour = kinds.get(hh)
        version = printed_version.get(hh)
        if behaviour is None or version is None:
            continue
        state = ledger_state(lg.charge, lg.payments, lg.disbursements)
        unpaid = {i.number: i.unpaid for i in state.installments}
        due = {i.number: i.due for i in state.installments}
        first = min(due) if due else None

        def slip(k: int, hh: str = hh, fy: int = fy, version: int = version) -> str:
            return payment_number(hh, fy, k, version)

        def within(d: date) -> bool:
            return after < d <= through

        if first is None:
            continue
        if behaviour == "全期前納":
            if within(due[first]):
                day = due[first] - timedelta(days=_draw(seed, hh, "early") % 14)
                out.append(_receipt(hh, slip(first), sum(unpaid.values()), max(day, after + timedelta(days=1)),
                                    "金融機関", 1))
            else:  # a 更正 upwards: the rest of each installment on its due date
                out += [_receipt(hh, slip(k), unpaid[k], due[k], "スマートフォン", k)  # the first slip was used
                        for k in sorted(due) if k != first and within(due[k]) and unpaid[k] > 0]
        elif behaviour in ("口座振替", "二重納付"):
            last = max(due)
            if behaviour == "二重納付" and within(due[last]):  # paid at a store, and debited all the same
                out.append(_receipt(hh, slip(last), unpaid[last], due[last] - timedelta(days=6), "コンビニ", last))
            for k in sorted(due):
                if not within(due[k]) or unpaid[k] <= 0:
                    continue
                failed = _draw(seed, hh, f"debit{k}") % 12 == 0
                out.append(PlannedPayment(due[k], "account_transfer", {
                    "payment_number": slip(k), "amount": unpaid[k], "debited_on": due[k].isoformat(),
                    "result_code": "1" if failed else "0"}, hh))
                if failed:  # paid at a convenience store with the slip sent after the failed debit
                    out.append(_receipt(hh, slip(k), unpaid[k], due[k] + timedelta(days=12), "コンビニ", k))
        elif behaviour == "特別徴収":
            left = sum(unpaid.values())
            months = [date(fy if m >= 4 else fy + 1, m, 15) for m in PENSION_MONTHS]
            remaining = [d for d in months if d > after]
            for i, d in enumerate(remaining):
                if not within(d) or left <= 0:
                    continue
                amount = left if i == len(remaining) - 1 else left // (len(remaining) - i) // 100 * 100
                left -= amount
                out.append(PlannedPayment(d, "pension", {"payer_id": lg.charge.payer_id, "fiscal_year": fy,
                                                         "month": f"{d:%Y-%m}", "amount": amount,
                                                         "result": "徴収済"}, hh))
        elif behaviour == "半期":
            numbers = sorted(due)
            if within(due[numbers[0]]):
                out.append(_receipt(hh, slip(numbers[0]), sum(unpaid[k] for k in numbers[:5]), due[numbers[0]],
                                    "金融機関", 1))
            if len(numbers) > 5 and within(due[numbers[5]]) and sum(unpaid.values()) > 0:
                out.append(_receipt(hh, slip(numbers[5]), sum(unpaid.values()), due[numbers[5]], "金融機関", 6))
        elif behaviour == "遅延":
            day = date(fy + 1, 3, 10 + _draw(seed, hh, "late") % 15)
            if within(day) and sum(unpaid.values()) > 0:
                out.append(_receipt(hh, slip(first), sum(unpaid.values()), day, "窓口", 1))
        elif behaviour == "一部":
            numbers = sorted(due)
            if within(due[numbers[0]]):
                out.append(_receipt(hh, slip(numbers[0]), sum(unpaid[k] for k in numbers[:4]), due[numbers[0]],
                                    "コンビニ", 1))
    return sorted(out, key=lambda p: (p.on, p.kind, p.household_id))


def files_of(payments: Sequence[PlannedPayment], label: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """The payments as delivered: one file a kind, keyed `payments/incoming/<kind>/<label>.jsonl`."""
    out = []
    for kind in KINDS:
        rows = [p.row for p in payments if p.kind == kind]
        if rows:
            out.append((f"payments/incoming/{kind}/{label}.jsonl", rows))
    return out
