"""`kokuho demo --households N`: a whole assessment cycle for a synthetic city on the embedded AWS.

1. generate a deterministic city (kokuho_local.synthetic, drawn for its files) and load it as the city's
   systems deliver it: the resident register's 転入, the public-assistance changes, the June tax file and
   the care file (kokuho_local.synthetic.city_files) in the exchange bucket → the city-intake state machine
   validates each file whole and applies it through the qualification application code; the household
   cases are derived, never delivered; My Numbers go only to the vault (encrypted);
2. run the monthly-assessment state machine for the annual run (本算定, June);
3. register a month of changes (the month's files: tax 更正, 転出, 出生) and run that month's monthly run (default
   December, when six installments are already due): 更正 versions with their diffs and refunds;
   The collection year goes on around it (kokuho_local.demo.collection): after the annual run, the June print
   run of the 納入通知書 (slips issued), the payers' files month by month (on time, late, partial, never, by
   pension) through the payment intake and the daily 督促 run ten days after each due date; after the 更正, the
   same to the year's end, the refund run (還付 into a 全銀協 総合振込 file, held refunds' accounts named through
   the API), the 催告 run, a member of staff's 滞納整理 through the API (納付相談, 分納誓約, 差押), the pledge
   check and the 収納率; a handful of notices under out/notices/;
4. 情報連携 (information linkage) on the same AWS and city, through the sandbox network
   (kokuho_local.sandbox): 符号 and 副本 registration for the persons involved; one provision
   answered automatically (decrypted by the requester only), one refused, one 自動応答不可 provision
   held until a member of staff approves it (task token); one query answered by another insurer,
   decrypted with the city's key and stored. No My Number in any payload (checked);
5. the private API (資格管理API) over loopback HTTP (kokuho_local.local_api: 127.0.0.1, a random
   port, only while the demo runs; the api function invoked through moto's Lambda): a clerk registers
   one household of the city and its 取得; a member of counter staff searches by kana, reads the person
   and the household with its history, and runs a 窓口試算. Every call leaves an access record (counted);
6. print a readable summary and write it as JSON (--out).
Progress goes to stderr; the summary to stdout. Each step is a module of kokuho_local.demo.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kokuho_local.demo.leaks import LinkageLeak

GC_THRESHOLD = (50_000, 20, 100)  # the young generation, then how often the older ones are collected


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


def run(args: argparse.Namespace) -> int:
    if args.households < 1:
        print("--households: must be at least 1", file=sys.stderr)
        return 2
    # Handlers log at WARNING during the demo (its own progress lines say what happens); restored after,
    # so an in-process caller (the tests) keeps its own level.
    previous_level = os.environ.get("POWERTOOLS_LOG_LEVEL")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    # The embedded AWS keeps the whole city in this process (moto's tables: millions of objects). Python's
    # full collections walk all of them, ever more often as the tables grow; fewer, larger young
    # generations keep the collector off the intake's path. Restored after (an in-process caller).
    thresholds = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD[0], *GC_THRESHOLD[1:])
    try:
        return _run_demo(args)
    finally:
        gc.set_threshold(*thresholds)
        if previous_level is None:
            os.environ.pop("POWERTOOLS_LOG_LEVEL", None)


def _run_demo(args: argparse.Namespace) -> int:
    # moto's interpreter logs a full state dump for every failed state: the demo reports failures itself
    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
    say = _progress(args.quiet)
    from kokuho_local.synthetic import generate_city

    fy = args.fiscal_year
    t_start = time.perf_counter()
    timings: dict[str, float] = {}
    city = generate_city(args.households, seed=args.seed, fiscal_year=fy, registers=True)
    say(f"city generated: {len(city.households)} households, {city.persons} persons (seed {args.seed})")
    emf = io.StringIO()  # handlers' EMF metric lines and logs stay off the summary on stdout
    from kokuho_local.embedded import ExecutionFailed, UntestedMoto

    try:
        return _cycle(args, city, say, emf, t_start, timings)
    except UntestedMoto as exc:
        print(f"cannot start the embedded AWS: {exc}", file=sys.stderr)
        return 2
    except ExecutionFailed as exc:
        try:
            reason = json.loads(exc.cause or "{}").get("errorMessage", exc.cause)
        except ValueError:
            reason = exc.cause
        print(f"run failed: {exc.error}: {reason}", file=sys.stderr)
        return 1
    except LinkageLeak as exc:  # the message names the payload, never the number
        print(f"run failed: {exc}", file=sys.stderr)
        return 1


@contextlib.contextmanager
def _timed(timings: dict[str, float], key: str) -> Iterator[None]:
    t = time.perf_counter()
    yield
    timings[key] = time.perf_counter() - t


def _cycle(args: argparse.Namespace, city: Any, say: Any, emf: io.StringIO, t_start: float,
           timings: dict[str, float]) -> int:
    from kokuho_local.demo import access_history, api, assessment, collection, linkage
    from kokuho_local.demo.summary import peak_rss_mb, readable
    from kokuho_local.demo.trail import trail_summary
    from kokuho_local.embedded import embedded_aws
    from kokuho_local.trail_recorder import TrailRecorder

    fy = args.fiscal_year
    month = args.change_month or f"{fy}-12"

    def run_month(mode: str, as_of: str, name: str) -> dict[str, Any]:
        return assessment.run_assessment(aws, {"mode": mode, "fiscal_year": fy, "as_of_month": as_of,
                                               "batch_size": args.batch_size}, name, say)

    # the handlers' level too: they see only their function's environment (set on every function here)
    quiet = {"POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING")}
    # Every call the run makes to the embedded AWS goes into a CloudTrail of its own (out/trail/ beside the
    # summary): the security team's commands read it as the city's bucket. From after provisioning: the
    # deployment (CloudFormation's calls, on AWS) is not the run.
    recorder = TrailRecorder(Path(args.out).parent / "trail")
    with contextlib.redirect_stdout(emf), embedded_aws(function_environment=quiet) as aws, recorder.recording():
        with _timed(timings, "intake_s"):
            say("embedded AWS provisioned; the city's files (住民基本台帳, 生活保護, 所得, 介護保険) through the "
                "city-intake state machine; My Numbers through the vault")
            loaded = assessment.load_city(aws, city, fy, say)
        say(f"intake applied: {loaded['households']} households ({loaded['files_s']} s), My Numbers "
            f"{loaded['my_numbers']} ({loaded['my_numbers_s']} s)")

        assessment.care_application(fy)
        with _timed(timings, "annual_run_s"):
            say("annual run (本算定, June)")
            annual = run_month("annual", f"{fy}-06", f"demo-{fy}-06-annual")
        year = collection.CollectionYear(aws, city, fy, args.seed, Path(args.out).parent, say)
        with _timed(timings, "collection_before_correction_s"):
            year.before_correction(month)
        with _timed(timings, "monthly_run_s"):
            changed = assessment.load_month_of_changes(aws, city, args.seed, month, say)
            say(f"{month}: files {changed['lines']}; monthly run (更正)")
            monthly = run_month("monthly", month, f"demo-{month}-monthly")
        with _timed(timings, "rerun_s"):
            rerun = run_month("monthly", month, f"demo-{month}-rerun")
        with _timed(timings, "collection_after_correction_s"):
            staff = collection.StaffApi(aws, city, fy)
            with staff.api.serving():
                collection_out = year.after_correction(staff)
            collection_out["api"] = staff.summary()
        with _timed(timings, "linkage_s"):
            say("情報連携: provision and query workflows through the sandbox network")
            linkage_out = linkage.run_linkage(aws, city, fy, month, say)
        with _timed(timings, "api_s"):
            say("private API over loopback HTTP: registration, search, reads and a 窓口試算 by members of staff")
            api_out = api.run_api(aws, city, fy, say)
        with _timed(timings, "access_history_s"):
            say("access history: the hourly anchoring (verify, then sign a digest), then kokuho audit verify")
            history = access_history.anchor_and_verify(aws)
    with _timed(timings, "trail_s"):
        say(f"trail: {len(recorder.records):,} records written under {recorder.out} (logs, signed digests); "
            "validated and scanned")
        trail_out = trail_summary(recorder, timings)
    timings["total_s"] = time.perf_counter() - t_start

    brief = assessment.brief
    summary = {
        "fiscal_year": fy, "seed": args.seed, "households": len(city.households), "persons": city.persons,
        "my_numbers": loaded["my_numbers"], "city_files": loaded["lines"],
        "intake_s": {"files": loaded["files_s"], "my_numbers": loaded["my_numbers_s"]},
        "annual": brief(annual), "monthly": brief(monthly),
        # the rerun continues the month's run: it selects and writes nothing, and reports the run
        "rerun_same_month": {"households_selected": rerun["last_pass"]["households_selected"],
                             "versions_written": rerun["last_pass"]["versions_written"],
                             "reports_the_run": brief(rerun) == brief(monthly)},
        "versions_written": annual["versions_written"] + monthly["versions_written"],
        "transfers": [r for r in (annual.get("transfer"), monthly.get("transfer")) if r],
        "collection": collection_out,
        "linkage": linkage_out,
        "api": api_out,
        "access_history": history,
        "trail": trail_out,
        "metrics_lines_emitted": sum(1 for line in emf.getvalue().splitlines() if '"_aws"' in line),
        "timing_s": {k: round(v, 2) for k, v in timings.items()},
        "peak_rss_mb": peak_rss_mb(),
    }
    print(readable(summary))
    out_file = Path(args.out)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    say(f"summary written to {out_file}")
    failures = [summary[k]["failures"] for k in ("annual", "monthly")]
    return 1 if (any(f["households"] or f["batches"] for f in failures) or not history["intact"]
                 or not trail_out["valid"]) else 0
