"""The 受診率 files (issue 13 item 8): `kokuho checkup-stats` turns the API's JSON into the CSV a spreadsheet opens
and a PNG chart per ward and age band drawn with matplotlib (a picture, not blank), and refuses (exit 2) a file
that is not a 受診率 document; the figures themselves from the vouchers (kokuho.health.rates)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from kokuho.collection.small_cells import SmallCellRule
from kokuho.health.ports import Voucher
from kokuho.health.rates import checkup_rates
from kokuho_local.cli.main import main


@dataclass(frozen=True)
class _P:
    address: str
    birth_date: date


def figures() -> dict[str, object]:
    def v(pid: str, used: bool) -> Voucher:
        return Voucher(pid, 2026, f"2026000000{pid[1:]}", date(2026, 4, 15), date(2026, 4, 15), date(2027, 3, 31),
                       500, "april", date(2026, 6, 1) if used else None)

    persons = {"P1": _P("福岡県北九州市戸畑区千防1-1", date(1970, 5, 1)),
               "P2": _P("福岡県北九州市戸畑区千防1-2", date(1971, 5, 1)),
               "P3": _P("福岡県北九州市小倉北区城内1-1", date(1987, 4, 1)),
               "P4": _P("福岡県北九州市小倉北区城内1-2", date(1955, 1, 1))}
    vouchers = [v("P1", True), v("P2", False), v("P3", False), v("P4", True), v("P9", True)]  # P9: not on file
    # four persons: every cell small (withheld: tests/unit/collection/test_small_cells.py); the files' shape here
    return {**checkup_rates(2026, vouchers, persons, SmallCellRule(1)), "made_at": "2026-06-02T00:00:00+00:00"}


def test_the_rates_per_ward_and_age_band() -> None:
    doc = figures()
    assert doc["total"] == {"issued": 4, "used": 2, "rate": "50.0"}
    assert {(r["ward"], r["age_band"], r["issued"], r["used"], r["rate"]) for r in doc["rows"]} == {  # type: ignore
        ("戸畑区", "55-59", 2, 1, "50.0"), ("小倉北区", "40-44", 1, 0, "0.0"), ("小倉北区", "70-74", 1, 1, "100.0")}


def test_the_csv_and_the_chart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stats, out, chart = tmp_path / "rates.json", tmp_path / "rates.csv", tmp_path / "rates.png"
    stats.write_text(json.dumps(figures(), ensure_ascii=False), "utf-8")
    assert main(["checkup-stats", "--stats", str(stats), "--csv", str(out), "--chart", str(chart)]) == 0
    text = out.read_text("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["年度", "区", "年齢区分", "受診券交付数", "受診者数", "受診率(%)"]
    assert rows[1] == ["2026", "全市", "計", "4", "2", "50.0"] and ["2026", "戸畑区", "55-59", "2", "1", "50.0"] in rows
    image = Image.open(chart)
    assert image.format == "PNG" and image.size == (1000, 550)
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50  # bars, a line, text: not a blank page


def test_withheld_cells_are_marked_in_the_csv_and_left_out_of_the_chart(tmp_path: Path) -> None:
    """The API's document withholds the small cells (None): the chart took float(None) and stopped."""
    doc = figures()
    withheld = {**doc, "rows": [{**r, "issued": None, "used": None, "rate": None,  # type: ignore[dict-item]
                                 "suppressed": ["issued", "rate", "used"]} for r in doc["rows"]]}  # type: ignore
    stats, out, chart = tmp_path / "rates.json", tmp_path / "rates.csv", tmp_path / "rates.png"
    stats.write_text(json.dumps(withheld, ensure_ascii=False), "utf-8")
    assert main(["checkup-stats", "--stats", str(stats), "--csv", str(out), "--chart", str(chart)]) == 0
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8").lstrip("\ufeff"))))
    assert rows[1] == ["2026", "全市", "計", "4", "2", "50.0"]  # the city: exact
    assert ["2026", "戸畑区", "55-59", "秘匿", "秘匿", "秘匿"] in rows
    assert Image.open(chart).format == "PNG"


@pytest.mark.parametrize(("content", "message"), [("{}", "fiscal_year: missing"), ("[1]", "not a JSON object"),
                                                  ("not json", "--stats")])
def test_a_file_that_is_not_a_rates_document_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        content: str, message: str) -> None:
    stats = tmp_path / "rates.json"
    stats.write_text(content, "utf-8")
    assert main(["checkup-stats", "--stats", str(stats), "--csv", str(tmp_path / "x.csv")]) == 2
    assert message in capsys.readouterr().err and not (tmp_path / "x.csv").exists()
