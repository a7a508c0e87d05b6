"""Installments (普通徴収の納期) — domain.md §1 computation rule 6.

Ten installments due June to March; a household whose first counted month is later than May pays
from the month after that month to March. The annual premium is divided equally, each installment
rounded down to 100 yen, and the remainder is added to the first installment.
"""

from __future__ import annotations

from typing import Any

from kokuho.premium.ages import FY_MONTHS, month_label

FIRST_DUE_INDEX = 2  # June
LAST_DUE_INDEX = FY_MONTHS - 1  # March


def installment_months(fiscal_year: int, first_counted: int | None) -> list[str]:
    """Due months (YYYY-MM) for a household whose first counted month index is `first_counted`
    (0 = April); none when no month is counted."""
    if first_counted is None:
        return []
    start = FIRST_DUE_INDEX if first_counted < FIRST_DUE_INDEX else first_counted + 1
    if start > LAST_DUE_INDEX:
        # First counted month is March: "from the month after it to March" is empty, so the project
        # charges one installment in the month after it (April of the next calendar year).
        return [month_label(fiscal_year, start)]
    return [month_label(fiscal_year, i) for i in range(start, LAST_DUE_INDEX + 1)]


def split_equally(total: int, due_months: list[str]) -> list[dict[str, Any]]:
    """Equal installments rounded down to 100 yen (100円未満切捨て); the remainder goes on the first."""
    if not due_months:
        return []
    count = len(due_months)
    each = total // count // 100 * 100
    out = [{"due": due, "amount": each} for due in due_months]
    out[0]["amount"] = total - each * (count - 1)
    return out
