"""Filing and deciding a 療養費・出産育児一時金・葬祭費 claim against the port (kokuho.benefits.claim_ports): the rules
are kokuho.benefits.other_benefits; the private API's routes (kokuho.receipts.claim_routes) call these. Pure: no AWS.

- filing: the household must exist (404) and the person be one of its members, the event's fiscal year must have
  rules, the claim must carry what its kind needs (422 naming it, nothing stored); the same claim filed again is
  stored once (its id derives from what it claims); other content under that id is a conflict (409);
- deciding: once (409 after), never on a day before the claim was received (422); approved → a payment of what
  goes to the payee (the householder, or the 喪主 for a 葬祭費), ready for the 総合振込 file of benefits-payment-run;
  what goes to the provider under the 直接支払制度 is recorded in the decision (the federation settles it); refused →
  the reasons, nothing paid.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from kokuho.benefits import late_entry
from kokuho.benefits.benefit_ports import WriteConflict
from kokuho.benefits.claim_ports import ClaimStore, StoredClaim
from kokuho.benefits.late_entry import LateEntry, late_rescue
from kokuho.benefits.other_benefits import Claim, Decision, RulesMissing, decide, facts_of, right_last_day, rules_for
from kokuho.benefits.payment import BenefitPayment
from kokuho.dates.tokyo import today_jst


class ClaimNotFound(LookupError):
    pass


class ClaimRejected(ValueError):
    pass


class ClaimConflict(RuntimeError):
    pass


@dataclass(frozen=True)
class Decided:
    stored: StoredClaim
    decision: Decision
    payment: BenefitPayment | None


def payment_id_of(claim_id: str) -> str:
    return f"{claim_id}-P1"  # one payment per claim: the id taken twice is refused by the store


def _check(claim: Claim) -> None:
    """What the kind needs, before anything is stored (the rules' own ValueErrors name the field)."""
    try:
        rules = rules_for(claim.event_on)
    except RulesMissing as exc:
        raise ClaimRejected(f"event_on: {exc}") from None
    if claim.kind == "療養費":
        if claim.subkind not in rules.ryoyohi:
            raise ClaimRejected(f"subkind: one of {', '.join(sorted(rules.ryoyohi))}")
        foreign = rules.ryoyohi[claim.subkind].foreign
        if claim.standard is None:
            raise ClaimRejected("standard: the kind's standard amount is required")
        if foreign and (claim.paid_foreign is None or not claim.currency):
            raise ClaimRejected("paid_foreign, currency: the amount paid abroad is required")
        if not foreign and claim.paid is None:
            raise ClaimRejected("paid: the amount paid is required")
    elif claim.kind == "出産育児一時金":
        if claim.gestation_days is None:
            raise ClaimRejected("gestation_days: the days of pregnancy are required")
        if (claim.provider_code is None) != (claim.provider_charged is None):
            raise ClaimRejected("provider_code, provider_charged: both under the 直接支払制度, else neither")
    elif not claim.chief_mourner:
        raise ClaimRejected("chief_mourner: the one who held the funeral (喪主) is the payee")


def file_claim(store: ClaimStore, stored: StoredClaim, *, actor: Any, chain: str,
               entered_on: date | None = None) -> tuple[StoredClaim, bool]:
    """(the claim as stored, True when this call stored it). `entered_on`: the entry day (today): a claim entered
    late that would keep a right lapsed on it is stored held for a second member's approval (`late`;
    kokuho.benefits.late_entry)."""
    claim = stored.claim
    _check(claim)
    household = store.household(claim.household_id, claim.event_on, actor=actor, chain=chain)
    if household is None:
        raise ClaimNotFound("no such household")
    if all(m.person_id != claim.person_id for m in household.members):
        raise ClaimRejected("person_id: not a member of the household")
    entered_on = entered_on or today_jst()
    late = late_rescue(claim.received_on, entered_on, {claim.kind: right_last_day(claim, rules_for(claim.event_on))})
    if late is not None:
        stored = replace(stored, late=LateEntry(entered_on, stored.filed_by, late))
    if store.put_claim(stored, actor=actor, chain=chain):
        return stored, True
    existing = store.get_claim(claim.household_id, claim.claim_id, actor=actor, chain=chain)
    content = ("documents", "paid", "standard", "paid_foreign", "currency", "children", "gestation_days",
               "compensation_scheme", "provider_code", "provider_charged", "chief_mourner", "funeral_on",
               "other_insurer_pays", "trip_for_treatment")
    mine, theirs = claim.to_json(), existing.claim.to_json() if existing else {}
    if existing is None or any(mine.get(k) != theirs.get(k) for k in content) or existing.account != stored.account:
        raise ClaimConflict("a claim for that event is filed with other content")
    return existing, False


def decide_claim(store: ClaimStore, household_id: str, claim_id: str, *, on: date, rate: Decimal | None,
                 staff_id: str, actor: Any, chain: str) -> Decided:
    stored = store.get_claim(household_id, claim_id, actor=actor, chain=chain)
    if stored is None:
        raise ClaimNotFound("no such claim")
    if stored.decision is not None:
        raise ClaimConflict("the claim is decided already")
    if stored.late is not None and not stored.late.in_force:  # its right kept alive on one member's word
        raise ClaimRejected(f"claim: entered late, {'refused' if stored.late.decision else 'awaiting'} a second "
                            "member's approval (benefits_approve): not decided")
    claim = stored.claim
    if on < claim.received_on:  # a decision, its payment and its notice cannot predate the claim
        raise ClaimRejected(f"decided_on: before the claim was received ({claim.received_on.isoformat()})")
    household = store.household(household_id, claim.event_on, actor=actor, chain=chain)
    facts = facts_of(household, claim.person_id, claim.event_on) if household else None
    if household is None or facts is None:
        raise ClaimRejected("person_id: not a member of the household")
    try:
        decision = decide(claim, facts, rules_for(claim.event_on), rate=rate)
    except (ValueError, RulesMissing) as exc:
        raise ClaimRejected(str(exc)) from None
    payment = None
    if decision.approved and decision.to_payee > 0:
        if stored.account is None:
            raise ClaimRejected("account: the claim names no account to pay")
        payee = household.householder_id if claim.kind != "葬祭費" else f"MOURNER-{claim_id}"
        payment = BenefitPayment(payment_id_of(claim_id), household_id, claim.event_on.isoformat()[:7],
                                 decision.to_payee, 1, on.isoformat(), payee, stored.account, claim_id)
    doc = {"approved": decision.approved, "amount": decision.amount, "to_payee": decision.to_payee,
           "to_provider": decision.to_provider, "reasons": list(decision.reasons), "basis": decision.basis,
           "decided_on": on.isoformat(), "decided_by": staff_id}
    try:
        store.record_decision(stored, doc, payment, actor=actor, chain=chain)
    except WriteConflict:
        raise ClaimConflict("the claim is decided already") from None
    return Decided(stored, decision, payment)


def decide_late_claim(store: ClaimStore, household_id: str, claim_id: str, *, decision: str, staff_id: str, on: date,
                      reason: object, actor: Any, chain: str) -> StoredClaim:
    """A second member's decision on a claim entered late (kokuho.benefits.late_entry.decide_late_entry's refusals:
    DecisionRefused, AlreadyDecided): the claim as stored after it."""
    stored = store.get_claim(household_id, claim_id, actor=actor, chain=chain)
    decided = late_entry.decide_late_entry(stored.late if stored is not None else None, decision=decision,
                                           staff_id=staff_id, on=on, reason=reason, what="claim")
    assert stored is not None  # decide_late_entry refuses a claim not held
    if not store.decide_late_claim(stored, decided, actor=actor, chain=chain):
        raise late_entry.AlreadyDecided("that claim's late entry is decided already")
    return replace(stored, late=decided)


__all__ = ["ClaimConflict", "ClaimNotFound", "ClaimRejected", "Decided", "decide_claim", "decide_late_claim",
           "file_claim", "payment_id_of"]
