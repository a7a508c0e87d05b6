"""Assessment versions (賦課の版) — pure decisions, no AWS.

A household's assessment for a fiscal year is a sequence of versions. A new version is written only when
the engine's result differs from the latest version's (so rerunning a month writes nothing). The first
version's installments are the engine's (domain.md §1 rule 6); a later version is a 更正 (rule 7):
installments already due stay, the rest are re-spread, a decrease below what was paid is a refund (還付).

Payment assumption (no collection data in this system yet): installments due before the month of the
更正 count as paid as billed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from kokuho.premium import diff_parts, revise


@dataclass(frozen=True)
class Latest:
    """What the decision needs of the latest stored version."""

    version: int
    content_hash: str
    run_id: str
    result: dict[str, Any]
    installments: list[dict[str, Any]]


@dataclass(frozen=True)
class NewVersion:
    household_id: str
    fiscal_year: int
    version: int
    content_hash: str
    result: dict[str, Any]
    installments: list[dict[str, Any]]
    diff: dict[str, Any]
    difference: int
    refund: int
    notice_kind: str  # 決定通知 (first version) | 変更通知 (更正)
    payer_id: str


@dataclass(frozen=True)
class Decision:
    outcome: str  # "written" (new version), "replayed" (this run wrote it already), "unchanged"
    new: NewVersion | None = None


def content_hash(result: dict[str, Any]) -> str:
    """Hash of the engine's result: equal results ⇒ no new version."""
    canonical = json.dumps(result, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def paid_before(installments: list[dict[str, Any]], as_of_month: str) -> int:
    """Installments due before `as_of_month`: counted as paid as billed (see module docstring)."""
    return sum(int(i["amount"]) for i in installments if str(i["due"]) < as_of_month)


def decide(household_id: str, case: dict[str, Any], result: dict[str, Any], latest: Latest | None, *,
           as_of_month: str, run_id: str) -> Decision:
    digest = content_hash(result)
    if latest is not None and latest.content_hash == digest:
        return Decision("replayed" if latest.run_id == run_id else "unchanged")
    payer = str(case["household"]["householder_id"])
    fy = int(result["fiscal_year"])
    if latest is None:
        return Decision("written", NewVersion(
            household_id, fy, 1, digest, result, list(result["installments"]),
            diff_parts(None, result), int(result["annual"]), 0, "決定通知", payer))
    revised = revise(latest.installments, int(result["annual"]), as_of_month,
                     paid_before(latest.installments, as_of_month))
    return Decision("written", NewVersion(
        household_id, fy, latest.version + 1, digest, result, list(revised["installments"]),
        diff_parts(latest.result, result), int(revised["difference"]), int(revised["refund"]),
        "変更通知", payer))
