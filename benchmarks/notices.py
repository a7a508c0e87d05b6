"""Benchmark: 納入通知書 rendering (issue 12 figures: ≥ 100 pages/s per core with the font subset; ≤ 60 KB a
notice).

    .venv/bin/python benchmarks/notices.py [--notices 300] [--parts 1]

Renders `--notices` 納入通知書 (ten installments each: one notice page and three slip pages, a barcode per
slip) as a print run (`kokuho.notices.print_run`: every notice checked, parts of `--notices / --parts`
notices, each a `NoticeBook` that parses the font once and embeds one subset, its SHA-256, the manifest;
stored in memory) on one core (the process is single-threaded). Prints pages/s, notices/s and KB a
notice (the part's bytes ÷ its notices), and the same for one notice alone in its own PDF (the download a
clerk makes: the font parse and subset are then the notice's alone).
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from kokuho.collection.ledger import charge_from_version
from kokuho.notices import Addressee, NoticeBook, PaymentNotice
from kokuho.notices.print_run import print_run
from kokuho.premium.installments import split_equally

MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]
SURNAMES = "佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林 斎藤 清水".split()
GIVEN = "太郎 花子 一郎 美咲 健太 陽子 翔 さくら 大輔 由美".split()


def notice(k: int) -> PaymentNotice:
    annual = 60_000 + (k * 7_919) % 400_000
    charge = charge_from_version(f"H{k:07d}", 2024, version=1, payer_id=f"P{k:07d}", annual=annual,
                                 installments=split_equally(annual, MONTHS))
    name = f"{SURNAMES[k % len(SURNAMES)]} {GIVEN[k % len(GIVEN)]}"
    return PaymentNotice(charge, name, Addressee(name, "802-0001", f"福岡県北九州市小倉北区浅野{k % 3 + 1}丁目"
                                                                   f"{k % 20 + 1}番{k % 9 + 1}号"),
                         date(2024, 6, 14), {"medical": annual * 6 // 10, "support": annual - annual * 6 // 10})


def run(notices: list[PaymentNotice]) -> tuple[float, int, int]:
    start = time.process_time()
    book = NoticeBook()
    for n in notices:
        book.add_payment_notice(n)
    data = book.output()
    return time.process_time() - start, book.pages, len(data)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--notices", type=int, default=300)
    ap.add_argument("--parts", type=int, default=1)
    args = ap.parse_args()
    notices = [notice(k) for k in range(args.notices)]
    stored: dict[str, bytes] = {}
    start = time.process_time()
    # the access records (one DynamoDB write a part, kokuho.records.notice_files) are not the renderer's time
    manifest = print_run("BENCH", notices, put=lambda key, data, _type: stored.__setitem__(key, data),
                         record=lambda _key, _subjects: None, per_part=-(-len(notices) // args.parts))
    cpu = time.process_time() - start
    pages = manifest["pages"]
    size = sum(p["bytes"] for p in manifest["parts"])
    print(f"run of {len(notices)} 納入通知書 in {args.parts} part(s): {int(pages)} pages, CPU {cpu:.2f} s")
    print(f"  {pages / cpu:.0f} pages/s per core, {len(notices) / cpu:.1f} notices/s, "
          f"{size / len(notices) / 1024:.1f} KB a notice ({size / 1024 / args.parts:.0f} KB a part)")
    c, pg, sz = run(notices[:1])
    print(f"one notice alone: {pg} pages, CPU {c:.2f} s ({pg / c:.1f} pages/s), {sz / 1024:.1f} KB")


if __name__ == "__main__":
    main()
