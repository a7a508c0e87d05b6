"""Rate files: data per fiscal year with source and provisional flag; missing or incomplete years refused."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from premium_builders import case, member, write_rates

from kokuho.premium import RateFileError, compute_case, compute_many, load_rate_table
from kokuho.premium.rates import DEFAULT_RATES_DIR


def test_fy2024_official_rates_loaded_exactly() -> None:
    t = load_rate_table(2024)
    assert t.provisional is False and t.source
    assert t.parts["medical"].income_rate == Fraction(41, 500)  # 8.20%, exact
    assert (t.parts["care"].per_capita, t.parts["care"].per_household, t.parts["care"].cap) == (9_660, 8_400, 170_000)
    assert (t.reduction_per_member_5, t.reduction_per_member_2) == (295_000, 545_000)
    assert set(t.parts) == {"medical", "support", "care"}


def test_fy2025_is_provisional_with_official_caps() -> None:
    t = load_rate_table(2025)
    assert t.provisional is True
    assert {k: p.cap for k, p in t.parts.items()} == {"medical": 660_000, "support": 260_000, "care": 170_000}


def test_fy2026_is_refused_naming_what_is_missing() -> None:
    raw = json.loads((DEFAULT_RATES_DIR / "fy2026.json").read_text(encoding="utf-8"))
    assert raw["parts"]["child"]["cap"] == 30_000 and raw["parts"]["medical"]["cap"] == 670_000
    with pytest.raises(RateFileError) as err:
        compute_case(case(member(), fy=2026))
    assert "FY2026 rate file is incomplete: rates for medical, support, care, child are not set" in str(err.value)
    assert "A (5割), B (2割)" in str(err.value)


def test_missing_year_is_refused() -> None:
    with pytest.raises(RateFileError, match="FY2023 rate file is missing"):
        compute_case(case(member(), fy=2023))
    with pytest.raises(RateFileError, match="FY2023"):
        compute_many([case(member(), fy=2023)])


def test_file_marked_incomplete_is_refused_even_with_values(tmp_path: Path) -> None:
    write_rates(tmp_path, 2024, incomplete=True)
    with pytest.raises(RateFileError, match="marked incomplete"):
        load_rate_table(2024, tmp_path)


def test_rates_directory_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_rates(tmp_path, 2030)
    monkeypatch.setenv("KOKUHO_RATES_DIR", str(tmp_path))
    assert load_rate_table(2030).fiscal_year == 2030
