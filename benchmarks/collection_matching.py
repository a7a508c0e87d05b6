"""Throughput of the matcher (消込, kokuho.collection.matching): payments per second, pure Python, one core.

    .venv/bin/python benchmarks/collection_matching.py [--payers N] [--payments M] [--runs R] [--seed S]

Builds N payers' ledgers (ten installments each) and their slips, then M payments: 80 % by 納付番号, 12 % by
payer and amount, 3 % 特別徴収 by payer and year, 5 % matching nothing (unknown numbers, odd amounts). The
figure is `match_payments` alone on CPU time of this process (median of R runs; the book is built once per run
and not counted), then book building (`book_of`) separately. Goal (issue 12): ≥ 20,000 payments/s per core.
Run `uptime` alongside: the machine is shared.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from datetime import date

from kokuho.collection.ledger import charge_from_version, ledger_state
from kokuho.collection.matching import IncomingPayment, book_of, match_payments
from kokuho.collection.slips import payment_number, slips_of
from kokuho.premium.installments import split_equally

MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--payers", type=int, default=20_000)
    ap.add_argument("--payments", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=12)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    states, slips = [], {}
    for n in range(args.payers):
        annual = rng.randrange(10_000, 600_000, 100)
        charge = charge_from_version(f"H{n:07d}", 2024, version=1, payer_id=f"H{n:07d}-P1", annual=annual,
                                     installments=split_equally(annual, MONTHS))
        state = ledger_state(charge, [])
        states.append(state)
        slips.update((s.number, s) for s in slips_of(charge, state))
    numbers = list(slips)
    payments = []
    for k in range(args.payments):
        r = rng.random()
        on = date(2024, 7, 1 + k % 28)
        if r < 0.80:
            s = slips[rng.choice(numbers)]
            payments.append(IncomingPayment(f"S{k}", "収納", on, s.amount, k + 1, s.number))
        elif r < 0.92:
            st = rng.choice(states)
            payments.append(IncomingPayment(f"C{k}", "収納", on, st.installments[rng.randrange(10)].amount, k + 1,
                                            None, st.charge.payer_id))
        elif r < 0.95:
            st = rng.choice(states)
            payments.append(IncomingPayment(f"T{k}", "特別徴収", on, 12_300, k + 1, None, st.charge.payer_id, 2024))
        else:
            payments.append(IncomingPayment(f"U{k}", "収納", on, 1_234, k + 1,
                                            payment_number("nobody", 2024, 1, k)))

    match_cpu, book_cpu = [], []
    for _ in range(args.runs):
        gc.collect()
        t = time.process_time()
        book = book_of(slips, states)
        book_cpu.append(time.process_time() - t)
        t = time.process_time()
        result = match_payments(payments, book)
        match_cpu.append(time.process_time() - t)
    rate = len(payments) / statistics.median(match_cpu)
    print(f"payments: {len(payments):,}  payers: {args.payers:,}  slips: {len(slips):,}  runs: {args.runs}")
    print(f"matched: {len(result.matched):,}  unmatched: {len(result.unmatched):,}  "
          f"duplicates: {len(result.duplicates):,}")
    print(f"match_payments: {rate:,.0f} payments/s per core (CPU, median; runs "
          f"{', '.join(f'{len(payments) / c:,.0f}' for c in match_cpu)})  goal ≥ 20,000: "
          f"{'met' if rate >= 20_000 else 'NOT met'}")
    print(f"book_of ({args.payers:,} ledgers): {statistics.median(book_cpu) * 1000:,.0f} ms CPU (median)")


if __name__ == "__main__":
    main()
