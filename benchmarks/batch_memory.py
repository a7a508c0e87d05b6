"""Benchmark: peak memory of the assessment batch function on a batch of 100 households (issue 14 item 5).

    .venv/bin/python benchmarks/batch_memory.py [--batch-size 100] [--batches 3]

A synthetic city of batch_size × batches households is loaded on the embedded AWS, then each batch is
handed to `assessment-batch` through the Lambda API (routed in-process, as the state machine does), in
the annual mode (every household gets a new version: the heaviest batch). Measured per invocation:
- tracemalloc peak of the invocation: the Python heap the call allocated at its highest, above what was
  allocated before it; the first (cold) call includes importing the handler and the layer;
- the process's peak RSS (ru_maxrss) after the call.
The heap peak is an upper bound of the call's own: moto's DynamoDB and the Lambda routing run in the same
process and their allocations are counted with the handler's. The process's RSS is not the function's: it
holds the embedded AWS, the loaded city and the benchmark. So the function's footprint on Lambda is
bounded by the RSS of a fresh interpreter that imported the handler (what a cold start has loaded, in a
subprocess) plus the largest heap peak of a call (the cold one's, whose imports are thus counted twice).
The goal: ≤ 256 MB (the function is deployed with 1,024 MB).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MB = 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent
IMPORT_ONLY = (
    "import resource, sys\n"
    f"sys.path.insert(0, {str(ROOT / 'functions')!r})\n"
    "import assessment.batch\n"
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * 1024 if sys.platform == 'darwin' else 1024))\n"
)


def rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux, bytes on macOS
    return peak / (MB if sys.platform == "darwin" else 1024)


def cold_start_rss_mb() -> float:
    """Peak RSS of a fresh interpreter once the batch handler's module is imported (the layer, powertools,
    boto3 and its clients, pynamodb). Called first: ru_maxrss survives fork and exec, so the parent must
    still be small."""
    env = {**os.environ, "AWS_DEFAULT_REGION": "ap-northeast-1", "POWERTOOLS_METRICS_DISABLED": "true"}
    out = subprocess.run([sys.executable, "-c", IMPORT_ONLY], capture_output=True, text=True, check=True, env=env)
    return float(out.stdout.strip().splitlines()[-1])


def measure(batch_size: int, batches: int) -> dict[str, Any]:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    from kokuho.assessment.household_cases import put_household_cases
    from kokuho_local.embedded import embedded_aws
    from kokuho_local.synthetic import generate_city

    cold_start = cold_start_rss_mb()
    city = generate_city(batch_size * batches, seed=2024, fiscal_year=2024)
    quiet = {"POWERTOOLS_LOG_LEVEL": "WARNING", "POWERTOOLS_METRICS_DISABLED": "true"}
    calls = []
    with embedded_aws(function_environment=quiet) as aws:
        put_household_cases(((h.household_id, h.case) for h in city.households), changed_at=datetime.now(UTC))
        rss_before = rss_mb()
        for b in range(batches):
            ids = [h.household_id for h in city.households[b * batch_size:(b + 1) * batch_size]]
            event = {"run_id": "bench-memory", "fiscal_year": 2024, "as_of_month": "2024-06", "mode": "annual",
                     "execution_id": "local", "batch": {"batch_id": f"p001-b{b:05d}", "pass": 1,
                                                        "fiscal_year": 2024, "household_ids": ids}}
            tracemalloc.start()
            base, _ = tracemalloc.get_traced_memory()
            out = aws.invoke("assessment-batch", event)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            calls.append({"batch": b, "households": len(ids), "written": out["written"],
                          "heap_peak_mb": round((peak - base) / MB, 1), "rss_peak_mb": round(rss_mb(), 1)})
    return {"households": len(city.households), "persons": city.persons, "rss_before_first_call_mb":
            round(rss_before, 1), "calls": calls, "cold_start_rss_mb": round(cold_start, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--batches", type=int, default=3)
    args = ap.parse_args(argv)
    result = measure(args.batch_size, args.batches)
    print(f"{result['households']} households ({result['persons']} persons); process RSS before the first "
          f"batch (embedded AWS, city loaded): {result['rss_before_first_call_mb']} MB")
    for c in result["calls"]:
        kind = "cold" if c["batch"] == 0 else "warm"
        print(f"  batch {c['batch']} ({kind}, {c['households']} households, {c['written']} written): "
              f"heap peak of the call {c['heap_peak_mb']} MB (tracemalloc), process peak RSS {c['rss_peak_mb']} MB")
    heap = max(c["heap_peak_mb"] for c in result["calls"])
    bound = round(result["cold_start_rss_mb"] + heap, 1)
    print(f"a fresh interpreter with the handler imported: peak RSS {result['cold_start_rss_mb']} MB")
    print(f"the batch function's peak on Lambda ≤ {result['cold_start_rss_mb']} + {heap} = {bound} MB: "
          f"goal ≤ 256 MB {'met' if bound <= 256 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
