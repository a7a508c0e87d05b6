"""Latency of "who accessed person X between two dates" (issue 11 item 6: goal p95 ≤ 20 ms for a person
with 1,000 records), in-process on the embedded AWS.

    .venv/bin/python benchmarks/who_accessed.py [--records 1000] [--others 5000] [--calls 50]

1. Loading through kokuho.access.records.record_access itself (so the items are exactly what the
   system writes: records, chains, subject index entries): `--records` access records naming the
   target person — four in five by one of 20 members of staff on the person's own chain, one in five
   a batch record naming the person among 99 other households on a batch chain — among `--others`
   records of 2,000 other persons.
2. `--calls` searches kokuho.access.search.who_accessed(person, from, to) over the whole period, each
   as the system runs it: the search's own access record written first, then the one query on the
   subject index. Prints p50/p95/max and the rows returned.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime

TARGET = "P-BENCH-TARGET"


def _load(records: int, others: int) -> None:
    from kokuho.access.records import Actor, record_access

    rng = random.Random(11)
    staff = [Actor(f"S{n:04d}", f"T-{n:02d}", "資格管理 (国保法第9条)") for n in range(20)]
    batch = Actor("system:monthly", "exec-bench", "月次賦課")
    for i in range(records):
        if i % 5 == 4:
            households = [f"H{rng.randrange(100000):06d}" for _ in range(99)] + [TARGET]
            record_access(batch, households, "assessment", "write", chain=f"run-bench#b-{i}")
        else:
            record_access(rng.choice(staff), [TARGET], "qualification", rng.choice(("read", "update")))
    for _ in range(others):
        record_access(rng.choice(staff), [f"P{rng.randrange(2000):05d}"], "qualification", "read")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--others", type=int, default=5000)
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args(argv)

    from kokuho.access.records import Actor
    from kokuho.access.search import who_accessed
    from kokuho_local.embedded import embedded_aws

    with embedded_aws():
        t = time.perf_counter()
        _load(args.records, args.others)
        print(f"loaded {args.records} records of the person among {args.others} others "
              f"in {time.perf_counter() - t:.1f} s")
        auditor = Actor("A0001", "T-SEC-01", "アクセス記録の点検")
        today = datetime.now(UTC).date().isoformat()
        who_accessed(TARGET, "2020-01-01", today, auditor)  # warm: connections, the model's table schema
        times, rows = [], 0
        for _ in range(args.calls):
            t = time.perf_counter()
            rows = len(who_accessed(TARGET, "2020-01-01", today, auditor))
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    print(f"who-accessed ({rows} rows, the search's own access record included): "
          f"p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms over {args.calls} calls")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
