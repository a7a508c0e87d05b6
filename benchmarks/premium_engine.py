"""Premium engine throughput on a synthetic city (issue 3 item 7). Prints figures; asserts nothing.

Builds a deterministic synthetic city (default 100,000 households: ages 0–74, incomes from zero to
high earners, pensioners, mid-year joins and losses, ~5% 擬制世帯主, some 未就学児, 非自発的失業者,
産前産後, 特定世帯) and measures households per second on one core:
- the batch path (`compute_many` on already-valid case dicts) — the monthly workflow's path;
- on a sample: the batch path with pydantic validation of each case, the validated path (`compute_case`,
  the CLI's) and `--explain` (`explain_case`: the same computation leaving its trace, then worded).
All three are one computation (`kokuho.premium.engine`).

    .venv/bin/python benchmarks/premium_engine.py [--households N] [--runs R] [--fiscal-year 2024]
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

from timing import rate

from kokuho.premium import compute_case, compute_many, explain_case


def _date(rng: random.Random, year: int) -> str:
    return f"{year:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _income(rng: random.Random, age: int) -> dict[str, Any]:
    declared = rng.random() > 0.02
    if age < 16:
        return {"total": 0, "salary": 0, "pension": 0, "declared": declared}
    roll = rng.random()
    if age >= 65:
        pension = rng.choice([0, 300_000, 600_000, 900_000, 1_500_000, 2_400_000])
        salary = rng.choice([0, 0, 0, 500_000, 1_200_000])
    elif roll < 0.30:
        pension, salary = 0, 0  # no income
    elif roll < 0.85:
        pension, salary = 0, rng.randrange(100_000, 6_000_000, 1_000)
    else:
        pension, salary = 0, rng.randrange(6_000_000, 30_000_000, 1_000)  # incl. the 基礎控除 tiers
    other = rng.choice([0, 0, 0, 0, rng.randrange(0, 2_000_000, 1_000)])
    return {"total": salary + pension + other, "salary": salary, "pension": pension, "declared": declared}


def synthetic_city(households: int, fiscal_year: int, seed: int = 20240601) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    city: list[dict[str, Any]] = []
    for h in range(households):
        size = rng.choices([1, 2, 3, 4, 5], weights=[45, 30, 12, 9, 4])[0]
        members: list[dict[str, Any]] = []
        fictive = rng.random() < 0.05  # 擬制世帯主
        for i in range(size):
            if i == 0:  # NHI householders skew old: about 45% are 65–74 in a typical city
                age = rng.randint(65, 74) if rng.random() < 0.45 else rng.randint(20, 64)
            else:
                age = rng.randint(0, 74)
            birth = _date(rng, fiscal_year - age)
            periods: list[dict[str, Any]] = []
            if not (i == 0 and fictive):
                roll = rng.random()
                if roll < 0.85:
                    periods.append({"from": _date(rng, fiscal_year - rng.randint(1, 20)), "until": None})
                elif roll < 0.93:  # mid-year join
                    periods.append({"from": f"{fiscal_year}-{rng.randint(4, 12):02d}-{rng.randint(1, 28):02d}",
                                    "until": None})
                else:  # mid-year loss
                    periods.append({"from": _date(rng, fiscal_year - 3),
                                    "until": f"{fiscal_year + 1}-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}"})
                periods = [p for p in periods if p["from"] >= birth] or [{"from": birth, "until": None}]
            income = _income(rng, age)
            member: dict[str, Any] = {
                "id": f"H{h}M{i}",
                "birth_date": birth,
                "insured": periods,
                "income": income,
                "salary_or_pension_earner": income["salary"] > 0 or income["pension"] > 0,
                "involuntary_unemployment": None,
                "expected_birth": None,
                "specific_same_household": False,
            }
            if income["salary"] and rng.random() < 0.02:
                member["involuntary_unemployment"] = {"left_on": _date(rng, fiscal_year)}
            if 20 <= age <= 40 and rng.random() < 0.02:
                member["expected_birth"] = {"month": f"{fiscal_year}-{rng.randint(1, 12):02d}",
                                            "multiple": rng.random() < 0.05}
            members.append(member)
        special = None
        if size == 1 and rng.random() < 0.03:
            special = rng.choice(["specific", "continuing"])
            members.append({"id": f"H{h}S", "birth_date": _date(rng, fiscal_year - 76), "insured": [],
                            "income": _income(rng, 76), "salary_or_pension_earner": True,
                            "involuntary_unemployment": None, "expected_birth": None,
                            "specific_same_household": True})
        city.append({"fiscal_year": fiscal_year,
                     "household": {"householder_id": f"H{h}M0", "specific_household": special,
                                   "members": members}})
    return city


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--fiscal-year", type=int, default=2024)
    ap.add_argument("--validated-sample", type=int, default=5_000)
    args = ap.parse_args()

    t0 = time.perf_counter()
    city = synthetic_city(args.households, args.fiscal_year)
    built = time.perf_counter() - t0
    people = sum(len(c["household"]["members"]) for c in city)
    print(f"synthetic city: {len(city):,} households, {people:,} people (built in {built:.1f} s), "
          f"FY{args.fiscal_year}")

    compute_many(city[:1000])  # warm the per-year tables and date memos once, as a long-running worker would
    median, wall, runs = rate(compute_many, city, args.runs)
    print(f"batch path (compute_many): median {median:,.0f} households/s per core (CPU time) over {args.runs} runs "
          f"[{', '.join(f'{r:,.0f}' for r in runs)}]; {1e6 / median:.1f} µs per household; "
          f"wall-clock median {wall:,.0f}/s")

    sample = city[: args.validated_sample]
    v_median = rate(lambda cs: compute_many(cs, validate=True), sample, max(1, args.runs // 2)).cpu
    print(f"batch path with validation (compute_many(validate=True)): median {v_median:,.0f} households/s "
          f"on {len(sample):,} households")
    r_median = rate(lambda cs: [compute_case(c) for c in cs], sample, max(1, args.runs // 2)).cpu
    print(f"validated path (compute_case, as the CLI): median {r_median:,.0f} households/s "
          f"on {len(sample):,} households")
    e_median = rate(lambda cs: [explain_case(c) for c in cs], sample, max(1, args.runs // 2)).cpu
    print(f"with the explanation (explain_case, as --explain): median {e_median:,.0f} households/s "
          f"on {len(sample):,} households")

    totals = compute_many(city)
    annual = sum(r["annual"] for r in totals)
    reduced = sum(1 for r in totals if r["reduction"])
    print(f"city total: {annual:,} yen a year; {reduced:,} households with a 7/5/2割 reduction")


if __name__ == "__main__":
    main()
