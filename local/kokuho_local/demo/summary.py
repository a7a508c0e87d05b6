"""The demo's summary, readable (stdout) — the JSON one is the same dict."""

from __future__ import annotations

import resource
import sys
from typing import Any


def yen(n: int) -> str:
    return f"{n:,} 円"


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB (ru_maxrss is KB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def readable(s: dict[str, Any]) -> str:
    from kokuho_local.demo.api import readable_api
    from kokuho_local.demo.collection import readable_collection
    from kokuho_local.demo.linkage import readable_linkage

    a, m = s["annual"], s["monthly"]
    lines = [
        f"kokuho demo — FY{s['fiscal_year']} (seed {s['seed']})",
        f"  households {s['households']:,}   persons {s['persons']:,}   My Numbers {s['my_numbers']}",
        f"  本算定 {a['as_of_month']} (rates {a['rates']}): assessed {a['households_assessed']:,}, versions written "
        f"{a['versions_written']:,}, annual total {yen(a['annual_total'])}",
        "    by part: " + ", ".join(f"{k} {yen(v)}" for k, v in a["totals"].items()),
        "    by reduction: " + ", ".join(f"{k} {v:,}" for k, v in a["reductions"].items()),
        f"  更正 {m['as_of_month']}: selected {m['households_selected']:,}, new versions "
        f"{m['versions_written']:,} (unchanged {m['unchanged']:,}), difference {yen(m['difference_total'])}, "
        f"refunds {m['refunds']['count']:,} totalling {yen(m['refunds']['total'])}",
        f"  rerun of {m['as_of_month']}: selected {s['rerun_same_month']['households_selected']}, "
        f"versions written {s['rerun_same_month']['versions_written']}",
        f"  failures: annual {a['failures']}, monthly {m['failures']}",
        f"  transfers recorded (移転先3 介護保険課, 保険料賦課情報): {len(s['transfers'])}",
        *readable_collection(s.get("collection")),
        *readable_linkage(s["linkage"]),
        *readable_api(s["api"]),
        f"  access history: {s['access_history']['records']:,} access records in "
        f"{s['access_history']['chains']:,} chains, anchored by signed digest {s['access_history']['digest']}; "
        f"kokuho audit verify: {'intact' if s['access_history']['intact'] else 'BROKEN'}",
        *_readable_trail(s.get("trail")),
        "  time: " + ", ".join(f"{k} {v}" for k, v in s["timing_s"].items()),
        f"  memory: peak RSS {s['peak_rss_mb']:,} MB (the whole demo in one process: embedded AWS and every Lambda)",
    ]
    return "\n".join(lines)


def _readable_trail(t: dict[str, Any] | None) -> list[str]:
    if not t:
        return []
    driver = t["scan"].get("by_the_demo_driver", {})
    findings = ", ".join(f"{rule} {n}" + (f" ({driver[rule]} by the demo driver's own writes as the operator)"
                                          if driver.get(rule) else "")
                         for rule, n in sorted(t["scan"]["findings"].items())) or "none"
    return [f"  trail: {t['records']:,} CloudTrail records ({t['records_per_demo_second']:,} per second of demo), "
            f"{t['records_naming_a_source_identity']:,} naming a source identity, in {t['log_files']} log files "
            f"and {t['digests']} signed digests under {t['directory']}; kokuho trail validate: "
            f"{'all valid' if t['valid'] else t['validation']}; kokuho trail scan: {findings}"]
