"""Rate files (保険料率・賦課限度額) — one JSON file per fiscal year under kokuho/data/rates/.

A year is assessed only when its file exists and every value the computation needs is set; otherwise
`RateFileError` says exactly what is missing (domain.md §1: refuse a missing or incomplete year).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

from kokuho.premium.errors import RateFileError

#: Part keys in output order (domain.md §1 "Parts and components").
PART_KEYS: tuple[str, ...] = ("medical", "support", "care", "child")
PART_NAMES_JA: dict[str, str] = {
    "medical": "医療分",
    "support": "後期高齢者支援金等分",
    "care": "介護納付金分",
    "child": "子ども・子育て支援納付金分",
}

DEFAULT_RATES_DIR = Path(__file__).resolve().parent.parent / "data" / "rates"
#: Lets a test or a clerk's trial run point at another directory of rate files.
RATES_DIR_ENV = "KOKUHO_RATES_DIR"


@dataclass(frozen=True, slots=True)
class PartRates:
    """One part's rates: 所得割 rate, 均等割 (per insured member), 平等割 (per household), 賦課限度額 (cap)."""

    key: str
    income_rate: Fraction  # 所得割率, exact (8.20% → 41/500)
    income_rate_text: str  # as written in the file, e.g. "8.20"
    per_capita: int  # 均等割
    per_household: int  # 平等割
    cap: int  # 賦課限度額


@dataclass(frozen=True, slots=True)
class RateTable:
    """Everything a fiscal year's assessment needs, loaded from its rate file."""

    fiscal_year: int
    source: str
    provisional: bool
    parts: dict[str, PartRates]  # only the parts the year has
    #: 基礎控除 tiers: (合計所得 up to, deduction); the last tier has no upper bound (None).
    basic_deduction: tuple[tuple[int | None, int], ...]
    reduction_base: int  # 軽減判定 基準額 430,000
    reduction_per_earner: int  # 100,000 × (給与所得者等の数 − 1)
    reduction_per_member_5: int  # A: 5割軽減 per member
    reduction_per_member_2: int  # B: 2割軽減 per member

    def basic_deduction_for(self, total_income: int) -> int:
        """基礎控除 (basic deduction) chosen by 合計所得 as declared (domain.md §1 "Ages and periods")."""
        for up_to, amount in self.basic_deduction:
            if up_to is None or total_income <= up_to:
                return amount
        return 0


def rates_dir(directory: Path | str | None = None) -> Path:
    if directory is not None:
        return Path(directory)
    env = os.environ.get(RATES_DIR_ENV)
    return Path(env) if env else DEFAULT_RATES_DIR


def load_rate_table(fiscal_year: int, directory: Path | str | None = None) -> RateTable:
    """Load and check the rate file of `fiscal_year`; cached per (year, directory)."""
    return _load(int(fiscal_year), str(rates_dir(directory).resolve()))


@lru_cache(maxsize=64)
def _load(fiscal_year: int, directory: str) -> RateTable:
    path = Path(directory) / f"fy{fiscal_year}.json"
    if not path.is_file():
        raise RateFileError(fiscal_year, f"FY{fiscal_year} rate file is missing ({path.name} not found)")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RateFileError(fiscal_year, f"FY{fiscal_year} rate file is unreadable: {exc}") from exc
    return parse_rate_table(raw, fiscal_year)


def _missing_values(raw: dict[str, Any]) -> list[str]:
    """Name every value the computation needs that the file leaves unset."""
    missing: list[str] = []
    parts = raw.get("parts") or {}
    no_rates = [k for k in PART_KEYS if k in parts and parts[k].get("income_rate_percent") is None]
    if no_rates:
        missing.append(f"rates for {', '.join(no_rates)} are not set")
    for field, label in (("per_capita", "均等割"), ("per_household", "平等割"), ("cap", "cap")):
        absent = [k for k in PART_KEYS if k in parts and k not in no_rates and parts[k].get(field) is None]
        if absent:
            missing.append(f"{label} for {', '.join(absent)} is not set")
    red = raw.get("reduction") or {}
    labels = {"base": "base 430,000", "per_earner": "per earner", "per_member_5": "A (5割)",
              "per_member_2": "B (2割)"}
    absent_red = [labels[k] for k in labels if red.get(k) is None]
    if absent_red:
        missing.append(f"reduction thresholds {', '.join(absent_red)} are not set")
    if not raw.get("basic_deduction"):
        missing.append("基礎控除 tiers are not set")
    if not raw.get("source"):
        missing.append("source is not stated")
    return missing


def parse_rate_table(raw: dict[str, Any], fiscal_year: int) -> RateTable:
    if raw.get("fiscal_year") != fiscal_year:
        raise RateFileError(fiscal_year, f"FY{fiscal_year} rate file states fiscal_year {raw.get('fiscal_year')}")
    missing = _missing_values(raw)
    if missing:
        raise RateFileError(fiscal_year, f"FY{fiscal_year} rate file is incomplete: {'; '.join(missing)}")
    if raw.get("incomplete"):
        raise RateFileError(fiscal_year, f"FY{fiscal_year} rate file is incomplete: marked incomplete")
    unknown = sorted(set(raw["parts"]) - set(PART_KEYS))
    if unknown:
        raise RateFileError(fiscal_year, f"FY{fiscal_year} rate file has unknown parts: {', '.join(unknown)}")
    parts: dict[str, PartRates] = {}
    for key in PART_KEYS:
        if key not in raw["parts"]:
            continue
        p = raw["parts"][key]
        text = str(p["income_rate_percent"])
        # Fraction of a decimal string is exact: "8.20" → 41/500 of income after the /100.
        parts[key] = PartRates(key, Fraction(text) / 100, text, int(p["per_capita"]),
                               int(p["per_household"]), int(p["cap"]))
    tiers = tuple(
        (None if t["income_up_to"] is None else int(t["income_up_to"]), int(t["amount"]))
        for t in raw["basic_deduction"]
    )
    red = raw["reduction"]
    return RateTable(
        fiscal_year=fiscal_year,
        source=str(raw["source"]),
        provisional=bool(raw.get("provisional", False)),
        parts=parts,
        basic_deduction=tiers,
        reduction_base=int(red["base"]),
        reduction_per_earner=int(red["per_earner"]),
        reduction_per_member_5=int(red["per_member_5"]),
        reduction_per_member_2=int(red["per_member_2"]),
    )
