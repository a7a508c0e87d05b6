"""Throughput of the 高額療養費 engine: households per second, pure Python, one core.

    .venv/bin/python benchmarks/kogaku_engine.py [--households N] [--seed S]

Generates synthetic households (1–5 members of mixed ages, 0–6 bills each, random brackets and 多数回
history), then times parse_case (validation) and assess (the combination steps) separately and together.
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

from kokuho.benefits.case import parse_case
from kokuho.benefits.kogaku import assess

BRACKETS = ["ア", "イ", "ウ", "エ", "オ"]
BRACKETS70 = ["現役並みⅢ", "現役並みⅡ", "現役並みⅠ", "一般", "低所得Ⅱ", "低所得Ⅰ"]
PRIOR = [f"{y}-{m:02d}" for y, m in [(2023, 12), (2024, 1), (2024, 3), (2024, 5), (2024, 7), (2024, 9)]]


def household(rng: random.Random, n: int) -> dict[str, Any]:
    members = []
    for i in range(rng.randint(1, 5)):
        bills = []
        for _ in range(rng.randint(0, 6)):
            total = rng.randint(1_000, 1_500_000)
            bills.append({"provider": f"H{rng.randint(1, 4)}", "setting": rng.choice(["inpatient", "outpatient"]),
                          "dental": rng.random() < 0.1, "total_cost": total, "copay": total * 3 // 10})
        members.append({"id": f"P{n}-{i}", "age": rng.choice([5, 30, 45, 60, 70, 72, 74]), "bills": bills})
    return {"service_month": "2024-10",
            "household": {"bracket": rng.choice(BRACKETS), "bracket70": rng.choice(BRACKETS70),
                          "prior_benefit_months": rng.sample(PRIOR, rng.randint(0, 4)), "members": members}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    raws = [household(rng, n) for n in range(args.households)]
    bills = sum(len(m["bills"]) for r in raws for m in r["household"]["members"])

    start = time.perf_counter()
    cases = [parse_case(r) for r in raws]
    parsed = time.perf_counter()
    benefit = sum(assess(c).benefit for c in cases)
    assessed = time.perf_counter()

    n = args.households
    print(f"households: {n:,} ({bills:,} bills), total benefit {benefit:,} yen")
    print(f"parse_case (validation):   {n / (parsed - start):12,.0f} households/second")
    print(f"assess (combination):      {n / (assessed - parsed):12,.0f} households/second")
    print(f"parse + assess:            {n / (assessed - start):12,.0f} households/second")


if __name__ == "__main__":
    main()
