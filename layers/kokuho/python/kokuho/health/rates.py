"""受診率 of the 特定健診 (issue 13 item 8), pure: per ward (from the person's address,
kokuho.collection.statistics.ward_of_address) and age band (the age on 31 March, kokuho.health.vouchers.age_band),
the vouchers issued, those used (the attendance files) and the rate — figures only, no person's data. The JSON the
API serves; `rates_csv` the file a spreadsheet opens (`kokuho checkup-stats`).

Small cells (kokuho.collection.small_cells, the fiscal year's threshold): a ward × age band count of fewer persons
than the threshold (vouchers issued, or used) is withheld — None, named in the row's `suppressed`, 秘匿 in the CSV —
with its rate, and further counts so that none is recovered from the city's total (the only sum published); the
city's total stays exact."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kokuho.collection.small_cells import MARK, SmallCellRule, rule_for, withheld
from kokuho.collection.statistics import ward_of_address
from kokuho.health.ports import Voucher
from kokuho.health.vouchers import age_band
from kokuho.platform.csv_cells import number_cell, text_cell

CSV_HEADER = ("年度", "区", "年齢区分", "受診券交付数", "受診者数", "受診率(%)")
WHOLE_CITY, ALL_AGES = "全市", "計"


def rate(used: int, issued: int) -> str:
    """Percent with one decimal, rounded half up ("0.0" when nothing was issued)."""
    return str((Decimal(used) * 100 / issued).quantize(Decimal("0.1"), ROUND_HALF_UP)) if issued else "0.0"


def checkup_rates(fiscal_year: int, vouchers: Sequence[Voucher], persons: Mapping[str, Any],
                  rule: SmallCellRule | None = None) -> dict[str, Any]:
    """`persons`: person id → anything with `address` and `birth_date` (a voucher whose person is not on file is
    left out); `rule`: the small-cell rule (the fiscal year's setting when not given)."""
    cells: dict[tuple[str, str], list[int]] = {}
    for v in vouchers:
        p = persons.get(v.person_id)
        if p is None:
            continue
        cell = cells.setdefault((ward_of_address(p.address), age_band(p.birth_date, fiscal_year)), [0, 0])
        cell[0] += 1
        cell[1] += 1 if v.used_on is not None else 0
    rows: list[dict[str, Any]] = [{"ward": w, "age_band": b, "issued": i, "used": u, "rate": rate(u, i)}
                                  for (w, b), (i, u) in sorted(cells.items())]
    issued, used = sum(i for i, _ in cells.values()), sum(u for _, u in cells.values())
    rule = rule if rule is not None else rule_for(fiscal_year)
    counts = {(f, i): r[f] for i, r in enumerate(rows) for f in ("issued", "used")}
    hidden = withheld(counts, [[(f, i) for i in range(len(rows))] for f in ("issued", "used")], rule.threshold)
    for i, r in enumerate(rows):
        gone = {f for f in ("issued", "used") if (f, i) in hidden}
        if gone:
            gone.add("rate")
            r.update({f: None for f in gone}, suppressed=sorted(gone))
    return {"fiscal_year": fiscal_year, "rows": rows, "total": {"issued": issued, "used": used,
                                                                 "rate": rate(used, issued)},
            "small_cells": rule.doc(len(hidden))}


def rates_csv(doc: Mapping[str, Any]) -> str:
    """The city's total first, then one row per ward and age band; UTF-8 with a BOM (a spreadsheet opens it)."""
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(CSV_HEADER)
    t, fy = doc["total"], number_cell(doc["fiscal_year"])
    # made from the JSON a command reads from a file: never a formula, a figure a number (kokuho.platform.csv_cells)
    w.writerow([fy, WHOLE_CITY, ALL_AGES, *(number_cell(t[f]) for f in ("issued", "used", "rate"))])
    for r in doc["rows"]:
        gone = set(r.get("suppressed", ()))
        w.writerow([fy, text_cell(r["ward"]), text_cell(r["age_band"]),
                    *(MARK if f in gone else number_cell(r[f]) for f in ("issued", "used", "rate"))])
    return out.getvalue()
