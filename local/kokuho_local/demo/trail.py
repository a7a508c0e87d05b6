"""The demo's trail (issue 11 item 2): the recorded calls laid out as the city's bucket, then validated and
scanned as the security team would (kokuho trail validate / scan), with the figures for the summary."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from kokuho.trail.detections import load_detections
from kokuho.trail.scan import scan_directory
from kokuho.trail.validate import load_public_keys, validate_directory
from kokuho_local.trail_recorder import OPERATOR, TrailRecorder


def trail_summary(recorder: TrailRecorder, timings: dict[str, float]) -> dict[str, Any]:
    files = recorder.write()
    demo_seconds = sum(v for k, v in timings.items() if k not in ("trail_s", "total_s")) or 1.0
    t = time.perf_counter()
    results = validate_directory(files.root, load_public_keys(files.public_keys))
    validate_s = time.perf_counter() - t
    t = time.process_time()
    scanner = scan_directory(files.root, load_detections())
    scan_cpu_s = time.process_time() - t
    findings = scanner.findings()
    staff = sum(1 for r in recorder.records if r["userIdentity"].get("sessionContext", {}).get("sourceIdentity"))
    return {
        "directory": str(files.root), "public_keys": str(files.public_keys),
        "records": files.records, "log_files": len(files.logs), "digests": len(files.digests),
        "records_per_demo_second": round(files.records / demo_seconds, 1),
        "records_naming_a_source_identity": staff,
        "valid": bool(results) and all(r.status == "valid" for r in results),
        "validation": dict(Counter(r.status for r in results)), "validate_s": round(validate_s, 3),
        # The demo driver itself (playing the synthetic banks and counters) reads ledgers and writes its own access
        # records with the operator's credentials, outside the writer roles: reported as any such writer is, and
        # counted apart so the reader of the summary sees which findings are the driver's.
        "scan": {"records": scanner.records, "findings": dict(Counter(f.rule for f in findings)),
                 "by_the_demo_driver": dict(Counter(f.rule for f in findings
                                                    if (f.principal or "").endswith(f"user/{OPERATOR}"))),
                 "records_per_cpu_second": round(scanner.records / scan_cpu_s) if scan_cpu_s > 0 else None},
    }
