"""`kokuho collection-stats --stats FILE [--csv OUT] [--chart PNG] [--ward 区]`: the finance office's files of
a fiscal year's 収納率, from the statistics JSON the API serves (GET /collection/statistics/{fy}): the CSV a
spreadsheet opens (kokuho.collection.statistics.statistics_csv: UTF-8 with BOM) and the monthly collection
rate as a PNG chart drawn with matplotlib. The API serves no file (its surface has no export: assessment
III-3 リスク4), so the files are made where the JSON is read.

The chart is a local command (dev extras), not a Lambda: matplotlib with numpy is about 115 MB installed, which
next to the layer's own dependencies would leave little of Lambda's 250 MB (function and layers, unzipped); a
chart is a finance office's picture of figures the API already gives as JSON, so it is drawn where they are read.
Bars: collected in the month; line: the cumulative rate (right axis), for 現年度分 and 滞納繰越分; a figure withheld
as a small cell (kokuho.collection.small_cells) is left out of the chart, and marked 秘匿 in the CSV.
The Japanese labels use the Noto Sans CJK JP font the notices embed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kokuho_local.cli.stats_input import stats_input

KINDS = (("current", "現年度分"), ("carried_over", "滞納繰越分"))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stats", required=True, metavar="FILE",
                        help="statistics JSON (GET /collection/statistics/{fiscal_year}); - for stdin")
    parser.add_argument("--csv", metavar="FILE", help="write the figures as CSV (every kind, ward and month)")
    parser.add_argument("--chart", metavar="PNG", help="write the monthly collection rate as a PNG chart")
    parser.add_argument("--ward", metavar="区", help="the chart of one ward instead of the whole city")


def _figures(doc: dict[str, Any], key: str, ward: str | None) -> dict[str, Any] | None:
    part = doc[key]
    if ward is None:
        return part
    return next((w for w in part["by_ward"] if w["ward"] == ward), None)


def draw(doc: dict[str, Any], out: Path, ward: str | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display: a file only
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    from kokuho.notices.font import font_path

    font_manager.fontManager.addfont(font_path())
    family = font_manager.FontProperties(fname=font_path()).get_name()
    plt.rcParams["font.family"] = family
    fig, (bars, rates) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True, dpi=100)
    months: list[str] = []
    for i, (key, label) in enumerate(KINDS):
        part = _figures(doc, key, ward)
        if part is None or not part["by_month"]:
            continue
        months = [m["month"] for m in part["by_month"]]
        xs = [k + (i - 0.5) * 0.4 for k in range(len(months))]
        # a withheld figure (small cells: None) is no bar and no point, never a zero
        bars.bar(xs, [m["collected"] / 10_000 if m["collected"] is not None else float("nan")
                      for m in part["by_month"]], width=0.4, label=label)
        rates.plot(range(len(months)), [float(m["rate"]) if m["rate"] is not None else float("nan")
                                        for m in part["by_month"]], marker="o", label=f"{label} 累計収納率")
    where = ward or "全市"
    bars.set_title(f"{doc['fiscal_year']}年度 収納状況 ({where}, {doc['as_of']} 現在)")
    bars.set_ylabel("月別収納額 (万円)")
    rates.set_ylabel("累計収納率 (%)")
    rates.set_ylim(0, 100)
    rates.set_xticks(range(len(months)), months, rotation=45)
    for ax in (bars, rates):
        ax.grid(axis="y", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(out, format="png")
    plt.close(fig)


def run(args: argparse.Namespace) -> int:
    doc = stats_input(args, "collection-stats", ("fiscal_year", "as_of", "current", "carried_over"),
                      "a statistics document")
    if doc is None:
        return 2
    if args.ward and all(_figures(doc, k, args.ward) is None for k, _ in KINDS):
        print(f"kokuho collection-stats: --ward: no figures for {args.ward}", file=sys.stderr)
        return 2
    if args.csv:
        from kokuho.collection.statistics import statistics_csv

        Path(args.csv).write_text(statistics_csv(doc), encoding="utf-8", newline="")
        print(args.csv)
    if args.chart:
        draw(doc, Path(args.chart), args.ward)
        print(args.chart)
    return 0
