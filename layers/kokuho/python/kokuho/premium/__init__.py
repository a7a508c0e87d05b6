"""NHI premium engine (国民健康保険料の賦課) — domain.md §1, pure Python, no AWS.

Public API (stable; other areas code against it):
- `compute_case(case) -> dict`: validate an interfaces.md premium case and return the interfaces.md
  output dict; raises `CaseError` (bad input, `.field` names it) or `RateFileError` (year not assessable).
- `compute_many(cases) -> list[dict]` / `compute_fast(case) -> dict`: the batch core on already-valid
  cases (no pydantic validation), same output as `compute_case`.
- `revise(previous_installments, new_annual, as_of, paid) -> dict`: 更正 of the installments.
- `diff_parts(previous, new) -> dict`: per-part differences between two outputs.
"""

from __future__ import annotations

from typing import Any

from kokuho.premium.errors import CaseError, RateFileError
from kokuho.premium.fast import compute_fast, compute_many
from kokuho.premium.rates import PART_KEYS, RateTable, load_rate_table
from kokuho.premium.revision import diff_parts, revise

__all__ = [
    "PART_KEYS",
    "CaseError",
    "RateFileError",
    "RateTable",
    "compute_case",
    "compute_fast",
    "compute_many",
    "diff_parts",
    "explain_case",
    "load_rate_table",
    "revise",
]


def compute_case(case: Any, rates: RateTable | None = None) -> dict[str, Any]:
    """Validate one premium case (interfaces.md) and compute it with the reference engine."""
    from kokuho.premium.case import validate_case
    from kokuho.premium.engine import assess

    model = validate_case(case)
    table = rates if rates is not None else load_rate_table(model.fiscal_year)
    return assess(model, table).output()


def explain_case(case: Any, rates: RateTable | None = None) -> dict[str, Any]:
    """`compute_case` plus an `"explain"` key: every component in words a clerk can read out."""
    from kokuho.premium.case import validate_case
    from kokuho.premium.engine import assess
    from kokuho.premium.explain import explanation

    model = validate_case(case)
    table = rates if rates is not None else load_rate_table(model.fiscal_year)
    assessment = assess(model, table)
    out = assessment.output()
    out["explain"] = explanation(assessment, table)
    return out
