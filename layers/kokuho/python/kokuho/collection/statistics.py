"""収納率 — collection statistics of a fiscal year (domain.md §6 "Statistics"), and the arrears aging. Pure
figures, then the run against the port that stores them for the API (`run_statistics`).

The project's rules (docs/collection_statistics.md):
- Fiscal year R runs from 1 April R to 31 March R+1; a payment counts in the fiscal year of its day (the
  出納整理期間 of April–May is not modelled), up to the day the figures are made (`as_of`).
- 現年度分: the ledgers of fiscal year R. Due (調定額) = the charge of the current version; collected (収納額) =
  principal paid in the year (a payment before 1 April R counts in April).
- 滞納繰越分: the ledgers of earlier years. Due = principal unpaid at the start of the year, less what was
  written off (不納欠損) before it; collected = principal paid to them in the year.
- 収納率 = collected ÷ due, in percent with two decimals (rounded half up; Decimal, never float); none when
  nothing is due. 不納欠損 of the year is shown beside, not deducted.
- Per ward (区) of the payer's address and per month (collected in the month, cumulative, cumulative rate).
- Aging: each installment of year R or earlier unpaid after its due date (not written off), by days past due.
- Small cells (kokuho.collection.small_cells, the fiscal year's threshold in data/collection/small_cells.json): a
  ward's figure that fewer than the threshold of payers stand behind (its 調定額: the ward's payers; its 収納額: those
  who paid; a month: those who paid in it; 不納欠損: those written off) is withheld — None, its field named in the
  entry's `suppressed` — with others so that none is recovered from a published sum: a ward's months and its year,
  a month's wards and the city's month, the wards' year figures and the city's, 現年度分 + 滞納繰越分 = 合計. A
  ward's cumulative (and its rate) is withheld from its first withheld month on, its rates when its 調定額 is. The
  whole-city figures and the aging stay exact.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

from kokuho.collection.arrears import WRITE_OFF, actions_of, applied_by_installment
from kokuho.collection.ports import CollectionStore, StoredLedger
from kokuho.collection.small_cells import MARK, SmallCellRule, rule_for, withheld
from kokuho.platform.csv_cells import number_cell, text_cell

CURRENT, CARRIED, TOTAL = "現年度分", "滞納繰越分", "合計"
WHOLE_CITY, WHOLE_YEAR = "全市", "年度計"
UNKNOWN_WARD = "不明"
AGING = ((1, 30), (31, 90), (91, 180), (181, 365), (366, 730), (731, None))
CSV_HEADER = ["年度", "区分", "区", "月", "調定額", "収納額", "収納額累計", "収納率"]
KIND_KEYS = (("current", CURRENT), ("carried_over", CARRIED), ("total", None))
MEASURES = ("due", "collected", "written_off")  # a ward's year figures, each of its own payers


@lru_cache(maxsize=1)
def _wards() -> tuple[str, ...]:
    raw = json.loads(resources.files("kokuho.data").joinpath("collection/wards.json").read_text("utf-8"))
    return tuple(raw["wards"])


def ward_of_address(address: str) -> str:
    """The city's ward (区) an address lies in (data/collection/wards.json), else 不明."""
    return next((w for w in _wards() if w in address), UNKNOWN_WARD)


def rate(collected: int, due: int) -> str | None:
    if due <= 0:
        return None
    return str((Decimal(collected) * 100 / Decimal(due)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _months(start: date, end: date) -> list[str]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


class _Tally:
    """Due, collected per month and written off, for one kind and ward; and whose (the small-cell counts)."""

    def __init__(self) -> None:
        self.due = 0
        self.by_month: dict[str, int] = defaultdict(int)
        self.written_off = 0
        self.payers: set[str] = set()  # the ledgers' (調定額)
        self.paid_by_month: dict[str, set[str]] = defaultdict(set)
        self.written_off_payers: set[str] = set()

    def add(self, other: _Tally) -> None:
        self.due += other.due
        self.written_off += other.written_off
        for m, v in other.by_month.items():
            self.by_month[m] += v
        self.payers |= other.payers
        for m, who in other.paid_by_month.items():
            self.paid_by_month[m] |= who
        self.written_off_payers |= other.written_off_payers

    def counts(self) -> dict[str, int]:
        """How many payers stand behind each year figure."""
        return {"due": len(self.payers), "collected": len(set().union(*self.paid_by_month.values())),
                "written_off": len(self.written_off_payers)}

    def doc(self, months: Sequence[str]) -> dict[str, Any]:
        collected = sum(self.by_month.values())
        cumulative, by_month = 0, []
        for m in months:
            cumulative += self.by_month.get(m, 0)
            by_month.append({"month": m, "collected": self.by_month.get(m, 0), "cumulative": cumulative,
                             "rate": rate(cumulative, self.due)})
        return {"due": self.due, "collected": collected, "rate": rate(collected, self.due),
                "written_off": self.written_off, "by_month": by_month}


def collection_statistics(ledgers: Iterable[StoredLedger], fiscal_year: int, as_of: date,
                          wards: Mapping[str, str], rule: SmallCellRule | None = None) -> dict[str, Any]:
    """The figures of fiscal year `fiscal_year` as of `as_of` (see the module docstring); `rule`: the small-cell
    rule (the fiscal year's setting when not given)."""
    start, year_end = date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 31)
    end = min(year_end, as_of)
    months = _months(start, end) if end >= start else []
    tallies: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    aging = {b: [0, 0] for b in AGING}
    count = 0
    for lg in ledgers:
        fy = lg.charge.fiscal_year
        if fy > fiscal_year:
            continue
        count += 1
        kind = CURRENT if fy == fiscal_year else CARRIED
        payer = lg.charge.payer_id
        t = tallies[(kind, wards.get(payer, UNKNOWN_WARD))]
        t.payers.add(payer)
        applied = applied_by_installment(lg)
        written: dict[int, tuple[date, int]] = {}
        for a in actions_of(lg, WRITE_OFF):
            for n in a["installments"]:
                written[int(n)] = (date.fromisoformat(a["on"]), int(a["amount"]))
        for inst in lg.charge.installments:
            paid_before = sum(v for d, v in applied[inst.number] if d < start)
            if kind == CURRENT:
                t.due += inst.amount
            else:
                off = written.get(inst.number)
                t.due += inst.amount - paid_before - (off[1] if off and off[0] < start else 0)
            for d, v in applied[inst.number]:
                if (kind == CURRENT or d >= start) and d <= end and months:
                    t.by_month[max(d, start).strftime("%Y-%m")] += v
                    t.paid_by_month[max(d, start).strftime("%Y-%m")].add(payer)
            off = written.get(inst.number)
            if off and start <= off[0] <= end:
                t.written_off += off[1]
                t.written_off_payers.add(payer)
            unpaid = inst.amount - sum(v for d, v in applied[inst.number] if d <= as_of)
            if unpaid > 0 and as_of > inst.due and not (off and off[0] <= as_of):
                days = (as_of - inst.due).days
                bucket = next(b for b in AGING if days >= b[0] and (b[1] is None or days <= b[1]))
                aging[bucket][0] += 1
                aging[bucket][1] += unpaid

    ward_tallies: dict[str, dict[str, _Tally]] = {}

    def kind_doc(key: str, kind: str | None) -> dict[str, Any]:
        whole = _Tally()
        by_ward: dict[str, _Tally] = ward_tallies.setdefault(key, defaultdict(_Tally))
        for (k, ward), t in tallies.items():
            if kind is None or k == kind:
                whole.add(t)
                by_ward[ward].add(t)
        return {**whole.doc(months), "by_ward": [{"ward": w, **by_ward[w].doc(months)} for w in sorted(by_ward)]}

    doc: dict[str, Any] = {
        "fiscal_year": fiscal_year, "as_of": as_of.isoformat(),
        "period": {"from": start.isoformat(), "to": end.isoformat()}, "ledgers": count,
        **{key: kind_doc(key, kind) for key, kind in KIND_KEYS},
        "aging": [{"bucket": f"{lo}-{hi if hi is not None else ''}", "installments": n, "unpaid": yen}
                  for (lo, hi), (n, yen) in aging.items()],
    }
    rule = rule if rule is not None else rule_for(fiscal_year)
    hidden = _withheld(ward_tallies, months, rule)
    for key, _ in KIND_KEYS:
        for entry in doc[key]["by_ward"]:
            _suppress(entry, {h[2:] for h in hidden if h[:2] == (key, entry["ward"])})
    doc["small_cells"] = rule.doc(len(hidden))
    return doc


def _withheld(ward_tallies: Mapping[str, Mapping[str, _Tally]], months: Sequence[str],
              rule: SmallCellRule) -> set[tuple[str, ...]]:
    """The ward figures to withhold: (kind key, ward, measure) and (kind key, ward, "month", month)."""
    counts: dict[tuple[str, ...], int] = {}
    relations: list[list[tuple[str, ...]]] = []
    for key, by_ward in ward_tallies.items():
        for ward, t in by_ward.items():
            for measure, n in t.counts().items():
                counts[(key, ward, measure)] = n
            row = [(key, ward, "month", m) for m in months]
            for m in months:
                counts[(key, ward, "month", m)] = len(t.paid_by_month.get(m, ()))
            relations.append([*row, (key, ward, "collected")])  # a ward's months sum to its year
        for m in months:  # a month's wards sum to the city's month
            relations.append([(key, w, "month", m) for w in sorted(by_ward)])
        for measure in MEASURES:  # the wards' year figures sum to the city's
            relations.append([(key, w, measure) for w in sorted(by_ward)])
    wards = sorted({w for by_ward in ward_tallies.values() for w in by_ward})
    for w in wards:  # 現年度分 + 滞納繰越分 = 合計, figure by figure
        for tail in [(measure,) for measure in MEASURES] + [("month", m) for m in months]:
            relations.append([(key, w, *tail) for key, _ in KIND_KEYS if w in ward_tallies.get(key, {})])
    return withheld(counts, relations, rule.threshold)


def _suppress(entry: dict[str, Any], hidden: set[tuple[str, ...]]) -> None:
    """Withhold a ward's figures (None; each field named in `suppressed`), and what would give them away: its
    rates when its 調定額 or 収納額 is withheld, its cumulative and cumulative rate from its first withheld month on."""
    if not hidden:
        return
    gone = {h[0] for h in hidden if len(h) == 1}
    if gone & {"due", "collected"}:
        gone.add("rate")
    for field in gone:
        entry[field] = None
    entry["suppressed"] = sorted(gone)
    since_withheld = False
    for m in entry["by_month"]:
        fields = {"collected"} if ("month", m["month"]) in hidden else set()
        since_withheld = since_withheld or bool(fields)
        fields |= {"cumulative", "rate"} if since_withheld else ({"rate"} if "due" in gone else set())
        for field in fields:
            m[field] = None
        if fields:
            m["suppressed"] = sorted(fields)


def statistics_csv(doc: Mapping[str, Any]) -> str:
    """One row per kind (現年度分, 滞納繰越分, 合計) × ward (全市 first) × month (年度計 first); UTF-8 with a BOM so
    that a spreadsheet opens it as such. Made from the JSON a command reads from a file: a ward or a month is a
    text cell, a figure a number cell (kokuho.platform.csv_cells: never a formula, a negative figure a number)."""
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(CSV_HEADER)
    fy = number_cell(doc["fiscal_year"])
    for kind, key in ((CURRENT, "current"), (CARRIED, "carried_over"), (TOTAL, "total")):
        part = doc[key]
        for ward, figures in [(WHOLE_CITY, part), *((x["ward"], x) for x in part["by_ward"])]:
            year = _cells(figures, "due", "collected", "collected", "rate")
            w.writerow([fy, kind, text_cell(ward), WHOLE_YEAR, *year])
            for m in figures["by_month"]:
                w.writerow([fy, kind, text_cell(ward), text_cell(m["month"]), year[0],
                            *_cells(m, "collected", "cumulative", "rate")])
    return out.getvalue()


def _cells(figures: Mapping[str, Any], *fields: str) -> list[Any]:
    """The CSV's cells of `fields`: a withheld one marked (秘匿), a rate of nothing due empty."""
    withheld_ = set(figures.get("suppressed", ()))
    return [MARK if f in withheld_ else ("" if figures[f] is None else number_cell(figures[f])) for f in fields]


def run_statistics(store: CollectionStore, *, fiscal_year: int, as_of: date,
                   wards_of: Callable[[Sequence[str]], Mapping[str, str]], actor: Any,
                   threshold: int | None = None) -> dict[str, Any]:
    """Make the figures from every ledger, store them for the API and record the reads of the payers' ledgers.
    `wards_of` names each payer's ward (from the address in the qualification file, in production); `threshold`:
    the small-cell threshold instead of the fiscal year's setting (1: nothing withheld, the arithmetic's tests)."""
    ledgers = [lg for lg in store.all_ledgers() if lg.charge.fiscal_year <= fiscal_year]
    payers = sorted({lg.charge.payer_id for lg in ledgers})
    rule = rule_for(fiscal_year) if threshold is None else SmallCellRule(threshold, rule_for(fiscal_year).basis)
    doc = collection_statistics(ledgers, fiscal_year, as_of, wards_of(payers) if payers else {}, rule)
    store.record_reads(payers, actor=actor, chain=f"statistics#{as_of.isoformat()}")
    store.put_statistics(fiscal_year, doc)
    return doc

