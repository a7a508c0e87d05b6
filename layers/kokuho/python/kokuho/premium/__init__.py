"""NHI premium engine (国民健康保険料の賦課) — domain.md §1, pure Python, no AWS.

One computation (`kokuho.premium.engine`) behind every entry point; they differ only in what is checked
at the edge and whether the computation leaves a trace for `--explain`.

Public API (stable; other areas code against it):
- `compute_case(case) -> dict`: validate an interfaces.md premium case and return the interfaces.md
  output dict; raises `CaseError` (bad input, `.field` names it) or `RateFileError` (year not assessable).
- `explain_case(case) -> dict`: `compute_case` plus an `"explain"` key, from the same computation.
- `compute_many(cases) -> list[dict]` / `compute_fast(case) -> dict`: the batch path on already-valid
  cases (no pydantic validation), same output as `compute_case`.
- `compute_each(cases) -> list[dict | CaseError | RateFileError]`: the batch path for stored cases, one
  answer per case: a case it cannot read is validated to say which field is wrong.
- `revise(previous_installments, new_annual, as_of, paid) -> dict`: 更正 of the installments.
- `diff_parts(previous, new) -> dict`: per-part differences between two outputs.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kokuho.premium.engine import Trace, Year, compiled, compute, year_for
from kokuho.premium.errors import CaseError, RateFileError
from kokuho.premium.rates import PART_KEYS, RateTable, load_rate_table
from kokuho.premium.revision import diff_parts, revise

__all__ = [
    "PART_KEYS",
    "CaseError",
    "RateFileError",
    "RateTable",
    "compute_case",
    "compute_each",
    "compute_fast",
    "compute_many",
    "diff_parts",
    "explain_case",
    "load_rate_table",
    "revise",
]


def _validated(case: Any) -> dict[str, Any]:
    """The case checked at the edge (pydantic), as the plain JSON types the computation reads."""
    from kokuho.premium.case import normalized, validate_case

    return normalized(validate_case(case))


def compute_case(case: Any, rates: RateTable | None = None) -> dict[str, Any]:
    """Validate one premium case (interfaces.md) and compute it."""
    checked = _validated(case)
    return compute(checked, compiled(rates) if rates is not None else year_for(checked["fiscal_year"]))


def explain_case(case: Any, rates: RateTable | None = None) -> dict[str, Any]:
    """`compute_case` plus an `"explain"` key: every component in words a clerk can read out, read back
    from the trace the computation left."""
    from kokuho.premium.explain import explanation

    checked = _validated(case)
    y = compiled(rates) if rates is not None else year_for(checked["fiscal_year"])
    trace = Trace(y.table, checked["household"]["specific_household"])
    out = compute(checked, y, trace)
    out["explain"] = explanation(trace, out)
    return out


def compute_fast(case: dict[str, Any], directory: Path | str | None = None) -> dict[str, Any]:
    """One already-valid household through the batch path (no validation)."""
    return compute(case, year_for(case["fiscal_year"], directory))


def compute_many(cases: Iterable[dict[str, Any]], directory: Path | str | None = None, *,
                 validate: bool = False) -> list[dict[str, Any]]:
    """Many households through the batch path, in order. Cases are trusted unless `validate` is set, in
    which case each is first checked like `compute_case` does (`CaseError` on the first bad one)."""
    if validate:
        checked = []
        for i, c in enumerate(cases):
            try:
                checked.append(_validated(c))
            except CaseError as exc:  # say which case: the batch error names cases[i].<field>
                raise CaseError(f"cases[{i}].{exc.field}" if exc.field else f"cases[{i}]", exc.reason) from None
        cases = checked
    out: list[dict[str, Any]] = []
    append = out.append
    years: dict[int, Year] = {}
    for case in cases:
        fy = case["fiscal_year"]
        y = years.get(fy)
        if y is None:
            y = years[fy] = year_for(fy, directory)
        append(compute(case, y))
    return out


class _Years:
    """The compiled rate tables of a batch, by fiscal year (the rate file is located once per batch)."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = directory
        self.years: dict[int, Year] = {}

    def of(self, case: dict[str, Any]) -> Year:
        fy = case["fiscal_year"]
        y = self.years.get(fy)
        if y is None:
            y = self.years[fy] = year_for(fy, self.directory)
        return y


def compute_each(cases: Iterable[dict[str, Any]]) -> list[dict[str, Any] | CaseError | RateFileError]:
    """The batch path for stored cases: each case's output, or the error that refuses that case alone.

    Stored cases were validated when they were written, so each is computed as it is; one the computation
    cannot read (a missing key, a wrong type) is then validated, which names the bad field, and a case
    that passes validation is computed in its validated form (e.g. a date the validator reads but that
    is not ISO text)."""
    years = _Years()
    out: list[dict[str, Any] | CaseError | RateFileError] = []
    for case in cases:
        try:
            out.append(compute(case, years.of(case)))
        except RateFileError as exc:
            out.append(exc)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            try:
                out.append(compute_case(case))
            except (CaseError, RateFileError) as exc:
                out.append(exc)
    return out
