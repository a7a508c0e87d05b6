"""支給申請 and 療養費・出産育児一時金・葬祭費 claims entered late (遡及入力) — the policy, pure.

Why: the right to a benefit is extinguished by prescription 2 years after it arose (国保法第110条); an application
keeps it only if it really arrived (`received_on`) before the right lapsed. Entered today with an old received_on, it
would bring back a right already dead on the entry day, on the word of the one member who typed the day. So an entry
more than the city's maximum lag after its received_on (data per fiscal year with its basis:
data/benefits/application_entry.json, read by the one rule kokuho.dates.entry_lag) that would keep a right lapsed on
the entry day needs a second member of staff, as the 滞納整理 measures do (kokuho.collection.arrears_entry):

- a 支給申請 or a 療養費・出産育児一時金・葬祭費 claim so entered is recorded held (`LateEntry`, pending approval)
  and is in force — a 支給申請 read by the payment run, a claim decided — only once another member with the
  `benefits_approve` grant approves it (`decide_late_entry`); a refusal, with its reason, keeps it out for good.
  Never the member who entered it, in any spelling of their staff id (`same_staff`); one decision. Both leave their
  access record (the entry's write, the decision's write).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from kokuho.dates import entry_lag

SETTING = "benefits/application_entry.json"
APPROVE, REFUSE = "approve", "refuse"
DECISIONS = (APPROVE, REFUSE)
PENDING, APPROVED, REFUSED = "pending_approval", "approved", "refused"
MAX_NOTE = 500


@dataclass(frozen=True)
class LateEntry:
    """An entry held for a second member's approval: when and by whom it was entered, why it waits, and the
    decision once made."""

    entered_on: date
    entered_by: str
    reason: str  # why it waits (late_rescue's answer: which right it keeps alive)
    decision: str | None = None  # APPROVE or REFUSE
    decided_by: str | None = None
    decided_on: date | None = None
    note: str | None = None  # a refusal's reason (an approval's remark)

    @property
    def status(self) -> str:
        return PENDING if self.decision is None else APPROVED if self.decision == APPROVE else REFUSED

    @property
    def in_force(self) -> bool:
        return self.decision == APPROVE


class DecisionRefused(ValueError):
    """A decision the rules refuse: the message starts with the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class AlreadyDecided(Exception):
    """The entry's approval is decided already (one decision)."""


def _staff_key(staff_id: str) -> str:
    """A staff id as it names one member: full-width folded, case, spaces, separators and invisible characters
    dropped — so 'Ｓ１０１８', 's1018' and 'S 1018' are S1018."""
    folded = unicodedata.normalize("NFKC", staff_id).casefold()
    return "".join(c for c in folded if c.isalnum())


def same_staff(a: str, b: str) -> bool:
    return _staff_key(a) == _staff_key(b)


def decide_late_entry(entry: LateEntry | None, *, decision: str, staff_id: str, on: date,
                      reason: object = None, what: str = "application") -> LateEntry:
    """The second member's decision on an entry held for approval (None: there is none). Refused: no entry
    awaiting (`application`), an unknown decision, the entrant (`approver`, any spelling), a refusal without a
    reason; AlreadyDecided once decided."""
    if decision not in DECISIONS:
        raise DecisionRefused("decision", f"must be one of {', '.join(DECISIONS)}")
    if entry is None:
        raise DecisionRefused(what, f"no {what} of that id awaits approval")
    if entry.decision is not None:
        raise AlreadyDecided(f"that {what}'s late entry is decided already")
    if same_staff(entry.entered_by, staff_id):
        raise DecisionRefused("approver", "the member of staff who entered it cannot approve or refuse it")
    note = reason.strip() if isinstance(reason, str) else None
    if reason is not None and not isinstance(reason, str):
        raise DecisionRefused("reason", "must be text")
    if decision == REFUSE and not note:
        raise DecisionRefused("reason", "a refusal says why")
    if note is not None and len(note) > MAX_NOTE:
        raise DecisionRefused("reason", f"at most {MAX_NOTE} characters")
    return replace(entry, decision=decision, decided_by=staff_id, decided_on=on, note=note or None)


def setting() -> dict[str, Any]:
    return entry_lag.setting_of(SETTING)


def max_entry_lag(entered_on: date) -> int:
    return entry_lag.max_entry_lag(SETTING, entered_on)


def late_rescue(received_on: date, entered_on: date, rights: Mapping[str, date]) -> str | None:
    """Why an application received on `received_on` and entered on `entered_on` cannot be recorded by one member
    (None: it can). `rights`: what it claims (a month, a kind) → the last day of that right."""
    lag, allowed = (entered_on - received_on).days, max_entry_lag(entered_on)
    if lag <= allowed:
        return None
    rescued = sorted((last, what) for what, last in rights.items() if received_on <= last < entered_on)
    if not rescued:
        return None  # nothing lapsed on the entry day, or lapsed before it was received: the day keeps nothing alive
    kept = ", ".join(f"{what} (lapsed after {last.isoformat()})" for last, what in rescued)
    return (f"received_on: entered {lag} days after it (the city allows {allowed}), it would keep a right "
            f"extinguished by the entry day (国保法第110条): {kept}; a late entry that revives a lapsed right needs "
            "a second member's approval")
