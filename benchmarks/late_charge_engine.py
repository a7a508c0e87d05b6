"""Throughput of the 延滞金 engine: installments per second, pure Python, one core (issue 12: ≥ 100,000/s).

    .venv/bin/python benchmarks/late_charge_engine.py [--payers N] [--runs R] [--seed S]

Generates synthetic payers with the ten installments of FY2024 (due dates from kokuho.collection.due_dates)
and payments: most on time, some late, some partial, some never, a few overpaying. Measures
`assess_late_charges` on already-parsed inputs (the batch path), on the CPU time of this process, median
of R runs. Run `uptime` alongside: the machine is shared.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from datetime import date, timedelta

from kokuho.collection.due_dates import due_date
from kokuho.collection.late_charge import Installment, Payment, assess_late_charges, load_rates


def payer(rng: random.Random) -> tuple[list[Installment], list[Payment]]:
    amount = rng.choice([1_500, 8_000, 25_300, 61_200, 150_000])
    installments = [Installment(n, amount, due_date(2024, n)) for n in range(1, 11)]
    payments = []
    for inst in installments:
        kind = rng.random()
        if kind < 0.75:  # on time
            payments.append(Payment(inst.due - timedelta(days=rng.randint(0, 5)), amount, inst.number))
        elif kind < 0.88:  # late
            payments.append(Payment(inst.due + timedelta(days=rng.randint(1, 120)), amount, inst.number))
        elif kind < 0.95:  # partial, unnamed
            payments.append(Payment(inst.due + timedelta(days=rng.randint(1, 60)), amount // 2))
        # else never paid
    return installments, [p for p in payments if p.on <= date(2025, 12, 31)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payers", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rates = load_rates()
    cases = [payer(rng) for _ in range(args.payers)]
    as_of = date(2025, 12, 31)
    rates_cpu = []
    charged = 0
    for _ in range(args.runs):
        gc.collect()
        start = time.process_time()
        charged = 0
        for installments, payments in cases:
            charged += assess_late_charges(installments, payments, as_of, rates).late_charge_total
        rates_cpu.append(args.payers * 10 / (time.process_time() - start))
    print(f"延滞金 engine: {statistics.median(rates_cpu):,.0f} installments/s per core (median of {args.runs} runs "
          f"on CPU time; runs {', '.join(f'{r:,.0f}' for r in rates_cpu)}); {args.payers:,} payers × 10 "
          f"installments, total charged {charged:,} yen")


if __name__ == "__main__":
    main()
