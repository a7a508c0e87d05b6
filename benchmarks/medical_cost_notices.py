"""Benchmark: 医療費通知 rendering (issue 13 item 7): pages/s a core and KB a notice in a print run.

    .venv/bin/python benchmarks/medical_cost_notices.py [--notices 300] [--lines 8]

Renders `--notices` 医療費通知 of `--lines` receipts each (a round of six months, providers from the data list) as
one print run part (`kokuho.notices.print_run`: every notice checked, one `NoticeBook` that parses the font once and
embeds one subset, its SHA-256, the manifest; stored in memory) on one core. Prints pages/s, notices/s and KB a
notice."""

from __future__ import annotations

import argparse
import time
from datetime import date

from kokuho.benefits.receipt_ports import PersonMonth, StoredReceipt
from kokuho.health.medical_costs import cost_lines
from kokuho.health.periods import notice_round
from kokuho.notices import Addressee
from kokuho.notices.medical_cost import MedicalCostNotice
from kokuho.notices.print_run import print_run

PROVIDERS = ["4010123456", "4010765432", "4010234567", "4030123457", "4030345678", "4010345678"]


def notice(k: int, lines: int) -> MedicalCostNotice:
    r = notice_round(2026, 1)
    months = r.months()
    receipts: dict[tuple[int, int], list[StoredReceipt]] = {}
    for i in range(lines):
        points = 300 + (k * 7_919 + i * 104_729) % 20_000
        receipts.setdefault(months[i % len(months)], []).append(StoredReceipt(
            PROVIDERS[(k + i) % len(PROVIDERS)], "outpatient" if i % 3 else "dental", points, points * 10,
            points * 3, "d", i))
    pms = [PersonMonth(f"P{k:07d}", m, tuple(rs)) for m, rs in receipts.items()]
    name = f"北九 太郎{k % 100}"
    to = Addressee(name, "802-0001", f"福岡県北九州市小倉北区浅野{k % 3 + 1}丁目")
    return MedicalCostNotice(f"P{k:07d}", name, to, r.issued_on, r, cost_lines(pms, r))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notices", type=int, default=300)
    parser.add_argument("--lines", type=int, default=8)
    args = parser.parse_args()
    notices = [notice(k, args.lines) for k in range(args.notices)]
    parts: dict[str, bytes] = {}
    start = time.process_time()
    manifest = print_run("IRY-BENCH", notices, put=lambda key, data, ct: parts.__setitem__(key, data),
                         record=lambda key, subjects: None, per_part=args.notices, created=None)
    cpu = time.process_time() - start
    size = sum(len(v) for k, v in parts.items() if k.endswith(".pdf"))
    print(f"{manifest['notices']} notices, {manifest['pages']} pages in {cpu:.2f} s CPU: "
          f"{manifest['pages'] / cpu:.0f} pages/s, {manifest['notices'] / cpu:.0f} notices/s a core; "
          f"{size / manifest['notices'] / 1024:.1f} KB a notice ({date.today().isoformat()})")


if __name__ == "__main__":
    main()
