"""収納率 (issue 12 item 7; domain.md §6 "Statistics"): amount collected ÷ amount due per fiscal year, the
current year's (現年度分) and the carried-over arrears (滞納繰越分) separately, per ward and month; the arrears
aging; the CSV a finance office opens. On the in-memory fake of the collection port."""

from __future__ import annotations

import csv
import io
from datetime import date

from fakes.collection_store import InMemoryCollectionStore

from kokuho.collection.arrears_runs import run_arrears
from kokuho.collection.ledger import PaymentEntry, charge_from_version
from kokuho.collection.ports import LedgerWrite
from kokuho.collection.reminders import run_reminders
from kokuho.collection.statistics import run_statistics, statistics_csv, ward_of_address
from kokuho.premium.installments import split_equally


def months(fy: int) -> list[str]:
    return [f"{fy}-{m:02d}" for m in range(6, 13)] + [f"{fy + 1}-{m:02d}" for m in range(1, 4)]


def city() -> InMemoryCollectionStore:
    """Two payers in two wards. FY2024: A (小倉北区) 100,000, 30,000 of it never paid; FY2025: A 50,000 and
    B (八幡西区) 200,000."""
    store = InMemoryCollectionStore()
    store.put_charge(charge_from_version("HA", 2024, version=1, payer_id="A", annual=100_000,
                                         installments=split_equally(100_000, months(2024))))
    store.put_charge(charge_from_version("HA", 2025, version=1, payer_id="A", annual=50_000,
                                         installments=split_equally(50_000, months(2025))))
    store.put_charge(charge_from_version("HB", 2025, version=1, payer_id="B", annual=200_000,
                                         installments=split_equally(200_000, months(2025))))
    store.apply([
        # FY2024: 70,000 paid during FY2024 (June 2024 … March 2025)
        LedgerWrite(("HA", 2024), "A", [PaymentEntry(f"a{k}", date(2024, 6, 28) if k == 0 else date(2024, 7, 1),
                                                     10_000 if k == 0 else 60_000, "収納") for k in range(2)]),
        # FY2025: B pays 20,000 each month June–July (40,000) and A 5,000 in June 2025 and 10,000 of the old
        # year's arrears in August 2025 (滞納繰越分 collected in FY2025)
        LedgerWrite(("HB", 2025), "B", [PaymentEntry("b1", date(2025, 6, 30), 20_000, "収納"),
                                        PaymentEntry("b2", date(2025, 7, 31), 20_000, "収納")]),
        LedgerWrite(("HA", 2025), "A", [PaymentEntry("c1", date(2025, 6, 30), 5_000, "収納")]),
    ], [], actor="setup", chain="setup")
    store.apply([LedgerWrite(("HA", 2024), "A", [PaymentEntry("a9", date(2025, 8, 20), 10_000, "収納")])], [],
                actor="setup", chain="setup")
    return store


WARDS = {"A": "小倉北区", "B": "八幡西区"}


def stats(store: InMemoryCollectionStore, fy: int, as_of: date) -> dict[str, object]:
    # two payers: every ward figure is a small cell (tests/unit/collection/test_small_cells.py); the arithmetic here
    return run_statistics(store, fiscal_year=fy, as_of=as_of, wards_of=lambda ids: {i: WARDS[i] for i in ids},
                          actor="system", threshold=1)


def test_the_rate_of_the_current_year_and_of_the_carried_over_arrears_are_separate() -> None:
    store = city()
    out = stats(store, 2025, date(2025, 8, 31))
    cur, old = out["current"], out["carried_over"]
    assert (cur["due"], cur["collected"], cur["rate"]) == (250_000, 45_000, "18.00")
    assert (old["due"], old["collected"], old["rate"]) == (30_000, 10_000, "33.33")
    assert out["total"]["due"] == 280_000 and out["total"]["collected"] == 55_000
    # stored for the API, and the read of every payer's ledger recorded
    assert store.statistics_items[2025] == out
    assert ("system", ["A", "B"], "read") in store.access


def test_per_ward_and_per_month_with_the_cumulative_rate() -> None:
    out = stats(city(), 2025, date(2025, 8, 31))
    by_ward = {w["ward"]: (w["due"], w["collected"], w["rate"]) for w in out["current"]["by_ward"]}
    assert by_ward == {"小倉北区": (50_000, 5_000, "10.00"), "八幡西区": (200_000, 40_000, "20.00")}
    months_ = {m["month"]: (m["collected"], m["cumulative"], m["rate"]) for m in out["current"]["by_month"]}
    assert months_["2025-06"] == (25_000, 25_000, "10.00")
    assert months_["2025-07"] == (20_000, 45_000, "18.00")
    assert months_["2025-08"] == (0, 45_000, "18.00")
    assert "2025-09" not in months_  # after the day the figures are made
    assert {m["month"]: m["collected"] for m in out["carried_over"]["by_month"]}["2025-08"] == 10_000


def test_the_arrears_aging_buckets_what_is_unpaid_by_days_past_due() -> None:
    out = stats(city(), 2025, date(2025, 8, 31))
    aging = {b["bucket"]: (b["installments"], b["unpaid"]) for b in out["aging"]}
    # FY2024: 70,000 + 10,000 paid oldest first, so the unpaid are its last two (due 28 Feb and 31 Mar 2025):
    # 184 and 153 days. FY2025: A's June (5,000 paid of 5,000 → paid), July (due 31 July: 31 days),
    # B's June and July paid; nothing else due by 31 August 2025 (August's is due 1 September).
    assert aging == {"1-30": (0, 0), "31-90": (1, 5_000), "91-180": (1, 10_000), "181-365": (1, 10_000),
                     "366-730": (0, 0), "731-": (0, 0)}


def test_written_off_amounts_are_shown_in_the_year_they_are_written_off() -> None:
    store = city()
    run_reminders(store, on=date(2025, 4, 10), actor="system")
    run_arrears(store, on=date(2028, 3, 31), mode="write_off", actor="system")
    out = stats(store, 2027, date(2028, 3, 31))
    assert out["carried_over"]["written_off"] > 0
    assert out["carried_over"]["written_off"] == sum(
        int(a["amount"]) for lg in store.ledger_items.values() for a in lg.arrears if a["kind"] == "不納欠損")


def test_the_csv_opens_in_a_spreadsheet_with_one_row_per_kind_ward_and_month() -> None:
    text = statistics_csv(stats(city(), 2025, date(2025, 8, 31)))
    assert text.startswith("\ufeff")  # a BOM: Excel opens UTF-8 as UTF-8
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert list(rows[0]) == ["年度", "区分", "区", "月", "調定額", "収納額", "収納額累計", "収納率"]
    whole = [r for r in rows if r["区"] == "全市" and r["月"] == "年度計"]
    assert [(r["区分"], r["調定額"], r["収納額"], r["収納率"]) for r in whole] == [
        ("現年度分", "250000", "45000", "18.00"), ("滞納繰越分", "30000", "10000", "33.33"),
        ("合計", "280000", "55000", "19.64")]
    assert ("現年度分", "八幡西区", "2025-07", "20000", "40000", "20.00") in [
        (r["区分"], r["区"], r["月"], r["収納額"], r["収納額累計"], r["収納率"]) for r in rows]


def test_the_ward_is_read_from_the_address() -> None:
    assert ward_of_address("福岡県北九州市小倉北区城内1-1") == "小倉北区"
    assert ward_of_address("北九州市八幡西区黒崎3丁目") == "八幡西区"
    assert ward_of_address("福岡市中央区天神1") == "不明"
