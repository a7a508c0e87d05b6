"""Assessment versions (賦課の版) — pure decisions, no AWS.

A household's assessment for a fiscal year is a sequence of versions. A new version is written only when
the engine's result differs from the latest version's (so rerunning a month writes nothing). The first
version's installments are the engine's (domain.md §1 rule 6); a later version is a 更正 (rule 7):
installments already due stay, the rest are re-spread, a decrease below what was paid is a refund (還付).

Payment assumption (no collection data in this system yet): installments due before the month of the
更正 count as paid as billed.

Provisional rates (仮算定, issue 9 item 12): a rate file carries its status (`provisional`). A version
computed from provisional rates is stored with status 仮 and issues no notice: nothing is billed from it.
While the rates stay provisional, versions follow the case as usual, still 仮 and unbilled. The first
version on confirmed rates is the household's first decision — 決定通知, the engine's installments —
even when its figures equal the 仮 ones (its hash includes the status), and the first run on confirmed
rates after a run on provisional ones assesses every household of the year again
(`reassess_every_household`), so no 仮 version is left without its 決定通知.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from kokuho.premium import diff_parts, revise

#: Status of an assessment version: from provisional rates (仮) or from confirmed ones (確定).
PROVISIONAL = "仮"
CONFIRMED = "確定"


@dataclass(frozen=True)
class Latest:
    """What the decision needs of the latest stored version. Versions stored before the status existed
    are confirmed ones whose notice was issued (the defaults)."""

    version: int
    content_hash: str
    run_id: str
    result: dict[str, Any]
    installments: list[dict[str, Any]]
    status: str = CONFIRMED
    decided: bool = True  # a 決定通知 has been issued for this household and year (by this or an earlier version)
    payer_id: str | None = None  # whom it charges (None: not read — the case did not change since)


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
    notice_kind: str | None  # 決定通知 (first decision) | 変更通知 (更正) | None (仮: no notice)
    payer_id: str
    status: str = CONFIRMED
    decided: bool = True


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


def version_hash(result: dict[str, Any], *, provisional_rates: bool) -> str:
    """The content hash a version is compared by: the result's, and for a 仮 version the status too, so
    the same figures on confirmed rates are a new version (which carries the 決定通知)."""
    return content_hash({**result, "status": PROVISIONAL} if provisional_rates else result)


def reassess_every_household(*, last_run_provisional: bool, rates_provisional: bool) -> bool:
    """Whether a monthly run assesses every household of the year rather than the changed ones: the rates
    were confirmed after the last completed run, which used provisional ones (its 仮 versions await their
    決定通知)."""
    return last_run_provisional and not rates_provisional


def decide(household_id: str, case: dict[str, Any], result: dict[str, Any], latest: Latest | None, *,
           as_of_month: str, run_id: str, provisional_rates: bool = False) -> Decision:
    digest = version_hash(result, provisional_rates=provisional_rates)
    payer = str(case["household"]["householder_id"])
    # The payer is the householder of the assessment (the ledger's payer, the notices' addressee): a 世帯主変更
    # that leaves the premium as it was is still a new version (a 変更通知 to the new payer, difference 0).
    if latest is not None and latest.content_hash == digest and latest.payer_id in (None, payer):
        return Decision("replayed" if latest.run_id == run_id else "unchanged")
    fy = int(result["fiscal_year"])
    version = 1 if latest is None else latest.version + 1
    status = PROVISIONAL if provisional_rates else CONFIRMED
    if latest is None or not latest.decided:
        # Nothing billed yet (no version, or only 仮 ones): the engine's own installments (rule 6); a 仮
        # version is shown but sends nothing, the first confirmed one is the 決定通知.
        return Decision("written", NewVersion(
            household_id, fy, version, digest, result, list(result["installments"]),
            diff_parts(None, result), int(result["annual"]), 0,
            None if provisional_rates else "決定通知", payer, status, not provisional_rates))
    revised = revise(latest.installments, int(result["annual"]), as_of_month,
                     paid_before(latest.installments, as_of_month))
    return Decision("written", NewVersion(
        household_id, fy, version, digest, result, list(revised["installments"]),
        diff_parts(latest.result, result), int(revised["difference"]), int(revised["refund"]),
        None if provisional_rates else "変更通知", payer, status, True))
