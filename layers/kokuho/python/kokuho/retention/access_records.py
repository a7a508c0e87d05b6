"""Retention of access records (class `access-records`): kept as long as the records they cover — never
before the class's period (the longest period of the classes they may cover) and never while a person or
household they name is still in the information file — and kept while a legal hold names one of them.

The records are hash-chained (kokuho.access.chain) and their chains' heads anchored by signed digests
(kokuho.access.digest), so removing a chain's oldest links must not read as a deletion. A purge is in two
steps, on two runs:

1. **Cut.** For each chain, the longest run of its oldest records that are all due is marked by a cut item
   (`CHAIN#<chain>` / `CUT#<first seq kept>`: the hash of the last record before it, no subject, no person;
   kokuho.access.records.cut_item). Nothing is deleted. The next digest (hourly) checks the cut against the
   chain and anchors it, signed, as the chain's floor.
2. **Purge.** A later run deletes the records below a floor that a signed digest anchored (with their subject
   index entries), each decided again (due, no hold, no subject left): a cut alone, or one nobody signed,
   deletes nothing. `kokuho audit verify` checks each chain from its anchored floor: intact before, during
   and after the purge.

Only a chain's oldest records can go: a due record after one that is kept waits for it."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from kokuho.access.records import cut_item
from kokuho.dates.tokyo import TOKYO
from kokuho.retention.classes import decide, retention_class
from kokuho.retention.table_ports import AccessPurgeStore

CLASS_ID = "access-records"


def _day(at: str) -> date:
    return datetime.fromisoformat(at).astimezone(TOKYO).date()


def purge_access_records(now: datetime, *, store: AccessPurgeStore, floors: Mapping[str, int] | None,
                         present: Callable[[Iterable[str]], set[str]], holds: Collection[str] = (),
                         dry_run: bool, run_id: str) -> dict[str, int]:
    """`floors`: chain → first seq kept, as the signed digests anchored them (None: the digests could not be
    read — nothing is purged, cuts are still made). Returns due (deleted now, or deletable on a dry run),
    held, and cut (records marked, purged on a run after the next digest)."""
    cls = retention_class(CLASS_ID)
    today = now.astimezone(TOKYO).date()
    chains: dict[str, list[Mapping[str, Any]]] = {}
    for rec in store.records():
        chains.setdefault(str(rec["chain"]), []).append(rec)
    # Which subjects are still in the file: asked once, for the records old enough to be due at all.
    old = [r for recs in chains.values() for r in recs if decide(cls, _day(str(r["at"])), today) != "keep"]
    left = present({str(s) for r in old for s in r["subject_ids"]})

    def state(rec: Mapping[str, Any]) -> str:
        subjects = [str(s) for s in rec["subject_ids"]]
        decision = decide(cls, _day(str(rec["at"])), today, subjects, holds)
        if decision == "delete" and any(s in left for s in subjects):
            return "keep"  # a record it covers is still there
        return decision

    due = held = cut = 0
    for chain, recs in sorted(chains.items()):
        recs.sort(key=lambda r: int(r["seq"]))
        floor = (floors or {}).get(chain, 0)
        for rec in (r for r in recs if int(r["seq"]) < floor):
            decision = state(rec)
            held += decision == "held"
            if decision == "delete" and floors is not None:
                due += 1
                if not dry_run:
                    store.delete_record(rec)
        run: list[Mapping[str, Any]] = []
        expected = max(floor, 1)
        for rec in (r for r in recs if int(r["seq"]) >= floor):
            if int(rec["seq"]) != expected:
                break  # a gap: nothing is cut past it (verify names it)
            decision = state(rec)
            if decision != "delete":
                held += decision == "held"
                break
            run.append(rec)
            expected += 1
        if run:
            last = run[-1]
            item = cut_item(chain, int(last["seq"]) + 1, str(last["hash"]), now.isoformat(timespec="seconds"),
                            run_id, len(run))
            if dry_run or store.put_cut(item):
                cut += len(run)
    return {"due": due, "held": held, "cut": cut}
