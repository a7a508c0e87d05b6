"""更正 (recalculation after a change) — domain.md §1 computation rule 7.

A change produces a new version of the annual amount. Installments already due (due month before
`as_of`) stay as they were; what is still to be charged (new annual − already due) is divided
equally over the remaining installments with the 100-yen rule of rule 6 (remainder on the first
remaining one); a new total below what was paid produces a refund (還付).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kokuho.dates.fiscal_year import fiscal_year_of_month
from kokuho.dates.months import is_month
from kokuho.premium.errors import CaseError
from kokuho.premium.installments import split_equally
from kokuho.premium.rates import PART_KEYS


def _check_month(value: object, field: str) -> str:
    if not is_month(value):
        raise CaseError(field, "must be a month YYYY-MM")
    return value


def _check_yen(value: object, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise CaseError(field, "must be an integer ≥ 0")
    return value


def _months_from(first: str, last: str) -> list[str]:
    """Months first..last inclusive (YYYY-MM)."""
    y, m = int(first[:4]), int(first[5:7])
    out: list[str] = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out




def revise(previous_installments: Sequence[Mapping[str, Any]], new_annual: int, as_of: str,
           paid: int, *, fiscal_year: int | None = None) -> dict[str, Any]:
    """New installment schedule after a 更正.

    Returns ``{"installments": [...all, kept ones included...], "refund": int, "difference": int,
    "kept": int, "excess_due": int}``: `difference` = new annual − previous annual; `refund` (還付) =
    what was paid beyond the new annual; `excess_due` = amounts already due that exceed the new annual
    and are no longer owed (not paid, so nothing to refund; the notice cancels them).
    When no installment remains and more is owed: installments from `as_of` to March of the fiscal year
    (given, or that of the last previous installment, or that of `as_of` when there was none), or a single
    one due in `as_of` once that March has passed.
    """
    _check_yen(new_annual, "new_annual")
    _check_yen(paid, "paid")
    _check_month(as_of, "as_of")
    rows: list[dict[str, Any]] = []
    for i, inst in enumerate(previous_installments):
        rows.append({"due": _check_month(inst.get("due"), f"previous_installments[{i}].due"),
                     "amount": _check_yen(inst.get("amount"), f"previous_installments[{i}].amount")})
    rows.sort(key=lambda r: r["due"])
    kept = [r for r in rows if r["due"] < as_of]  # already due: they stay
    remaining = [r["due"] for r in rows if r["due"] >= as_of]
    kept_total = sum(r["amount"] for r in kept)
    previous_total = sum(r["amount"] for r in rows)
    to_charge = new_annual - kept_total
    if to_charge >= 0:
        if not remaining and to_charge > 0:
            fy = fiscal_year if fiscal_year is not None else fiscal_year_of_month(rows[-1]["due"] if rows else as_of)
            remaining = _months_from(as_of, f"{fy + 1:04d}-03") or [as_of]
        new_rows = split_equally(to_charge, remaining)
    else:
        new_rows = [{"due": due, "amount": 0} for due in remaining]
    return {
        "installments": kept + new_rows,
        "refund": max(0, paid - new_annual),
        "difference": new_annual - previous_total,
        "kept": kept_total,
        "excess_due": max(0, kept_total - max(new_annual, paid)),
    }


def diff_parts(previous: Mapping[str, Any] | None, new: Mapping[str, Any]) -> dict[str, Any]:
    """Per-part differences between two `compute_case` outputs (previous None = first assessment).

    Returns ``{"parts": {part: new − previous}, "annual": new − previous, "reduction":
    {"previous": ..., "new": ...}, "changed": bool}``.
    """
    prev_parts: Mapping[str, int] = previous["parts"] if previous else {}
    parts = {k: int(new["parts"].get(k, 0)) - int(prev_parts.get(k, 0)) for k in PART_KEYS}
    prev_reduction = previous.get("reduction") if previous else None
    annual = int(new["annual"]) - (int(previous["annual"]) if previous else 0)
    return {
        "parts": parts,
        "annual": annual,
        "reduction": {"previous": prev_reduction, "new": new.get("reduction")},
        "changed": previous is None or any(parts.values()) or prev_reduction != new.get("reduction"),
    }
