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
            t, c = time.perf_counter(), time.process_time()
            first = aws.run_state_machine("monthly-assessment", payload, name=f"bench-{n}", timeout_s=3600)
            wall, cpu = time.perf_counter() - t, time.process_time() - c
            units = meter.snapshot()
            # the annual run's own batches (the rerun is a second pass of the same run: its outcomes too)
            outcomes = [dict(o.outcome) for o in batch_outcomes(first["run_id"])]
            meter.reset()
            t, c = time.perf_counter(), time.process_time()
            rerun = aws.run_state_machine("monthly-assessment", payload, name=f"bench-{n}-rerun", timeout_s=3600)
            rerun_wall, rerun_cpu = time.perf_counter() - t, time.process_time() - c
            rerun_units = meter.snapshot()
    engine = sum(o["timing"]["engine_ms"] for o in outcomes) / 1000
    storage = sum(o["timing"]["storage_ms"] for o in outcomes) / 1000
    return {
        "households": n, "persons": city.persons, "batch_size": batch_size, "batches": len(outcomes),
        # the machine's load (1, 5, 15 min) when the run ended: the wall times are only meaningful beside it
        "load_average": [round(x, 1) for x in os.getloadavg()],
        # CPU of the whole process (every Lambda runs in it): on a loaded machine wall time is mostly waiting
        "load_s": round(load_s, 2), "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
        "rerun_cpu_s": round(rerun_cpu, 2),
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
        "table_write_by_table": {k: round(v / n, 3) for k, v in units["by_table_write"].items() if v},
        "index_write_by_table": {k: round(v / n, 3) for k, v in units["by_table_index_write"].items() if v},
        "read_by_table": {k: round(v / n, 3) for k, v in units["by_table_read"].items() if v},
        "requests": units["requests"],
    }


# -- scale model ------------------------------------------------------------------------------------

# Every figure below is a published one, with its page; prices are the ap-northeast-1 (Tokyo) list prices.
SOURCES = {
    "ddb_quota": "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html",
    "ddb_item_size": "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html",
    "ddb_warm": "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput.html",
    "ddb_price": "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    # the halving of on-demand throughput prices from 1 November 2024: AWS's post on on-demand (updated
    # 31 January 2025 "to clarify the reduced on-demand pricing"), and a dated secondary account of the cut
    "ddb_price_cut": "https://aws.amazon.com/blogs/aws/amazon-dynamodb-on-demand-no-capacity-planning-and-pay-per-"
                     "request-pricing/; https://www.jusdb.com/blog/dynamodb-cost-optimization-a-comprehensive-guide-by-jusdb",
    "ddb_limits": "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Limits.html",
    "ddb_partition": "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html",
    "lambda_quota": "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
    "lambda_scaling": "https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html",
    "lambda_price": "https://aws.amazon.com/lambda/pricing/",
    "map": "https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html",
    "sfn_quota": "https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html",
    "sfn_price": "https://aws.amazon.com/step-functions/pricing/",
}
PRICE = {
    # Lambda x86, Tokyo: per GB-second and per request
    "lambda_gb_s": 0.0000166667, "lambda_req": 0.20 / 1e6,
    # Step Functions: Standard per state transition (the parent run); Express per request and per GB-second
    # (billed in 64 MB, 100 ms steps) for the Map's children
    "sfn_transition": 0.025 / 1000, "sfn_express_req": 1.00 / 1e6, "sfn_express_gb_s": 0.00001667,
    # DynamoDB on-demand, Tokyo, after the November 2024 halving of on-demand throughput prices
    # ($1.4269 and $0.2854 per million before): per write and per read request unit
    "ddb_wru": 0.7135 / 1e6, "ddb_rru": 0.1427 / 1e6,
    "s3_put": 0.0047 / 1000, "s3_get": 0.00037 / 1000,
}
LIMITS = {
    "ddb_table_max": 40_000,  # on-demand: per table (and per index) read and write request units a second
    "lambda_concurrency": 1_000,  # default account concurrency in a Region (adjustable)
    "lambda_scale_step": 1_000,  # each function adds up to 1,000 concurrent executions every 10 seconds
    "map_children": 10_000,  # a Distributed Map runs up to 10,000 child executions at once
}
# Assumed DynamoDB latency inside a Region (not published as a figure): a transaction of up to 100 items
# ~25 ms, a BatchGetItem of 100 keys ~10 ms, a query page ~8 ms, a single-item request ~5 ms.
LATENCY_MS = {"TransactWriteItems": 25, "BatchGetItem": 10, "Query": 8, "PutItem": 5, "UpdateItem": 5,
              "GetItem": 5, "DeleteItem": 5, "BatchWriteItem": 10, "TransactGetItems": 10, "Scan": 8}


OTHER_SECTIONS = "<!-- section: "  # where the sections of other benchmarks begin in scale_model.md


def scale_model(measured: dict[str, Any], households: int = 1_000_000, batch_size: int = 100) -> str:
    """Wall time and cost of the annual run of `households` on AWS, from the measured units per household
    (counted from what the embedded AWS read and wrote) and the published limits and prices."""
    per_hh = measured["units"]
    n_batches = -(-households // batch_size)
    batches_measured = max(1, measured["batches"])
    # one batch on Lambda: the engine's CPU as measured, and the batch's DynamoDB requests (as counted,
    # per batch) at the assumed latencies, one after another; invoke and idempotency record ~30 ms
    engine_ms = measured["engine_s"] * 1000 / measured["households"] * batch_size
    requests = {op: count / batches_measured for op, count in per_hh["requests"].items()}
    storage_ms = sum(LATENCY_MS.get(op, 10) * count for op, count in requests.items())
    batch_s = (engine_ms + storage_ms + 30) / 1000
    concurrency = min(LIMITS["lambda_concurrency"], LIMITS["map_children"], n_batches)
    waves = -(-n_batches // concurrency)
    compute_s = waves * batch_s + 10 * (concurrency / LIMITS["lambda_scale_step"] - 1)
    # DynamoDB: each table and each index is held to its own on-demand maximum, so the write-bound time
    # is that of the busiest one (the tables are written in parallel)
    bound: dict[str, float] = {}
    for table, units in per_hh["table_write_by_table"].items():
        bound[table] = units * households / LIMITS["ddb_table_max"]
    for table, units in per_hh["index_write_by_table"].items():
        bound[f"{table} (indexes)"] = units * households / LIMITS["ddb_table_max"]
    busiest = max(bound, key=lambda k: bound[k])
    map_s = max(compute_s, bound[busiest])
    prepare_s = 5.0  # 16 gsi1 shards queried 10 at a time: ~700 pages of 1 MB of case index entries
    summarize_s = 5.0  # 10,000 batch outcomes, ~80 pages of 1 MB, and the summary
    startup_s = 10.0  # the Map Run and its first children (assumed)
    wall_s = prepare_s + map_s + summarize_s + startup_s
    # the one partition every batch writes: the run's (RUN#<run>: its batch outcomes), ≤ 1,000 units a second
    from kokuho.records.assessments import OUTCOME_SHARDS

    # the batch outcomes, spread over OUTCOME_SHARDS partition keys of the run (kokuho.records.assessments)
    run_partition = per_hh["by_op"].get("PutItem kokuho-assessment RUN", 0.0) * households / max(1.0, map_s)
    per_partition = run_partition / OUTCOME_SHARDS
    wru = measured["write_units_per_household"] * households
    rru = measured["read_units_per_household"] * households
    child_gb_s = n_batches * max(0.1, batch_s) * 0.0625  # an Express child: 64 MB steps
    cost = {
        "dynamodb_writes": wru * PRICE["ddb_wru"],
        "dynamodb_reads": rru * PRICE["ddb_rru"],
        "lambda": n_batches * batch_s * 1.0 * PRICE["lambda_gb_s"] + (n_batches + 4) * PRICE["lambda_req"],
        "step_functions": 20 * PRICE["sfn_transition"] + n_batches * PRICE["sfn_express_req"]
        + child_gb_s * PRICE["sfn_express_gb_s"],
        "s3": 3 * PRICE["s3_put"] + 2 * PRICE["s3_get"],
    }
    total = sum(cost.values())
    wru_per_hh, rru_per_hh = measured["write_units_per_household"], measured["read_units_per_household"]
    floor_hh = (2.0 / PRICE["ddb_wru"] - sum(v for k, v in cost.items() if k != "dynamodb_writes")
                / PRICE["ddb_wru"]) / households
    lines = [
        f"# Scale model: the annual run of {households:,} households on AWS (ap-northeast-1)",
        "",
        f"Generated by `benchmarks/monthly_workflow.py` from a measured run of {measured['households']:,} "
        "households on the embedded AWS: the DynamoDB request units are **counted** from what was read and "
        "written (`kokuho_local.capacity_meter`: items sized by DynamoDB's rules, 1 KB write units, twice in "
        "a transaction, every index entry written, 4 KB read units halved when eventually consistent — "
        f"{SOURCES['ddb_item_size']}), not estimated.",
        "",
        "## Measured, per household assessed (annual run, every household a new version)",
        f"- **{wru_per_hh:.2f} write units** ({per_hh['table_write']:.2f} table, {per_hh['index_write']:.2f} "
        f"index), **{rru_per_hh:.2f} read units**; a rerun of the month "
        f"{measured['rerun_write_units_per_household']:.2f} write units (its access records) and "
        f"{measured['rerun_read_units_per_household']:.2f} read units",
        "- by item: " + ", ".join(f"{k} {v:.2f}" for k, v in list(per_hh["by_op"].items())[:8]),
        f"- engine {measured['engine_s'] * 1000 / measured['households']:.3f} ms CPU per household",
        "",
        "## Assumptions (each with its source)",
        f"- batches of {batch_size} households → {n_batches:,} Distributed Map children, EXPRESS when deployed "
        f"(up to {LIMITS['map_children']:,} at once: {SOURCES['map']})",
        f"- concurrency {concurrency:,} = Lambda's default account concurrency ({SOURCES['lambda_quota']}), "
        f"reached in {10 * (concurrency / LIMITS['lambda_scale_step']):.0f} s at 1,000 more every 10 s "
        f"({SOURCES['lambda_scaling']})",
        f"- on-demand maximum {LIMITS['ddb_table_max']:,} write (and read) request units a second per table and "
        f"per index, by default, raised only on request ({SOURCES['ddb_quota']}, {SOURCES['ddb_limits']}); "
        "the tables pre-warmed to it before the June run "
        f"(warm throughput, {SOURCES['ddb_warm']}): a new on-demand table starts far lower",
        f"- one batch on Lambda (1,024 MB): engine {engine_ms:.0f} ms + its DynamoDB requests as counted "
        "(" + ", ".join(f"{v:.1f} {k}" for k, v in sorted(requests.items())) + f") at assumed latencies "
        f"{LATENCY_MS['TransactWriteItems']} ms a transaction, {LATENCY_MS['BatchGetItem']} ms a BatchGetItem, "
        f"{LATENCY_MS['Query']} ms a query page, {LATENCY_MS['PutItem']} ms a single-item request, one after "
        f"another + 30 ms invoke ≈ {batch_s * 1000:.0f} ms",
        "- Step Functions: the parent a Standard execution (~20 transitions), the children Express (billed per "
        f"request and per 64 MB-100 ms GB-second), no Standard transition quota for them ({SOURCES['sfn_quota']})",
        f"- prices, Tokyo list: DynamoDB on-demand ${PRICE['ddb_wru'] * 1e6:.4f} per million write and "
        f"${PRICE['ddb_rru'] * 1e6:.4f} per million read request units — half the pre-November-2024 "
        f"$1.4269/$0.2854, cut by 50 % from 1 November 2024 ({SOURCES['ddb_price']}; {SOURCES['ddb_price_cut']}; "
        "check the page before budgeting); Lambda "
        f"${PRICE['lambda_gb_s']}/GB-s + $0.20 per million requests ({SOURCES['lambda_price']}); Step Functions "
        f"$0.025 per 1,000 Standard transitions, Express $1.00 per million requests + "
        f"${PRICE['sfn_express_gb_s']}/GB-s ({SOURCES['sfn_price']})",
        "",
        "## Result",
        f"- Map phase, compute-bound: {waves} wave(s) of {concurrency:,} batches × {batch_s:.2f} s = {compute_s:.0f} s",
        "- Map phase, write-bound (each table and its indexes at 40,000 units a second, in parallel): "
        + ", ".join(f"{k} {v:.0f} s" for k, v in sorted(bound.items(), key=lambda kv: -kv[1]))
        + f" → **Map phase ≈ {map_s:.0f} s**, bound by {busiest}",
        f"- the run's batch outcomes (every batch writes one, to one of the run's {OUTCOME_SHARDS} outcome partition "
        f"keys) "
        f"≈ {run_partition:,.0f} write units a second, ≈ {per_partition:,.0f} a partition key: "
        f"{'under' if per_partition < 1000 else 'OVER'} the 1,000 a partition takes ({SOURCES['ddb_partition']})",
        f"- Prepare ≈ {prepare_s:.0f} s (the 16 case shards queried in parallel), Summarize ≈ {summarize_s:.0f} s, "
        f"Map Run start-up ≈ {startup_s:.0f} s",
        f"- **wall time ≈ {wall_s:.0f} s ({wall_s / 60:.1f} min)**",
        f"- **cost ≈ ${total:.2f} per run**: " + ", ".join(f"{k} ${v:.2f}" for k, v in cost.items()),
        f"- the goal ($2 a run) needs ≤ {floor_hh:.1f} write units a household at these prices; what the "
        "annual run still writes per household is listed above (by item), and why each is there in the README "
        "(\"Performance\")",
        "",
        "## Measured on this machine (embedded AWS, moto)",
        "```",
        json.dumps({k: v for k, v in measured.items() if k not in ("units", "rerun_units")}, indent=2),
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
        path = HERE / "scale_model.md"
        # sections other benchmarks write stay (benchmarks/city_intake.py --write-model: the June intake)
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        kept = old[old.index(OTHER_SECTIONS):] if OTHER_SECTIONS in old else ""
        path.write_text(model.rstrip("\n") + ("\n\n" + kept if kept else "\n"), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
