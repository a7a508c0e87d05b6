"""The pension run (特別徴収, domain.md §6; docs/pension_deduction.md): every day, for each ledger, whether its
premium is deducted from the householder's pension, the deduction's state written on the ledger (the ledger's
charge then follows it: kokuho.collection.pension_deduction.pension_ledger_charge), and the rows of the
特別徴収依頼 file to the insurer (kokuho.collection.pension_deduction_file). Written against the ports (the
ledger: kokuho.collection.ports; the pensions: kokuho.collection.pension_ports; the household and the
介護保険料: `Facts`), so it runs on DynamoDB in the Lambda and on the fakes in the unit tests.

A ledger's deduction (its `pension` state) goes through:

- **仮徴収** (`provisional`): from February of a year whose February deduction was made, the next year's
  ledger is opened (version 0, before the 本算定) with April, June and August each that February's amount,
  unless the householder is no longer in scope (not insured, a member outside 65–74, turning 75);
- **本徴収** (`deducting`): once the year is assessed (version ≥ 1) and by 31 August (the insurer is told in
  time for October), a household that qualifies (`qualification`) is deducted: the annual premium less the
  provisional deductions in October, December and February; a household without provisional deductions
  keeps its 普通徴収 installments of June … September as billed and the rest is deducted in October,
  December, February;
- **中止** (`stopped`): the provisional household that does not qualify at the 本算定; a 更正 lowering the
  premium; the householder's loss of qualification (転出, 死亡, 75) or a new householder; the insurer's
  徴収不能 of a month (that month and the later ones are not deducted). The deductions before the stop stay
  charged in their months; the rest is collected normally, on 普通徴収 installments after the stop's month
  (reminded like any). A 中止 row goes to the insurer.

A 更正 raising the premium keeps the deduction; the increase goes on 普通徴収 installments in the months
without a deduction. Each state change carries the rows it owes the insurer (`notices`), filed once by
`file_requests`. Conditional writes (the ledger's version and the state's revision as read): a 更正 or another
run in between makes the run decide that ledger again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from kokuho.collection.pension_deduction import (
    DEDUCTING,
    FINAL,
    FINAL_MONTHS,
    HOUSEHOLDER_NOT_INSURED,
    HOUSEHOLDER_TURNS_75,
    MEMBER_NOT_65_TO_74,
    PROVISIONAL,
    PROVISIONAL_MONTHS,
    PROVISIONAL_STATUS,
    STOPPED,
    Deduction,
    Member,
    PensionDeductionError,
    deduction_schedule,
    kept_deductions,
    month_index,
    qualification,
    schedule_doc,
    schedule_of,
)
from kokuho.collection.pension_deduction_file import STOP, PensionRef, request_file, request_rows, stop_row
from kokuho.collection.pension_ports import PensionRecord, PensionStore
from kokuho.collection.ports import (
    CollectionStore,
    LedgerKey,
    PensionWrite,
    StoredLedger,
    WriteConflict,
    ledger_item_id,
)
from kokuho.dates.fiscal_year import fiscal_year_of
from kokuho.identity.mynumber import id_digest

#: The last day a year's 本徴収 can be decided: the insurer must have the 依頼 in time for October.
FINAL_DECISION_BY = (8, 31)
#: Reasons of a stop (the 中止 row's `reason`, the ledger's `stop.reason`).
LOSS, NEW_HOUSEHOLDER, LOWERED, NOT_DEDUCTED = "資格喪失", "世帯主変更", "更正", "徴収不能"
INSURER_STOP = "中止通知"  # the insurer's own notice (kokuho.intake.pension): it stops; no 中止 row goes back
LEDGERS_PER_TRANSACTION = 40  # a ledger update each, the access record's 2 items: far under 100
ATTEMPTS = 5


@dataclass(frozen=True)
class HouseholdFacts:
    """What the run needs of a household's file for a fiscal year (its projected premium case)."""

    householder_id: str
    members: tuple[Member, ...]
    householder_lost_on: date | None  # the householder's NHI ends on this day within the year (転出, 死亡, 75)


class Facts(Protocol):
    def households(self, keys: Sequence[LedgerKey]) -> dict[LedgerKey, HouseholdFacts]:
        """The households' facts of those years (recorded as reads); a household without a case is absent."""
    def care_premiums(self, person_ids: Sequence[str], fiscal_year: int) -> dict[str, int]:
        """The 介護保険料 the care intake stored (recorded); a person without one is absent."""


def facts_of_case(case: Mapping[str, Any], fiscal_year: int) -> HouseholdFacts:
    """A household's facts from its projected premium case of the year (interfaces.md "Premium"): a member is
    insured in the year when one of their NHI periods overlaps it; the householder's loss is the end of their
    last period when it falls within the year."""
    start, end = date(fiscal_year, 4, 1), date(fiscal_year + 1, 4, 1)
    household = case["household"]
    members: list[Member] = []
    lost: date | None = None
    for m in household["members"]:
        periods = [(date.fromisoformat(str(p["from"])), None if p.get("until") is None
                    else date.fromisoformat(str(p["until"]))) for p in m.get("insured") or ()]
        insured = any(f < end and (u is None or u > start) for f, u in periods)
        members.append(Member(str(m["id"]), date.fromisoformat(str(m["birth_date"])), insured))
        if m["id"] == household["householder_id"] and periods:
            last = max(periods, key=lambda p: p[0])[1]
            lost = last if last is not None and last < end else None
    return HouseholdFacts(str(household["householder_id"]), tuple(members), lost)


def _month(day: date) -> str:
    return day.isoformat()[:7]


def _notice(key: LedgerKey, kind: str, month: str, amount: int, reason: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": ledger_item_id("TC", key, f"{kind}-{month}"), "kind": kind, "month": month,
                           "amount": amount}
    if reason is not None:
        out["reason"] = reason
    return out


def _failed_months(ledger: StoredLedger) -> list[str]:
    """Months the insurer answered 徴収不能 (the payment file `pension`: recorded on the ledger, dated the 15th)."""
    return sorted({str(f["on"])[:7] for f in ledger.debit_failures if f.get("channel") == "特別徴収"})


def _stop(doc: dict[str, Any], key: LedgerKey, on: date, reason: str, from_month: str | None = None, *,
          tell_insurer: bool = True) -> dict[str, Any]:
    """The state stopped on `on`: no deduction from `from_month` (default: the first scheduled month after this
    one — the insurer makes this month's), the 中止 row to send (none when the insurer stopped it itself)."""
    if from_month is None:
        later = [d.month for d in schedule_of(doc) if d.month > _month(on)]
        from_month = later[0] if later else f"{key[1] + 1:04d}-04"
    # Rows not sent yet for the months stopped are dropped; a 中止 goes only if the insurer was asked for them.
    asked = [n for n in doc.get("notices") or () if n["kind"] != STOP and str(n["month"]) >= from_month]
    notices = [n for n in doc.get("notices") or () if n.get("file") or n not in asked]
    if tell_insurer and any(n.get("file") for n in asked):
        notices.append(_notice(key, STOP, from_month, 0, reason))
    return {**doc, "status": STOPPED, "stop": {"on": on.isoformat(), "from_month": from_month, "reason": reason},
            "notices": notices}


def _scope_reasons(fiscal_year: int, facts: HouseholdFacts) -> list[str]:
    """The conditions of domain.md §6 that do not depend on the amounts (for 仮徴収, which takes February's)."""
    q = qualification(fiscal_year, householder_id=facts.householder_id, members=facts.members,
                      pension_annual=10**9, premium_annual=0, care_premium=0)
    return [r for r in q.reasons if r in (HOUSEHOLDER_NOT_INSURED, MEMBER_NOT_65_TO_74, HOUSEHOLDER_TURNS_75)]


@dataclass
class _Inputs:
    facts: dict[LedgerKey, HouseholdFacts]
    pensions: dict[int, dict[str, PensionRecord]]
    care: dict[int, dict[str, int]]


def decide(ledger: StoredLedger, on: date, inputs: _Inputs) -> dict[str, Any] | None:
    """The ledger's new deduction state on `on`, or None when it does not change."""
    key, charge, doc = ledger.key, ledger.charge, ledger.pension
    fy = key[1]
    facts = inputs.facts.get(key)
    if doc is None:
        if charge.version < 1 or on > date(fy, *FINAL_DECISION_BY) or on < date(fy, 4, 1) or facts is None:
            return None
        if facts.householder_id != charge.payer_id:
            return None
        if not _qualifies(fy, charge.annual, facts, inputs):
            return None
        before = [i for i in charge.installments if i.month < f"{fy:04d}-{FINAL_MONTHS[0]:02d}"]
        ordinary: list[dict[str, Any]] = [{"month": i.month, "amount": i.amount} for i in before]
        rest = charge.annual - sum(i.amount for i in before)
        if rest <= 0:
            return None
        schedule = deduction_schedule(fy, annual=rest, previous_february=0)
        return {"status": DEDUCTING, "basis": {"version": charge.version, "annual": charge.annual},
                "ordinary": ordinary, "schedule": schedule_doc(schedule), "stop": None, "extra_from": None,
                "notices": [_notice(key, d.kind, d.month, d.amount) for d in schedule]}
    if doc["status"] == STOPPED:
        failed = [m for m in _failed_months(ledger) if m < str(doc["stop"]["from_month"])]
        if failed:  # a month before the stop the insurer could not deduct: collected normally too
            return {**doc, "stop": {**doc["stop"], "from_month": failed[0]}}
        return None
    failed = [m for m in _failed_months(ledger) if any(d.month == m for d in kept_deductions(doc))]
    if failed:
        return _stop(doc, key, on, NOT_DEDUCTED, failed[0])
    notified = inputs.pensions.get(fy, {}).get(charge.payer_id)
    if notified is not None and notified.stop_from is not None:  # the insurer's 中止通知, from its month
        return _stop(doc, key, on, f"{INSURER_STOP} ({notified.stop_reason})", notified.stop_from,
                     tell_insurer=False)
    if facts is None or facts.householder_lost_on is not None and facts.householder_lost_on <= date(fy + 1, 3, 31):
        return _stop(doc, key, on, LOSS)
    if facts.householder_id != charge.payer_id:
        return _stop(doc, key, on, NEW_HOUSEHOLDER)
    if doc["status"] == PROVISIONAL_STATUS:
        if charge.version < 1:
            return None  # the year is not assessed yet: 仮徴収 goes on
        provisional = sum(d.amount for d in schedule_of(doc))
        february = max((d.amount for d in schedule_of(doc)), default=0)
        if charge.annual < provisional:
            return _stop(doc, key, on, LOWERED)
        if not _qualifies(fy, charge.annual, facts, inputs):
            return _stop(doc, key, on, "本徴収の要件を満たさない")
        schedule = deduction_schedule(fy, annual=charge.annual, previous_february=february)
        finals = [d for d in schedule if d.kind == FINAL]
        return {**doc, "status": DEDUCTING, "basis": {"version": charge.version, "annual": charge.annual},
                "schedule": schedule_doc(schedule),
                "notices": [*doc.get("notices", ()), *(_notice(key, d.kind, d.month, d.amount) for d in finals)]}
    basis = doc["basis"]
    if charge.version == int(basis["version"]):
        return None
    if charge.annual < int(basis["annual"]):
        return _stop(doc, key, on, LOWERED)
    new = {**doc, "basis": {"version": charge.version, "annual": charge.annual}}
    if charge.annual > int(basis["annual"]) and doc.get("extra_from") is None:
        new["extra_from"] = month_index(fy, on)
    return new


def _qualifies(fy: int, annual: int, facts: HouseholdFacts, inputs: _Inputs) -> bool:
    pension = inputs.pensions.get(fy, {}).get(facts.householder_id)
    if pension is None or pension.stop_from is not None:
        return False  # the insurer has not notified a pension to deduct from, or has stopped deducting it
    care = inputs.care.get(fy, {}).get(facts.householder_id, 0)
    try:
        return qualification(fy, householder_id=facts.householder_id, members=facts.members,
                             pension_annual=pension.annual, premium_annual=annual, care_premium=care).qualifies
    except PensionDeductionError:
        return False


def next_year_provisional(ledger: StoredLedger, on: date, facts: HouseholdFacts | None
                          ) -> tuple[LedgerKey, dict[str, Any], int] | None:
    """From February of a year deducted through February: the next year's ledger to open with its 仮徴収
    (key, state, the provisional total as its annual until the 本算定), or None."""
    key, doc = ledger.key, ledger.pension
    fy = key[1]
    if doc is None or doc["status"] == STOPPED or on < date(fy + 1, 2, 1) or facts is None:
        return None
    february = next((d.amount for d in kept_deductions(doc) if d.month == f"{fy + 1:04d}-02"), 0)
    if february <= 0 or _scope_reasons(fy + 1, facts) or facts.householder_lost_on is not None:
        return None
    nxt = (key[0], fy + 1)
    schedule = [Deduction(f"{fy + 1:04d}-{m:02d}", PROVISIONAL, february) for m in PROVISIONAL_MONTHS]
    state = {"status": PROVISIONAL_STATUS, "basis": {"version": 0, "annual": february * len(schedule)},
             "ordinary": [], "schedule": schedule_doc(schedule), "stop": None, "extra_from": None,
             "notices": [_notice(nxt, d.kind, d.month, d.amount) for d in schedule]}
    return nxt, state, february * len(schedule)


def _chunks(items: Sequence[StoredLedger], size: int) -> Iterable[Sequence[StoredLedger]]:
    for first in range(0, len(items), size):
        yield items[first:first + size]


def run_pension(store: CollectionStore, facts: Facts, pensions: PensionStore, *, on: date, actor: Any
                ) -> dict[str, Any]:
    """Decide every ledger of the year (and, from February, open the next year's 仮徴収), write what changed.
    Safe to run again the same day: a state that does not change is not written."""
    fy = fiscal_year_of(on)
    year = [lg for lg in store.all_ledgers() if lg.key[1] == fy]
    ledgers = [lg for lg in year if in_play(lg, on)]
    counts = {"ledgers": len(year), "considered": len(ledgers), "started": 0, "provisional_opened": 0,
              "stopped": 0, "changed": 0}
    for part in _chunks(ledgers, LEDGERS_PER_TRANSACTION):
        for attempt in range(ATTEMPTS):
            try:
                _decide_and_write(store, facts, pensions, part, on, actor, counts)
                break
            except WriteConflict:
                if attempt == ATTEMPTS - 1:
                    raise
                found = store.ledgers([lg.key for lg in part])  # a 更正 or a payment meanwhile: again, as now
                part = [found[lg.key] for lg in part if lg.key in found]
    return {"on": on.isoformat(), "fiscal_year": fy, **counts}


def _inputs(facts: Facts, pensions: PensionStore, part: Sequence[StoredLedger], fy: int, actor: Any) -> _Inputs:
    """Read only what a decision needs: the payers' notified pensions, then the household and the 介護保険料 of
    a ledger with a deduction or whose payer has a pension (most households have none: nothing more is read)."""
    payers = sorted({lg.charge.payer_id for lg in part})
    notified = pensions.pensions(payers, fy, actor=actor) if payers else {}
    found = facts.households([lg.key for lg in part if lg.pension is not None or lg.charge.payer_id in notified])
    heads = sorted({f.householder_id for f in found.values() if f.householder_id in notified})
    return _Inputs(found, {fy: notified}, {fy: facts.care_premiums(heads, fy) if heads else {}})


def in_play(ledger: StoredLedger, on: date) -> bool:
    """Whether the run has anything to decide for a ledger on `on`: one with a deduction, or one assessed in
    the months a deduction can still begin (to 31 August)."""
    fy = ledger.key[1]
    return ledger.pension is not None or (ledger.charge.version >= 1 and on <= date(fy, *FINAL_DECISION_BY))


def _decide_and_write(store: CollectionStore, facts: Facts, pensions: PensionStore, part: Sequence[StoredLedger],
                      on: date, actor: Any, counts: dict[str, int]) -> None:
    fy = fiscal_year_of(on)
    store.record_reads(sorted({lg.charge.payer_id for lg in part}), actor=actor, chain=f"pension#{on.isoformat()}")
    inputs = _inputs(facts, pensions, part, fy, actor)
    writes: list[PensionWrite] = []
    opened: list[PensionWrite] = []
    existing_next = store.ledgers([(lg.key[0], fy + 1) for lg in part]) if on >= date(fy + 1, 2, 1) else {}
    for lg in part:
        state = decide(lg, on, inputs)
        if state is not None:
            writes.append(PensionWrite(lg.key, lg.charge.payer_id, _revised(state, lg.pension), lg.charge.version,
                                       _rev(lg.pension)))
        current = state or lg.pension
        if (lg.key[0], fy + 1) not in existing_next:
            nxt = next_year_provisional(StoredLedger(lg.charge, debit_failures=lg.debit_failures, pension=current),
                                        on, inputs.facts.get(lg.key))
            if nxt is not None:
                key, doc, annual = nxt
                opened.append(PensionWrite(key, lg.charge.payer_id, _revised(doc, None), None, None, annual))
    if writes or opened:
        store.set_pension([*writes, *opened], actor=actor, chain=f"pension#{on.isoformat()}")
    for w in writes:
        before = next(lg.pension for lg in part if lg.key == w.key)
        counts["changed"] += 1
        counts["started"] += before is None
        counts["stopped"] += w.state["status"] == STOPPED and (before is None or before["status"] != STOPPED)
    counts["provisional_opened"] += len(opened)


def _rev(doc: Mapping[str, Any] | None) -> int | None:
    return None if doc is None else int(doc.get("rev", 0))


def _revised(doc: dict[str, Any], before: Mapping[str, Any] | None) -> dict[str, Any]:
    return {**doc, "rev": (_rev(before) or 0) + 1}


# -- the 依頼 file ---------------------------------------------------------------------------------------

def request_file_id(on: date, notice_ids: Sequence[str]) -> str:
    """`D20240722-H3f09a1c2b7e` (the day, a digest of the rows' ids): a letter before each number — `2024-07-22-…`
    joined the day's eight digits to the digest's first four (twelve, a valid My Number one file in two hundred)."""
    return f"D{on:%Y%m%d}-H{id_digest(chr(10).join(sorted(notice_ids)))}"


def file_requests(store: CollectionStore, pensions: PensionStore, *, on: date, actor: Any,
                  put: Callable[[str, bytes], None],
                  record: Callable[[str, Sequence[str]], None] | None = None) -> dict[str, Any]:
    """Every row owed to the insurer and not yet filed, in one 特別徴収依頼 file (`put(file_id, bytes)`), then
    marked filed. The file id is derived from the rows' ids: a run cut short after the put writes the same
    file again, never a second file with the same rows. A payer without a notified pension (its 基礎年金番号)
    waits (counted) until the insurer's notice arrives. `record(file id, payer ids)`: whose data leaves in the
    file (an export record naming it), before the file is put."""
    pending = [(lg, n) for lg in store.all_ledgers() if lg.pension for n in lg.pension.get("notices") or ()
               if not n.get("file")]
    if not pending:
        return {"file_id": None, "rows": 0, "waiting": 0}
    store.record_reads(sorted({lg.charge.payer_id for lg, _ in pending}), actor=actor,
                       chain=f"pension-file#{on.isoformat()}")
    refs: dict[tuple[str, int], PensionRecord] = {}
    for fy in sorted({lg.key[1] for lg, _ in pending}):
        payers = sorted({lg.charge.payer_id for lg, _ in pending if lg.key[1] == fy})
        found = pensions.pensions(payers, fy, actor=actor)
        earlier = pensions.pensions([p for p in payers if p not in found], fy - 1, actor=actor) if len(
            found) < len(payers) else {}
        refs.update(((p, fy), r) for p, r in {**earlier, **found}.items())
    rows: list[dict[str, Any]] = []
    filed: dict[LedgerKey, list[str]] = {}
    waiting = 0
    for lg, n in sorted(pending, key=lambda x: (x[0].key, x[1]["id"])):
        ref = refs.get((lg.charge.payer_id, lg.key[1]))
        if ref is None:
            waiting += 1
            continue
        pension = PensionRef(ref.basic_pension_number, ref.pension_code)
        if n["kind"] == STOP:
            rows.append(stop_row(lg.charge.payer_id, lg.key[1], pension, from_month=str(n["month"]),
                                 reason=str(n.get("reason") or "")))
        else:
            rows += request_rows(lg.charge.payer_id, lg.key[1], pension,
                                 [Deduction(str(n["month"]), str(n["kind"]), int(n["amount"]))])
        filed.setdefault(lg.key, []).append(str(n["id"]))
    if not rows:
        return {"file_id": None, "rows": 0, "waiting": waiting}
    file_id = request_file_id(on, [i for v in filed.values() for i in v])
    if record is not None:
        record(file_id, sorted({str(r["payer_id"]) for r in rows}))
    put(file_id, request_file(rows))
    by_key = {lg.key: lg for lg, _ in pending}
    marks = []
    for key, notice_ids in filed.items():
        lg = by_key[key]
        assert lg.pension is not None
        doc = {**lg.pension, "notices": [{**n, "file": file_id} if n["id"] in notice_ids else n
                                          for n in lg.pension.get("notices") or ()]}
        marks.append(PensionWrite(key, lg.charge.payer_id, _revised(doc, lg.pension), None, _rev(lg.pension)))
    for first in range(0, len(marks), LEDGERS_PER_TRANSACTION):
        store.set_pension(marks[first:first + LEDGERS_PER_TRANSACTION], actor=actor, chain=f"pension-file#{file_id}")
    return {"file_id": file_id, "rows": len(rows), "waiting": waiting,
            "stops": sum(1 for r in rows if r["kind"] == STOP)}
