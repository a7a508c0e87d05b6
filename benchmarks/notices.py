"""Benchmark: 納入通知書 rendering (issue 12 figures: ≥ 100 pages/s per core with the font subset; ≤ 60 KB a
notice); with `--kind decision|change` the 決定通知書 / 変更通知書 of an assessment run instead.

    .venv/bin/python benchmarks/notices.py [--notices 300] [--parts 1] [--kind payment|decision|change]

`--kind decision|change`: the notices of a synthetic city's households (kokuho_local.synthetic), each made by
`kokuho.notices.assessment.assessment_notice` from the engine's explanation (`explain_case`, timed apart: the
engine's work, not the renderer's) — a 変更通知書 after a 更正 in October that halves the householder's income,
its slips of what is still owed.

Renders `--notices` 納入通知書 (ten installments each: one notice page and three slip pages, a barcode per
slip) as a print run (`kokuho.notices.print_run`: every notice checked, parts of `--notices / --parts`
notices, each a `NoticeBook` that parses the font once and embeds one subset, its SHA-256, the manifest;
stored in memory) on one core (the process is single-threaded). Prints pages/s, notices/s and KB a
notice (the part's bytes ÷ its notices), and the same for one notice alone in its own PDF (the download a
clerk makes: the font parse and subset are then the notice's alone).
"""

from __future__ import annotations

import argparse
import copy
import time
from datetime import date
from typing import Any

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


def assessment_notices(count: int, kind: str) -> tuple[list[Any], float]:
    """The 決定通知書 (or 変更通知書) of `count` synthetic households, and the CPU the engine's explanations took."""
    from kokuho.notices.assessment import assessment_notice
    from kokuho.premium import explain_case, revise
    from kokuho_local.synthetic import generate_city

    out: list[Any] = []
    engine = 0.0
    for k, h in enumerate(generate_city(count, seed=7, fiscal_year=2024).households):
        start = time.process_time()
        first = explain_case(h.case)
        case = copy.deepcopy(h.case)
        head = case["household"]["members"][0]["income"]
        head["total"] //= 2
        head["salary"] = min(head["salary"], head["total"])
        head["pension"] = min(head["pension"], head["total"] - head["salary"])
        second = explain_case(case) if kind == "change" else first
        engine += time.process_time() - start
        payer = str(h.case["household"]["householder_id"])
        doc1 = {"notice": "決定通知", "payer_id": payer, "as_of_month": "2024-06",
                "installments": first["installments"], "result": {k: v for k, v in first.items() if k != "explain"}}
        name = f"{SURNAMES[k % len(SURNAMES)]} {GIVEN[k % len(GIVEN)]}"
        to = Addressee(name, "802-0001", f"福岡県北九州市小倉北区浅野{k % 3 + 1}丁目{k % 20 + 1}番{k % 9 + 1}号")
        if kind == "decision":
            out.append(assessment_notice(household_id=h.household_id, fiscal_year=2024, version=1, doc=doc1,
                                         previous_doc=None, output=first, payer_name=name, to=to,
                                         issued_on=date(2024, 6, 15)))
            continue
        paid = sum(int(i["amount"]) for i in first["installments"] if str(i["due"]) < "2024-10")
        revised = revise(first["installments"], int(second["annual"]), "2024-10", paid)
        doc2 = {"notice": "変更通知", "payer_id": payer, "as_of_month": "2024-10",
                "installments": revised["installments"], "result": {k: v for k, v in second.items() if k != "explain"}}
        out.append(assessment_notice(household_id=h.household_id, fiscal_year=2024, version=2, doc=doc2,
                                     previous_doc=doc1, output=second, payer_name=name, to=to,
                                     issued_on=date(2024, 10, 15)))
    return out, engine


def run(notices: list[Any]) -> tuple[float, int, int]:
    start = time.process_time()
    book = NoticeBook()
    for n in notices:
        book.add(n)
    data = book.output()
    return time.process_time() - start, book.pages, len(data)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--notices", type=int, default=300)
    ap.add_argument("--parts", type=int, default=1)
    ap.add_argument("--kind", choices=("payment", "decision", "change"), default="payment")
    args = ap.parse_args()
    title = {"payment": "納入通知書", "decision": "決定通知書", "change": "変更通知書"}[args.kind]
    notices: list[Any]
    if args.kind == "payment":
        notices = [notice(k) for k in range(args.notices)]
    else:
        notices, engine = assessment_notices(args.notices, args.kind)
        print(f"the engine's explanations of {len(notices)} households: CPU {engine:.2f} s")
    stored: dict[str, bytes] = {}
    start = time.process_time()
    # the access records (one DynamoDB write a part, kokuho.records.notice_files) are not the renderer's time
    manifest = print_run("BENCH", notices, put=lambda key, data, _type: stored.__setitem__(key, data),
                         record=lambda _key, _subjects: None, per_part=-(-len(notices) // args.parts))
    cpu = time.process_time() - start
    pages = manifest["pages"]
    size = sum(p["bytes"] for p in manifest["parts"])
    print(f"run of {len(notices)} {title} in {args.parts} part(s): {int(pages)} pages, CPU {cpu:.2f} s")
    print(f"  {pages / cpu:.0f} pages/s per core, {len(notices) / cpu:.1f} notices/s, "
          f"{size / len(notices) / 1024:.1f} KB a notice ({size / 1024 / args.parts:.0f} KB a part)")
    c, pg, sz = run(notices[:1])
    print(f"one notice alone: {pg} pages, CPU {c:.2f} s ({pg / c:.1f} pages/s), {sz / 1024:.1f} KB")


if __name__ == "__main__":
    main()
