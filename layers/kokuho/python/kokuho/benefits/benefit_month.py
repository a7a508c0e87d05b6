"""The benefit months of one household, from what the store holds (docs/benefit_run.md "Each household-month"). Pure.

For every service month in which an insured member of the household has a receipt, oldest first:
1. the members of the month (membership and insured periods) and their brackets (kokuho.benefits.brackets, from
   the incomes of the month's benefit year);
2. the case in the engine's JSON form (kokuho.benefits.kogaku — one rule set): each member's receipts as bills
   (a dental receipt is an outpatient dental bill), 多数回 from the household's own months a household ceiling
   paid (computed here for the months of the run's window, as stored for earlier ones; a month the 70–74 outpatient
   limit (外来特例) alone paid does not count — 施行令 第29条の3) and the months carried over by the federation's
   高額該当 file, half ceilings in a month of an in-prefecture move, and for a 一般 70–74 member the
   outpatient share borne since August (the yearly cap, from the member's own earlier months);
3. the decision against the latest stored version of the month: equal input → nothing (replayed when this run
   wrote it); a first month without benefit → nothing stored; else a new version with the difference to the
   previous one (paid, or recovered when negative).
Months before the window are computed only as history (the yearly cap); they are closed (国保法第110条: 2 years).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kokuho.benefits.benefit_ports import HouseholdFacts, NewVersion, add_months, label
from kokuho.benefits.brackets import BENEFIT_YEAR_FIRST_MONTH, ELDERLY_AGE, MemberFacts, benefit_year, judge
from kokuho.benefits.case import CaseError, parse_case
from kokuho.benefits.ceilings import CeilingNotGiven, outpatient70_ceiling, outpatient70_yearly_cap, period_for
from kokuho.benefits.kogaku import MULTIPLE_WINDOW_MONTHS, assess, assess_many, outpatient_kept
from kokuho.benefits.receipt_file import Month
from kokuho.premium.errors import RateFileError

OUTPATIENT_CAP_BRACKETS = frozenset({"一般", "低所得Ⅱ", "低所得Ⅰ"})  # months whose outpatient share counts to the cap


@dataclass
class HouseholdOutcome:
    versions: list[NewVersion] = field(default_factory=list)
    entries: list[list[Any]] = field(default_factory=list)  # [month, outcome, version, benefit, difference, 多数回]
    failures: dict[str, str] = field(default_factory=dict)  # month → reason (no personal data)


def history_start(first: Month) -> Month:
    """The first month read: the August that opens the first window month's year, or 11 months before it (多数回)."""
    august = (first[0] if first[1] >= BENEFIT_YEAR_FIRST_MONTH else first[0] - 1, BENEFIT_YEAR_FIRST_MONTH)
    return min(august, add_months(first, -MULTIPLE_WINDOW_MONTHS))


def _bill(r: Any) -> dict[str, Any]:
    dental = r.setting == "dental"
    return {"provider": r.provider_code, "setting": "outpatient" if dental else r.setting, "dental": dental,
            "total_cost": r.total_cost, "copay": r.copay}


def input_hash(case: dict[str, Any]) -> str:
    """What a month's decision depends on: the engine's case, which holds the brackets, the ages, the bills, the
    多数回 months and the yearly-cap history. An income 更正 that leaves the brackets as they were changes no decision
    (the version keeps the basis it was decided on)."""
    text = json.dumps(case, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def counts_of_version(doc: Mapping[str, Any], benefit: int) -> bool:
    """Whether a stored version's month counts towards 多数回: a household ceiling paid, not the 外来特例 alone. A
    version written before the engine reported it has no `counts_for_multiple`: its case is judged again by the same
    engine; a case the engine cannot take (a stub) leaves what was decided: a month with a benefit counts."""
    if benefit <= 0:
        return False
    result = doc.get("result") or {}
    if "counts_for_multiple" in result:
        return bool(result["counts_for_multiple"])
    try:
        return assess(parse_case(doc.get("case"))).counts_for_multiple
    except (CaseError, CeilingNotGiven):
        return True


def _kind(version: int, difference: int) -> str:
    if version == 1:
        return "支給"
    return "追加支給" if difference > 0 else "返還" if difference < 0 else "再決定 (差額なし)"


def decide_household(facts: HouseholdFacts, first: Month, last: Month, *, run_id: str, at: str) -> HouseholdOutcome:
    """Every month of first..last with a receipt decided (see the module's steps)."""
    out = HouseholdOutcome()
    # 多数回 months: those a household ceiling paid (stored before the window, computed within it)
    benefit_months = {m for m, p in facts.latest.items() if p.counts and m < label(first)}
    paid: dict[tuple[str, int], int] = {}  # (member, benefit year) → outpatient share borne so far
    start = history_start(first)
    with_receipts = sorted({m for months in facts.receipts.values() for m in months if start <= m <= last})
    for month in with_receipts:
        text = label(month)
        # one a person: a member who left and came back within the month has two memberships in it
        spans = list({s.person_id: s for s in facts.members if s.member_in(month)}.values())
        covered = {s.person_id: s.insured_in(month) for s in spans}
        insured = [s for s in spans if covered[s.person_id]]
        bills = {s.person_id: [_bill(r) for r in facts.receipts.get(s.person_id, {}).get(month, ())]
                 for s in insured}
        if not any(bills.values()):
            continue
        people = [MemberFacts(s.person_id, s.birth_date, covered[s.person_id]) for s in spans]
        year = benefit_year(month)
        try:
            brackets = judge(month, facts.householder_id, people, facts.incomes.get(year, {}), with_basis=False)
        except RateFileError as exc:  # the 基礎控除 tiers of that year's rate file are not loadable
            if month >= first:
                out.failures[text] = str(exc)
            continue
        halved = text in facts.moved_in
        members = []
        for s in insured:
            if not bills[s.person_id]:
                continue
            m: dict[str, Any] = {"id": s.person_id, "age": brackets.ages[s.person_id], "bills": bills[s.person_id]}
            if m["age"] >= ELDERLY_AGE and brackets.bracket70 == "一般":
                m["outpatient_paid_this_year"] = paid.get((s.person_id, year), 0)
            members.append(m)
        prior = sorted(p for p in benefit_months | facts.carried_over if p < text)
        case = {"service_month": text, "household": {
            "bracket": brackets.bracket, "bracket70": brackets.bracket70, "prior_benefit_months": prior,
            "moved_in_month_within_prefecture": halved, "members": members}}
        try:
            if any(m["age"] >= 75 for m in members):
                raise CeilingNotGiven("household.members", "a member aged 75 or over is not insured by NHI")
            result = assess_many([case])[0]
            period = period_for(date(month[0], month[1], 1))
            for m in members:  # the 70–74 members' outpatient share borne this month (the yearly cap's history)
                if m["age"] >= ELDERLY_AGE and brackets.bracket70 in OUTPATIENT_CAP_BRACKETS:
                    outpatient = sum(b["copay"] for b in m["bills"] if b["setting"] == "outpatient")
                    ceiling = outpatient70_ceiling(period, brackets.bracket70, halved=halved)
                    kept, _ = outpatient_kept(outpatient, ceiling, outpatient70_yearly_cap(period, brackets.bracket70),
                                              m.get("outpatient_paid_this_year"))
                    paid[(m["id"], year)] = paid.get((m["id"], year), 0) + kept
        except CeilingNotGiven as exc:
            if month >= first:
                out.failures[text] = str(exc)
            continue
        if month < first:
            continue  # closed: history only
        benefit = int(result["benefit"])
        counts = bool(result["counts_for_multiple"])
        if counts:
            benefit_months.add(text)
        digest = input_hash(case)
        latest = facts.latest.get(text)
        if latest is not None and latest.input_hash == digest:
            outcome = "replayed" if latest.run_id == run_id else "unchanged"
            out.entries.append([text, outcome, latest.version, latest.benefit, latest.difference,
                                bool(result["multiple"])])
            continue
        if latest is None and benefit == 0:
            continue  # no benefit, nothing paid before: nothing to record
        version = 1 if latest is None else latest.version + 1
        difference = benefit - (latest.benefit if latest else 0)
        doc = {
            "household_id": facts.household_id, "service_month": text, "version": version, "run_id": run_id,
            "at": at, "input_hash": digest, "kind": _kind(version, difference),
            "result": {"ceiling": result["ceiling"], "multiple": result["multiple"], "benefit": benefit,
                       "counts_for_multiple": counts},
            "previous_benefit": latest.benefit if latest else 0, "difference": difference,
            # the basis, for the months recorded only (the same judgement, with its working)
            "brackets": judge(month, facts.householder_id, people, facts.incomes.get(year, {})).to_json(),
            "case": case,
            "carried_over_used": sorted(p for p in facts.carried_over if p < text),
        }
        out.versions.append(NewVersion(facts.household_id, text, version, digest, benefit, difference, doc, counts))
        out.entries.append([text, "written", version, benefit, difference, bool(result["multiple"])])
    return out
