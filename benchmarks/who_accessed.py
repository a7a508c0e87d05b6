"""Latency of "who accessed person X between two dates" (issue 11 item 6: goal p95 ≤ 20 ms for a person
with 1,000 records), in-process on the embedded AWS.

    .venv/bin/python benchmarks/who_accessed.py [--records 1000] [--others 5000] [--calls 50] [--page 50]

1. Loading through kokuho.access.records.record_access itself (so the items are exactly what the
   system writes: records, chains, subject index entries): `--records` access records naming the
   target person — four in five by one of 20 members of staff on the person's own chain, one in five
   a batch record naming the person among 99 other households on a batch chain — among `--others`
   records of 2,000 other persons.
2. `--calls` requests of the first page of kokuho.access.search.who_accessed_page(person, from, to) over
   the whole period (`--page` rows, the API's default 50), each as the system runs it: the request's
   own access record written first, then the subject index's two queries that read the page (the
   person's own entries and the shared entries of its bucket, kokuho.access.subject_index). Prints
   p50/p95/max of wall time and of this process's CPU time (the machine is shared: wall time includes
   waiting for a core), and the same for the whole listing (kokuho.access.search.who_accessed, every
   page: the CLI's).
3. A staff search's page of the batch's records (`system:monthly`, each naming 100 households): with the
   persons its rows name recorded before the answer (kokuho.access.search._record_shown) and without.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

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


def _percentiles(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    return f"p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms"


def _measure(call: Callable[[], int], calls: int) -> tuple[str, str, int]:
    wall, cpu, rows = [], [], 0
    for _ in range(calls):
        t, c = time.perf_counter(), time.process_time()
        rows = call()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return _percentiles(wall), _percentiles(cpu), rows


def _staff_pages(auditor: object, today: str, page: int, calls: int) -> None:
    """A staff search's page of the batch's records (each naming 100 households, scattered: no shared entry):
    with the persons its rows name recorded before the answer (search_staff_shown, 500 a record), and without —
    what that costs, back to back."""
    from unittest import mock

    from kokuho.access import search

    def one() -> int:
        return len(search.staff_activity_page("system:monthly", "2020-01-01", today, auditor,  # type: ignore[arg-type]
                                              limit=page).rows)

    for label, patch in (("the persons shown recorded", None),
                         ("without recording them (before)", mock.patch.object(search, "_record_shown"))):
        if patch is not None:
            patch.start()
        try:
            wall, cpu, rows = _measure(one, calls)
        finally:
            if patch is not None:
                patch.stop()
        print(f"staff activity of the batch, one page ({rows} rows), {label}, over {calls} calls: "
              f"wall {wall}; CPU {cpu}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--others", type=int, default=5000)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--page", type=int, default=50)
    args = parser.parse_args(argv)

    from kokuho.access.records import Actor
    from kokuho.access.search import who_accessed, who_accessed_page
    from kokuho.dates.tokyo import today_jst
    from kokuho_local.embedded import embedded_aws

    with embedded_aws():
        t = time.perf_counter()
        _load(args.records, args.others)
        print(f"loaded {args.records} records of the person among {args.others} others "
              f"in {time.perf_counter() - t:.1f} s")
        auditor = Actor("A0001", "T-SEC-01", "アクセス記録の点検")
        today = today_jst().isoformat()  # the searches take days in Japan
        who_accessed(TARGET, "2020-01-01", today, auditor)  # warm: connections, the model's table schema
        wall, cpu, rows = _measure(
            lambda: len(who_accessed_page(TARGET, "2020-01-01", today, auditor, limit=args.page).rows), args.calls)
        print(f"who-accessed, one page ({rows} rows, the request's own access record written first) over "
              f"{args.calls} calls: wall {wall}; CPU {cpu}")
        wall, cpu, rows = _measure(lambda: len(who_accessed(TARGET, "2020-01-01", today, auditor)),
                                   max(5, args.calls // 5))
        print(f"who-accessed, the whole period ({rows} rows) over {max(5, args.calls // 5)} calls: "
              f"wall {wall}; CPU {cpu}")
        _staff_pages(auditor, today, args.page, max(5, args.calls // 5))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
