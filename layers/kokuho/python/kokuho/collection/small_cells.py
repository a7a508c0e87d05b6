"""Small-cell suppression of the published statistics (data/collection/small_cells.json, its basis written there):
a figure that 1 to threshold-1 persons stand behind is withheld (primary), and further figures so that no withheld
one is the only unknown of a sum that is published or derivable (complementary: every row, column and total
relation holds no withheld figure, or at least two). Totals stay exact. Pure: the figures and whose counts are
handed in; the statistics modules say which figures sum to which (kokuho.collection.statistics,
kokuho.health.rates).

Why the rule "never one alone in a relation": a withheld cell alone in a row is its row total less the published
cells. Two withheld cells of a row are each known only as their sum — which a withheld cell of the same column
could pin down again, hence the repetition until no relation has a single one (the usual heuristic of statistical
offices; it does not search every linear combination, which tables of this size and shape do not need)."""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
SETTING = "collection/small_cells.json"
MARK = "秘匿"  # a withheld figure in a CSV (None in the JSON, its field named in the entry's `suppressed`)


@dataclass(frozen=True)
class SmallCellRule:
    threshold: int  # a figure of 1 … threshold-1 persons is withheld
    basis: str = ""

    def doc(self, withheld: int) -> dict[str, object]:
        """What the published document says of its suppression (no figure, no person)."""
        return {"threshold": self.threshold, "withheld": withheld, "basis": self.basis}


class UnknownRule(ValueError):
    """No threshold is set for the fiscal year (nor for any year before it)."""


@lru_cache(maxsize=1)
def _setting() -> dict[str, object]:
    return dict(json.loads(resources.files("kokuho.data").joinpath(SETTING).read_text("utf-8")))


def rule_for(fiscal_year: int) -> SmallCellRule:
    """The rule of `fiscal_year`: its entry, or that of the latest year set before it."""
    raw = _setting()
    years = {int(y): v for y, v in dict(raw["years"]).items()}  # type: ignore[call-overload]
    earlier = [y for y in years if y <= fiscal_year]
    if not earlier:
        raise UnknownRule(f"no small-cell threshold is set for FY{fiscal_year} ({SETTING})")
    threshold = int(years[max(earlier)]["threshold"])
    if threshold < 1:
        raise UnknownRule(f"the small-cell threshold of FY{max(earlier)} is below 1 ({SETTING})")
    return SmallCellRule(threshold, str(raw.get("basis", "")))


def withheld(counts: Mapping[K, int], relations: Iterable[Sequence[K]], threshold: int) -> set[K]:
    """The figures to withhold. `counts`: each figure → how many persons stand behind it; `relations`: groups of
    figures whose sum is published (or derivable: a row and its total, a column, the kinds that add up to another).
    A relation of one figure (its sum is that figure) cannot be protected while the sum stays exact: left as is."""
    hidden = {k for k, n in counts.items() if 0 < n < threshold}
    groups = [list(g) for g in relations if len(g) > 1]
    changed = bool(hidden)
    while changed:
        changed = False
        for g in groups:
            inside = [k for k in g if k in hidden]
            if len(inside) == 1:
                # the least-known other figure (a non-empty one first: a withheld zero tells little)
                hidden.add(min((k for k in g if k not in hidden),
                               key=lambda k: (counts.get(k, 0) == 0, counts.get(k, 0), str(k))))
                changed = True
    return hidden
