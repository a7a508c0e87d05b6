"""The runs of 滞納整理 (domain.md §6 "Arrears"), against the port, each safe to run again (a measure's id is
derived from the ledger and the run's day, month or installment, and the port puts an id once):

- `daily`: every 分納誓約 still kept is checked; a plan payment whose day has passed with less paid (from the
  pledge's day, on the installments it covers) than the plan asked by then is flagged once (誓約不履行), and
  the pledge is broken: its installments are in arrears again.
- `demand`: the 催告 run — one 催告 a ledger and month covering its installments in arrears (not pledged,
  seized, written off or past the limit).
- `write_off`: the year-end 不納欠損 run — every unpaid installment whose right to collect is extinguished by
  the run's day (2-year limit with its renewals) is written off, one measure an installment, in the fiscal year
  of the run's day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from kokuho.collection.arrears import (
    DEMAND,
    IN_ARREARS,
    PAID,
    PLEDGE,
    PLEDGE_MISSED,
    WRITE_OFF,
    WRITTEN_OFF,
    actions_of,
    applied_by_installment,
    arrears_view,
    broken_pledges,
)
from kokuho.collection.ledger_batches import apply_in_batches
from kokuho.collection.ports import CollectionStore, LedgerKey, LedgerWrite, StoredLedger, ledger_item_id
from kokuho.dates.fiscal_year import fiscal_year_of

MODES = ("daily", "demand", "write_off")


def missed_plan_payments(ledger: StoredLedger, on: date, by: str) -> list[dict[str, Any]]:
    """誓約不履行 to flag on `on`: for each pledge still kept, its first plan payment whose day is past and short."""
    applied = applied_by_installment(ledger)
    broken = broken_pledges(ledger)
    h, fy = ledger.key
    out = []
    for pledge in actions_of(ledger, PLEDGE, on):
        if str(pledge["id"]) in broken:
            continue
        start = date.fromisoformat(pledge["on"])
        covered = [int(n) for n in pledge["installments"]]
        planned = 0
        for k, entry in enumerate(pledge["plan"], start=1):
            day = date.fromisoformat(entry["on"])
            if day >= on:
                break  # the plan's day has not passed yet
            planned += int(entry["amount"])
            paid = sum(a for n in covered for d, a in applied.get(n, ()) if start <= d <= day)
            if paid < planned:
                out.append({"id": f"{pledge['id']}-M{k}", "kind": PLEDGE_MISSED, "on": on.isoformat(), "by": by,
                            "installments": covered, "pledge": str(pledge["id"]), "plan_on": entry["on"],
                            "planned": planned, "paid": paid, "shortfall": planned - paid})
                break  # the pledge is broken: flagged once
    return out


def demand_id(key: LedgerKey, on: date) -> str:
    """The month's 催告 `SK-H0001-FY2024-M202407` (kokuho.collection.ports.ledger_item_id)."""
    return ledger_item_id("SK", key, f"M{on:%Y%m}")


def _stored_demand_ids(key: LedgerKey, on: date) -> tuple[str, ...]:
    """The month's 催告 as stored before its id took its letters (`SK-H0001-2024-202407`): a month's run after the
    change finds the one it issued already, never a second."""
    return demand_id(key, on), f"SK-{key[0]}-{key[1]}-{on:%Y%m}"


def demands_due(ledger: StoredLedger, on: date, by: str) -> list[dict[str, Any]]:
    """The month's 催告 of a ledger: its installments in arrears, still collectable."""
    view = arrears_view(ledger, on)
    due = [i for i in view.installments
           if i.status == IN_ARREARS and i.limitation is not None and not i.limitation.extinguished(on)]
    this_month = demand_id(ledger.key, on)
    if not due or any(a["id"] in _stored_demand_ids(ledger.key, on) for a in ledger.arrears):
        return []
    return [{"id": this_month, "kind": DEMAND, "on": on.isoformat(), "by": by,
             "installments": [i.number for i in due], "unpaid": sum(i.unpaid for i in due), "note": None}]


def write_offs_due(ledger: StoredLedger, on: date, by: str) -> list[dict[str, Any]]:
    """不納欠損 on `on`: each unpaid installment whose right to collect is extinguished by then."""
    view = arrears_view(ledger, on)
    return [{"id": ledger_item_id("FK", ledger.key, i.number), "kind": WRITE_OFF, "on": on.isoformat(), "by": by,
             "installments": [i.number], "amount": i.unpaid, "fiscal_year": fiscal_year_of(on),
             "last_day": i.limitation.last_day.isoformat()}
            for i in view.installments
            if i.status not in (PAID, WRITTEN_OFF) and i.limitation is not None and i.limitation.extinguished(on)]


_PLANNERS = {"daily": missed_plan_payments, "demand": demands_due, "write_off": write_offs_due}


def _writes(ledgers: Iterable[StoredLedger], on: date, mode: str, by: str) -> list[LedgerWrite]:
    plan = _PLANNERS[mode]
    out = []
    for lg in ledgers:
        docs = plan(lg, on, by)
        if docs:
            out.append(LedgerWrite(lg.key, lg.charge.payer_id, arrears=docs))
    return out


def run_arrears(store: CollectionStore, *, on: date, mode: str, actor: Any, by: str = "system",
                items_per_transaction: int = 90) -> dict[str, Any]:
    """Run one of the MODES for the day `on` over every ledger; the outcome counts what it recorded."""
    if mode not in MODES:
        raise ValueError(f"mode: must be one of {', '.join(MODES)}")
    applied = apply_in_batches(store, lambda ledgers: _writes(ledgers, on, mode, by), actor=actor,
                               chain=f"arrears-{mode}#{on.isoformat()}", items_per_transaction=items_per_transaction)
    recorded = [d for w in applied for d in w.arrears]
    ledgers = {w.key for w in applied}
    missed = [d for d in recorded if d["kind"] == PLEDGE_MISSED]
    demands = [d for d in recorded if d["kind"] == DEMAND]
    written = [d for d in recorded if d["kind"] == WRITE_OFF]
    return {"on": on.isoformat(), "mode": mode, "ledgers": len(ledgers),
            "pledges_missed": len(missed), "missed": [d["pledge"] for d in missed][:100],
            "demands": len(demands), "demand_yen": sum(int(d["unpaid"]) for d in demands),
            "written_off": len(written), "written_off_yen": sum(int(d["amount"]) for d in written)}
