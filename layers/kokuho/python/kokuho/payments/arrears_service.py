"""The 滞納整理 runs and the 収納率 statistics on DynamoDB (kokuho.collection.arrears_runs, .statistics), each
with the collection store (kokuho.payments.wiring) and its system actor (its access records name the run)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from kokuho.access.records import Actor, record_access
from kokuho.collection import arrears_runs, statistics
from kokuho.payments import wiring
from kokuho.qualification import application
from kokuho.requests.suspension import declare_use

ARREARS_STAFF_ID = "system:arrears-run"
ARREARS_PURPOSE = "滞納処分・滞納整理 (国保法第79条の2・地方自治法第231条の3)"
STATISTICS_STAFF_ID = "system:collection-statistics"
STATISTICS_PURPOSE = "収納率の統計 (保険料の収納管理)"
ADDRESS_CATEGORY = "資格情報"  # the address read for the payer's ward
SUBJECTS_PER_RECORD = 100


def run_arrears(*, on: date, mode: str, run_id: str) -> dict[str, Any]:
    declare_use("collection.arrears")  # 利用停止: 滞納処分 goes on under its law (the data says which)
    actor = Actor(staff_id=ARREARS_STAFF_ID, terminal_id=run_id, purpose=ARREARS_PURPOSE)
    return arrears_runs.run_arrears(wiring.store(), on=on, mode=mode, actor=actor, by=ARREARS_STAFF_ID)


def _wards_of(actor: Actor, as_of: date) -> Any:
    def wards(payer_ids: Sequence[str]) -> Mapping[str, str]:
        out: dict[str, str] = {}
        for first in range(0, len(payer_ids), SUBJECTS_PER_RECORD):
            part = list(payer_ids[first:first + SUBJECTS_PER_RECORD])
            persons = application.wired().persons(part)
            out.update((pid, statistics.ward_of_address(p.address)) for pid, p in persons.items())
            # Only the address is read, for the ward: recorded as a read of those persons' qualification data.
            record_access(actor, part, ADDRESS_CATEGORY, "read", chain=f"statistics#{as_of.isoformat()}#wards")
        return out

    return wards


def run_statistics(*, fiscal_year: int, as_of: date, run_id: str) -> dict[str, Any]:
    declare_use("collection.statistics")  # 利用停止: the figures go on under their law (the data says which)
    actor = Actor(staff_id=STATISTICS_STAFF_ID, terminal_id=run_id, purpose=STATISTICS_PURPOSE)
    doc = statistics.run_statistics(wiring.store(), fiscal_year=fiscal_year, as_of=as_of,
                                    wards_of=_wards_of(actor, as_of), actor=actor)
    return {"fiscal_year": fiscal_year, "as_of": as_of.isoformat(), "ledgers": doc["ledgers"],
            "current_rate": doc["current"]["rate"], "carried_over_rate": doc["carried_over"]["rate"]}
