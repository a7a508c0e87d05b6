"""Small-cell suppression of the published statistics (data/collection/small_cells.json; docs/collection_arrears.md
"Statistics"): a ward × month 収納額 paid by fewer than 10 payers, or a ward × age band 受診率 count of fewer than
10 persons, can point at a person in a neighbourhood. Such a figure is withheld (None in the JSON, 秘匿 in the CSV),
and others beside it so that none can be recovered from a row or column total; the whole-city totals stay exact.
Checked the way an outsider would: each withheld figure is tried against every published sum."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fakes.collection_store import InMemoryCollectionStore

from kokuho.collection.ledger import PaymentEntry, charge_from_version
from kokuho.collection.ports import LedgerWrite
from kokuho.collection.small_cells import MARK, UnknownRule, rule_for, withheld
from kokuho.collection.statistics import run_statistics, statistics_csv
from kokuho.health.ports import Voucher
from kokuho.health.rates import checkup_rates
from kokuho.premium.installments import split_equally

MONTHS = [f"2025-{m:02d}" for m in range(6, 13)] + [f"2026-{m:02d}" for m in range(1, 4)]
# ward → payers: 小倉北区 many, 戸畑区 three (every figure of theirs is small), 八幡西区 many, 門司区 many
WARDS = {"小倉北区": 25, "戸畑区": 3, "八幡西区": 30, "門司区": 14}


def city() -> tuple[InMemoryCollectionStore, dict[str, str]]:
    """FY2025 ledgers of 10,000 yen a month; in June everyone pays, in July only the first 12 of each ward (so
    門司区's 12 and 戸畑区's 3), in August 5 of 小倉北区 only; a FY2024 ledger in arrears of one payer of 八幡西区 and
    one of 門司区 pays in August and September 2025 (滞納繰越分). (A figure alone in its sum — one ward's
    滞納繰越分 and no other — is the city's exact total itself: nothing withheld could protect it.)"""
    store, wards, writes = InMemoryCollectionStore(), {}, []
    for ward, n in WARDS.items():
        for i in range(n):
            pid = f"{ward[:2]}{i:02d}"
            wards[pid] = ward
            store.put_charge(charge_from_version(f"H{pid}", 2025, version=1, payer_id=pid, annual=100_000,
                                                 installments=split_equally(100_000, MONTHS)))
            paid = [("06", date(2025, 6, 30))] + ([("07", date(2025, 7, 31))] if i < 12 else [])
            paid += [("08", date(2025, 8, 29))] if ward == "小倉北区" and i < 5 else []
            writes.append(LedgerWrite((f"H{pid}", 2025), pid, [PaymentEntry(f"{pid}-{m}", d, 10_000 + i, "収納")
                                                               for m, d in paid]))
    store.put_charge(charge_from_version("H八幡old", 2024, version=1, payer_id="八幡old", annual=50_000,
                                         installments=split_equally(50_000, [m.replace("2025", "2024").replace(
                                             "2026", "2025") for m in MONTHS])))
    wards["八幡old"] = "八幡西区"
    writes.append(LedgerWrite(("H八幡old", 2024), "八幡old", [PaymentEntry("old-1", date(2025, 8, 20), 7_000, "収納")]))
    store.put_charge(charge_from_version("H門司old", 2024, version=1, payer_id="門司old", annual=40_000,
                                         installments=split_equally(40_000, [m.replace("2025", "2024").replace(
                                             "2026", "2025") for m in MONTHS])))
    wards["門司old"] = "門司区"
    writes.append(LedgerWrite(("H門司old", 2024), "門司old", [PaymentEntry("old-2", date(2025, 9, 1), 4_000, "収納")]))
    store.apply(writes, [], actor="setup", chain="setup")
    return store, wards


def stats() -> dict[str, Any]:
    store, wards = city()
    return run_statistics(store, fiscal_year=2025, as_of=date(2025, 9, 30),
                          wards_of=lambda ids: {i: wards[i] for i in ids}, actor="system")


def exact() -> dict[str, Any]:
    store, wards = city()
    return run_statistics(store, fiscal_year=2025, as_of=date(2025, 9, 30),
                          wards_of=lambda ids: {i: wards[i] for i in ids}, actor="system", threshold=1)


def recoverable(part: dict[str, Any]) -> list[str]:
    """Each withheld figure an outsider recovers from one published sum: a row (a ward's months and its year
    total), a column (a month's wards and the city's month), the wards' year figures and the city's."""
    found = []
    for w in part["by_ward"]:
        cells = [m["collected"] for m in w["by_month"]]
        if w["collected"] is not None and cells.count(None) == 1:
            found.append(f"{w['ward']} row")
    for i, city_month in enumerate(part["by_month"]):
        column = [w["by_month"][i]["collected"] for w in part["by_ward"]]
        if column.count(None) == 1:
            found.append(f"{city_month['month']} column")
    for field in ("due", "collected", "written_off"):
        if [w[field] for w in part["by_ward"]].count(None) == 1:
            found.append(f"wards' {field}")
    return found


def test_a_ward_month_paid_by_fewer_than_ten_payers_is_withheld_and_none_can_be_recovered() -> None:
    out = stats()
    cur = {w["ward"]: w for w in out["current"]["by_ward"]}
    tobata = cur["戸畑区"]  # three payers: every figure of theirs
    assert (tobata["due"], tobata["collected"], tobata["rate"]) == (None, None, None)
    assert set(tobata["suppressed"]) == {"due", "collected", "rate"} and tobata["written_off"] == 0  # none: shown
    august = {w: {m["month"]: m for m in cur[w]["by_month"]}["2025-08"] for w in cur}
    assert august["小倉北区"]["collected"] is None and "collected" in august["小倉北区"]["suppressed"]  # 5 payers
    assert {m["month"]: m["collected"] for m in cur["八幡西区"]["by_month"]}["2025-06"] == sum(
        10_000 + i for i in range(30))  # thirty payers: published as it is
    for key in ("current", "carried_over", "total"):
        assert recoverable(out[key]) == [], key
    # nor across the kinds: 合計 = 現年度分 + 滞納繰越分 cell by cell
    for w_total in out["total"]["by_ward"]:
        parts = [next((w for w in out[k]["by_ward"] if w["ward"] == w_total["ward"]), None)
                 for k in ("current", "carried_over")]
        for i, m in enumerate(w_total["by_month"]):
            cells = [m["collected"]] + [p["by_month"][i]["collected"] for p in parts if p is not None]
            assert cells.count(None) != 1, (w_total["ward"], m["month"])


def test_the_cumulative_and_its_rate_never_give_a_withheld_month_away() -> None:
    out = stats()
    for key in ("current", "carried_over", "total"):
        for w in out[key]["by_ward"]:
            hidden_before = False
            for m in w["by_month"]:
                hidden_before = hidden_before or m["collected"] is None
                if hidden_before:
                    assert m["cumulative"] is None and m["rate"] is None, (key, w["ward"], m["month"])
            if w["due"] is None:
                assert all(m["rate"] is None for m in w["by_month"])


def test_the_city_totals_stay_exact_and_the_document_says_its_rule() -> None:
    out, full = stats(), exact()
    for key in ("current", "carried_over", "total"):
        whole = {k: v for k, v in out[key].items() if k != "by_ward"}
        assert whole == {k: v for k, v in full[key].items() if k != "by_ward"}
    assert out["aging"] == full["aging"] and out["ledgers"] == full["ledgers"]
    assert out["small_cells"]["threshold"] == 10 and out["small_cells"]["withheld"] > 0
    assert "10未満" in out["small_cells"]["basis"] and "市の判断" in out["small_cells"]["basis"]
    assert full["small_cells"]["withheld"] == 0 and not any(
        w.get("suppressed") for w in full["current"]["by_ward"])


def test_the_csv_marks_a_withheld_figure() -> None:
    rows = list(csv.DictReader(io.StringIO(statistics_csv(stats()).lstrip("\ufeff"))))
    tobata = next(r for r in rows if (r["区分"], r["区"], r["月"]) == ("現年度分", "戸畑区", "年度計"))
    assert (tobata["調定額"], tobata["収納額"], tobata["収納率"]) == (MARK, MARK, MARK)
    whole = next(r for r in rows if (r["区分"], r["区"], r["月"]) == ("現年度分", "全市", "年度計"))
    assert whole["調定額"] == str(72 * 100_000)  # the city: exact


def test_the_threshold_is_the_fiscal_years_setting() -> None:
    assert rule_for(2025).threshold == 10 and rule_for(2031).threshold == rule_for(2026).threshold
    with pytest.raises(UnknownRule, match="FY1999"):
        rule_for(1999)


def test_a_single_withheld_figure_of_a_relation_always_gets_a_partner() -> None:
    counts = {("a", 1): 3, ("a", 2): 40, ("b", 1): 50, ("b", 2): 60}
    rows = [[("a", 1), ("a", 2)], [("b", 1), ("b", 2)]]
    cols = [[("a", 1), ("b", 1)], [("a", 2), ("b", 2)]]
    assert withheld(counts, rows + cols, 10) == set(counts)  # a 2 × 2 table: one small cell hides all four
    assert withheld({"x": 0, "y": 12}, [["x", "y"]], 10) == set()  # nobody behind a zero


@dataclass(frozen=True)
class _P:
    address: str
    birth_date: date


def test_checkup_rates_of_fewer_than_ten_persons_are_withheld_and_the_city_total_stays() -> None:
    persons, vouchers = {}, []
    for ward, n in (("戸畑区", 4), ("小倉北区", 40), ("八幡西区", 30)):
        for i in range(n):
            pid = f"{ward}{i}"
            persons[pid] = _P(f"福岡県北九州市{ward}1-{i}", date(1960, 5, 1))
            vouchers.append(Voucher(pid, 2026, f"26{i:07d}", date(2026, 4, 15), date(2026, 4, 15),
                                    date(2027, 3, 31), 500, "april", date(2026, 6, 1) if i % 2 else None))
    doc = checkup_rates(2026, vouchers, persons)
    rows = {r["ward"]: r for r in doc["rows"]}
    assert (rows["戸畑区"]["issued"], rows["戸畑区"]["used"], rows["戸畑区"]["rate"]) == (None, None, None)
    assert doc["total"] == {"issued": 74, "used": 37, "rate": "50.0"}  # exact
    for field in ("issued", "used"):  # the city total less the published rows: never one withheld alone
        assert [r[field] for r in doc["rows"]].count(None) != 1
    assert doc["small_cells"]["threshold"] == 10
