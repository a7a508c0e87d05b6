"""Throughput of 滞納整理 and 収納率 (kokuho.collection.arrears, .arrears_runs, .statistics): pure Python, one core.

    .venv/bin/python benchmarks/collection_arrears.py [--ledgers N] [--runs R] [--seed S]

Builds N ledgers (ten installments each, FY2024) with payments (60 % all paid on time, 25 % part paid, 15 %
nothing), a 督促状 on every installment unpaid after its due date and a pledge on one ledger in twenty; then
times, on CPU time of this process (median of R runs): the arrears view of every ledger (status and 2-year
limit of each installment), the planning of the three runs (pledge check, 催告, 不納欠損) and the statistics of
FY2025 (現年度分 empty, 滞納繰越分 all of them). Storage is not counted (the runs' writes are the reminder
run's kind: one transaction of up to 90 items). Run `uptime` alongside: the machine is shared.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta

from kokuho.collection.arrears import arrears_view
from kokuho.collection.arrears_runs import demands_due, missed_plan_payments, write_offs_due
from kokuho.collection.ledger import PaymentEntry, charge_from_version
from kokuho.collection.ports import StoredLedger
from kokuho.collection.statistics import collection_statistics
from kokuho.premium.installments import split_equally

MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]
WARDS = ["門司区", "小倉北区", "小倉南区", "若松区", "八幡東区", "八幡西区", "戸畑区"]


def city(n: int, rng: random.Random) -> list[StoredLedger]:
    out = []
    for k in range(n):
        annual = rng.randrange(20_000, 600_000, 100)
        charge = charge_from_version(f"H{k:07d}", 2024, version=1, payer_id=f"P{k:07d}", annual=annual,
                                     installments=split_equally(annual, MONTHS))
        r = rng.random()
        paid = 10 if r < 0.6 else rng.randrange(1, 10) if r < 0.85 else 0
        payments = tuple(PaymentEntry(f"p{k}-{i}", i.due - timedelta(days=3), i.amount, "収納", i.number)
                         for i in charge.installments[:paid])
        reminders = tuple({"id": f"TK-{k}-{i.number}", "installment": i.number, "issued_on": str(i.due + timedelta(9)),
                           "pay_by": str(i.due + timedelta(19)), "fee": 0} for i in charge.installments[paid:])
        arrears: tuple[dict[str, object], ...] = ()
        if paid < 10 and k % 20 == 0:
            unpaid = charge.installments[paid:]
            arrears = ({"id": f"BN-{k}", "kind": "分納誓約", "on": "2025-05-01", "by": "S1",
                        "installments": [i.number for i in unpaid],
                        "plan": [{"on": "2025-05-30", "amount": sum(i.amount for i in unpaid)}]},)
        out.append(StoredLedger(charge, payments, reminders=reminders, arrears=arrears))
    return out


def timed(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ledgers", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=12)
    args = ap.parse_args()
    ledgers = city(args.ledgers, random.Random(args.seed))
    wards = {lg.charge.payer_id: WARDS[i % len(WARDS)] for i, lg in enumerate(ledgers)}
    on = date(2025, 8, 15)
    n = len(ledgers)
    figures = {
        "arrears view": timed(lambda: [arrears_view(lg, on) for lg in ledgers], args.runs),
        "pledge check (daily run)": timed(lambda: [missed_plan_payments(lg, on, "s") for lg in ledgers], args.runs),
        "催告 run": timed(lambda: [demands_due(lg, on, "s") for lg in ledgers], args.runs),
        "不納欠損 run (2027-03-31)": timed(lambda: [write_offs_due(lg, date(2027, 3, 31), "s") for lg in ledgers],
                                         args.runs),
        "statistics FY2025": timed(lambda: collection_statistics(ledgers, 2025, date(2026, 3, 31), wards), args.runs),
    }
    print(f"{n} ledgers (10 installments each), CPU seconds, median of {args.runs}")
    for name, seconds in figures.items():
        print(f"  {name:28s} {seconds:7.3f} s   {n / seconds:10,.0f} ledgers/s")


if __name__ == "__main__":
    main()
