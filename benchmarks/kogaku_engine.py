"""Throughput of the 高額療養費 engine: household-months per second, pure Python, one core.

    .venv/bin/python benchmarks/kogaku_engine.py [--households N] [--runs R] [--seed S]

Generates synthetic household-months (1–5 members of mixed ages, 0–6 bills each, random brackets and
多数回 history), then measures, on the CPU time of this process (the one-core figure; wall time on a
shared machine also counts time spent descheduled):
- the batch path, `assess_many` on valid cases already parsed from JSON (what a stored, validated case
  is): median of R runs;
- `parse_case` (pydantic validation) and `assess` with its explanation — the CLI's path — on the same cases.
Run `uptime` alongside: the machine is shared.
"""

from __future__ import annotations

import argparse
import gc
import random
from typing import Any

from timing import rate

from kokuho.benefits.case import parse_case
from kokuho.benefits.kogaku import assess, assess_many

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
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    raws = [household(rng, n) for n in range(args.households)]
    bills = sum(len(m["bills"]) for r in raws for m in r["household"]["members"])
    n = args.households
    print(f"household-months: {n:,} ({bills:,} bills)")
    # The inputs live through every run: keep the cyclic collector from walking them again and again (a
    # worker holds one batch of cases, not 100,000); what the engine allocates is still collected.
    gc.freeze()

    assess_many(raws[:1000])  # warm the period lookups once, as a long-running worker would
    median, wall, runs = rate(assess_many, raws, args.runs)
    print(f"batch path (assess_many, valid parsed cases): median {median:,.0f} household-months/s per core "
          f"(CPU time) over {args.runs} runs [{', '.join(f'{r:,.0f}' for r in runs)}]; "
          f"{1e6 / median:.1f} µs each; wall-clock median {wall:,.0f}/s")

    sample = raws[: min(n, 20_000)]
    # Results are dropped as they come (as the CLI does): keeping 20,000 validated models alive would
    # time the cyclic garbage collector walking them rather than the validation.
    p_median = rate(lambda rs: all(parse_case(r) for r in rs), sample, 3).cpu
    cases = [parse_case(r) for r in sample]
    gc.freeze()
    a_median = rate(lambda cs: all(assess(c) for c in cs), cases, 3).cpu
    both = rate(lambda rs: all(assess(parse_case(r)) for r in rs), sample, 3).cpu
    print(f"parse_case (validation):          {p_median:12,.0f} household-months/s")
    print(f"assess with explanation:          {a_median:12,.0f} household-months/s")
    print(f"parse + assess (the CLI's path):  {both:12,.0f} household-months/s")
    benefit = sum(r["benefit"] for r in assess_many(raws))
    print(f"total benefit {benefit:,} yen")


if __name__ == "__main__":
    main()
