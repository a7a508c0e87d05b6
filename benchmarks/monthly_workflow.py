"""Benchmark: the monthly-assessment state machine on the embedded AWS, and a scale model for AWS.

    .venv/bin/python benchmarks/monthly_workflow.py [--sizes 1000 10000] [--batch-size 100]

For each size: a synthetic city is loaded (bulk writes of the household cases, not timed as the run),
the annual run (本算定) is executed end to end through moto's Step Functions interpreter, then the same
month is run again (must write nothing). Wall time is split into
- engine: premium computation and version decisions (CPU time, summed over batches),
- storage: DynamoDB reads/writes and access records inside the batches, moto's work included (CPU
  time, summed over batches),
- orchestration: the rest of the wall time (Step Functions interpreter, Lambda routing, idempotency
  records, Prepare/Summarize, S3, thread switching).

Then a scale model for 1,000,000 households on AWS (ap-northeast-1) from the measured per-batch costs
and published limits is printed and written to benchmarks/scale_model.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def run_size(n: int, batch_size: int) -> dict[str, Any]:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    from kokuho.assessment.household_cases import put_household_cases
    from kokuho.records.assessments import batch_outcomes
    from kokuho_local.capacity_meter import metered
    from kokuho_local.embedded import embedded_aws
    from kokuho_local.synthetic import generate_city

    city = generate_city(n, seed=2024, fiscal_year=2024)
    # set on every function: handlers see their function's environment, not this process's
    quiet = {"POWERTOOLS_LOG_LEVEL": "WARNING", "POWERTOOLS_METRICS_DISABLED": "true"}
    with embedded_aws(function_environment=quiet) as aws:
        t = time.perf_counter()
        put_household_cases(((h.household_id, h.case) for h in city.households), changed_at=datetime.now(UTC))
        load_s = time.perf_counter() - t
        payload = {"mode": "annual", "fiscal_year": 2024, "as_of_month": "2024-06", "batch_size": batch_size}
        with metered() as meter:
            t = time.perf_counter()
            first = aws.run_state_machine("monthly-assessment", payload, name=f"bench-{n}", timeout_s=3600)
            wall = time.perf_counter() - t
            units = meter.snapshot()
            meter.reset()
            t = time.perf_counter()
            rerun = aws.run_state_machine("monthly-assessment", payload, name=f"bench-{n}-rerun", timeout_s=3600)
            rerun_wall = time.perf_counter() - t
            rerun_units = meter.snapshot()
        outcomes = [dict(o.outcome) for o in batch_outcomes(first["run_id"])]
    engine = sum(o["timing"]["engine_ms"] for o in outcomes) / 1000
    storage = sum(o["timing"]["storage_ms"] for o in outcomes) / 1000
    return {
        "households": n, "persons": city.persons, "batch_size": batch_size, "batches": len(outcomes),
        "load_s": round(load_s, 2), "wall_s": round(wall, 2),
        "engine_s": round(engine, 2), "storage_s": round(storage, 2),
        "orchestration_s": round(max(0.0, wall - engine - storage), 2),
        "versions_written": first["versions_written"], "failures": len(first["failures"]["households"])
        + len(first["failures"]["batches"]),
        "rerun_wall_s": round(rerun_wall, 2), "rerun_versions_written": rerun["last_pass"]["versions_written"],
        "per_batch_storage_ms": round(storage * 1000 / max(1, len(outcomes)), 1),
        "per_batch_engine_ms": round(engine * 1000 / max(1, len(outcomes)), 1),
        # DynamoDB request units counted from what was read and written (kokuho_local.capacity_meter)
        "write_units_per_household": round(units["write_units"] / n, 3),
        "read_units_per_household": round(units["read_units"] / n, 3),
        "rerun_write_units_per_household": round(rerun_units["write_units"] / n, 3),
        "rerun_read_units_per_household": round(rerun_units["read_units"] / n, 3),
        "units": _per_household(units, n),
        "rerun_units": _per_household(rerun_units, n),
    }


def _per_household(units: dict[str, Any], n: int) -> dict[str, Any]:
    """The meter's breakdown, per household (operations and tables with their units)."""
    return {
        "table_write": round(units["table_write_units"] / n, 3),
        "index_write": round(units["index_write_units"] / n, 3),
        "read": round(units["read_units"] / n, 3),
        "by_op": {k: round(v / n, 3) for k, v in sorted(units["by_op"].items(), key=lambda kv: -kv[1]) if v},
        "requests": units["requests"],
    }


# -- scale model ------------------------------------------------------------------------------------

# Prices, ap-northeast-1 (Tokyo), on-demand list prices as published by AWS (assumed current; check
# before budgeting): Lambda x86 $0.0000166667 per GB-second + $0.20 per 1M requests; Step Functions
# Standard $0.025 per 1,000 state transitions; DynamoDB on-demand $1.4269 per 1M write request units and
# $0.285 per 1M read request units (transactional requests cost 2 units per item); S3 PUT $0.0047 per
# 1,000, GET $0.00037 per 1,000.
PRICE = {
    "lambda_gb_s": 0.0000166667, "lambda_req": 0.20 / 1e6, "sfn_transition": 0.025 / 1000,
    "ddb_wru": 1.4269 / 1e6, "ddb_rru": 0.285 / 1e6, "s3_put": 0.0047 / 1000, "s3_get": 0.00037 / 1000,
}
LIMITS = {
    "map_child_concurrency": 10_000,  # Distributed Map: up to 10,000 parallel child executions
    "lambda_concurrency": 1_000,  # default account concurrency (a quota increase is routine)
    "ddb_table_wcu_default_max": 40_000,  # on-demand per-table default maximum write throughput
    # Standard workflow state transitions, refill per second (assumed: the quota outside the three
    # largest regions; an increase can be requested). The model still counts the Map's children as
    # STANDARD; deployed they are EXPRESS (the catalog's map_execution_type), moto runs them STANDARD.
    "sfn_transitions_per_s": 500,
}


def scale_model(measured: dict[str, Any], households: int = 1_000_000, batch_size: int = 100) -> str:
    """Wall time and cost of one run on AWS, from the measured per-household costs."""
    n_batches = -(-households // batch_size)
    # On Lambda a batch has a core to itself; moto's per-call overhead is far above DynamoDB's, so the
    # measured storage time is an upper bound. DynamoDB latency: ~10 ms per transaction, ~5 ms per
    # BatchGet; a batch of 100 issues 2 BatchGets, 1 read record, ~4 transactions (30 households each).
    engine_ms_per_household = measured["engine_s"] * 1000 / measured["households"]
    aws_storage_ms_per_batch = 2 * 5 + 10 + 4 * 10 + 10  # reads, read record, transactions, outcome
    lambda_overhead_ms = 30  # invoke + idempotency record put/update
    batch_ms = engine_ms_per_household * batch_size * 1.0 + aws_storage_ms_per_batch + lambda_overhead_ms
    concurrency = min(LIMITS["lambda_concurrency"], LIMITS["map_child_concurrency"], n_batches)
    # Writes per household written: version + latest + notice + the case's assessed mark
    # (transactional: 2 WRU per KB each) ≈ 8
    # WRU, + access record share; cases are read with 2 RRU (BatchGet of case + latest, ≤ 4 KB each).
    wru = households * 8 + n_batches * 2 * 4 * 2 + n_batches * 4  # + access records, + outcome/idempotency
    rru = households * 2 * 1 + n_batches * 2
    waves = -(-n_batches // concurrency)
    compute_s = waves * batch_ms / 1000  # if DynamoDB absorbed every write at once
    demand_wcu = wru / max(1e-9, compute_s)
    write_s = wru / LIMITS["ddb_table_wcu_default_max"]  # at the table's on-demand maximum
    transitions_s = n_batches * 3 / LIMITS["sfn_transitions_per_s"]  # ~3 transitions per child
    map_s = max(compute_s, write_s, transitions_s)
    prepare_s = households / 20_000 + 5
    summarize_s = n_batches / 2_000 + 2  # query of batch outcomes
    wall_s = prepare_s + map_s + summarize_s + 10  # + Map run start-up
    gb_s = n_batches * batch_ms / 1000 * 1.0  # 1,024 MB functions
    transitions = n_batches * 3 + 10  # child: start, task, end per batch; parent states
    cost = {
        "lambda": gb_s * PRICE["lambda_gb_s"] + (n_batches + 4) * PRICE["lambda_req"],
        "step_functions": transitions * PRICE["sfn_transition"],
        "dynamodb_writes": wru * PRICE["ddb_wru"],
        "dynamodb_reads": rru * PRICE["ddb_rru"],
        "s3": 3 * PRICE["s3_put"] + 2 * PRICE["s3_get"],
    }
    total = sum(cost.values())
    lines = [
        "# Scale model: one monthly-assessment run of 1,000,000 households on AWS (ap-northeast-1)",
        "",
        f"Generated by benchmarks/monthly_workflow.py from a measured run of {measured['households']:,} "
        f"households on the embedded AWS (2 cores): engine {engine_ms_per_household:.3f} ms per household.",
        "",
        "## Assumptions",
        f"- batches of {batch_size} households → {n_batches:,} Distributed Map items (pre-batched work list)",
        f"- concurrency {concurrency:,} = min(Lambda default concurrency {LIMITS['lambda_concurrency']:,}, "
        f"Distributed Map child limit {LIMITS['map_child_concurrency']:,}, items)",
        f"- one batch on Lambda (1,024 MB): engine {engine_ms_per_household * batch_size:.0f} ms + DynamoDB "
        f"{aws_storage_ms_per_batch} ms (2 BatchGets ≈5 ms, read record and 4 transactions ≈10 ms each) + "
        f"{lambda_overhead_ms} ms invoke/idempotency ≈ {batch_ms:.0f} ms",
        "- DynamoDB on-demand; default per-table maximum 40,000 WCU; transactional writes cost 2 WRU per item",
        "- every household gets a new version (annual run); a monthly run touches ~5 % and costs ~1/20",
        "- prices (on-demand list, Tokyo): Lambda $0.0000166667/GB-s + $0.20/1M requests; Step Functions "
        "Standard $0.025/1,000 transitions; DynamoDB $1.4269/1M WRU, $0.285/1M RRU; S3 PUT $0.0047/1,000",
        "",
        "## Result",
        f"- Map phase, compute-bound: {waves} wave(s) of {concurrency:,} batches × {batch_ms / 1000:.2f} s "
        f"= {compute_s:.0f} s — would need {demand_wcu:,.0f} WCU",
        f"- Map phase, write-bound: {wru / 1e6:.1f} M write units at {LIMITS['ddb_table_wcu_default_max']:,} WCU "
        f"= {write_s:.0f} s",
        f"- Map phase, transition-bound: {n_batches:,} child executions × 3 transitions at "
        f"{LIMITS['sfn_transitions_per_s']}/s = {transitions_s:.0f} s → **Map phase ≈ {map_s:.0f} s**",
        f"- Prepare ≈ {prepare_s:.0f} s (the annual run reads every id from the sharded GSI, ~20,000 ids/s; "
        "querying the 16 shards in parallel or a KEYS_ONLY index would cut it), "
        f"Summarize ≈ {summarize_s:.0f} s, Map run start-up ≈ 10 s",
        "- the bound is DynamoDB write throughput, not Lambda: raise the table's on-demand maximum (or "
        "pre-warm) to shorten the Map phase; Lambda concurrency above 1,000 does not help until then",
        f"- **wall time ≈ {wall_s / 60:.1f} min**",
        f"- **cost ≈ ${total:.2f} per run**: " + ", ".join(f"{k} ${v:.2f}" for k, v in cost.items()),
        "",
        "## Measured on this machine (embedded AWS, moto, 2 cores)",
        "```",
        json.dumps(measured, indent=2),
        "```",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--no-model", action="store_true", help="skip writing scale_model.md")
    args = parser.parse_args(argv)
    results = []
    for n in args.sizes:
        print(f"running {n:,} households …", file=sys.stderr, flush=True)
        r = run_size(n, args.batch_size)
        results.append(r)
        print(json.dumps(r), flush=True)
        print(f"{n:>7,} households: wall {r['wall_s']:.1f} s (engine {r['engine_s']:.1f}, storage "
              f"{r['storage_s']:.1f}, orchestration {r['orchestration_s']:.1f}); rerun {r['rerun_wall_s']:.1f} s "
              f"writes {r['rerun_versions_written']}", flush=True)
    if not args.no_model:
        model = scale_model(results[-1], batch_size=args.batch_size)
        print(model)
        (HERE / "scale_model.md").write_text(model, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
