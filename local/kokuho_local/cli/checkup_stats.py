"""`kokuho checkup-stats --stats FILE [--csv OUT] [--chart PNG]`: a fiscal year's 特定健診 受診率 per ward and age
band, from the JSON the API serves (GET /health/checkups/{fiscal_year}/rates): the CSV a spreadsheet opens
(kokuho.health.rates.rates_csv: UTF-8 with BOM) and a PNG chart drawn with matplotlib — local only (dev extras),
as `kokuho collection-stats`: the API serves no file, and matplotlib does not fit next to the layer in Lambda.
Bars: the rate of each age band, grouped by ward; the city's rate as a line. Japanese labels in the notices' font."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kokuho_local.cli.stats_input import stats_input


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stats", required=True, metavar="FILE",
                        help="受診率 JSON (GET /health/checkups/{fiscal_year}/rates); - for stdin")
    parser.add_argument("--csv", metavar="FILE", help="write the figures as CSV (the city, then each ward and band)")
    parser.add_argument("--chart", metavar="PNG", help="write the rates per ward and age band as a PNG chart")


def draw(doc: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display: a file only
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    from kokuho.notices.font import font_path

    font_manager.fontManager.addfont(font_path())
    plt.rcParams["font.family"] = font_manager.FontProperties(fname=font_path()).get_name()
    wards = sorted({r["ward"] for r in doc["rows"]})
    bands = sorted({r["age_band"] for r in doc["rows"]})
    fig, ax = plt.subplots(figsize=(10, 5.5), dpi=100)
    width = 0.8 / max(len(bands), 1)
    for i, band in enumerate(bands):
        # a withheld rate (small cells: None) is no bar, never a zero
        cells = {r["ward"]: float(r["rate"]) if r["rate"] is not None else float("nan")
                 for r in doc["rows"] if r["age_band"] == band}
        ax.bar([k + (i - (len(bands) - 1) / 2) * width for k in range(len(wards))],
               [cells.get(w, 0.0) for w in wards], width=width, label=f"{band}歳")
    ax.axhline(float(doc["total"]["rate"]), color="black", linestyle="--", label=f"全市 {doc['total']['rate']}%")
    ax.set_title(f"{doc['fiscal_year']}年度 特定健診 受診率 (区・年齢区分別)")
    ax.set_ylabel("受診率 (%)")
    ax.set_ylim(0, 100)
    ax.set_xticks(range(len(wards)), wards)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(out, format="png")
    plt.close(fig)


def run(args: argparse.Namespace) -> int:
    doc = stats_input(args, "checkup-stats", ("fiscal_year", "rows", "total"), "a 受診率 document")
    if doc is None:
        return 2
    if args.csv:
        from kokuho.health.rates import rates_csv

        Path(args.csv).write_text(rates_csv(doc), encoding="utf-8", newline="")
        print(args.csv)
    if args.chart:
        draw(doc, Path(args.chart))
        print(args.chart)
    return 0
