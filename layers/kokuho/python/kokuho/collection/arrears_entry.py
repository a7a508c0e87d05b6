"""Measures entered late (遡及入力) — the policy, pure: the city's maximum entry lag (data per fiscal year, with its
basis: data/collection/arrears_entry.json) and the reasons a 催告, 分納誓約 or 差押 needs a second member's
approval before it takes effect (kokuho.collection.arrears_actions records the measure and the decision).

Why: a measure is a fact of its own day — a pledge the payer signed before the 2-year limit passed renews the
right from that day even when it is entered later (国保法第110条, 民法第152条: 承認). But nothing revives a right
once extinguished (地方自治法第236条: no 援用 needed), so an entry dated into the past is the one way one member
alone could make a dead claim live again. The rules:

- dated after the right was extinguished (as the ledger stands on the measure's day): refused, naming `on`;
- covering an installment written off (不納欠損) by the entry day: refused (the write-off's correction is its
  own procedure, not a measure);
- entered more than `max_entry_lag_days` after its day (`entry_lag`), or covering an installment the ledger
  reads as extinguished on the entry day (`extinguished_at_entry`): recorded with `needs_approval`, in force
  only once another member with the `arrears_approve` grant approves it (a refusal keeps it out for good).
A 納付相談 is a note with no effect on status or limit: it is never held for approval.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from kokuho.collection.arrears import CONSULTATION, ArrearsInstallment
from kokuho.dates import entry_lag
from kokuho.dates.entry_lag import UnknownSetting as UnknownSetting  # the refusal callers catch

ENTRY_LAG = "entry_lag"
EXTINGUISHED_AT_ENTRY = "extinguished_at_entry"
APPROVE, REFUSE = "approve", "refuse"
DECISIONS = (APPROVE, REFUSE)
SETTING = "collection/arrears_entry.json"


def max_entry_lag(entered_on: date) -> int:
    """Days a measure may be entered after its own day without approval (kokuho.dates.entry_lag: the setting of the
    entry day's fiscal year, or of the latest year set before it)."""
    return entry_lag.max_entry_lag(SETTING, entered_on)


def approval_reasons(kind: str, on: date, entered_on: date, at_entry: Iterable[ArrearsInstallment]) -> list[str]:
    """Why a measure of `kind` dated `on`, entered on `entered_on`, needs a second member's approval (none: in force
    at once). `at_entry`: the installments it covers as the ledger stands on the entry day."""
    if kind == CONSULTATION:
        return []
    reasons = []
    if (entered_on - on).days > max_entry_lag(entered_on):
        reasons.append(ENTRY_LAG)
    if any(i.limitation is not None and i.limitation.extinguished(entered_on) for i in at_entry):
        reasons.append(EXTINGUISHED_AT_ENTRY)
    return reasons
