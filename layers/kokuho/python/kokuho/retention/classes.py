"""The retention classes (data) and the one rule every class follows: a record whose day is D (its day in
Japan) may be deleted from the day `period_years` after D (29 February → 1 March), never a day before, and
never while a legal hold names one of its persons. Pure: no AWS."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from kokuho.platform.tables import TableSpec

Decision = Literal["keep", "delete", "held"]
VERSION = "v1"


@dataclass(frozen=True)
class RetentionClass:
    id: str
    store: str  # "table:<logical>" or "s3:<bucket logical>/<prefix>"
    period_years: int
    counts_from: str
    legal_basis: str
    category: str  # the access records' data category of a deletion
    enforced: bool  # False: listed, not yet deleted by the workflow (docs/retention.md)

    @property
    def bucket_prefix(self) -> tuple[str, str] | None:
        """(bucket logical, key prefix) of an S3 class, else None."""
        if not self.store.startswith("s3:"):
            return None
        bucket, _, prefix = self.store[3:].partition("/")
        return bucket, prefix + "/" if prefix and not prefix.endswith("/") else prefix


class RetentionDataError(ValueError):
    pass


@cache
def load_classes(version: str = VERSION) -> dict[str, RetentionClass]:
    raw = json.loads(resources.files("kokuho.data").joinpath(f"retention/classes.{version}.json")
                     .read_text("utf-8"))
    out: dict[str, RetentionClass] = {}
    for i, c in enumerate(raw["classes"]):
        years = c.get("period_years")
        if not isinstance(years, int) or years < 1:
            raise RetentionDataError(f"classes[{i}].period_years: a whole number of years ≥ 1")
        if c["id"] in out:
            raise RetentionDataError(f"classes[{i}].id: {c['id']} twice")
        for name in ("store", "counts_from", "legal_basis", "category"):
            if not str(c.get(name) or "").strip():
                raise RetentionDataError(f"classes[{i}].{name}: missing")
        out[c["id"]] = RetentionClass(c["id"], c["store"], years, c["counts_from"], c["legal_basis"],
                                      c["category"], bool(c["enforced"]))
    return out


@cache
def load_table_reasons(version: str = VERSION) -> dict[str, str]:
    """The tables with no enforced class of their own, each with the written reason why not (`tables_without_class`
    of the data file): what deletes their items otherwise (another class, a TTL) or why they are kept."""
    raw = json.loads(resources.files("kokuho.data").joinpath(f"retention/classes.{version}.json")
                     .read_text("utf-8"))
    return {str(k): str(v) for k, v in (raw.get("tables_without_class") or {}).items() if str(v).strip()}


def tables_without_retention(tables: Sequence[TableSpec]) -> list[str]:
    """The tables (kokuho.platform.tables) that neither an enforced class stores in nor a written reason names:
    personal data kept for ever without anyone having said why."""
    stores = {c.store for c in load_classes().values() if c.enforced}
    reasons = load_table_reasons()
    return [t.logical for t in tables if f"table:{t.logical}" not in stores and t.logical not in reasons]


def retention_class(class_id: str) -> RetentionClass:
    return load_classes()[class_id]


def due_date(counted_from: date, years: int) -> date:
    """The first day a record counted from `counted_from` may be deleted (29 February → 1 March)."""
    try:
        return counted_from.replace(year=counted_from.year + years)
    except ValueError:  # 29 February in a non-leap target year
        return date(counted_from.year + years, 3, 1)


def latest_due_day(today: date, years: int) -> date:
    """The last day D whose records are due on `today` (the same day `years` back; on 29 February the 28th:
    a 29 February's records wait until 1 March in a non-leap target, see due_date)."""
    day = 28 if (today.month, today.day) == (2, 29) else today.day
    return date(today.year - years, today.month, day)


def decide(cls: RetentionClass, counted_from: date, today: date, person_ids: Iterable[str] = (),
           holds: Collection[str] = ()) -> Decision:
    """keep (not yet due), held (due, but a legal hold names one of its persons) or delete."""
    if today < due_date(counted_from, cls.period_years):
        return "keep"
    if any(p in holds for p in person_ids):
        return "held"
    return "delete"
