"""`kokuho demo --households N`: a whole assessment cycle for a synthetic city on the embedded AWS.

1. generate a deterministic city (kokuho.synthetic) and load it through the intake path: a
   賦課用世帯情報 file in the exchange bucket → the intake Lambda validates the whole file and writes the
   household cases; My Numbers go only to the vault (encrypted);
2. run the monthly-assessment state machine for the annual run (本算定, June);
3. register a month of changes (another intake file) and run that month's monthly run (default
   December, when six installments are already due): 更正 versions with their diffs and refunds;
4. print a readable summary and write it as JSON (--out).
Progress goes to stderr; the summary to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

INTAKE_FILE_HOUSEHOLDS = 500


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--households", type=int, default=3000, help="households in the city (default 3000)")
    parser.add_argument("--fiscal-year", type=int, default=2024, help="fiscal year to assess (default 2024)")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the synthetic city (default 2024)")
    parser.add_argument("--batch-size", type=int, default=100, help="households per Map item (default 100)")
    parser.add_argument("--change-month", default=None,
                        help="month of the second run, with a month of changes (default: December of the year)")
    parser.add_argument("--out", default="out/demo-summary.json", help="summary JSON file")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")


def _progress(quiet: bool) -> Any:
    def say(msg: str) -> None:
        if not quiet:
            print(f"[demo] {msg}", file=sys.stderr, flush=True)
    return say


def _intake_file(rows: list[tuple[str, dict[str, Any], list[tuple[str, str]]]]) -> bytes:
    lines = (json.dumps({"household_id": hid, "case": case,
                         "persons": [{"person_id": p, "my_number": n} for p, n in persons]},
                        ensure_ascii=False) for hid, case, persons in rows)
    return ("\n".join(lines) + "\n").encode("utf-8")


def _load(aws: Any, key: str, body: bytes) -> dict[str, Any]:
    s3 = aws.client("s3")
    bucket = aws.bucket_name("exchange")
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    try:
        out = aws.invoke("assessment-case-intake", {"bucket": bucket, "key": key})
    finally:
        s3.delete_object(Bucket=bucket, Key=key)  # the file held My Numbers: gone once applied
    if not out.get("accepted"):
        raise SystemExit(f"intake rejected {key}: {out.get('errors')}")
    return dict(out)


def _run(aws: Any, payload: dict[str, Any], name: str, say: Any) -> dict[str, Any]:
    from kokuho.records.assessments import batch_outcomes

    arn = aws.start_state_machine("monthly-assessment", payload, name=name)
    done = threading.Event()
    result: dict[str, Any] = {}

    def wait() -> None:
        try:
            result["out"] = aws.wait_execution(arn, timeout_s=3600)
        except Exception as exc:  # reported below, in the main thread
            result["error"] = exc
        finally:
            done.set()

    threading.Thread(target=wait, daemon=True).start()
    last = -1
    while not done.wait(1.0):
        n = sum(1 for _ in batch_outcomes(name))
        if n != last:
            say(f"  {name}: {n} batches done")
            last = n
    if "error" in result:
        raise result["error"]
    return dict(result["out"])


def run(args: argparse.Namespace) -> int:
    if args.households < 1:
        print("--households: must be at least 1", file=sys.stderr)
        return 2
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    # moto's interpreter logs a full state dump for every failed state: the demo reports failures itself
    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
    say = _progress(args.quiet)
    from kokuho.synthetic import generate_city

    fy = args.fiscal_year
    t_start = time.perf_counter()
    timings: dict[str, float] = {}
    city = generate_city(args.households, seed=args.seed, fiscal_year=fy)
    say(f"city generated: {len(city.households)} households, {city.persons} persons (seed {args.seed})")
    emf = io.StringIO()  # handlers' EMF metric lines and logs stay off the summary on stdout
    from kokuho.platform.embedded import ExecutionFailed

    try:
        return _cycle(args, city, say, emf, t_start, timings)
    except ExecutionFailed as exc:
        try:
            reason = json.loads(exc.cause or "{}").get("errorMessage", exc.cause)
        except ValueError:
            reason = exc.cause
        print(f"run failed: {exc.error}: {reason}", file=sys.stderr)
        return 1


def _cycle(args: argparse.Namespace, city: Any, say: Any, emf: io.StringIO, t_start: float,
           timings: dict[str, float]) -> int:
    from kokuho.platform.embedded import embedded_aws
    from kokuho.synthetic import month_changes
    from kokuho.synthetic.city import my_number

    fy = args.fiscal_year
    with contextlib.redirect_stdout(emf), embedded_aws() as aws:
        t = time.perf_counter()
        say("embedded AWS provisioned; loading the city through the intake Lambda "
            f"({INTAKE_FILE_HOUSEHOLDS} households a file; My Numbers through the vault)")
        loaded: dict[str, Any] = {"households": 0, "my_numbers": {}}
        for first in range(0, len(city.households), INTAKE_FILE_HOUSEHOLDS):
            part = city.households[first:first + INTAKE_FILE_HOUSEHOLDS]
            out = _load(aws, f"incoming/cases-{fy}-{first // INTAKE_FILE_HOUSEHOLDS:04d}.jsonl", _intake_file(
                [(h.household_id, h.case, [(p.person_id, p.my_number) for p in h.persons]) for h in part]))
            loaded["households"] += out["households"]
            for k, v in out["my_numbers"].items():
                loaded["my_numbers"][k] = loaded["my_numbers"].get(k, 0) + v
            say(f"  intake: {loaded['households']}/{len(city.households)} households applied")
        timings["intake_s"] = time.perf_counter() - t
        say(f"intake applied: {loaded['households']} households, My Numbers {loaded['my_numbers']}")

        t = time.perf_counter()
        say("annual run (本算定, June)")
        annual = _run(aws, {"mode": "annual", "fiscal_year": fy, "as_of_month": f"{fy}-06",
                            "batch_size": args.batch_size}, f"demo-{fy}-06-annual", say)
        timings["annual_run_s"] = time.perf_counter() - t

        month = args.change_month or f"{fy}-12"
        changes = month_changes(city, month)
        persons_by_hh = {h.household_id: {p.person_id: p.my_number for p in h.persons}
                         for h in city.households}
        rng = random.Random(f"{args.seed}:births:{month}")
        rows = []
        for hid, case in changes.items():
            known = persons_by_hh[hid]
            persons = [(m["id"], known.get(m["id"]) or my_number(rng)) for m in case["household"]["members"]]
            rows.append((hid, case, persons))
        t = time.perf_counter()
        changed = _load(aws, f"incoming/cases-{month}.jsonl", _intake_file(rows)) if rows else {"households": 0}
        say(f"{month}: {changed['households']} households changed; monthly run (更正)")
        monthly = _run(aws, {"mode": "monthly", "fiscal_year": fy, "as_of_month": month,
                             "batch_size": args.batch_size}, f"demo-{month}-monthly", say)
        timings["monthly_run_s"] = time.perf_counter() - t

        t = time.perf_counter()
        rerun = _run(aws, {"mode": "monthly", "fiscal_year": fy, "as_of_month": month,
                           "batch_size": args.batch_size}, f"demo-{month}-rerun", say)
        timings["rerun_s"] = time.perf_counter() - t
    timings["total_s"] = time.perf_counter() - t_start

    summary = {
        "fiscal_year": fy, "seed": args.seed, "households": len(city.households), "persons": city.persons,
        "my_numbers": loaded["my_numbers"],
        "annual": _brief(annual), "monthly": _brief(monthly),
        "rerun_same_month": {"households_selected": rerun["households_selected"],
                             "versions_written": rerun["versions_written"]},
        "versions_written": annual["versions_written"] + monthly["versions_written"],
        "transfers": [r for r in (annual.get("transfer"), monthly.get("transfer")) if r],
        "metrics_lines_emitted": sum(1 for line in emf.getvalue().splitlines() if '"_aws"' in line),
        "timing_s": {k: round(v, 2) for k, v in timings.items()},
    }
    print(_readable(summary))
    out_file = Path(args.out)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    say(f"summary written to {out_file}")
    failures = [summary[k]["failures"] for k in ("annual", "monthly")]
    return 1 if any(f["households"] or f["batches"] for f in failures) else 0


def _brief(s: dict[str, Any]) -> dict[str, Any]:
    keys = ("run_id", "mode", "as_of_month", "households_selected", "households_assessed", "versions_written",
            "unchanged", "corrections", "difference_total", "refunds", "totals", "annual_total", "reductions")
    out = {k: s[k] for k in keys}
    out["failures"] = {"households": s["failures"]["households_count"],
                       "batches": s["failures"]["batches_count"],
                       "batches_unaccounted": s["failures"]["batches_unaccounted"]}
    return out


def _yen(n: int) -> str:
    return f"{n:,} 円"


def _readable(s: dict[str, Any]) -> str:
    a, m = s["annual"], s["monthly"]
    lines = [
        f"kokuho demo — FY{s['fiscal_year']} (seed {s['seed']})",
        f"  households {s['households']:,}   persons {s['persons']:,}   My Numbers {s['my_numbers']}",
        f"  本算定 {a['as_of_month']}: assessed {a['households_assessed']:,}, versions written "
        f"{a['versions_written']:,}, annual total {_yen(a['annual_total'])}",
        "    by part: " + ", ".join(f"{k} {_yen(v)}" for k, v in a["totals"].items()),
        "    by reduction: " + ", ".join(f"{k} {v:,}" for k, v in a["reductions"].items()),
        f"  更正 {m['as_of_month']}: selected {m['households_selected']:,}, new versions "
        f"{m['versions_written']:,} (unchanged {m['unchanged']:,}), difference {_yen(m['difference_total'])}, "
        f"refunds {m['refunds']['count']:,} totalling {_yen(m['refunds']['total'])}",
        f"  rerun of {m['as_of_month']}: selected {s['rerun_same_month']['households_selected']}, "
        f"versions written {s['rerun_same_month']['versions_written']}",
        f"  failures: annual {a['failures']}, monthly {m['failures']}",
        f"  transfers recorded (移転先3 介護保険課, 保険料賦課情報): {len(s['transfers'])}",
        "  time: " + ", ".join(f"{k} {v}" for k, v in s["timing_s"].items()),
    ]
    return "\n".join(lines)
