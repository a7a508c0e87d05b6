"""Builders for premium cases in tests (interfaces.md shape), and the engine beside an independent
expectation (`oracle.expected_output`, a month-by-month reading of domain.md §1)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from oracle import expected_output

from kokuho.premium import RateFileError, compute_case, compute_fast, load_rate_table
from kokuho.premium.rates import DEFAULT_RATES_DIR


def assessable_years(directory: Path = DEFAULT_RATES_DIR) -> list[int]:
    """Every fiscal year whose rate file is shipped and complete (a year gaining its rates joins the
    properties without a change here)."""
    years = []
    for path in sorted(directory.glob("fy*.json")):
        try:
            years.append(load_rate_table(int(path.stem[2:]), directory).fiscal_year)
        except RateFileError:
            continue
    return years


def member(mid: str = "P1", birth: str = "1979-06-15", *, salary: int = 0, pension: int = 0, other: int = 0,
           insured: list[tuple[str, str | None]] | None = None, earner: bool | None = None,
           declared: bool = True, left_on: str | None = None, expected: str | None = None,
           multiple: bool = False, specific_same: bool = False) -> dict[str, Any]:
    """A member insured all year unless `insured` says otherwise ([] = not insured)."""
    periods = [(max("2020-04-01", birth), None)] if insured is None else insured
    return {
        "id": mid,
        "birth_date": birth,
        "insured": [{"from": f, "until": u} for f, u in periods],
        "income": {"total": salary + pension + other, "salary": salary, "pension": pension, "declared": declared},
        "salary_or_pension_earner": bool(salary or pension) if earner is None else earner,
        "involuntary_unemployment": {"left_on": left_on} if left_on else None,
        "expected_birth": {"month": expected, "multiple": multiple} if expected else None,
        "specific_same_household": specific_same,
    }


def case(*members: dict[str, Any], fy: int = 2024, householder: str | None = None,
         specific: str | None = None) -> dict[str, Any]:
    return {
        "fiscal_year": fy,
        "household": {
            "householder_id": householder or members[0]["id"],
            "specific_household": specific,
            "members": list(members),
        },
    }


def both(c: dict[str, Any], rates_dir: Path | None = None) -> dict[str, Any]:
    """Compute with the engine, validated (`compute_case`) and on the trusted batch path (`compute_fast`);
    both must equal the independent expectation."""
    rates = load_rate_table(c["fiscal_year"], rates_dir) if rates_dir else None
    reference = compute_case(copy.deepcopy(c), rates)
    fast = compute_fast(copy.deepcopy(c), rates_dir)
    expected = expected_output(copy.deepcopy(c), rates or load_rate_table(c["fiscal_year"]))
    assert reference == expected, "compute_case differs from the independent expectation"
    assert fast == expected, "the batch path differs from the independent expectation"
    return reference


def write_rates(directory: Path, fy: int, base_fy: int = 2024, **changes: Any) -> Path:
    """A test rate file for `fy` copied from `base_fy`, with `parts` / `reduction` entries changed."""
    raw = json.loads((DEFAULT_RATES_DIR / f"fy{base_fy}.json").read_text(encoding="utf-8"))
    raw["fiscal_year"] = fy
    raw.pop("incomplete", None)
    raw.update(changes)
    (directory / f"fy{fy}.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return directory
