"""The finance office's files (issue 12 item 7): `kokuho collection-stats` turns the API's statistics JSON into
the CSV a spreadsheet opens and a PNG chart of the monthly 収納率 drawn with matplotlib — a picture with the
bars and the rate line in it (not blank) — and refuses (exit 2) a file that is not a statistics document."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from kokuho.collection.ledger import PaymentEntry, charge_from_version
from kokuho.collection.ports import StoredLedger
from kokuho.collection.statistics import collection_statistics
from kokuho.premium.installments import split_equally
from kokuho_local.cli.main import main

MONTHS = [f"2025-{m:02d}" for m in range(6, 13)] + [f"2026-{m:02d}" for m in range(1, 4)]


def figures() -> dict[str, object]:
    charge = charge_from_version("H1", 2025, version=1, payer_id="P1", annual=120_000,
                                 installments=split_equally(120_000, MONTHS))
    paid = tuple(PaymentEntry(f"p{k}", date(2025, 6 + k, 28), 12_000, "収納") for k in range(5))
    return collection_statistics([StoredLedger(charge, paid)], 2025, date(2025, 12, 31), {"P1": "小倉北区"})


def test_the_chart_is_a_png_with_something_drawn(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stats, out = tmp_path / "stats.json", tmp_path / "rate.png"
    stats.write_text(json.dumps(figures(), ensure_ascii=False), "utf-8")
    assert main(["collection-stats", "--stats", str(stats), "--chart", str(out)]) == 0
    image = Image.open(out)
    assert image.format == "PNG" and image.size == (900, 650)
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50  # bars, a line, text: not a blank page
    # matplotlib's first colour (the bars of 現年度分) is on the picture
    assert any(abs(r - 31) < 8 and abs(g - 119) < 8 and abs(b - 180) < 8 for _, (r, g, b) in colours)
    assert main(["collection-stats", "--stats", str(stats), "--chart", str(out), "--ward", "小倉北区"]) == 0
    assert main(["collection-stats", "--stats", str(stats), "--chart", str(out), "--ward", "門司区"]) == 2


def test_the_csv_opens_in_a_spreadsheet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stats, out = tmp_path / "stats.json", tmp_path / "rate.csv"
    stats.write_text(json.dumps(figures(), ensure_ascii=False), "utf-8")
    assert main(["collection-stats", "--stats", str(stats), "--csv", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data  # UTF-8 with BOM, CRLF: Excel's own reading
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    whole = next(r for r in rows if (r["区分"], r["区"], r["月"]) == ("現年度分", "全市", "年度計"))
    assert (whole["調定額"], whole["収納額"], whole["収納率"]) == ("120000", "60000", "50.00")


def test_a_file_that_is_not_statistics_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"fiscal_year": 2025}', "utf-8")
    assert main(["collection-stats", "--stats", str(bad), "--chart", str(tmp_path / "o.png")]) == 2
    assert "as_of: missing" in capsys.readouterr().err
    assert not (tmp_path / "o.png").exists()


@pytest.mark.parametrize("text", ["42", "[1, 2]", "not json", "{}"])
def test_a_stats_file_that_is_no_statistics_document_is_refused_with_a_reason(
        text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Read as `kokuho checkup-stats` reads its file (kokuho_local.cli.stats_input, one rule): a JSON that is no
    object — a number, a list — is refused with the reason, exit 2, as a missing key is (not a traceback)."""
    stats = tmp_path / "stats.json"
    stats.write_text(text, "utf-8")
    assert main(["collection-stats", "--stats", str(stats), "--csv", str(tmp_path / "out.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kokuho collection-stats: --stats: ") and "Traceback" not in err
    assert not (tmp_path / "out.csv").exists()
