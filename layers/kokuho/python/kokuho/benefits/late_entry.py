"""支給申請 and 療養費・出産育児一時金・葬祭費 claims entered late (遡及入力) — the policy, pure.

Why: the right to a benefit is extinguished by prescription 2 years after it arose (国保法第110条); an application
keeps it only if it really arrived (`received_on`) before the right lapsed. Entered today with an old received_on, it
would bring back a right already dead on the entry day, on the word of the one member who typed the day. So an entry
more than the city's maximum lag after its received_on (data per fiscal year with its basis:
data/benefits/application_entry.json, read by the one rule kokuho.dates.entry_lag) that would keep a right lapsed on
the entry day is refused, naming received_on; nothing is recorded. A second member's approval of such an entry (as
the 滞納整理 measures have, kokuho.collection.arrears_entry) is not built yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from kokuho.dates import entry_lag

SETTING = "benefits/application_entry.json"


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
            "a second member's approval, not available yet: nothing recorded")
